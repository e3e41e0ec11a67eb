import Hummingbird
import HummingbirdAuth
import TickwireModel
import TickwireService

/// Everything authentication needs, shared by the middleware, the auth routes and the stream routes.
struct Auth: Sendable {
    static let sessionCookie = "tickwire_session"

    let accounts: AccountService
    let tokens: TokenIssuer
    let configuration: AuthConfiguration
    let loginLimiter: LoginLimiter
    let requestLimiter: RateLimiter
    let cache = CredentialCache()

    init(accounts: AccountService, tokens: TokenIssuer, configuration: AuthConfiguration) {
        self.accounts = accounts
        self.tokens = tokens
        self.configuration = configuration
        self.loginLimiter = LoginLimiter(configuration: configuration)
        self.requestLimiter = RateLimiter(
            rate: configuration.requestsPerSecond, burst: configuration.requestBurst)
    }

    /// Credentials in precedence order: `Authorization: Bearer` (JWT access token, API key, or stream token), the
    /// session cookie, then `?token=` (stream tokens only: a URL ends up in logs and histories, so nothing
    /// long-lived may travel in one). Returns nil when none is presented; throws the reason when one is refused.
    func authenticate(_ request: Request) async throws(APIError) -> Principal? {
        do {
            if let bearer = request.headers.bearer?.token {
                return try await bearerPrincipal(bearer)
            }
            if let cookie = request.cookies[Self.sessionCookie]?.value, !cookie.isEmpty {
                guard let (id, secret) = Secret.split(cookie, prefix: "tws_"),
                    let entry = try await session(id: id), Secret.matches(secret, hash: entry.secretHash)
                else { throw APIError.unauthorized("session_expired", "the session has ended; sign in again") }
                return Principal(user: entry.user, credential: .session(id: id), expiresAt: entry.expiresAt)
            }
            if let token = request.uri.queryParameters["token"].map(String.init) {
                let principal = try await bearerPrincipal(token)
                guard case .streamToken = principal.credential else {
                    throw APIError.unauthorized(
                        "token_not_allowed_in_url",
                        "only a stream token (POST /api/v1/auth/stream-token) may be passed as ?token=")
                }
                return principal
            }
            return nil
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.serviceUnavailable, code: "unavailable", message: "credentials cannot be checked now")
        }
    }

    /// A token sent in a message (WebSocket `auth`): an access token, API key or stream token.
    func principal(forToken token: String) async throws(APIError) -> Principal {
        do {
            return try await bearerPrincipal(token)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.serviceUnavailable, code: "unavailable", message: "credentials cannot be checked now")
        }
    }

    private func bearerPrincipal(_ token: String) async throws -> Principal {
        if token.hasPrefix("twk_") {
            guard let (id, secret) = Secret.split(token, prefix: "twk_"), let entry = try await apiKey(id: id),
                Secret.matches(secret, hash: entry.secretHash)
            else { throw APIError.unauthorized("invalid_credentials", "the API key is invalid or revoked") }
            return Principal(user: entry.user, credential: .apiKey(id: id, scopes: entry.scopes ?? []), expiresAt: nil)
        }
        let claims: TokenIssuer.Claims
        do {
            claims = try await tokens.verify(token)
        } catch .expired {
            throw APIError.unauthorized("token_expired", "the token has expired; refresh it or sign in again")
        } catch {
            throw APIError.unauthorized("invalid_token", "the token is malformed or not signed by this server")
        }
        guard let userId = Int64(claims.sub.value) else {
            throw APIError.unauthorized("invalid_token", "the token names no user")
        }
        let expiresAt = Timestamp(secondsSince1970: claims.exp.value.timeIntervalSince1970)
        // The session or key a token was issued under must still be live: logging out or revoking a key ends the
        // tokens derived from it at once, not when they expire.
        let user: User
        if claims.ses {
            guard let entry = try await session(id: claims.cid), entry.user.id == userId
            else { throw APIError.unauthorized("session_expired", "the session this token belongs to has ended") }
            user = entry.user
        } else {
            guard let entry = try await apiKey(id: claims.cid), entry.user.id == userId
            else { throw APIError.unauthorized("invalid_credentials", "the key this token belongs to is revoked") }
            user = entry.user
        }
        switch TokenIssuer.Kind(rawValue: claims.typ) {
        case .access:
            return Principal(user: user, credential: .accessToken(sessionId: claims.cid), expiresAt: expiresAt)
        case .stream:
            return Principal(
                user: user,
                credential: .streamToken(
                    parent: claims.cid, parentIsSession: claims.ses, topics: Set(claims.topics ?? [])),
                expiresAt: expiresAt)
        case nil:
            throw APIError.unauthorized("invalid_token", "unknown token type")
        }
    }
}

