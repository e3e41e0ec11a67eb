import PostgresNIO
import TickwireModel

/// Users, API keys, sessions, settings and trading models on PostgreSQL (see `SQLiteStore+Accounts` for the rules;
/// revocations append their `auth` event in the same transaction, and through the shared log reach every node).
extension PostgresStore {
    public func createUser(username: String, passwordHash: String, role: Role, at now: Timestamp) async throws -> User {
        try await write { db in
            guard try await db.rows("SELECT 1 AS taken FROM users WHERE username = \(username)").isEmpty else {
                throw StoreError.conflict("the username '\(username)' is taken")
            }
            let id = try await db.one(
                """
                INSERT INTO users (username, password_hash, role, disabled, created_at, updated_at)
                VALUES (\(username), \(passwordHash), \(role.rawValue), FALSE, \(now.milliseconds), \(now.milliseconds))
                RETURNING id
                """, Int64.self)
            return Committed(
                User(id: id, username: username, role: role, disabled: false, createdAt: now, updatedAt: now),
                events: [])
        }.value
    }

    public func userCount() async throws -> Int {
        Int(try await read { db in try await db.one("SELECT COUNT(*) FROM users", Int64.self) })
    }

    public func user(id: Int64) async throws -> User {
        try await read { db in try await Self.fetchUser(id: id, on: db) }
    }

    public func userCredentials(username: String) async throws -> UserCredentials? {
        try await read { db in
            guard
                let row = try await db.rows(
                    "SELECT \(unescaped: Columns.user), password_hash FROM users WHERE username = \(username)"
                ).first
            else { return nil }
            return UserCredentials(user: try User(pg: row), passwordHash: try row.value("password_hash"))
        }
    }

    public func users() async throws -> [User] {
        try await read { db in
            try await db.rows("SELECT \(unescaped: Columns.user) FROM users ORDER BY id").map(User.init(pg:))
        }
    }

    public func updateUser(
        id: Int64, role: Role?, disabled: Bool?, passwordHash: String?, at now: Timestamp
    ) async throws -> Committed<User> {
        try await write { db in
            let decision = AccountCommands.updateUser(
                try await Self.fetchUser(id: id, on: db), role: role, disabled: disabled,
                passwordChanged: passwordHash != nil, at: now)
            let user = decision.value
            try await db.send(
                """
                UPDATE users SET role = \(user.role.rawValue), disabled = \(user.disabled),
                updated_at = \(user.updatedAt.milliseconds) WHERE id = \(id)
                """, logger: self.logger)
            if let passwordHash {
                try await db.send(
                    "UPDATE users SET password_hash = \(passwordHash) WHERE id = \(id)", logger: self.logger)
                try await db.send(
                    "UPDATE sessions SET revoked_at = \(now.milliseconds) WHERE user_id = \(id) AND revoked_at IS NULL",
                    logger: self.logger)
            }
            return try await self.commit(decision, at: now, on: db)
        }
    }

    public func createAPIKey(_ key: APIKey, secretHash: String) async throws -> APIKey {
        try await write { db in
            _ = try await Self.fetchUser(id: key.userId, on: db)
            let scopes = key.scopes.map(\.rawValue).joined(separator: ",")
            try await db.send(
                """
                INSERT INTO api_keys (id, user_id, name, scopes, secret_hash, created_at, revoked_at)
                VALUES (\(key.id), \(key.userId), \(key.name), \(scopes), \(secretHash), \(key.createdAt.milliseconds),
                NULL)
                """, logger: self.logger)
            return Committed(key, events: [])
        }.value
    }

    public func apiKeyCredentials(id: String) async throws -> APIKeyCredentials? {
        try await read { db in
            try await db.rows("SELECT \(unescaped: Columns.apiKey) FROM api_keys WHERE id = \(id)").first.map(
                APIKeyCredentials.init(pg:))
        }
    }

    public func apiKeys(userId: Int64?) async throws -> [APIKey] {
        let c: PostgresConditions = ListFilters.apiKeys(userId: userId)
        let query = c.query("SELECT \(Columns.apiKey) FROM api_keys\(c.whereClause) ORDER BY created_at DESC, id")
        return try await read { db in try await db.rows(query).map { try APIKeyCredentials(pg: $0).key } }
    }

