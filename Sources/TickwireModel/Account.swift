#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

public enum Role: String, ClosedSet, Sendable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }

    /// Sees and changes everything, reads the admin log stream, manages users.
    case admin
    /// Sees and changes only what they own.
    case user
}

/// A person (or a team's service account) who signs in. The password hash never leaves the store layer.
public struct User: Codable, Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var role: Role
    public var disabled: Bool
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: Int64, username: String, role: Role, disabled: Bool, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.username = username
        self.role = role
        self.disabled = disabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, username, role, disabled
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// Body of `POST /api/v1/users`.
public struct NewUser: Codable, Sendable, Equatable {
    public var username: String
    public var password: String
    public var role: Role?

    public init(username: String, password: String, role: Role? = nil) {
        self.username = username
        self.password = password
        self.role = role
    }

    public func validate() throws(ValidationError) {
        try Check.username(username)
        try Check.password(password)
    }
}

/// Body of `PATCH /api/v1/users/{id}`.
public struct UserPatch: Codable, Sendable, Equatable {
    public var role: Role?
    public var disabled: Bool?
    public var password: String?

    public init(role: Role? = nil, disabled: Bool? = nil, password: String? = nil) {
        self.role = role
        self.disabled = disabled
        self.password = password
    }

    public func validate() throws(ValidationError) {
        if let password { try Check.password(password) }
    }
}

/// What an API key may do: `read` (GET and streams), `write` (every change).
public enum Scope: String, ClosedSet, Sendable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }
    case read
    case write
    /// May record market prices (`POST /prices`), which every user's PnL is computed from.
    case prices
}

/// A credential for a bot process. The secret is shown once, at creation; the store keeps only its SHA-256.
public struct APIKey: Codable, Sendable, Equatable {
    /// Public identifier, also the key's prefix: `tw_{id}_{secret}`.
    public var id: String
    public var userId: Int64
    public var name: String
    public var scopes: [Scope]
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?

    public init(
        id: String, userId: Int64, name: String, scopes: [Scope], createdAt: Timestamp, revokedAt: Timestamp? = nil
    ) {
        self.id = id
        self.userId = userId
        self.name = name
        self.scopes = scopes
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, scopes
        case userId = "user_id"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}

/// Body of `POST /api/v1/keys`.
public struct NewAPIKey: Codable, Sendable, Equatable {
    public var name: String
    public var scopes: [Scope]?

    public init(name: String, scopes: [Scope]? = nil) {
        self.name = name
        self.scopes = scopes
    }

    public func validate() throws(ValidationError) {
        try Check.nonEmpty(name, "name", maxLength: 80)
        if let scopes, scopes.isEmpty {
            throw ValidationError("scopes", "must name at least one of read, write, prices")
        }
    }
}

/// Who is acting: the service layer checks every read and change against it.
public struct Actor: Sendable, Equatable {
    /// `nil` only for the server itself (`system`).
    public var userId: Int64?
    public var isAdmin: Bool
    /// Holds an API key with the `prices` scope: may record market prices without being an admin.
    public var recordsPrices: Bool

    public init(userId: Int64?, isAdmin: Bool, recordsPrices: Bool = false) {
        self.userId = userId
        self.isAdmin = isAdmin
        self.recordsPrices = recordsPrices
    }

    public static func user(_ id: Int64) -> Actor { Actor(userId: id, isAdmin: false) }
    public static func admin(_ id: Int64) -> Actor { Actor(userId: id, isAdmin: true) }
    /// The server itself (engine, retention, command line): sees everything.
    public static let system = Actor(userId: nil, isAdmin: true)

    /// The owner filter for lists: nil (everything) for admins.
    public var ownerFilter: Int64? { isAdmin ? nil : userId }

    /// Whether this actor may see something owned by `ownerId` (unowned data is for admins only).
    public func canSee(ownerId: Int64?) -> Bool { isAdmin || (ownerId != nil && ownerId == userId) }
}

/// A stored user with the secret material the service needs to check a password.
public struct UserCredentials: Sendable {
    public var user: User
    public var passwordHash: String

