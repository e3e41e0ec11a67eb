import Crypto
import HummingbirdBcrypt
import TickwireModel
import TickwireStore

/// Users, passwords, API keys and sessions. Secrets are generated here, shown once, and stored only as hashes:
/// passwords with bcrypt, API keys and session tokens (256 random bits, so a fast hash is enough) with SHA-256.
public struct AccountService: Sendable {
    let store: any Store
    let clock: @Sendable () -> Timestamp
    /// bcrypt work factor: 12 in production (about 0.25 s per check here); tests lower it.
    let bcryptCost: UInt8

    public init(store: any Store, clock: @escaping @Sendable () -> Timestamp = WallClock.now, bcryptCost: UInt8 = 12) {
        self.store = store
        self.clock = clock
        self.bcryptCost = bcryptCost
    }

    // MARK: Users

    public func createUser(_ new: NewUser) async throws -> User {
        try new.validate()
        let hash = await offloaded { [bcryptCost] in Bcrypt.hash(new.password, cost: bcryptCost) }
        return try await store.createUser(
            username: new.username, passwordHash: hash, role: new.role ?? .user, at: clock())
    }

    public func updateUser(id: Int64, _ patch: UserPatch) async throws -> User {
        try patch.validate()
        var hash: String?
        if let password = patch.password {
            hash = await offloaded { [bcryptCost] in Bcrypt.hash(password, cost: bcryptCost) }
        }
        return try await store.updateUser(
            id: id, role: patch.role, disabled: patch.disabled, passwordHash: hash, at: clock()
        ).value
    }

    public func user(named username: String) async throws -> User? {
        try await store.userCredentials(username: username)?.user
    }

    /// The user whose password this is, or nil. Unknown users cost a bcrypt check too, so that response time does
    /// not tell which usernames exist.
    public func checkPassword(username: String, password: String) async throws -> User? {
        let credentials = try await store.userCredentials(username: username)
        let hash = credentials?.passwordHash ?? Self.decoyHash
        let matches = await offloaded { Bcrypt.verify(password, hash: hash) }
        guard matches, let user = credentials?.user, !user.disabled else { return nil }
        return user
    }

    /// On the first start with no users: creates `admin` with the given password, or a generated one that is
    /// returned so the caller can print it once. Returns nil if users exist already.
    public func bootstrapAdmin(password: String?) async throws -> (user: User, generatedPassword: String?)? {
        guard try await store.userCount() == 0 else { return nil }
        let generated = password == nil ? Secret.random(bytes: 12) : nil
        let user = try await createUser(NewUser(username: "admin", password: password ?? generated!, role: .admin))
        return (user, generated)
    }

    // MARK: API keys

    /// A new key for `userId`; the returned token (`twk_{id}_{secret}`) is shown once and never stored.
    public func createAPIKey(for userId: Int64, _ new: NewAPIKey) async throws -> (key: APIKey, token: String) {
        try new.validate()
        let id = Secret.random(bytes: 8)
        let secret = Secret.random(bytes: 32)
        let key = APIKey(
            id: id, userId: userId, name: new.name,
            scopes: Array(Set(new.scopes ?? [.read, .write])).sorted {
                $0.rawValue < $1.rawValue
            }, createdAt: clock())
        let stored = try await store.createAPIKey(key, secretHash: Secret.sha256(secret))
        return (stored, "twk_\(id)_\(secret)")
    }

    // MARK: Sessions

    /// A new session; the token (`tws_{id}_{secret}`) is the cookie's value and the refresh token.
    public func createSession(for user: User, lifetime: Duration) async throws -> (session: Session, token: String) {
        let id = Secret.random(bytes: 8)
        let secret = Secret.random(bytes: 32)
        let now = clock()
        let session = Session(
            id: id, userId: user.id, secretHash: Secret.sha256(secret), createdAt: now,
            expiresAt: Timestamp(milliseconds: now.milliseconds + lifetime.milliseconds))
        try await store.createSession(session)
        return (session, "tws_\(id)_\(secret)")
    }

    /// The session and its user if `token` names a live session of an enabled user.
    public func verifySession(_ token: String) async throws -> (session: Session, user: User)? {
        guard let (id, secret) = Secret.split(token, prefix: "tws_") else { return nil }
        return try await liveSession(id: id, secret: secret)
    }

    /// The session behind an access token (which carries its id, not its secret), if it is still live.
    public func liveSession(id: String, secret: String? = nil) async throws -> (session: Session, user: User)? {
        guard let session = try await store.session(id: id), session.revokedAt == nil,
            session.expiresAt.milliseconds > clock().milliseconds
        else { return nil }
        if let secret, !Secret.matches(secret, hash: session.secretHash) { return nil }
        let user = try await store.user(id: session.userId)
        return user.disabled ? nil : (session, user)
    }

    /// Revoking closes the streams the key opened; revoking a revoked key changes nothing.
    public func revokeAPIKey(id: String) async throws -> APIKey {
        try await store.revokeAPIKey(id: id, at: clock()).value
    }

    /// The setting `key`, storing `value` first if it has none (the first node to start chooses it).
    public func setting(_ key: String, orIfAbsent value: String) async throws -> String {
        try await store.insertSettingIfAbsent(key, value: value)
    }

    /// Reads of users and credentials that need no check of who asks (routes check it themselves).
    public var reader: any StoreReader { store }

    public func revokeSession(id: String) async throws {
        _ = try await store.revokeSession(id: id, at: clock())
    }

    // MARK: -

    /// A valid bcrypt hash of a random password: checked against when the username is unknown.
    static let decoyHash = Bcrypt.hash(Secret.random(bytes: 16), cost: 12)
}

/// Random secrets and their hashes.
public enum Secret {
    /// `bytes` random bytes as lowercase hex, from the system's CSPRNG (getrandom on Linux).
    public static func random(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    public static func sha256(_ text: String) -> String { hex(Array(SHA256.hash(data: Array(text.utf8)))) }

    /// Compares in time independent of where the first difference is.
    public static func matches(_ secret: String, hash: String) -> Bool {
        let computed = Array(sha256(secret).utf8)
        let stored = Array(hash.utf8)
        guard computed.count == stored.count else { return false }
        var difference: UInt8 = 0
        for index in computed.indices { difference |= computed[index] ^ stored[index] }
        return difference == 0
    }

    /// `prefix{id}_{secret}` into its parts.
    public static func split(_ token: String, prefix: String) -> (id: String, secret: String)? {
        guard token.hasPrefix(prefix) else { return nil }
        let parts = token.dropFirst(prefix.count).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 16, parts[1].count == 64 else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
