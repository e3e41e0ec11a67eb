import Foundation
import Hummingbird
import TickwireModel
import TickwireService

/// `/api/v1/auth`: sign in and out, refresh, who am I, and stream tokens for `EventSource` URLs.
struct AuthRoutes {
    let auth: Auth
    let service: TradingService
    let bodyLimit: Int

    struct LoginBody: Decodable {
        var username: String
        var password: String
    }

    struct RefreshBody: Decodable {
        var refreshToken: String?
        enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
    }

    struct StreamTokenBody: Decodable {
        var topics: [String]
    }

    /// Login and refresh are public (they take credentials in the body or cookie); the rest need authentication.
    func register(public api: RouterGroup<TickwireRequestContext>, secured: RouterGroup<TickwireRequestContext>) {
        api.post("auth/login", use: login)
        api.post("auth/refresh", use: refresh)
        api.post("auth/logout", use: logout)
        secured.get("auth/me", use: me)
        secured.post("auth/stream-token", use: streamToken)
    }

    /// Checks the password (rate-limited per account and per address), opens a session, returns an access token
    /// and the refresh token, and sets the session cookie for the same-origin dashboard.
    @Sendable func login(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(LoginBody.self, limit: bodyLimit)
        let limiter = auth.loginLimiter
        // No user has a longer name or password (both are checked at creation): refused before the limiter, whose
        // memory holds each account name tried.
        guard body.username.utf8.count <= 40, body.password.utf8.count <= 72 else {
            throw APIError.unauthorized("invalid_credentials", "wrong username or password, or the user is disabled")
        }
        if let wait = limiter.reserve(account: body.username, address: context.remoteAddress) {
            throw APIError(
                .tooManyRequests, code: "too_many_attempts",
                message: "too many failed sign-ins; try again in \(wait) s", headers: [.retryAfter: String(wait)])
        }
        guard let user = try await auth.accounts.checkPassword(username: body.username, password: body.password) else {
            // For the operator's log tail; the name is quoted so that it cannot forge a line of its own.
            context.logger.notice(
                "sign-in refused",
                metadata: [
                    "username": "\(body.username.debugDescription)",
                    "address": "\(context.remoteAddress.map { "\($0)" } ?? "unknown")",
                ])
            throw APIError.unauthorized("invalid_credentials", "wrong username or password, or the user is disabled")
        }
        limiter.succeeded(account: body.username, address: context.remoteAddress)
        let (session, sessionToken) = try await auth.accounts.createSession(
            for: user, lifetime: auth.configuration.sessionLifetime)
        var response = try await tokenResponse(user: user, session: session, refreshToken: sessionToken)
        response.setCookie(try sessionCookie(sessionToken, maxAge: auth.configuration.sessionLifetime))
        return response
    }

    /// A new access token for a live session, named by `refresh_token` in the body or by the cookie.
    @Sendable func refresh(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        var token = request.cookies[Auth.sessionCookie]?.value
        if let body = try? await request.decodeJSON(RefreshBody.self, limit: bodyLimit), let refresh = body.refreshToken
        {
            token = refresh
        }
        guard let token, let (session, user) = try await auth.accounts.verifySession(token) else {
            throw APIError.unauthorized("session_expired", "the refresh token is invalid, revoked or expired")
        }
        return try await tokenResponse(user: user, session: session, refreshToken: nil)
    }

    /// Ends the session of the cookie, of the access token, or named by `refresh_token`; its streams close.
    @Sendable func logout(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        var sessionId: String?
        switch context.identity?.credential {
        case .session(let id)?, .accessToken(let id)?: sessionId = id
        default:
            if let body = try? await request.decodeJSON(RefreshBody.self, limit: bodyLimit),
                let token = body.refreshToken, let (session, _) = try await auth.accounts.verifySession(token)
            {
                sessionId = session.id
            }
        }
        guard let sessionId else {
            throw context.authFailure ?? APIError.unauthorized("unauthenticated", "no session to end")
        }
        try await auth.accounts.revokeSession(id: sessionId)
        auth.cache.remove(session: sessionId)
        var response = Response(status: .noContent)
        response.setCookie(try sessionCookie("", maxAge: .zero))
        return response
    }

    @Sendable func me(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        struct Me: Encodable {
            let user: User
            let credential: String
            let expiresAt: Timestamp?
            enum CodingKeys: String, CodingKey {
                case user, credential
                case expiresAt = "expires_at"
            }
        }
        let principal = try context.principal()
        let kind: String =
            switch principal.credential {
            case .session: "session"
            case .accessToken: "access_token"
            case .apiKey: "api_key"
            case .streamToken: "stream_token"
            }
        return try JSONResponse.make(Me(user: principal.user, credential: kind, expiresAt: principal.expiresAt))
    }

    /// A token for `?token=` on a stream URL: minutes long, bound to the caller and to the topics asked for,
    /// good for nothing but opening those streams.
    @Sendable func streamToken(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let principal = try context.principal()
        if case .streamToken = principal.credential {
            throw APIError(.forbidden, code: "insufficient_scope", message: "a stream token cannot issue another")
        }
        let body = try await request.decodeJSON(StreamTokenBody.self, limit: bodyLimit)
        guard !body.topics.isEmpty, body.topics.count <= 64 else {
            throw ValidationError("topics", "must list 1 to 64 topics")
        }
        for name in body.topics {
            let topic = try StreamRequest.topic(name)
            try await StreamAccess.check(topic, for: principal, service: service)
        }
        let (token, expiresAt) = try await auth.tokens.issue(
            .stream, userId: principal.user.id, credentialId: principal.credentialId,
            isSession: principal.isSessionBased, lifetime: auth.configuration.streamTokenLifetime,
            topics: body.topics.sorted())
        return try JSONResponse.make(
            TokenBody(
                token: token, tokenType: nil, expiresIn: auth.configuration.streamTokenLifetime.components.seconds,
                expiresAt: expiresAt, refreshToken: nil, user: nil, topics: body.topics.sorted()),
            status: .created)
    }

    struct TokenBody: Encodable {
        var token: String
        var tokenType: String?
        var expiresIn: Int64
        var expiresAt: Timestamp
        var refreshToken: String?
        var user: User?
        var topics: [String]?

        enum CodingKeys: String, CodingKey {
            case token = "access_token"
            case tokenType = "token_type"
            case expiresIn = "expires_in"
            case expiresAt = "expires_at"
            case refreshToken = "refresh_token"
            case user, topics
        }
    }

    private func tokenResponse(user: User, session: Session, refreshToken: String?) async throws -> Response {
        let lifetime = auth.configuration.accessTokenLifetime
        let (token, expiresAt) = try await auth.tokens.issue(
            .access, userId: user.id, credentialId: session.id, isSession: true, lifetime: lifetime)
        return try JSONResponse.make(
            TokenBody(
                token: token, tokenType: "Bearer", expiresIn: lifetime.components.seconds, expiresAt: expiresAt,
                refreshToken: refreshToken, user: user))
    }

    private func sessionCookie(_ value: String, maxAge: Duration) throws -> Cookie {
        try Cookie.validated(
            name: Auth.sessionCookie, value: value, maxAge: Int(maxAge.components.seconds), path: "/",
            secure: auth.configuration.secureCookies, httpOnly: true, sameSite: .strict)
    }
}
