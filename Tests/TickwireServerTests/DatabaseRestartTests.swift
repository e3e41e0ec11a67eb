import Foundation
import Synchronization
import Testing
import TickwireModel

@testable import TickwireStore

/// PostgreSQL stopped and started again while node A takes writes and node B streams them. Restarting the server
/// would break every other test using it, so this runs alone: the test command runs it in its own `swift test`
/// with `TICKWIRE_TEST_PG_RESTART=1`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TICKWIRE_TEST_PG_RESTART"] == "1"))
struct DatabaseRestartTests {
    /// `scripts/postgres.sh pause|resume` on the test cluster.
    static func cluster(_ action: String) async throws {
        let directory = try #require(ProcessInfo.processInfo.environment["TICKWIRE_PG_DIR"])
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/postgres.sh").path
        // posix_spawn and waitpid on a thread of its own: waiting must not take one of the cooperative pool's
        // threads (two here), and Foundation's Process sometimes never notices that `pg_ctl start` exited.
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread {
                let words: [String] = ["/bin/bash", script, action, directory]
                let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
                defer { arguments.forEach { free($0) } }
                var pid: pid_t = 0
                guard posix_spawn(&pid, "/bin/bash", nil, nil, arguments, environ) == 0 else {
                    return continuation.resume(returning: -1)
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1, errno == EINTR {}
                continuation.resume(returning: (status >> 8) & 0xff)
            }.start()
        }
        #expect(status == 0, "postgres.sh \(action)")
    }

    @Test func aDatabaseRestartUnderLoadLosesAndDuplicatesNothing() async throws {
        try await TwoNodeTests.withTwoNodes { a, b in
            let botId = try await a.client.createBot(name: "restart")
            let stream = try await b.client.sse("/api/v1/stream?topics=logs")
            let outcomes = Mutex<[Int: Int]>([:])  // status code -> count

            // 150 writes through node A, 20 ms apart, while the database stops after the 50th for 4 s, longer than
            // a write waits for a connection (3 s), and starts again. Writes made meanwhile must fail with 503 (the
            // one cut off mid-transaction included) or succeed once it is back; none may hang or half-happen.
            let written = Mutex(0)
            let writer = Task {
                for index in 0..<150 {
                    let reply = try? await a.client.call(
                        .post, "/api/v1/logs",
                        json: #"{"bot_id":\#(botId),"level":"INFO","message":"w\#(index)"}"#)
                    outcomes.withLock { $0[Int(reply?.status.code ?? 0), default: 0] += 1 }
                    written.withLock { $0 = index + 1 }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            while written.withLock({ $0 }) < 50 { try await Task.sleep(for: .milliseconds(5)) }
            try await Self.cluster("pause")
            try await Task.sleep(for: .seconds(4))
            try await Self.cluster("resume")
            try await writer.value

            // Every log event the database holds reaches B's stream once, in order (B reconnects and catches up).
            let logged = try await a.store.events(after: 0, limit: 1000).filter { $0.topic == .logs }.map(\.id)
            var delivered: [Int64] = []
            while delivered.count < logged.count {
                let message = try await stream.nextEvent(timeout: 20)
                delivered.append(Int64(message.id ?? "") ?? -1)
            }
            await stream.close()
            let counts = outcomes.withLock { $0 }
            print("restart under load: statuses \(counts), \(logged.count) events logged, \(delivered.count) delivered")
            #expect(delivered == logged)
            #expect(counts[201, default: 0] == logged.count, "each 201 is exactly one logged event")
            #expect(counts[201, default: 0] >= 100, "writes resume after the restart")
            #expect(counts[503, default: 0] >= 1, "the outage was hit")
            #expect(
                Set(counts.keys).isSubset(of: [201, 503]), "during the outage writes fail with 503, not hang or 500")
        }
    }
}
