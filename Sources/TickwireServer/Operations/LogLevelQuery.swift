import Logging
import TickwireModel

/// The `level` of the admin log tail: a swift-log level name (`trace` … `critical`), applied to the server's
/// lines and to bots' (whose four levels map onto the same names).
enum LogLevelQuery {
    static let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")

    static func parse(_ query: QueryParameters) throws(APIError) -> Logger.Level? {
        guard let name = try query.string("level") else { return nil }
        guard let level = Logger.Level(rawValue: name) else {
            throw APIError.invalidParameter("level", "must be one of \(names)")
        }
        return level
    }

    /// A bot's log level as the server's.
    static func level(of bots: LogLevel) -> Logger.Level {
        switch bots {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
    }
}
