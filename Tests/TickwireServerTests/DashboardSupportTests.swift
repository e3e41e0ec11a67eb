import Foundation
import HTTPTypes
import HummingbirdTesting
import Prometheus
import Testing
import TickwireModel
import TickwireServer

/// What the dashboard needs from the server besides the API it shares with everyone: its files, the snapshots it
/// renders before its stream delivers, the admin figures, and the switch that makes clients fall back to polling.
@Suite struct DashboardSupportTests {
    /// A dashboard folder with an index page and one module.
    static func publicFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tickwire-public-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("js"), withIntermediateDirectories: true)
        try "<!doctype html><title>t</title>".write(
            to: folder.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try "export const x = 1;".write(
            to: folder.appendingPathComponent("js/app.js"), atomically: true, encoding: .utf8)
        return folder.path
    }

    @Test func theDashboardIsServedWithRevalidationAndTheSecurityHeaders() async throws {
        let folder = try Self.publicFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await TestServer.with(configuration: .init(publicDirectory: folder)) { client, _ in
            let anonymous = client.using(nil)
            let index = try await anonymous.call(.get, "/")
            #expect(index.status == .ok)
            #expect(index.text.contains("<title>t</title>"))
            #expect(index.headers[.cacheControl] == "no-cache")
            #expect(index.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            let module = try await anonymous.call(.get, "/js/app.js")
            #expect(module.headers[.contentType]?.hasPrefix("text/javascript") == true)
            let etag = try #require(module.headers[.eTag])
            #expect(try await anonymous.call(.get, "/js/app.js", headers: [.ifNoneMatch: etag]).status == .notModified)
            // Unknown files and escapes from the folder answer 404 with the API's error body; the API is unchanged.
            let missing = try await anonymous.call(.get, "/js/missing.js")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            let escape = try await anonymous.call(.get, "/../../etc/passwd")
            #expect(escape.status == .badRequest, "a path that climbs out of the folder")
            #expect(!escape.text.contains("root:"))
            #expect(try await anonymous.call(.get, "/api/v1/bots").status == .unauthorized)
        }
    }

    @Test func withStreamingSwitchedOffStreamsAnswer503AndRESTKeepsWorking() async throws {
        try await TestServer.with(configuration: .init(streamingEnabled: false)) { client, _ in
            for path in ["/api/v1/stream?topics=bots", "/events/bots", "/events/intraday", "/events/admin/logs"] {
                let reply = try await client.call(.get, path)
                #expect(reply.status == .serviceUnavailable, "\(path)")
                #expect(reply.errorCode == "streaming_disabled", "\(path)")
            }
            _ = try await client.createBot()
            let page = try await client.call(.get, "/api/v1/bots/page")
            #expect(page.status == .ok)
            let etag = try #require(page.headers[.eTag])
            #expect(
                try await client.call(.get, "/api/v1/bots/page", headers: [.ifNoneMatch: etag]).status == .notModified)
        }
    }

    @Test func adminStatsCountSubscribersAndEventsForAdminsOnly() async throws {
        try await TestServer.with { client, server in
            let (_, userKey) = try await server.makeUser("carol")
            #expect(try await client.using(userKey).call(.get, "/api/v1/admin/stats").status == .forbidden)
            let before = try await client.call(.get, "/api/v1/admin/stats").json
            let stream = try await client.sse("/api/v1/stream?topics=bots,orders")
            defer { Task { await stream.close() } }
            _ = try await client.createBot()
            _ = try await stream.nextEvent()
            let after = try await client.call(.get, "/api/v1/admin/stats").json
            #expect(after["subscribers"]?.int == (before["subscribers"]?.int ?? -1) + 1)
            #expect(
                after["subscribers_by_topic"]?["orders"]?.int == (before["subscribers_by_topic"]?["orders"]?.int ?? 0)
                    + 1,
                "the stream, besides the server's webhook dispatcher")
            #expect(after["events_published"]?.int == (before["events_published"]?.int ?? -1) + 1)
            #expect(after["head_event_id"]?.string == String(server.hub.head))
        }
    }

    @Test func metricsAreServedInThePrometheusFormatToAdminsOnly() async throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "tickwire", metricName: "test_deliveries", unitName: "total", helpText: "test counter")
        ).increment(by: Int64(3))
        try await TestServer.with(metrics: registry) { client, server in
            let (_, userKey) = try await server.makeUser("erin")
            let reply = try await client.call(.get, "/metrics")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(reply.text.contains("tickwire_test_deliveries_total 3"))
            #expect(try await client.using(userKey).call(.get, "/metrics").status == .forbidden)
            #expect(try await client.using(nil).call(.get, "/metrics").status == .unauthorized)
        }
    }

    @Test func theLatestIntradaySnapshotIsAvailableOverREST() async throws {
        try await TestServer.with { client, server in
            let (_, userKey) = try await server.makeUser("dave")
            let user = client.using(userKey)
            let empty = try await user.call(.get, "/api/v1/intraday")
            #expect(empty.status == .ok)
            #expect(empty.json["snapshot"] == .null)
            let signals = (1...5).map { #"{"ticker":"S\#($0)","action":"BUY","confidence":0.\#($0)}"# }
            for round in 1...2 {
                let published = try await client.call(
                    .post, "/api/v1/events",
                    json:
                        #"{"topic":"intraday","type":"intraday_snapshot","data":{"round":\#(round),"signals":[\#(signals.joined(separator: ","))]}}"#
                )
                #expect(published.status == .created)
            }
            let latest = try await user.call(.get, "/api/v1/intraday?limit=3").json
            #expect(latest["snapshot"]?["round"]?.int == 2)
            #expect(latest["snapshot"]?["signals"]?[2]?["ticker"]?.string == "S3")
            #expect(latest["snapshot"]?["signals"]?[3] == nil)
            #expect(latest["event_id"]?.string == String(server.hub.head))
            #expect(try await user.call(.get, "/api/v1/intraday?limit=0").errorCode == "invalid_parameter")
        }
    }

    @Test func aModelsRecentEventsAreItsOwnersOnly() async throws {
        try await TestServer.with { client, server in
            let (_, aliceKey) = try await server.makeUser("alice")
            let (_, bobKey) = try await server.makeUser("bob")
            let alice = client.using(aliceKey)
            let model = try #require(
                try await alice.call(.post, "/api/v1/models", json: #"{"name":"agent"}"#).json["id"]?.int)
            for step in 1...4 {
                let reply = try await alice.call(
                    .post, "/api/v1/events",
                    json: #"{"topic":"models.\#(model)","type":"status","data":{"message":"step \#(step)"}}"#)
                #expect(reply.status == .created)
            }
            let recent = try await alice.call(.get, "/api/v1/models/\(model)/events?limit=3").json
            let messages = (0..<3).map { recent["data"]?[$0]?["data"]?["message"]?.string }
            #expect(messages == ["step 2", "step 3", "step 4"])
            #expect(try await client.using(bobKey).call(.get, "/api/v1/models/\(model)/events").status == .notFound)
        }
    }
}
