import Logging
import Synchronization

/// Keeps what a test server logs, so a test can check what an operator would see.
final class LogRecorder: Sendable {
    private let records = Mutex<[(level: Logger.Level, message: String)]>([])

    func handler() -> some LogHandler { Handler(recorder: self) }

    func messages(atLeast level: Logger.Level) -> [String] {
        records.withLock { $0.filter { $0.level >= level }.map(\.message) }
    }

    fileprivate func record(_ level: Logger.Level, _ message: String) {
        records.withLock { $0.append((level, message)) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record(event.level, "\(event.message)")
        }
    }
}
