import HTTPTypes
import Hummingbird
import Testing

@testable import TickwireServer

/// Cross-origin access: only listed origins, with credentials, and caches told the answer depends on `Origin`.
@Suite struct CORSTests {
    static let allowed = "https://dash.example.com"

    func withServer(_ body: @Sendable (AuthedClient) async throws -> Void) async throws {
        var configuration = ServerConfiguration()
        configuration.auth.corsAllowedOrigins = [Self.allowed]
        try await TestServer.with(configuration: configuration) { client, _ in try await body(client) }
    }

    @Test func aPreflightFromAListedOriginIsAnsweredWithItsRules() async throws {
        try await withServer { client in
            let preflight = try await client.using(nil).call(
                .options, "/api/v1/bots",
                headers: [
                    .origin: Self.allowed, .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "Authorization, Content-Type",
                ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == Self.allowed)
            #expect(preflight.headers[.accessControlAllowCredentials] == "true")
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(preflight.headers[.vary] == "Origin")
        }
    }

    @Test func aListedOriginReadsWithCredentialsAndTheAnswerVariesByOrigin() async throws {
        try await withServer { client in
            let reply = try await client.call(.get, "/api/v1/bots", headers: [.origin: Self.allowed])
            #expect(reply.status == .ok)
            #expect(reply.headers[.accessControlAllowOrigin] == Self.allowed, "the origin itself, never *")
            #expect(reply.headers[.accessControlAllowCredentials] == "true")
            #expect(reply.headers[.accessControlExposeHeaders]?.contains("ETag") == true)
            #expect(reply.headers[.vary]?.contains("Origin") == true)
        }
    }

    @Test func anUnlistedOriginGetsNoCORSHeadersAtAll() async throws {
        try await withServer { client in
            let reply = try await client.call(.get, "/api/v1/bots", headers: [.origin: "https://evil.example.com"])
            #expect(reply.status == .ok, "same-origin rules still apply in the browser; the server answers")
            #expect(reply.headers[.accessControlAllowOrigin] == nil)
            #expect(reply.headers[.accessControlAllowCredentials] == nil)
            let preflight = try await client.using(nil).call(
                .options, "/api/v1/bots",
                headers: [.origin: "https://evil.example.com", .accessControlRequestMethod: "DELETE"])
            #expect(preflight.headers[.accessControlAllowOrigin] == nil)
            #expect(preflight.status != .noContent, "no preflight approval for an unlisted origin")
        }
    }

    @Test func withoutAnAllowListThereIsNoCORS() async throws {
        try await TestServer.with { client, _ in
            let reply = try await client.call(.get, "/api/v1/bots", headers: [.origin: Self.allowed])
            #expect(reply.headers[.accessControlAllowOrigin] == nil)
        }
    }
}
