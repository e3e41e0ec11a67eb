import Foundation
import PostgresNIO

/// Where a PostgreSQL server is and how to log in, read from `postgres://user:password@host:port/database`.
struct PostgresURL: Sendable {
    let host: String
    let port: Int
    let username: String
    let password: String?
    let database: String

    init(_ url: String) throws {
        guard let components = URLComponents(string: url),
            ["postgres", "postgresql"].contains(components.scheme ?? ""), let host = components.host,
            let user = components.user
        else {
            throw StoreError.unavailable(
                "not a PostgreSQL URL (postgres://user:password@host:port/database): \(PostgresStore.redacted(url: url))"
            )
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user
        self.password = components.password
        self.database = components.path.isEmpty ? user : String(components.path.dropFirst())
    }

    /// For messages: no credentials.
    var location: String { "\(host):\(port)/\(database)" }

    /// A pool of at most `size` connections, none kept open while idle.
    func poolConfiguration(size: Int) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.maximumConnections = size
        configuration.options.minimumConnections = 0
        return configuration
    }

    /// For a connection outside the pool.
    var connectionConfiguration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
    }
}

extension PostgresStore {
    /// The URL with its password replaced by `***`, for logs and error messages: `postgres://tw:***@db/tickwire`.
    /// Text that is not a URL with credentials comes back unchanged.
    public static func redacted(url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        let userInfo = rest[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<scheme.upperBound]) + userInfo[..<colon] + ":***" + rest[at...]
    }
}
