import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
import TickwireHub
import TickwireModel
import TickwireStore

/// The hub against a real SQLite event log: resume across a restart, retention resets, slow consumers.
@Suite struct HubTests {
    struct Fixture {
        let directory: URL
        var path: String { directory.appendingPathComponent("hub.db").path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "tickwire-hub-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        /// A store and a hub wired as `tickwire serve` wires them.
        func start(_ configuration: HubConfiguration = .init()) async throws -> (SQLiteStore, Hub) {
            let store = try SQLiteStore(path: path)
            let hub = Hub(head: try await store.lastEventId(), configuration: configuration)
            store.publishCommits(to: hub)
            return (store, hub)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static func log(_ store: SQLiteStore, _ message: String) async throws {
        _ = try await store.appendLogs([NewLog(botId: nil, level: .info, message: message)], at: WallClockNow.now)
    }

    enum WallClockNow {
        static var now: Timestamp { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }
    }

    /// Takes events until `count` have arrived; other items are returned too.
    static func take(_ count: Int, from subscription: Subscription) async throws -> [Subscription.Item] {
        var items: [Subscription.Item] = []
        var events = 0
        while events < count {
            for item in try await subscription.next() {
                items.append(item)
                if case .event = item { events += 1 }
            }
        }
        return items
    }

    static func messages(_ items: [Subscription.Item]) -> [String] {
        items.compactMap { item in
            guard case .event(let shared) = item else { return nil }
            return shared.event.data.split(separator: "\"").dropFirst(9).first.map(String.init) ?? shared.event.data
        }
    }

    static func ids(_ items: [Subscription.Item]) -> [Int64] {
        items.compactMap { item in
            guard case .event(let shared) = item else { return nil }
            return shared.event.id
        }
    }

    @Test func resumeAcrossARestartReadsTheLogThenContinuesLive() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        weak var previous: SQLiteStore?
        do {
            let (store, _) = try await fixture.start()
            previous = store
            for index in 1...5 { try await Self.log(store, "before \(index)") }
        }
        // A new process: the old one has let go of the file (its background work can hold the store for a moment;
        // opening meanwhile was seen to fail with "database is locked" on a loaded machine).
        let deadline = ContinuousClock.now + .seconds(5)
        while previous != nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        // Empty in-memory history, the log on disk.
        let (store, hub) = try await fixture.start()
        #expect(hub.head == 5)
        let subscription = try hub.subscribe(Interest(topics: [.logs]), after: 2, log: store)
        try await Self.log(store, "after")
        let items = try await Self.take(4, from: subscription)
        #expect(Self.ids(items) == [3, 4, 5, 6])
        subscription.cancel()
    }

    @Test func replayCrossesFromLogToHistoryToLiveWithoutGap() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        // History of 3: ids 1-7 are older than the history once 10 events exist.
        let (store, hub) = try await fixture.start(HubConfiguration(historySize: 3))
        for index in 1...10 { try await Self.log(store, "m\(index)") }
        let subscription = try hub.subscribe(Interest(topics: [.logs]), after: 1, log: store)
        try await Self.log(store, "live")
        let items = try await Self.take(10, from: subscription)
        #expect(Self.ids(items) == Array(2...11))
    }

    @Test func aPrunedPositionGetsAResetInsteadOfASilentGap() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let (store, _) = try await fixture.start()
        for index in 1...10 { try await Self.log(store, "m\(index)") }
        let removed = try await store.pruneEvents(keepingLast: 4, olderThan: Timestamp(milliseconds: 0))
        #expect(removed == 6)
        #expect(try await store.oldestEventId() == 7)
        let hub = Hub(head: 10, configuration: HubConfiguration(historySize: 2))
        let subscription = try hub.subscribe(Interest(topics: [.logs]), after: 3, log: store)
        let first = try await subscription.next()
        guard case .reset(let reason, let lastEventId)? = first.first else {
            Issue.record("expected a reset, got \(first)")
            return
        }
        #expect(reason == "retention")
        #expect(lastEventId >= 8)
    }

