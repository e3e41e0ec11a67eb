import Foundation
import Logging
import TickwireModel

/// One JSON object per log line (`--log-format json`), for log shippers: time, level, label, message, metadata and
/// where it was logged.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: JSONValue] = [
            "time": .string(Timestamp(secondsSince1970: Date().timeIntervalSince1970).iso8601),
            "level": .string(event.level.rawValue), "label": .string(label), "message": .string("\(event.message)"),
            "source": .string(event.source), "file": .string("\(event.file):\(event.line)"),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty {
            fields["metadata"] = .object(merged.mapValues { .string("\($0)") })
        }
        let line = JSONCoding.encodeToString(fields) + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
