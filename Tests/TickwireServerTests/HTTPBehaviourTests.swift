import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prometheus
import Testing
import TickwireModel

@testable import TickwireServer

@Suite struct HTTPBehaviourTests {
    @Test func healthAndReadiness() async throws {
        try await TestServer.with { client, _ in
            let health = try await client.call(.get, "/health")
            #expect(health.status == .ok)
            #expect(health.json["status"]?.string == "ok")
            #expect(try await client.call(.get, "/ready").json["status"]?.string == "ready")
        }
    }

    @Test func unknownRoutesAndMethodsGiveTheStableErrorBody() async throws {
        try await TestServer.with { client, _ in
            let missing = try await client.call(.get, "/api/v1/nothing-here")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            let wrongMethod = try await client.call(.put, "/api/v1/bots/1")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.errorCode == "method_not_allowed")
            #expect(wrongMethod.headers[.allow] == "DELETE, GET, HEAD, PATCH")
            #expect(try await client.call(.delete, "/api/v1/orders").status == .methodNotAllowed)
        }
    }

    /// A request the HTTP parser refuses gets the stable error body and the connection closes (it used to get no
    /// answer and stay open); requests read before it on the same connection are answered first.
    @Test(.timeLimit(.minutes(1))) func malformedRequestsAreAnsweredAndTheConnectionCloses() async throws {
        let logs = LogRecorder()
        try await TestServer.with(logs: logs) { client, _ in
            let port = try #require(client.port)
            let malformed = [
                "GET /health HTTP/1.1\r\nHost: x\r\nA header line without a colon\r\n\r\n",
                "NOT-HTTP\r\n\r\n",
                "GET /api/v1/ws/app HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nBroken header\r\n\r\n",
            ]
            for request in malformed {
                let reply = try await within(5) { try await rawExchange(port: port, request) }
                #expect(reply.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(request)")
                #expect(reply.contains(#"{"error":{"code":"invalid_request","message":"malformed HTTP request"#))
            }
            let pipelined = try await within(5) {
                try await rawExchange(
                    port: port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nBad\r\n\r\n")
            }
            #expect(pipelined.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(pipelined.contains(#"{"status":"ok"}HTTP/1.1 400 Bad Request"#))
            let huge = "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n"
            let tooLarge = try await within(5) { try await rawExchange(port: port, huge) }
            #expect(tooLarge.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
            #expect(tooLarge.contains(#""code":"headers_too_large""#))
        }
        // A client's garbage is not the server's error (it once logged one per request at error level).
        #expect(logs.messages(atLeast: .error).isEmpty)
    }

    @Test func oversizedBodiesAreRefusedWithoutWriting() async throws {
        try await TestServer.with(maxBodySize: 2048) { client, _ in
            let message = String(repeating: "x", count: 4096)
            let reply = try await client.call(.post, "/api/v1/logs", json: #"{"level":"INFO","message":"\#(message)"}"#)
            #expect(reply.status == .contentTooLarge)
            #expect(reply.errorCode == "payload_too_large")
            #expect(try await client.call(.get, "/api/v1/logs").json["data"]?.array?.count == 0)
        }
    }

    @Test func largeResponsesAreGzippedWhenAccepted() async throws {
        try await TestServer.with { client, _ in
            for i in 0..<20 { _ = try await client.createBot(name: "bot-\(i)") }
            let plain = try await client.call(.get, "/api/v1/bots")
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(plain.headers[.cacheControl] == "no-store")
            let gzipped = try await client.call(.get, "/api/v1/bots", headers: [.acceptEncoding: "gzip, deflate"])
            #expect(gzipped.headers[.contentEncoding] == "gzip")
            #expect(gzipped.headers[.vary] == "Accept-Encoding")
            #expect(gzipped.body.readableBytes < plain.body.readableBytes / 2)
            var compressed = gzipped.body
            let inflated = try compressed.decompress(with: .gzip())
            #expect(inflated == plain.body)
            let refused = try await client.call(.get, "/api/v1/bots", headers: [.acceptEncoding: "gzip;q=0"])
            #expect(refused.headers[.contentEncoding] == nil)
            let small = try await client.call(.get, "/health", headers: [.acceptEncoding: "gzip"])
            #expect(small.headers[.contentEncoding] == nil)
        }
    }

    @Test func botsPageETagChangesOnlyWithTheData() async throws {
        try await TestServer.with { client, _ in
            let bot = try await client.createBot()
            let first = try await client.call(.get, "/api/v1/bots/page")
            #expect(first.status == .ok)
            let etag = try #require(first.headers[.eTag])
            #expect(first.json["bots"]?[0]?["bot"]?["id"]?.int == bot)
            #expect(first.json["event_id"]?.string == "1")
            #expect(try await client.call(.get, "/api/v1/bots/page").headers[.eTag] == etag)

            let notModified = try await client.call(.get, "/api/v1/bots/page", headers: [.ifNoneMatch: etag])
            #expect(notModified.status == .notModified)
            #expect(notModified.body.readableBytes == 0)
            #expect(
                try await client.call(.get, "/api/v1/bots/page", headers: [.ifNoneMatch: "W/\(etag)"]).status
                    == .notModified)

            _ = try await client.call(
                .post, "/api/v1/bots/\(bot)/orders", json: #"{"side":"buy","type":"market","quantity":1}"#)
            let changed = try await client.call(.get, "/api/v1/bots/page", headers: [.ifNoneMatch: etag])
            #expect(changed.status == .ok)
            #expect(changed.headers[.eTag] != etag)
            #expect(changed.json["bots"]?[0]?["recent_orders"]?.array?.count == 1)

            // Compressed exactly when the plain body is above 1 KiB.
            let gzipped = try await client.call(.get, "/api/v1/bots/page", headers: [.acceptEncoding: "gzip"])
            #expect(gzipped.headers[.contentEncoding] == (changed.body.readableBytes > 1024 ? "gzip" : nil))
        }
    }

    @Test func openAPIDocumentListsExactlyTheServedRoutes() async throws {
        try await TestServer.with { client, server in
            let reply = try await client.call(.get, "/api/v1/openapi.yaml")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("application/yaml") == true)
            let documented = Self.operations(inOpenAPI: reply.text)

            let router = Router(context: TickwireRequestContext.self)
            let configuration = ServerConfiguration()
            try registerRoutes(
                on: router,
                try await Components(
                    service: .init(store: server.store), hub: server.hub, configuration: configuration,
                    metrics: PrometheusCollectorRegistry()),
                configuration: configuration)
            let served = Set(
                router.routes.map { route in
                    "\(route.method.rawValue) "
                        + route.path.description.replacingOccurrences(
                            of: #":(\w+)"#, with: "{$1}", options: .regularExpression)
                })
            #expect(
                documented == served,
                "documented only: \(documented.subtracting(served)); served only: \(served.subtracting(documented))")
        }
    }

    /// `METHOD /path` for every operation under `paths:` (path keys are indented 2 spaces, methods 4).
    static func operations(inOpenAPI text: String) -> Set<String> {
        var operations = Set<String>()
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            guard inPaths else { continue }
            if !line.hasPrefix(" "), !line.isEmpty { break }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "),
                let method = ["get", "post", "put", "patch", "delete"].first(where: { line.hasPrefix("    \($0):") })
            {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }
}