    @Test func aSlowConsumerIsDroppedWithoutSlowingOthersOrGrowingMemory() async throws {
        let hub = Hub(head: 0, configuration: HubConfiguration(historySize: 16, maxQueuedEvents: 100))
        let slow = try hub.subscribe(Interest(topics: [.logs]))
        let fast = try hub.subscribe(Interest(topics: [.logs]))
        var received = 0
        for id in Int64(1)...500 {
            hub.publish([
                Event(
                    id: id, timestamp: .init(milliseconds: 0),
                    draft: EventDraft(topic: .logs, type: .logCreated, data: "{}"))
            ])
            // The fast one drains as it goes; the slow one never reads.
            if id % 50 == 0 { received += Self.ids(Array(try await fast.next())).count }
        }
        #expect(received == 500)
        #expect(hub.subscriberCount == 1)
        // Its queue was dropped when it overflowed: it holds nothing and ends with the reason.
        #expect(slow.snapshot.queueCount == 0)
        #expect(slow.snapshot.ended == .slowConsumer)
        await #expect(throws: Subscription.EndReason.slowConsumer) { _ = try await slow.next() }
        #expect(await slow.untilEnded() == .slowConsumer)
    }

    @Test func topicFiltersApplyLiveAndOnReplay() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let (store, hub) = try await fixture.start(HubConfiguration(historySize: 1))
        let alpha = try await store.createBot(
            NewBot(name: "a", ticker: "A", exchange: "x", strategy: "s"), at: WallClockNow.now)
        let beta = try await store.createBot(
            NewBot(name: "b", ticker: "B", exchange: "x", strategy: "s"), at: WallClockNow.now)
        _ = try await store.appendLogs(
            [NewLog(botId: alpha.value.id, level: .info, message: "a")], at: WallClockNow.now)
        _ = try await store.appendLogs([NewLog(botId: beta.value.id, level: .info, message: "b")], at: WallClockNow.now)
        let interest = Interest(topics: [.logs, .bots], botIds: [beta.value.id])
        let subscription = try hub.subscribe(interest, after: 0, log: store)
        _ = try await store.appendLogs(
            [NewLog(botId: alpha.value.id, level: .info, message: "a2")], at: WallClockNow.now)
        _ = try await store.appendLogs(
            [NewLog(botId: beta.value.id, level: .info, message: "b2")], at: WallClockNow.now)
        let items = try await Self.take(3, from: subscription)
        let events = items.compactMap { item -> Event? in
            if case .event(let shared) = item { return shared.event }
            return nil
        }
        #expect(events.map(\.type) == [.botCreated, .logCreated, .logCreated])
        #expect(events.allSatisfy { $0.botId == beta.value.id })
    }

    /// A connection the hub writes to directly, recording each write: how many buffers, and how many of them are
    /// events (what the transports count as delivered).
    final class RecordingSink: ChannelSink {
        let eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()
        let writes = Mutex<[(buffers: Int, events: Int)]>([])

        func bytes(for item: Subscription.Item) -> ByteBuffer? {
            switch item {
            case .event(let shared): ByteBuffer(string: "event \(shared.event.id)\n")
            case .heartbeat: ByteBuffer(string: "heartbeat\n")
            case .reset: ByteBuffer(string: "reset\n")
            case .control(let bytes): bytes
            }
        }

        func write(_ buffers: [ByteBuffer], events: Int) -> Int {
            writes.withLock { $0.append((buffers.count, events)) }
            return 0
        }

        func abort(_ reason: Subscription.EndReason) {}

        var totals: (buffers: Int, events: Int) {
            writes.withLock { $0.reduce((0, 0)) { ($0.0 + $1.buffers, $0.1 + $1.events) } }
        }
    }

    @Test func directWritesTellEventsFromHeartbeatsAndReplies() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let (store, hub) = try await fixture.start()
        let subscription = try hub.subscribe(Interest(topics: [.logs]))
        let sink = RecordingSink()
        #expect(subscription.attach(sink))
        hub.heartbeat()
        subscription.enqueueControl(ByteBuffer(string: "pong\n"))
        for index in 1...3 { try await Self.log(store, "m\(index)") }
        let deadline = ContinuousClock.now + .seconds(10)
        while sink.totals.buffers < 5, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sink.totals.buffers == 5)
        #expect(sink.totals.events == 3)
    }
}
