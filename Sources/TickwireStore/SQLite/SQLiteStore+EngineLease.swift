extension SQLiteStore {
    /// One process owns an embedded database (two servers on one SQLite file would each run an engine).
    public var isContended: Bool { false }

    public func whileLeading(retry: Duration, _ body: @escaping @Sendable () async -> Void) async {
        await body()
    }

    public func engineLeaseHolder() async throws -> EngineLeaseHolder { .thisNode }
}
