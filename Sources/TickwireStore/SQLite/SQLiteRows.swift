import Foundation
import GRDB
import TickwireModel

/// Row decoders for SQLite, by position: each `SELECT` names its columns in the order of `Columns`.

/// A JSON object column (`config`).
func decodeConfig(_ text: String, of entity: String) throws -> [String: JSONValue] {
    do {
        return try JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))
    } catch {
        throw DatabaseError(message: "\(entity) has a config that is not a JSON object")
    }
}

extension Bot {
    init(row: Row) throws {
        self.init(
            id: row[0], name: row[1], ticker: row[2], exchange: row[3], strategy: row[4],
            config: try decodeConfig(row[5], of: "bot \(row[0] as Int64)"),
            status: try Self.decodeEnum(row[6]), createdAt: Timestamp(milliseconds: row[7]),
            updatedAt: Timestamp(milliseconds: row[8]), ownerId: row[9])
    }
}

extension User {
    init(row: Row) throws {
        self.init(
            id: row[0], username: row[1], role: try Self.decodeEnum(row[2]), disabled: row[3],
            createdAt: Timestamp(milliseconds: row[4]), updatedAt: Timestamp(milliseconds: row[5]))
    }
}

extension APIKeyCredentials {
    init(row: Row) throws {
        let scopes = try (row[3] as String).split(separator: ",").map { name in
            guard let scope = Scope(rawValue: String(name)) else {
                throw DatabaseError(message: "unexpected scope '\(name)'")
            }
            return scope
        }
        self.init(
            key: APIKey(
                id: row[0], userId: row[1], name: row[2], scopes: scopes, createdAt: Timestamp(milliseconds: row[4]),
                revokedAt: (row[5] as Int64?).map(Timestamp.init(milliseconds:))),
            secretHash: row[6])
    }
}

extension Session {
    init(row: Row) {
        self.init(
            id: row[0], userId: row[1], secretHash: row[2], createdAt: Timestamp(milliseconds: row[3]),
            expiresAt: Timestamp(milliseconds: row[4]), revokedAt: (row[5] as Int64?).map(Timestamp.init(milliseconds:))
        )
    }
}

extension ModelSession {
    init(row: Row) throws {
        self.init(
            id: row[0], modelId: row[1], status: try Self.decodeEnum(row[2]), decisions: row[3],
            startedAt: Timestamp(milliseconds: row[4]), endedAt: (row[5] as Int64?).map(Timestamp.init(milliseconds:)),
            summary: row[6])
    }
}

extension TradingModel {
    init(row: Row) throws {
        self.init(
            id: row[0], ownerId: row[1], name: row[2], policy: row[3],
            config: try decodeConfig(row[4], of: "trading model \(row[0] as Int64)"), botId: row[7],
            createdAt: Timestamp(milliseconds: row[5]), updatedAt: Timestamp(milliseconds: row[6]))
    }
}

extension Order {
    init(row: Row) throws {
        self.init(
            id: row[0], botId: row[1], exchangeOrderId: row[2], side: try Self.decodeEnum(row[3]),
            type: try Self.decodeEnum(row[4]), quantity: row[5], price: row[6], status: try Self.decodeEnum(row[7]),
            filledQuantity: row[8], avgFillPrice: row[9], createdAt: Timestamp(milliseconds: row[10]),
            updatedAt: Timestamp(milliseconds: row[11]))
    }
}

extension Candle {
    init(row: Row) throws {
        self.init(
            ticker: row[0], exchange: row[1], interval: try Self.decodeEnum(row[2]),
            start: Timestamp(milliseconds: row[3]), open: row[4], high: row[5], low: row[6], close: row[7],
            volume: row[8], closeTime: Timestamp(milliseconds: row[9]))
    }
}

extension Fill {
    init(row: Row) throws {
        self.init(
            id: row[0], orderId: row[1], botId: row[2], side: try Self.decodeEnum(row[3]), quantity: row[4],
            price: row[5], fee: row[6], timestamp: Timestamp(milliseconds: row[7]))
    }
}

extension ActivityLog {
    init(row: Row) throws {
        self.init(
            id: row[0], botId: row[1], level: try Self.decodeEnum(row[2]), message: row[3],
            timestamp: Timestamp(milliseconds: row[4]))
    }
}

extension Price {
    init(row: Row) {
        self.init(ticker: row[0], exchange: row[1], price: row[2], timestamp: Timestamp(milliseconds: row[3]))
    }
}

extension Position {
    init(row: Row) {
        self.init(
            botId: row[0], quantity: row[1], avgEntryPrice: row[2], realizedPnl: row[3], fees: row[4],
            updatedAt: Timestamp(milliseconds: row[5]), closedTrades: row[6], winningTrades: row[7], tradePnl: row[8],
            peakEquity: row[9], maxDrawdownPct: row[10])
    }
}

extension Event {
    init(row: Row) {
        self.init(
            id: row[0], timestamp: Timestamp(milliseconds: row[1]),
            draft: EventDraft(
                topic: Topic(rawValue: row[2]), type: EventType(rawValue: row[3]), data: row[4], botId: row[5],
                ticker: row[6], ownerId: row[7]))
    }
}

extension Decodable {
    static func decodeEnum<E: RawRepresentable>(_ raw: String) throws -> E where E.RawValue == String {
        guard let value = E(rawValue: raw) else {
            throw DatabaseError(message: "unexpected value '\(raw)' for \(E.self)")
        }
        return value
    }
}