    public init(user: User, passwordHash: String) {
        self.user = user
        self.passwordHash = passwordHash
    }
}

/// A stored API key with the hash of its secret.
public struct APIKeyCredentials: Sendable {
    public var key: APIKey
    public var secretHash: String

    public init(key: APIKey, secretHash: String) {
        self.key = key
        self.secretHash = secretHash
    }
}

/// A signed-in browser or client session: the refresh token and the session cookie both name it.
public struct Session: Sendable, Equatable {
    public var id: String
    public var userId: Int64
    public var secretHash: String
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var revokedAt: Timestamp?

    public init(
        id: String, userId: Int64, secretHash: String, createdAt: Timestamp, expiresAt: Timestamp,
        revokedAt: Timestamp? = nil
    ) {
        self.id = id
        self.userId = userId
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// The payload of an `auth` event: which credentials stopped being valid, so that the streams they opened close.
public struct Revocation: Codable, Sendable, Equatable {
    public enum Target: String, Codable, Sendable {
        /// Every credential of the user (the user was disabled).
        case user
        /// Every session of the user (the password changed); API keys stay valid.
        case sessions
        /// One session or API key, named by `credentialId`.
        case credential
        /// Every open stream of the user, whose credentials stay valid: their rights changed (a demoted admin), so
        /// they reconnect and are authorised anew.
        case streams
    }

    public var userId: Int64
    public var target: Target
    public var credentialId: String?
    public var reason: String

    public init(userId: Int64, target: Target, credentialId: String? = nil, reason: String = "revoked") {
        self.userId = userId
        self.target = target
        self.credentialId = credentialId
        self.reason = reason
    }

    /// Whether a credential of `userId` (a session when `isSession`) is revoked by this.
    public func covers(userId: Int64, credentialId: String, isSession: Bool) -> Bool {
        guard userId == self.userId else { return false }
        switch target {
        case .user: return true
        case .sessions: return isSession
        case .credential: return credentialId == self.credentialId
        case .streams: return true
        }
    }

    /// What a change to a user ends, each decided on its own (a PATCH may do several at once): disabling ends every
    /// credential; a new password ends every session (a leaked one must not outlive the change; keys remain); a
    /// role change ends every open stream, so none keeps rights the user no longer has.
    public static func ending(_ before: User, _ after: User, passwordChanged: Bool) -> [Revocation] {
        var revocations: [Revocation] = []
        if after.disabled && !before.disabled { revocations.append(Revocation(userId: after.id, target: .user)) }
        if passwordChanged { revocations.append(Revocation(userId: after.id, target: .sessions)) }
        if after.role != before.role {
            revocations.append(Revocation(userId: after.id, target: .streams, reason: "role_changed"))
        }
        return revocations
    }

    enum CodingKeys: String, CodingKey {
        case userId = "user_id"
        case credentialId = "credential_id"
        case target, reason
    }
}

extension EventDraft {
    public static func credentialsRevoked(_ revocation: Revocation) -> EventDraft {
        EventDraft(
            topic: .auth, type: EventType(rawValue: "credentials_revoked"),
            data: JSONCoding.encodeToString(revocation), ownerId: revocation.userId)
    }
}

extension Check {
    static func username(_ value: String) throws(ValidationError) {
        guard (3...40).contains(value.utf8.count),
            value.utf8.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            })
        else { throw ValidationError("username", "must be 3-40 characters of a-z, 0-9, '_', '.', '-'") }
    }

    /// bcrypt reads at most 72 bytes: a longer password would be silently truncated, so it is refused.
    static func password(_ value: String) throws(ValidationError) {
        guard value.count >= 8 else { throw ValidationError("password", "must be at least 8 characters") }
        guard value.utf8.count <= 72 else { throw ValidationError("password", "must be at most 72 bytes") }
    }
}
