import Foundation
import TickwireModel

/// Values the command tests start from.
enum Fixtures {
    static let t0 = Timestamp(milliseconds: 1_000)
    static let t1 = Timestamp(milliseconds: 2_000)

    static func bot(id: Int64 = 3, ticker: String = "BTCUSD", status: BotStatus = .stopped) -> Bot {
        Bot(
            id: id, name: "b", ticker: ticker, exchange: "paper", strategy: "sma", config: [:], status: status,
            createdAt: t0, updatedAt: t0, ownerId: 9)
    }

    static func position(botId: Int64 = 3, quantity: Double, entry: Double = 100) -> Position {
        Position(botId: botId, quantity: quantity, avgEntryPrice: quantity == 0 ? 0 : entry, updatedAt: t0)
    }

    static func order(side: OrderSide = .buy, quantity: Double = 10, status: OrderStatus = .new) -> Order {
        Order(
            id: 7, botId: 3, exchangeOrderId: nil, side: side, type: .market, quantity: quantity, price: nil,
            status: status, filledQuantity: 0, avgFillPrice: nil, createdAt: t0, updatedAt: t0)
    }

    static func user(role: Role = .user, disabled: Bool = false) -> User {
        User(id: 9, username: "ann", role: role, disabled: disabled, createdAt: t0, updatedAt: t0)
    }

    /// The decoded payload of an event, for assertions on its fields.
    static func payload(_ draft: EventDraft) -> [String: JSONValue] {
        (try? JSONDecoder().decode([String: JSONValue].self, from: Data(draft.data.utf8))) ?? [:]
    }
}
