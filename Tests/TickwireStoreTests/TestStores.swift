import Foundation
import TickwireModel

@testable import TickwireStore

/// The store implementations every `WritePathTests` case runs against: SQLite always, PostgreSQL when
/// `TICKWIRE_TEST_POSTGRES_URL` names a server (the test command starts one), each test in a fresh database.
enum Backend: String, Sendable, CustomStringConvertible {
    case sqlite, postgres

    static let postgresURL = ProcessInfo.processInfo.environment["TICKWIRE_TEST_POSTGRES_URL"]
    static var all: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var description: String { rawValue }
}

/// A fresh database of one backend; `open()` can be called again to reopen it (a restart).
struct TestDatabase: Sendable {
    let backend: Backend
    let sqlitePath: String?
    let postgresURL: String?
    let postgresName: String?

    static func make(_ backend: Backend) async throws -> TestDatabase {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "tickwire-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return TestDatabase(
                backend: backend, sqlitePath: directory.appendingPathComponent("tickwire.db").path, postgresURL: nil,
                postgresName: nil)
        case .postgres:
            let admin = try require(Backend.postgresURL)
            let name = "tw_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let url = try await PostgresStore.createScratchDatabase(name, adminURL: admin)
            return TestDatabase(backend: backend, sqlitePath: nil, postgresURL: url, postgresName: name)
        }
    }

    func open() async throws -> any Store {
        switch backend {
        case .sqlite: return try SQLiteStore(path: try require(sqlitePath))
        case .postgres: return try await PostgresStore.connect(url: try require(postgresURL), poolSize: 4)
        }
    }

    func remove(_ stores: [any Store]) async {
        for case let store as PostgresStore in stores { store.close() }
        if let sqlitePath {
            try? FileManager.default.removeItem(atPath: (sqlitePath as NSString).deletingLastPathComponent)
        }
        if let postgresName, let admin = Backend.postgresURL {
            try? await Self.administer(admin, "DROP DATABASE IF EXISTS \(postgresName) WITH (FORCE)")
        }
    }

    /// `body` with a store on a fresh database, removed afterwards.
    static func with<T>(_ backend: Backend, _ body: (any Store) async throws -> T) async throws -> T {
        let database = try await make(backend)
        let store = try await database.open()
        do {
            let result = try await body(store)
            await database.remove([store])
            return result
        } catch {
            await database.remove([store])
            throw error
        }
    }

    static func administer(_ url: String, _ sql: String) async throws {
        try await PostgresStore.runMaintenance(sql, url: url)
    }
}

struct RequirementFailure: Error, CustomStringConvertible {
    let description: String
}

/// `try #require` without the Testing macro, usable in helpers.
func require<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw RequirementFailure(description: "missing \(what)") }
    return value
}

extension Store {
    /// An order under the default rules (no paper exchange: no balance check).
    func createOrder(botId: Int64, _ new: NewOrder, ownerId: Int64?, at now: Timestamp) async throws
        -> Committed<Order>
    {
        try await createOrder(botId: botId, new, ownerId: ownerId, rules: OrderRules(), at: now)
    }
}
