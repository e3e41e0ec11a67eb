import Synchronization

/// How many objects of one kind are alive, by the server port they serve. Tests use it to show that nothing keeps a
/// closed connection's objects (reference cycles here once leaked about 4 KiB per socket, twice).
public final class AliveCount: Sendable {
    private let counts = Mutex<[Int: Int]>([:])

    public init() {}

    public func add(port: Int) { counts.withLock { $0[port, default: 0] += 1 } }
    public func remove(port: Int) { counts.withLock { $0[port, default: 0] -= 1 } }
    public func count(onPort port: Int) -> Int { counts.withLock { $0[port, default: 0] } }
}
