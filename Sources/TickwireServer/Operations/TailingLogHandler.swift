import Foundation
import Logging
import TickwireModel

/// Hands each line a logger emits to its usual handler (text or JSON on stderr) and keeps it in the admin log tail.
public struct TailingLogHandler: LogHandler {
    public var inner: any LogHandler
    public let label: String
    public let tail: ServerLogTail

    public init(label: String, tail: ServerLogTail, inner: any LogHandler) {
        self.label = label
        self.tail = tail
        self.inner = inner
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        inner.log(event: event)
        let merged = inner.metadata.merging(event.metadata ?? [:]) { $1 }
        tail.append(
            level: event.level, label: label, message: "\(event.message)",
            metadata: merged.mapValues { "\($0)" },
            at: Timestamp(secondsSince1970: Date().timeIntervalSince1970))
    }
}
