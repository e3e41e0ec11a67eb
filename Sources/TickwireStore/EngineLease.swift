/// One paper-trading engine per database. Several nodes may serve one PostgreSQL database, but only one of them may
/// run the engine, or every bot would trade once per node: the engine runs only while its node holds this lease.
public protocol EngineLease: Sendable {
    /// False when the lease can only be this process's (an embedded database): it is held from the start.
    var isContended: Bool { get }

    /// Waits until this process holds the lease, then runs `body` while it holds it, and returns when `body` returns.
    /// If the lease is lost (the database connection that holds it fails), `body` is cancelled and, once it has
    /// returned, the wait starts again. A node that does not hold the lease asks again every `retry`.
    func whileLeading(retry: Duration, _ body: @escaping @Sendable () async -> Void) async
}

extension SQLiteStore {
    /// One process owns an embedded database (two servers on one SQLite file would each run an engine).
    public var isContended: Bool { false }

    public func whileLeading(retry: Duration, _ body: @escaping @Sendable () async -> Void) async {
        await body()
    }
}
