import Synchronization
import Testing
import TickwireModel

@testable import TickwireStore

/// Concurrent commands share write transactions (SQLite's `GroupCommit`, PostgreSQL's savepoints); each must still
/// succeed or fail on its own, whether it fails in Swift (a missing bot) or in the database (a unique violation).
@Suite struct GroupCommitTests {
    final class Recorder: EventPublisher {
        let events = Mutex<[Event]>([])
        func publish(_ events: [Event]) { self.events.withLock { $0 += events } }
    }

    @Test(arguments: Backend.all)
    func concurrentCommandsCommitOrFailAloneAndPublishInIdOrder(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let recorder = Recorder()
            store.publishCommits(to: recorder)
            let bot = try await makeBot(store)
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<200 {
                    // Every fifth order names a bot that does not exist: only those fail.
                    let botId = index % 5 == 0 ? bot.id + 1000 : bot.id
                    group.addTask {
                        do {
                            _ = try await store.createOrder(
                                botId: botId, NewOrder(side: .buy, type: .market, quantity: 1), ownerId: nil, at: t0)
                            return true
                        } catch StoreError.notFound {
                            return false
                        }
                    }
                    // Interleaved: ten orders the database itself refuses (its CHECK on the quantity; the store
                    // leaves validation to the service), which on PostgreSQL aborts the transaction mid-way.
                    if index % 20 == 0 {
                        group.addTask {
                            let refused = try? await store.createOrder(
                                botId: bot.id, NewOrder(side: .buy, type: .market, quantity: -1), ownerId: nil, at: t0)
                            #expect(refused == nil)
                            return false
                        }
                    }
                }
                var outcomes: [Bool] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(results.filter { $0 }.count == 160)
            let page = try await store.orders(OrderFilter(), page: PageRequest(limit: 500))
            #expect(page.items.count == 160)
            let published = recorder.events.withLock { $0 }
            #expect(published.count == 161)  // bot_created + one order_update per committed order
            #expect(published.map(\.id) == Array(1...161))
            #expect(try await store.events(after: 0, limit: 1000).map(\.id) == Array(1...161))
        }
    }
}
