import DequeModule
import Foundation
import Logging
import Synchronization
import TickwireModel

/// The server's own recent log lines, kept in memory for the admin log tail (seed 000's admin console tails the
/// server's log file): the newest `capacity` lines, and the watchers that want each new one as it is logged.
///
/// Lines are this process's, not the cluster's, and are not stored: a restart starts an empty tail.
public final class ServerLogTail: Sendable {
    public struct Line: Sendable, Equatable {
        /// Increases by one per line logged in this process: a gap between two lines a watcher saw means lines
        /// were logged below its level.
        public var seq: Int64
        public var timestamp: Timestamp
        public var level: Logger.Level
        public var label: String
        public var message: String
        public var metadata: [String: String]

        /// The line as the admin tail sends it: beside bots' log lines (which carry `id` and `bot_id`), `source`
        /// tells them apart.
        public var json: String {
            var object: [String: JSONValue] = [
                "source": .string("server"), "seq": .number(Double(seq)), "timestamp": .string(timestamp.iso8601),
                "level": .string(level.rawValue.uppercased()), "label": .string(label), "message": .string(message),
            ]
            if !metadata.isEmpty { object["metadata"] = .object(metadata.mapValues { .string($0) }) }
            return JSONCoding.encodeToString(JSONValue.object(object))
        }
    }

    /// A watcher gets each line at or above its level; it returns false once it wants no more.
    public typealias Watcher = @Sendable (Line) -> Bool

    private struct State {
        var lines: Deque<Line> = []
        var nextSeq: Int64 = 1
        var watchers: [Int: (level: Logger.Level, alive: @Sendable () -> Bool, watcher: Watcher)] = [:]
        var nextWatcher = 0
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 1000) {
        self.capacity = max(1, capacity)
    }

    /// Keeps a line and hands it to the watchers whose level it reaches.
    public func append(
        level: Logger.Level, label: String, message: String, metadata: [String: String] = [:], at time: Timestamp
    ) {
        let (line, watchers) = state.withLock { state in
            let line = Line(
                seq: state.nextSeq, timestamp: time, level: level, label: label, message: message, metadata: metadata)
            state.nextSeq += 1
            state.lines.append(line)
            if state.lines.count > capacity { state.lines.removeFirst() }
            return (line, state.watchers.filter { level >= $0.value.level }.map { ($0.key, $0.value.watcher) })
        }
        // Outside the lock: a watcher may queue bytes on a subscription, which must not wait on this tail.
        let finished = watchers.filter { !$0.1(line) }.map(\.0)
        if !finished.isEmpty { state.withLock { state in for id in finished { state.watchers[id] = nil } } }
    }

    /// The newest `limit` lines at or above `level`, oldest first.
    public func recent(level: Logger.Level = .trace, limit: Int = .max) -> [Line] {
        state.withLock { state in Array(state.lines.filter { $0.level >= level }.suffix(max(0, limit))) }
    }

    /// Calls `watcher` with each line logged from now on at or above `level`, and returns the newest `backlog` lines
    /// at or above it, oldest first, taken at the same moment (none is missed or seen twice). `stop` unregisters it;
    /// so does `watcher` returning false, and `alive` returning false when the next watcher registers (for watchers
    /// whose connection may end while no line is logged).
    public func watch(
        level: Logger.Level, backlog: Int, alive: @escaping @Sendable () -> Bool = { true },
        _ watcher: @escaping Watcher
    ) -> (lines: [Line], stop: @Sendable () -> Void) {
        let checks = state.withLock { $0.watchers.map { ($0.key, $0.value.alive) } }
        let gone = checks.filter { !$0.1() }.map(\.0)
        return state.withLock { state in
            for id in gone { state.watchers[id] = nil }
            let id = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[id] = (level, alive, watcher)
            let lines = Array(state.lines.filter { $0.level >= level }.suffix(max(0, backlog)))
            return (lines, { [weak self] in self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) } })
        }
    }

    /// How many watchers are registered (tests).
    public var watcherCount: Int { state.withLock { $0.watchers.count } }
}
