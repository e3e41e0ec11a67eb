import GRDB
import TickwireModel

/// Users, API keys, sessions and settings. Revocations go through the write path like any change: the `auth` event
/// they append tells every node's hub to close the streams those credentials opened.
extension SQLiteStore {
    public func createUser(username: String, passwordHash: String, role: Role, at now: Timestamp) async throws -> User {
        try await commands.run { db in
            guard
                try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE username = ?", arguments: [username]) == nil
            else { throw StoreError.conflict("the username '\(username)' is taken") }
            try db.execute(
                sql: """
                    INSERT INTO users (username, password_hash, role, disabled, created_at, updated_at)
                    VALUES (?, ?, ?, 0, ?, ?)
                    """,
                arguments: [username, passwordHash, role.rawValue, now.milliseconds, now.milliseconds])
            let user = User(
                id: db.lastInsertedRowID, username: username, role: role, disabled: false, createdAt: now,
                updatedAt: now)
            return Committed(user, events: [])
        }.value
    }

    public func userCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
    }

    public func user(id: Int64) async throws -> User {
        try await read { db in try Self.fetchUser(id: id, in: db) }
    }

    public func userCredentials(username: String) async throws -> UserCredentials? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT \(Columns.user), password_hash FROM users WHERE username = ?"),
                    arguments: [username])
            else { return nil }
            return UserCredentials(user: try User(row: row), passwordHash: row[6])
        }
    }

    public func users() async throws -> [User] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(Columns.user) FROM users ORDER BY id").map(User.init(row:))
        }
    }

    public func updateUser(
        id: Int64, role: Role?, disabled: Bool?, passwordHash: String?, at now: Timestamp
    ) async throws -> Committed<User> {
        try await commands.run { db in
            let decision = AccountCommands.updateUser(
                try Self.fetchUser(id: id, in: db), role: role, disabled: disabled,
                passwordChanged: passwordHash != nil, at: now)
            let user = decision.value
            try db.execute(
                sql: "UPDATE users SET role = ?, disabled = ?, updated_at = ? WHERE id = ?",
                arguments: [user.role.rawValue, user.disabled, user.updatedAt.milliseconds, id])
            if let passwordHash {
                try db.execute(
                    sql: "UPDATE users SET password_hash = ? WHERE id = ?", arguments: [passwordHash, id])
                try db.execute(
                    sql: "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                    arguments: [now.milliseconds, id])
            }
            return try self.commit(decision, at: now, in: db)
        }
    }

    public func createAPIKey(_ key: APIKey, secretHash: String) async throws -> APIKey {
        try await commands.run { db in
            _ = try Self.fetchUser(id: key.userId, in: db)
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, user_id, name, scopes, secret_hash, created_at, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, NULL)
                    """,
                arguments: [
                    key.id, key.userId, key.name, key.scopes.map(\.rawValue).joined(separator: ","), secretHash,
                    key.createdAt.milliseconds,
                ])
            return Committed(key, events: [])
        }.value
    }

    public func apiKeyCredentials(id: String) async throws -> APIKeyCredentials? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Columns.apiKey) FROM api_keys WHERE id = ?"), arguments: [id]
            ).map(APIKeyCredentials.init(row:))
        }
    }

    public func apiKeys(userId: Int64?) async throws -> [APIKey] {
        try await read { db in
            let c: SQLiteConditions = ListFilters.apiKeys(userId: userId)
            return try Row.fetchAll(
                db, sql: "SELECT \(Columns.apiKey) FROM api_keys\(c.whereClause) ORDER BY created_at DESC, id",
                arguments: c.arguments
            ).map { try APIKeyCredentials(row: $0).key }
        }
    }

    public func revokeAPIKey(id: String, at now: Timestamp) async throws -> Committed<APIKey> {
        try await commands.run { db in
            guard
                let current = try Row.fetchOne(
                    db, sql: "SELECT \(Columns.apiKey) FROM api_keys WHERE id = ?", arguments: [id]
                ).map({ try APIKeyCredentials(row: $0).key })
            else { throw StoreError.notFound(entity: "API key", id: id) }
            let decision = AccountCommands.revokeKey(current, at: now)
            if decision.changes {
                try db.execute(
                    sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ?",
                    arguments: [decision.value.revokedAt?.milliseconds, id])
            }
            return try self.commit(decision, at: now, in: db)
        }
    }

    public func createSession(_ session: Session) async throws {
        _ = try await commands.run { db in
            try db.execute(
                sql: """
                    INSERT INTO sessions (id, user_id, secret_hash, created_at, expires_at, revoked_at)
                    VALUES (?, ?, ?, ?, ?, NULL)
                    """,
                arguments: [
                    session.id, session.userId, session.secretHash, session.createdAt.milliseconds,
                    session.expiresAt.milliseconds,
                ])
            // Expired sessions are of no use to anyone: sweep them as new ones arrive.
            try db.execute(
                sql: "DELETE FROM sessions WHERE expires_at < ?", arguments: [session.createdAt.milliseconds])
            return Committed((), events: [])
        }
    }

    public func session(id: String) async throws -> Session? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Columns.session) FROM sessions WHERE id = ?"), arguments: [id]
            ).map(Session.init(row:))
        }
    }

    public func revokeSession(id: String, at now: Timestamp) async throws -> Committed<Session> {
        try await commands.run { db in
            guard
                let current = try Row.fetchOne(
                    db, sql: "SELECT \(Columns.session) FROM sessions WHERE id = ?", arguments: [id]
                ).map(Session.init(row:))
            else { throw StoreError.notFound(entity: "session", id: id) }
            let decision = AccountCommands.revokeSession(current, at: now)
            if decision.changes {
                try db.execute(
                    sql: "UPDATE sessions SET revoked_at = ? WHERE id = ?",
                    arguments: [decision.value.revokedAt?.milliseconds, id])
            }
            return try self.commit(decision, at: now, in: db)
        }
    }

    public func setting(_ key: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key])
        }
    }

    public func insertSettingIfAbsent(_ key: String, value: String) async throws -> String {
        try await commands.run { db in
            try db.execute(
                sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                arguments: [key, value])
            let stored = try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key])
            return Committed(stored ?? value, events: [])
        }.value
    }

    // MARK: - Trading models

    public func createModel(_ new: NewTradingModel, ownerId: Int64, at now: Timestamp) async throws -> TradingModel {
        try await commands.run { db in
            _ = try Self.fetchUser(id: ownerId, in: db)
            let creation = ModelCommands.create(new, ownerId: ownerId, at: now)
            let model = creation.row
            try db.execute(
                sql: """
                    INSERT INTO trading_models (owner_id, name, policy, config, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    model.ownerId, model.name, model.policy, JSONCoding.encodeToString(model.config),
                    model.createdAt.milliseconds, model.updatedAt.milliseconds,
                ])
            return try self.commit(creation.saved(db.lastInsertedRowID), at: now, in: db)
        }.value
    }

    public func model(id: Int64) async throws -> TradingModel {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT \(Columns.model) FROM trading_models WHERE id = ?"),
                    arguments: [id])
            else { throw StoreError.notFound(entity: "trading model", id: String(id)) }
            return try TradingModel(row: row)
        }
    }

    public func models(ownerId: Int64?) async throws -> [TradingModel] {
        try await read { db in
            let c: SQLiteConditions = ListFilters.owned(by: ownerId)
            return try Row.fetchAll(
                db, sql: "SELECT \(Columns.model) FROM trading_models\(c.whereClause) ORDER BY id",
                arguments: c.arguments
            ).map(TradingModel.init(row:))
        }
    }

    static func fetchUser(id: Int64, in db: Database) throws -> User {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Columns.user) FROM users WHERE id = ?"), arguments: [id])
        else { throw StoreError.notFound(entity: "user", id: String(id)) }
        return try User(row: row)
    }
}