extension Auth {
    /// A live, unrevoked key of an enabled user (from the cache, or the store and then cached).
    func apiKey(id: String) async throws -> CredentialCache.Entry? {
        if let entry = cache.lookup("k:" + id) { return entry }
        guard let credentials = try await accounts.reader.apiKeyCredentials(id: id), credentials.key.revokedAt == nil
        else { return nil }
        let user = try await accounts.reader.user(id: credentials.key.userId)
        guard !user.disabled else { return nil }
        let entry = CredentialCache.Entry(
            user: user, secretHash: credentials.secretHash, scopes: Set(credentials.key.scopes), expiresAt: nil,
            cachedAt: .now)
        cache.store("k:" + id, entry)
        return entry
    }

    /// A live session of an enabled user (cached likewise; an expired one is never returned).
    func session(id: String) async throws -> CredentialCache.Entry? {
        if let entry = cache.lookup("s:" + id), let expires = entry.expiresAt,
            expires.milliseconds > tokens.clock().milliseconds
        {
            return entry
        }
        guard let (session, user) = try await accounts.liveSession(id: id) else { return nil }
        let entry = CredentialCache.Entry(
            user: user, secretHash: session.secretHash, scopes: nil, expiresAt: session.expiresAt, cachedAt: .now)
        cache.store("s:" + id, entry)
        return entry
    }
}

/// Authenticates every request: sets `identity`, or `authFailure` when the credentials presented were refused.
/// It never rejects by itself, so public routes (login, health) work even with a stale cookie; `RequireAuthentication`
/// guards the rest.
struct Authenticator<Context: AuthenticatedContext>: RouterMiddleware {
    let auth: Auth

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        do {
            context.identity = try await auth.authenticate(request)
        } catch {
            context.authFailure = error
        }
        return try await next(request, context)
    }
}

/// Guards the routes behind it: 401 without valid credentials, 403 when the credential may not do this (API key
/// scopes; stream tokens outside stream routes; a cookie-authenticated change sent from another origin), 429 when
/// the key, or the user behind a session or token, goes over its rate.
struct RequireAuthentication<Context: AuthenticatedContext>: RouterMiddleware {
    let auth: Auth
    /// Stream routes accept stream tokens; every other route refuses them.
    let allowStreamTokens: Bool
    /// API-key scopes that allow the changes behind this middleware (market prices also take `prices`).
    var writeScopes: Set<Scope> = [.write]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let principal = context.identity else {
            throw context.authFailure
                ?? APIError.unauthorized(
                    "unauthenticated", "sign in, or send 'Authorization: Bearer' with an access token or API key")
        }
        if case .streamToken = principal.credential, !allowStreamTokens {
            throw APIError(
                .forbidden, code: "insufficient_scope", message: "a stream token only opens the streams it names")
        }
        let reads = request.method == .get || request.method == .head
        if !reads, case .session = principal.credential, !CrossOrigin.isSameOrigin(request) {
            throw APIError(
                .forbidden, code: "cross_origin",
                message: "a change authenticated by the session cookie must come from this server's own pages")
        }
        let (bucket, who) =
            switch principal.credential {
            case .apiKey(let id, _): ("key:" + id, "this API key")
            default: ("user:\(principal.user.id)", "this user")
            }
        if let retryAfter = auth.requestLimiter.take(bucket) {
            throw APIError(
                .tooManyRequests, code: "rate_limited", message: "\(who) is over its request rate",
                headers: [.retryAfter: String(retryAfter)])
        }
        if reads ? !principal.canRead : !principal.canWrite(accepting: writeScopes) {
            let scopes = writeScopes.map { "'\($0.rawValue)'" }.sorted().joined(separator: " or ")
            throw APIError(
                .forbidden, code: "insufficient_scope",
                message: reads ? "this credential may not read" : "this API key has no \(scopes) scope")
        }
        return try await next(request, context)
    }
}

extension AuthenticatedContext {
    /// The authenticated principal; routes behind `RequireAuthentication` always have one.
    func principal() throws -> Principal {
        guard let identity else {
            throw authFailure ?? APIError.unauthorized("unauthenticated", "authentication required")
        }
        return identity
    }

    func requireAdmin() throws -> Principal {
        let principal = try principal()
        guard principal.isAdmin else { throw APIError(.forbidden, code: "forbidden", message: "admins only") }
        return principal
    }
}

extension APIError {
    static func unauthorized(_ code: String, _ message: String) -> APIError {
        APIError(.unauthorized, code: code, message: message, headers: [.wwwAuthenticate: "Bearer"])
    }
}
