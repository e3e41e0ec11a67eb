import Hummingbird
import TickwireModel
import TickwireService

/// `/api/v1/users` (admins only): list, create, change role, disable, reset a password.
struct UserRoutes {
    let accounts: AccountService
    let cache: CredentialCache
    let bodyLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.get("users", use: list)
        api.post("users", use: create)
        api.get("users/:id", use: show)
        api.patch("users/:id", use: update)
    }

    @Sendable func list(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        return try JSONResponse.make(ListBody(try await accounts.reader.users()))
    }

    @Sendable func create(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        let user = try await accounts.createUser(try await request.decodeJSON(NewUser.self, limit: bodyLimit))
        return try JSONResponse.make(user, status: .created, headers: [.location: "/api/v1/users/\(user.id)"])
    }

    @Sendable func show(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        return try JSONResponse.make(try await accounts.reader.user(id: context.parameters.id(entity: "user")))
    }

    /// Disabling a user, or changing their password, closes their open streams.
    @Sendable func update(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let admin = try context.requireAdmin()
        let id = try context.parameters.id(entity: "user")
        let patch = try await request.decodeJSON(UserPatch.self, limit: bodyLimit)
        if id == admin.user.id, patch.disabled == true || patch.role == .user {
            throw APIError(
                .conflict, code: "conflict", message: "an admin cannot disable or demote themselves")
        }
        let user = try await accounts.updateUser(id: id, patch)
        cache.invalidate(userId: id)
        return try JSONResponse.make(user)
    }
}

/// `/api/v1/keys`: a user's API keys for bot processes. The secret is in the creation response only.
struct KeyRoutes {
    let accounts: AccountService
    let cache: CredentialCache
    let bodyLimit: Int

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.get("keys", use: list)
        api.post("keys", use: create)
        api.delete("keys/:id", use: revoke)
    }

    /// Keys manage keys only from a session: a leaked bot key must not be able to mint more.
    private func sessionPrincipal(_ context: TickwireRequestContext) throws -> Principal {
        let principal = try context.principal()
        switch principal.credential {
        case .session, .accessToken: return principal
        default:
            throw APIError(
                .forbidden, code: "insufficient_scope", message: "API keys are managed from a signed-in session")
        }
    }

    @Sendable func list(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let principal = try context.principal()
        let all = try QueryParameters(request).bool("all") == true && principal.isAdmin
        return try JSONResponse.make(ListBody(try await accounts.reader.apiKeys(userId: all ? nil : principal.user.id)))
    }

    @Sendable func create(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        struct Created: Encodable {
            let key: APIKey
            let token: String
            func encode(to encoder: any Encoder) throws {
                try key.encode(to: encoder)
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(token, forKey: .token)
            }
            enum CodingKeys: String, CodingKey { case token }
        }
        let principal = try sessionPrincipal(context)
        let new = try await request.decodeJSON(NewAPIKey.self, limit: bodyLimit)
        let (key, token) = try await accounts.createAPIKey(for: principal.user.id, new)
        return try JSONResponse.make(Created(key: key, token: token), status: .created)
    }

    /// Revoking closes the streams the key opened, within a second.
    @Sendable func revoke(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let principal = try context.principal()
        let id = context.parameters.get("id") ?? ""
        guard let credentials = try await accounts.reader.apiKeyCredentials(id: id),
            principal.isAdmin || credentials.key.userId == principal.user.id
        else { throw APIError.notFound("API key \(id) not found") }
        let revoked = try await accounts.revokeAPIKey(id: id)
        cache.invalidate(userId: revoked.userId)
        return try JSONResponse.make(revoked)
    }
}
