import Foundation
import HummingbirdTesting
import Testing
import TickwireEngine
import TickwireModel

/// `/api/v1/models/{id}/start|stop|sessions` with the engine running, watched through the seed-compatible stream.
@Suite struct ModelSessionRouteTests {
    static func data(_ message: SSEMessage) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data((message.data ?? "").utf8))) ?? .null
    }

    @Test func aSessionStartedThroughTheAPIStreamsSeed004sSequence() async throws {
        try await TestServer.with(
            engine: EngineConfiguration(tickInterval: .milliseconds(20), minimumDecisionInterval: .milliseconds(1))
        ) { client, server in
            let (_, aliceKey) = try await server.makeUser("alice")
            let (_, bobKey) = try await server.makeUser("bob")
            let alice = client.using(aliceKey)
            let model = try #require(
                try await alice.call(
                    .post, "/api/v1/models",
                    json: #"{"name":"agent","config":{"max_decisions":2,"decision_interval_ms":1}}"#
                ).json["id"]?.int)
            let stream = try await alice.sse("/api/trading/stream/\(model)")
            defer { Task { await stream.close() } }
            #expect(Self.data(try await stream.nextEvent())["type"]?.string == "connected")

            #expect(try await client.using(bobKey).call(.post, "/api/v1/models/\(model)/start").status == .notFound)
            let started = try await alice.call(.post, "/api/v1/models/\(model)/start")
            #expect(started.status == .created)
            #expect(started.json["status"]?.string == "running")
            var types: [String] = []
            while types.last != "complete" {
                types.append(Self.data(try await stream.nextEvent())["type"]?.string ?? "?")
            }
            #expect(types == ["status", "status", "trade", "trade", "session_complete", "complete"])
            let sessions = try await alice.call(.get, "/api/v1/models/\(model)/sessions")
            #expect(sessions.json["data"]?[0]?["status"]?.string == "completed")
            #expect(sessions.json["data"]?[0]?["decisions"]?.int == 2)
            #expect(try await alice.call(.post, "/api/v1/models/\(model)/stop").status == .conflict)
        }
    }

    @Test func stopEndsARunningSessionAndOnlyOneRunsAtATime() async throws {
        try await TestServer.with(
            engine: EngineConfiguration(tickInterval: .milliseconds(20), minimumDecisionInterval: .milliseconds(1))
        ) { client, _ in
            let model = try #require(
                try await client.call(
                    .post, "/api/v1/models",
                    json: #"{"name":"long","config":{"decision_interval_ms":5,"max_decisions":10000}}"#
                ).json["id"]?.int)
            #expect(try await client.call(.post, "/api/v1/models/\(model)/start").status == .created)
            #expect(try await client.call(.post, "/api/v1/models/\(model)/start").status == .conflict)
            let stopped = try await client.call(.post, "/api/v1/models/\(model)/stop")
            #expect(stopped.status == .ok)
            #expect(stopped.json["status"]?.string == "stopped")
        }
    }

    @Test func withoutTheEngineSessionsAreUnavailable() async throws {
        try await TestServer.with { client, _ in
            let model = try #require(
                try await client.call(.post, "/api/v1/models", json: #"{"name":"m"}"#).json["id"]?.int)
            let reply = try await client.call(.post, "/api/v1/models/\(model)/start")
            #expect(reply.status == .serviceUnavailable)
            #expect(reply.errorCode == "engine_disabled")
        }
    }
}
