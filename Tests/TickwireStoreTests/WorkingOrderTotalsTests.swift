import GRDB
import PostgresNIO
import Testing
import TickwireModel
import TickwireTestSupport

@testable import TickwireStore

/// The working-order totals the order rules read are kept by triggers: after any mix of orders placed, filled in
/// part or in full, cancelled and deleted with their bot, they equal the sum over the bot's working orders.
@Suite struct WorkingOrderTotalsTests {
    /// The sum the totals replace, computed from every working order.
    static let recomputed = """
        SELECT COALESCE(SUM(CASE WHEN side = 'buy' THEN quantity - filled_quantity ELSE filled_quantity - quantity END),
        0) AS working, COALESCE(SUM(CASE WHEN side = 'buy' THEN (quantity - filled_quantity) * COALESCE(price, ?)
        ELSE 0 END), 0) AS buy_cost FROM orders WHERE bot_id = ? AND status IN ('NEW', 'PARTIALLY_FILLED')
        """

    static func both(_ store: any Store, botId: Int64, lastPrice: Double) async throws -> (
        kept: [Double], summed: [Double]
    ) {
        let arguments: [Double] = [lastPrice, Double(botId)]
        switch store {
        case let sqlite as SQLiteStore:
            return try await sqlite.read { db in
                let kept = try Row.fetchOne(db, sql: WorkingOrderTotals.read, arguments: [lastPrice, botId])
                let summed = try Row.fetchOne(db, sql: Self.recomputed, arguments: [lastPrice, botId])
                return (
                    kept.map { [$0[0], $0[1]] } ?? [0, 0],
                    summed.map { [$0[0], $0[1]] } ?? [0, 0]
                )
            }
        case let postgres as PostgresStore:
            return try await postgres.read { db in
                func values(_ sql: String) async throws -> [Double] {
                    var binds = PostgresBindings()
                    binds.append(arguments[0])
                    binds.append(botId)
                    let rows = try await db.rows(PostgresQuery(unsafeSQL: PostgresStore.numbered(sql), binds: binds))
                    guard let row = rows.first else { return [0, 0] }
                    return [try row["working"].decode(Double.self), try row["buy_cost"].decode(Double.self)]
                }
                return (try await values(WorkingOrderTotals.read), try await values(Self.recomputed))
            }
        default:
            throw TestStoreFailure("unknown store")
        }
    }

    @Test(arguments: Backend.all) func theKeptTotalsEqualTheSumAfterEveryKindOfChange(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            var random = SplitMix(seed: 20_261_206)
            let bots = try await (0..<3).asyncMap { index in
                try await store.createBot(
                    NewBot(
                        name: "b\(index)", ticker: "T\(index)", exchange: "x", strategy: "manual",
                        config: ["market": .string("margin")]), at: t0
                ).value.id
            }
            var open: [(id: Int64, botId: Int64, remaining: Double)] = []
            for step in 0..<240 {
                let choice = open.isEmpty ? 0 : random.next() % 5
                switch choice {
                case 0, 1:
                    let botId = bots[Int(random.next() % 3)]
                    let market = random.next() % 4 == 0
                    let quantity = Double(1 + random.next() % 9) / 4
                    let order = try await store.createOrder(
                        botId: botId,
                        NewOrder(
                            side: random.next() % 2 == 0 ? .buy : .sell, type: market ? .market : .limit,
                            quantity: quantity, price: market ? nil : 90 + Double(random.next() % 200) / 10),
                        ownerId: nil, rules: OrderRules(), at: at(Int64(step))
                    ).value
                    open.append((order.id, botId, quantity))
                case 2:
                    let index = Int(random.next() % UInt64(open.count))
                    let part = open[index].remaining / 2
                    _ = try await store.updateOrder(
                        id: open[index].id, OrderPatch(fill: FillRequest(quantity: part, price: 100.3)),
                        at: at(Int64(step)))
                    open[index].remaining -= part
                case 3:
                    let order = open.remove(at: Int(random.next() % UInt64(open.count)))
                    _ = try await store.updateOrder(
                        id: order.id, OrderPatch(fill: FillRequest(quantity: order.remaining, price: 99.7)),
                        at: at(Int64(step)))
                default:
                    let order = open.remove(at: Int(random.next() % UInt64(open.count)))
                    _ = try await store.updateOrder(id: order.id, OrderPatch(status: .canceled), at: at(Int64(step)))
                }
                if step % 20 == 19 {
                    for botId in bots {
                        let (kept, summed) = try await Self.both(store, botId: botId, lastPrice: 101.25)
                        #expect(zip(kept, summed).allSatisfy { abs($0 - $1) < 1e-9 }, "step \(step): \(kept) \(summed)")
                    }
                }
            }
            // A bot whose orders all ended sums to exactly zero; one deleted with its orders leaves nothing.
            for order in open where order.botId == bots[0] {
                _ = try await store.updateOrder(id: order.id, OrderPatch(status: .canceled), at: at(999))
            }
            #expect(try await Self.both(store, botId: bots[0], lastPrice: 50).kept == [0, 0])
            _ = try await store.deleteBot(id: bots[1], at: at(1000))
            #expect(try await Self.both(store, botId: bots[1], lastPrice: 50).kept == [0, 0])
        }
    }
}

struct TestStoreFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
