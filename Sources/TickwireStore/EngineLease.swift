/// One paper-trading engine per database. Several nodes may serve one PostgreSQL database, but only one of them may
/// run the engine, or every bot would trade once per node: the engine runs only while its node holds this lease.
public protocol EngineLease: Sendable {
    /// False when the lease can only be this process's (an embedded database): it is held from the start.
    var isContended: Bool { get }

    /// Waits until this process holds the lease, then runs `body` while it holds it, and returns when `body` returns.
    /// If the lease is lost (the database connection that holds it fails), `body` is cancelled and, once it has
    /// returned, the wait starts again. A node that does not hold the lease asks again every `retry`.
    ///
    /// Where the lease can be lost, `body` runs with `LeaseTerm.current` set, and every write made by its tasks is
    /// fenced: it fails with `StoreError.leaseLost`, writing nothing, once the term has ended, even before `body` has
    /// noticed.
    func whileLeading(retry: Duration, _ body: @escaping @Sendable () async -> Void) async

    /// Who holds the lease now, as the database sees it (readiness).
    func engineLeaseHolder() async throws -> EngineLeaseHolder
}

/// Who holds the engine lease: this process, another node (its database session), or nobody (an engine is starting
/// or failing over, or every node runs without one).
public enum EngineLeaseHolder: Sendable, Equatable {
    case thisNode
    /// `session` is the holder's database backend process id, `address` the node's address as the database sees it.
    case otherNode(session: Int32, address: String?)
    case nobody
}

/// One term of holding the engine lease. The tasks of a term carry it (a task-local), and a store whose lease can be
/// lost checks it inside each of their write transactions: a node that lost the lease without noticing yet (its
/// connection check runs every second) cannot write after another node has taken over.
public struct LeaseTerm: Sendable, Hashable {
    /// The database session that holds the lease (a PostgreSQL backend process id).
    public let holder: Int32

    public init(holder: Int32) { self.holder = holder }

    /// The term the current task writes for; nil outside the engine (user commands are not fenced).
    @TaskLocal public static var current: LeaseTerm?
}