    public func revokeAPIKey(id: String, at now: Timestamp) async throws -> Committed<APIKey> {
        try await write { db in
            guard
                let current = try await db.rows("SELECT \(unescaped: Columns.apiKey) FROM api_keys WHERE id = \(id)")
                    .first.map({ try APIKeyCredentials(pg: $0).key })
            else { throw StoreError.notFound(entity: "API key", id: id) }
            let decision = AccountCommands.revokeKey(current, at: now)
            if decision.changes {
                try await db.send(
                    "UPDATE api_keys SET revoked_at = \(decision.value.revokedAt?.milliseconds) WHERE id = \(id)",
                    logger: self.logger)
            }
            return try await self.commit(decision, at: now, on: db)
        }
    }

    public func createSession(_ session: Session) async throws {
        _ = try await write { db in
            try await db.send(
                """
                INSERT INTO sessions (id, user_id, secret_hash, created_at, expires_at, revoked_at)
                VALUES (\(session.id), \(session.userId), \(session.secretHash), \(session.createdAt.milliseconds),
                \(session.expiresAt.milliseconds), NULL)
                """, logger: self.logger)
            try await db.send(
                "DELETE FROM sessions WHERE expires_at < \(session.createdAt.milliseconds)", logger: self.logger)
            return Committed(true, events: [])
        }
    }

    public func session(id: String) async throws -> Session? {
        try await read { db in
            try await db.rows("SELECT \(unescaped: Columns.session) FROM sessions WHERE id = \(id)").first.map(
                Session.init(pg:))
        }
    }

    public func revokeSession(id: String, at now: Timestamp) async throws -> Committed<Session> {
        try await write { db in
            guard
                let current = try await db.rows(
                    "SELECT \(unescaped: Columns.session) FROM sessions WHERE id = \(id)"
                ).first.map(Session.init(pg:))
            else { throw StoreError.notFound(entity: "session", id: id) }
            let decision = AccountCommands.revokeSession(current, at: now)
            if decision.changes {
                try await db.send(
                    "UPDATE sessions SET revoked_at = \(decision.value.revokedAt?.milliseconds) WHERE id = \(id)",
                    logger: self.logger)
            }
            return try await self.commit(decision, at: now, on: db)
        }
    }

    public func setting(_ key: String) async throws -> String? {
        try await read { db in
            try await db.rows("SELECT value FROM settings WHERE key = \(key)").first?.value("value", as: String.self)
        }
    }

    public func insertSettingIfAbsent(_ key: String, value: String) async throws -> String {
        try await write { db in
            try await db.send(
                "INSERT INTO settings (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO NOTHING",
                logger: self.logger)
            let stored = try await db.one("SELECT value FROM settings WHERE key = \(key)", String.self)
            return Committed(stored, events: [])
        }.value
    }

    // MARK: - Trading models

    public func createModel(_ new: NewTradingModel, ownerId: Int64, at now: Timestamp) async throws -> TradingModel {
        try await write { db in
            _ = try await Self.fetchUser(id: ownerId, on: db)
            let creation = ModelCommands.create(new, ownerId: ownerId, at: now)
            let model = creation.row
            let config = JSONCoding.encodeToString(model.config)
            let id = try await db.one(
                """
                INSERT INTO trading_models (owner_id, name, policy, config, created_at, updated_at)
                VALUES (\(model.ownerId), \(model.name), \(model.policy), \(config), \(model.createdAt.milliseconds),
                \(model.updatedAt.milliseconds)) RETURNING id
                """, Int64.self)
            return try await self.commit(creation.saved(id), at: now, on: db)
        }.value
    }

    public func model(id: Int64) async throws -> TradingModel {
        try await read { db in
            guard
                let row = try await db.rows(
                    "SELECT \(unescaped: Columns.model) FROM trading_models WHERE id = \(id)"
                ).first
            else { throw StoreError.notFound(entity: "trading model", id: String(id)) }
            return try TradingModel(pg: row)
        }
    }

    public func models(ownerId: Int64?) async throws -> [TradingModel] {
        let c: PostgresConditions = ListFilters.owned(by: ownerId)
        let query = c.query("SELECT \(Columns.model) FROM trading_models\(c.whereClause) ORDER BY id")
        return try await read { db in try await db.rows(query).map(TradingModel.init(pg:)) }
    }

    static func fetchUser(id: Int64, on db: PostgresConnection) async throws -> User {
        guard let row = try await db.rows("SELECT \(unescaped: Columns.user) FROM users WHERE id = \(id)").first else {
            throw StoreError.notFound(entity: "user", id: String(id))
        }
        return try User(pg: row)
    }
}
