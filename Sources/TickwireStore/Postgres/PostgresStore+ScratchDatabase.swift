import Foundation
import Logging
import PostgresNIO

/// Databases made and dropped outside any transaction: tests and benchmarks each get a fresh one.
extension PostgresStore {

    /// Runs one statement outside a transaction on the server `url` names (`CREATE DATABASE`, `DROP DATABASE`).
    static func runMaintenance(_ sql: String, url: String) async throws {
        let store = try PostgresStore(
            url: url, poolSize: 1, logger: Logger(label: "tickwire.postgres"), equityInterval: .seconds(60))
        defer { store.close() }
        _ = try await store.mapErrors { try await store.client.query(PostgresQuery(unsafeSQL: sql)) }
    }

    /// A fresh, migrated database named `name` on the server of `adminURL` (tests, benchmarks).
    static func createScratchDatabase(_ name: String, adminURL: String) async throws -> String {
        try await runMaintenance("CREATE DATABASE \(name)", url: adminURL)
        guard var components = URLComponents(string: adminURL) else {
            throw StoreError.unavailable("not a PostgreSQL URL: \(adminURL)")
        }
        components.path = "/" + name
        return components.string ?? adminURL
    }

}
