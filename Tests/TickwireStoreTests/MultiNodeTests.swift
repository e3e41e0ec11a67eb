import Foundation
import Synchronization
import Testing
import TickwireModel
import TickwireTestSupport

@testable import TickwireStore

/// Two nodes (two `PostgresStore`s, each with its own publisher standing in for its hub) on one database.
@Suite(.enabled(if: Backend.postgresURL != nil, "needs TICKWIRE_TEST_POSTGRES_URL"))
struct MultiNodeTests {
    final class Recorder: EventPublisher {
        let events = Mutex<[Event]>([])
        func publish(_ batch: [Event]) { events.withLock { $0 += batch } }
        var ids: [Int64] { events.withLock { $0.map(\.id) } }
    }

    /// Which node led, in order.
    final class Terms: Sendable {
        private let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var list: [String] { entries.withLock { $0 } }
    }

    @Test func everyNodeDeliversEveryCommitOnceInTheSameOrder() async throws {
        let database = try await TestDatabase.make(.postgres)
        let a = try await database.open()
        let b = try await database.open()
        let recordA = Recorder()
        let recordB = Recorder()
        a.publishCommits(to: recordA)
        b.publishCommits(to: recordB)
        let botA = try await makeBot(a, name: "on a")
        let botB = try await makeBot(b, name: "on b")

        // 2 × 100 log lines written concurrently, half through each node.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<100 {
                group.addTask {
                    _ = try await a.appendLogs([NewLog(botId: botA.id, level: .info, message: "a\(index)")], at: t0)
                }
                group.addTask {
                    _ = try await b.appendLogs([NewLog(botId: botB.id, level: .info, message: "b\(index)")], at: t0)
                }
            }
            try await group.waitForAll()
        }
        let log = try await a.events(after: 0, limit: 1000)
        #expect(log.count == 202)
        try await eventually("both nodes to deliver every commit") {
            recordA.ids.count >= 202 && recordB.ids.count >= 202
        }
        #expect(recordA.ids == log.map(\.id), "node A delivers the log in order, each event once")
        #expect(recordB.ids == log.map(\.id), "node B delivers the same sequence")
        // Node A publishes its own commits from memory and reads B's from the log: both deliver what the log holds.
        #expect(recordA.events.withLock { $0 } == log)
        #expect(recordB.events.withLock { $0 } == log)
        await database.remove([a, b])
    }

    @Test func aCommitTooLargeToAnnounceIsReadFromTheLog() async throws {
        let database = try await TestDatabase.make(.postgres)
        let a = try await database.open()
        let b = try await database.open()
        let recordB = Recorder()
        b.publishCommits(to: recordB)
        let bot = try await makeBot(a, name: "big")
        // 3 × 9,000 characters: far beyond a notification's 8,000 bytes, so only its last id is announced.
        let big = (0..<3).map { NewLog(botId: bot.id, level: .info, message: String(repeating: "\($0)", count: 9_000)) }
        _ = try await a.appendLogs(big, at: t0)
        _ = try await a.appendLogs([NewLog(botId: bot.id, level: .info, message: "small")], at: t0)
        let log = try await a.events(after: 0, limit: 1000)
        #expect(log.count == 5)
        try await eventually("node B to deliver 5") { recordB.ids.count >= 5 }
        #expect(recordB.events.withLock { $0 } == log, "the large commit is read from the log, whole and in order")
        await database.remove([a, b])
    }

    /// Other nodes publish what the notification carries: it must be exactly what the log holds, whatever the text.
    @Test func announcedEventsArriveExactlyAsTheLogHoldsThem() async throws {
        let database = try await TestDatabase.make(.postgres)
        let a = try await database.open()
        let b = try #require(try await database.open() as? PostgresStore)
        let recordB = Recorder()
        b.publishCommits(to: recordB)
        let bot = try await makeBot(a, name: #"quotes "and" ünïcode"#)
        try await eventually("node B to deliver 1") { recordB.ids.count >= 1 }
        let readsBefore = b.follower.reads.load(ordering: .relaxed)
        let messages = [
            "plain", #"quotes " and \ backslashes"#, "line\nbreak\ttab\u{01}control", "ünïcödé 📈 ∑ 中文",
            // Small enough to try announcing, too large once escaped twice (as JSON data, then in the payload):
            // PostgreSQL announces the last id instead.
            String(repeating: "\"", count: 3_000),
        ]
        for message in messages {
            _ = try await a.appendLogs([NewLog(botId: bot.id, level: .warning, message: message)], at: t0)
        }
        let log = try await a.events(after: 0, limit: 1000)
        #expect(log.count == 1 + messages.count)
        try await eventually("node B to deliver log.count") { recordB.ids.count >= log.count }
        #expect(recordB.events.withLock { $0 } == log)
        #expect(
            b.follower.reads.load(ordering: .relaxed) == readsBefore + 1,
            "B read the log once, for the commit announced by its last id; it took the others from their notifications")
        await database.remove([a, b])
    }

    @Test func anUnreachableServerFailsFastWithUnavailable() async throws {
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) {
            _ = try await PostgresStore.connect(url: "postgres://tickwire@127.0.0.1:1/none", poolSize: 1)
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func anOperationThatNeverAnswersIsGivenUpAtItsDeadlineAndItsConnectionClosed() async throws {
        let database = try await TestDatabase.make(.postgres)
        // Two connections: the notification listener keeps one, operations share the other.
        let store = try await PostgresStore.connect(url: try require(database.postgresURL), poolSize: 2)
        // A statement that would answer only after a minute stands in for one sent while the server stops, which has
        // been seen to get neither an answer nor an error.
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) {
            try await store.leased(deadline: .seconds(4)) { connection in
                _ = try await connection.query("SELECT pg_sleep(60)", logger: store.logger)
            }
        }
        let waited = ContinuousClock.now - started
        #expect(waited >= .seconds(4) && waited < .seconds(8), "the caller waited \(waited)")
        // Had the hung connection been kept, this would get none and fail after 3 s.
        let head = try await store.leased { connection in try await connection.one("SELECT 1", Int.self) }
        #expect(head == 1)
        await database.remove([store])
    }

    @Test func aStatementOnAClosedConnectionFailsAtOnce() async throws {
        let database = try await TestDatabase.make(.postgres)
        let store = try await PostgresStore.connect(url: try require(database.postgresURL), poolSize: 2)
        let error = await #expect(throws: StoreError.self) {
            try await store.leased(deadline: .seconds(4)) { connection in
                try await connection.close()
                _ = try await connection.send("SELECT 1", logger: store.logger)
            }
        }
        // Not the deadline's "did not answer": refused before anything was written. postgres-nio's own `query` waits
        // here for ever (checked: with it, this test fails with the deadline's message).
        #expect("\(String(describing: error))".contains("has closed"))
        await database.remove([store])
    }

    @Test func aNodeCatchesUpOnWhatWasCommittedBeforeItStarted() async throws {
        let database = try await TestDatabase.make(.postgres)
        let a = try await database.open()
        _ = try await makeBot(a, name: "early")
        let b = try await database.open()
        let recordB = Recorder()
        b.publishCommits(to: recordB)
        let late = try await makeBot(a, name: "late")
        try await eventually("node B to deliver 1") { recordB.ids.count >= 1 }
        // B started at the log's head: it delivers what comes after, not the history (clients resume from the log).
        #expect(recordB.events.withLock { $0.map(\.botId) } == [late.id])
        await database.remove([a, b])
    }

    @Test func oneNodeAtATimeHoldsTheEngineLease() async throws {
        let database = try await TestDatabase.make(.postgres)
        let a = try #require(try await database.open() as? PostgresStore)
        let b = try #require(try await database.open() as? PostgresStore)
        let terms = Terms()
        let (endFirstTerm, ending) = AsyncStream<Void>.makeStream()

        let first = Task {
            await a.whileLeading(retry: .milliseconds(50)) {
                terms.append("a")
                for await _ in endFirstTerm {}
            }
        }
        try await eventually("node a to lead") { terms.list == ["a"] }
        let second = Task {
            await b.whileLeading(retry: .milliseconds(50)) {
                terms.append("b")
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
                terms.append("b stopped")
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(terms.list == ["a"], "B waits while A leads")

        // A's term ends: the lock is released with it and B takes over.
        ending.finish()
        await first.value
        try await eventually("node b to lead next") { terms.list == ["a", "b"] }
        #expect(terms.list == ["a", "b"])

        // B's lease connection dies: the lock ends with its backend, so A, asking again, leads at once, and B stops
        // its term once its check of the connection goes unanswered (within 6 s).
        let third = Task {
            await a.whileLeading(retry: .milliseconds(50)) {
                terms.append("a again")
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
            }
        }
        try await a.client.query(
            """
            SELECT pg_terminate_backend(pid) FROM pg_locks
            WHERE locktype = 'advisory' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid = \(Int64(PostgresStore.engineLockKey >> 32)) AND objid = \(Int64(PostgresStore.engineLockKey & 0xFFFF_FFFF))
            """)
        try await eventually("four terms") { terms.list.count == 4 }
        #expect(terms.list.prefix(2) == ["a", "b"])
        #expect(Set(terms.list.dropFirst(2)) == ["b stopped", "a again"])
        second.cancel()
        third.cancel()
        await second.value
        await third.value
        await database.remove([a, b])
    }

    /// A node whose lease connection died but which has not noticed yet must not write for its engine any more:
    /// another node may lead already. User commands (no term) are not fenced.
    @Test func writesOfAnEndedTermAreRefused() async throws {
        let database = try await TestDatabase.make(.postgres)
        let a = try #require(try await database.open() as? PostgresStore)
        let held = Mutex<LeaseTerm?>(nil)
        let stopped = Mutex(false)
        let leading = Task {
            await a.whileLeading(retry: .milliseconds(50)) {
                held.withLock { $0 = $0 ?? LeaseTerm.current }
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
                stopped.withLock { $0 = true }
            }
        }
        try await eventually("the lease to be held") { held.withLock { $0 } != nil }
        let term = try #require(held.withLock { $0 })
        let t0 = Timestamp(milliseconds: 1_700_000_000_000)
        func log(_ message: String) -> [NewLog] { [NewLog(botId: nil, level: .info, message: message)] }

        _ = try await LeaseTerm.$current.withValue(term) { try await a.appendLogs(log("in term"), at: t0) }
        try await a.client.query("SELECT pg_terminate_backend(\(term.holder))")
        // The backend ends (and its lock with it) a moment after the signal; until then the term still holds.
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            var held = false
            for try await found in try await a.client.query(PostgresStore.fenceCheck(term)).decode(Bool.self) {
                held = found
            }
            if !held { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        // At once, before the holder's check (every second) could notice.
        await #expect(throws: StoreError.leaseLost) {
            try await LeaseTerm.$current.withValue(term) { try await a.appendLogs(log("after term"), at: t0) }
        }
        _ = try await a.appendLogs(log("user command"), at: t0)
        // The refused write ended the term (the engine stops) without waiting for the connection check.
        try await eventually("the engine to stop") { stopped.withLock { $0 } }
        #expect(stopped.withLock { $0 })

        let logged = try await a.events(after: 0, limit: 10).filter { $0.type == .logCreated }.map(\.data)
        #expect(logged.count == 2)
        #expect(logged.first?.contains(#""message":"in term""#) == true)
        #expect(logged.last?.contains(#""message":"user command""#) == true)
        leading.cancel()
        await leading.value
        await database.remove([a])
    }
}
