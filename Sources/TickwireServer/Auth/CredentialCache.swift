import Synchronization
import TickwireModel

/// Verified API keys and sessions, kept a few seconds so that a bot sending hundreds of requests a second is not
/// read from the database on each one. Invalidated by the `auth` events of revocations (`CredentialWatcher`), so a
/// revoked key stops working at once on this node; `ttl` bounds what no event announces (a role change, or a
/// revocation written by another process to the same database).
final class CredentialCache: Sendable {
    struct Entry: Sendable {
        var user: User
        var secretHash: String
        /// API keys: their scopes. Sessions: nil.
        var scopes: Set<Scope>?
        var expiresAt: Timestamp?
        var cachedAt: ContinuousClock.Instant
    }

    let ttl: Duration
    let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(ttl: Duration = .seconds(5), capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    func lookup(_ id: String, now: ContinuousClock.Instant = .now) -> Entry? {
        entries.withLock { entries in
            guard let entry = entries[id] else { return nil }
            guard now - entry.cachedAt < ttl else {
                entries[id] = nil
                return nil
            }
            return entry
        }
    }

    func store(_ id: String, _ entry: Entry) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = entry
        }
    }

    func remove(session id: String) {
        _ = entries.withLock { $0.removeValue(forKey: "s:" + id) }
    }

    /// Forgets every credential (revocations may have been missed).
    func invalidateAll() {
        entries.withLock { $0.removeAll() }
    }

    /// Forgets every credential of `userId` (a revocation event names the user).
    func invalidate(userId: Int64) {
        entries.withLock { entries in entries = entries.filter { $0.value.user.id != userId } }
    }
}
