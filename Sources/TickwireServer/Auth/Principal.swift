import TickwireHub
import TickwireModel

/// Who sent a request, and with what.
public struct Principal: Sendable {
    public enum Credential: Sendable, Equatable {
        /// The dashboard's session cookie.
        case session(id: String)
        /// A short-lived JWT from login or refresh, bound to the session it came from.
        case accessToken(sessionId: String)
        /// A bot process's key.
        case apiKey(id: String, scopes: Set<Scope>)
        /// A minutes-long JWT that only opens streams of the topics it names (for `EventSource`, which cannot send
        /// headers). `parent` is the session or key it was issued under: revoking that closes these streams too.
        case streamToken(parent: String, parentIsSession: Bool, topics: Set<String>)
    }

    public var user: User
    public var credential: Credential
    /// When these credentials stop being valid (nil: until revoked).
    public var expiresAt: Timestamp?

    public var isAdmin: Bool { user.role == .admin }
    public var actor: Actor {
        var actor: Actor = isAdmin ? .admin(user.id) : .user(user.id)
        if case .apiKey(_, let scopes) = credential, scopes.contains(.prices) { actor.recordsPrices = true }
        return actor
    }

    /// The credential a revocation names: for derived tokens, the session or key they came from.
    var credentialId: String {
        switch credential {
        case .session(let id), .accessToken(let id), .apiKey(let id, _): id
        case .streamToken(let parent, _, _): parent
        }
    }

    var isSessionBased: Bool {
        switch credential {
        case .session, .accessToken: true
        case .apiKey: false
        case .streamToken(_, let parentIsSession, _): parentIsSession
        }
    }

    var holder: StreamHolder {
        StreamHolder(userId: user.id, credentialId: credentialId, isSession: isSessionBased, expiresAt: expiresAt)
    }

    /// Whether the credential allows changes where any of `accepted` suffices (API keys need one of those scopes;
    /// sessions may always; stream tokens never do).
    func canWrite(accepting accepted: Set<Scope>) -> Bool {
        switch credential {
        case .session, .accessToken: true
        case .apiKey(_, let scopes): !scopes.isDisjoint(with: accepted)
        case .streamToken: false
        }
    }

    var canRead: Bool {
        switch credential {
        case .apiKey(_, let scopes): scopes.contains(.read) || scopes.contains(.write)
        default: true
        }
    }
}
