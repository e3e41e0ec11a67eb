import PostgresNIO

extension PostgresStore {

    /// Unique violations are conflicts; a server that cannot be reached is `unavailable` (503), not a 500.
    func mapErrors<Value>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch {
            throw mapped(error)
        }
    }

    func mapped(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return StoreError.reporting(error) }
        if let code = error.serverInfo?[.sqlState], code == "23505" {
            return StoreError.conflict(error.serverInfo?[.message] ?? "already exists")
        }
        if error.serverInfo == nil { return StoreError.unavailable("PostgreSQL at \(location): \(error.code)") }
        // Connection exceptions (08), insufficient resources (53) and operator intervention (57: the server shutting
        // down or starting up) mean the database is not there right now: the transaction was rolled back, retry.
        if let state = error.serverInfo?[.sqlState], ["08", "53", "57"].contains(String(state.prefix(2))) {
            return StoreError.unavailable(
                "PostgreSQL at \(location): \(error.serverInfo?[.message] ?? state) (SQLSTATE \(state))")
        }
        return error
    }

}
