import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import TickwireModel
import TickwireTestSupport

@testable import TickwireServer

/// Webhooks over HTTP against a receiver on loopback: signed deliveries of the chosen types, a retry after a
/// failed attempt, the delivery log, validation and ownership.
@Suite struct WebhookTests {
    struct Received: Sendable {
        let event: String
        let timestamp: String
        let signature: String
        let body: String
    }

    final class Inbox: Sendable {
        let list = Mutex<[Received]>([])
        func withLock<T>(_ body: (inout [Received]) -> T) -> T { list.withLock { body(&$0) } }
    }

    /// A receiver that answers 500 to its first request and 200 after.
    static func withReceiver(_ body: @Sendable (Int, Inbox) async throws -> Void) async throws {
        let received = Inbox()
        let router = Router()
        router.post("hook") { request, _ -> HTTPResponse.Status in
            let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let count = received.withLock { list in
                list.append(
                    Received(
                        event: request.headers[HTTPField.Name("X-Tickwire-Event")!] ?? "",
                        timestamp: request.headers[HTTPField.Name("X-Tickwire-Timestamp")!] ?? "",
                        signature: request.headers[HTTPField.Name("X-Tickwire-Signature")!] ?? "", body: text))
                return list.count
            }
            return count == 1 ? .internalServerError : .ok
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body(try #require(client.port), received)
        }
    }

    @Test func fillsAndTradeClosesAreDeliveredSignedAndRetried() async throws {
        try await Self.withReceiver { port, received in
            try await TestServer.with { client, server in
                let secret = "a secret of twenty chars"
                let created = try await client.call(
                    .post, "/api/v1/webhooks",
                    json:
                        #"{"url":"http://127.0.0.1:\#(port)/hook","event_types":["trade_closed"],"secret":"\#(secret)"}"#
                )
                #expect(created.status == .created)
                #expect(created.json["secret"]?.string == secret, "shown once")
                let id = try #require(created.json["id"]?.int)
                #expect(try await client.call(.get, "/api/v1/webhooks").json["data"]?.array?.first?["secret"] == nil)

                let bot = try await client.createBot()
                try await TradeRouteTests.trade(client, bot: bot, "buy", 1, at: 100)
                try await TradeRouteTests.trade(client, bot: bot, "sell", 1, at: 104)
                // First attempt 500, the retry a second later 200.
                try await eventually("the retry to be delivered") {
                    received.withLock { $0.count } >= 2
                }
                let attempts = received.withLock { $0 }
                #expect(attempts.map(\.event) == ["trade_closed", "trade_closed"], "only the chosen type")
                let last = try #require(attempts.last)
                let mac = HMAC<SHA256>.authenticationCode(
                    for: Data("\(last.timestamp).\(last.body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
                #expect(last.signature == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
                let payload = try JSONDecoder().decode(JSONValue.self, from: Data(last.body.utf8))
                #expect(payload["type"]?.string == "trade_closed")
                #expect(payload["data"]?["realized_pnl"]?.number == 4)

                var log: [JSONValue] = []
                try await eventually("the delivery log to say delivered") {
                    log = try await client.call(.get, "/api/v1/webhooks/\(id)/deliveries").json["data"]?.array ?? []
                    return log.first?["status"]?.string == "delivered"
                }
                #expect(log.count == 1)
                #expect(log.first?["attempts"]?.number == 2)
                #expect(log.first?["response_status"]?.number == 200)

                let (_, token) = try await server.makeUser("mallory")
                let mallory = client.using(token)
                #expect(try await mallory.call(.get, "/api/v1/webhooks").json["data"]?.array?.isEmpty == true)
                #expect(try await mallory.call(.get, "/api/v1/webhooks/\(id)/deliveries").status == .notFound)
                #expect(try await mallory.call(.delete, "/api/v1/webhooks/\(id)").status == .notFound)
                #expect(try await client.call(.delete, "/api/v1/webhooks/\(id)").status == .noContent)
            }
        }
    }

    @Test func badWebhooksAreRefusedNamingTheField() async throws {
        try await TestServer.with { client, _ in
            for (body, field) in [
                (#"{"url":"ftp://x","event_types":["error"],"secret":"0123456789abcdef"}"#, "url"),
                (#"{"url":"https://x","event_types":["price_update"],"secret":"0123456789abcdef"}"#, "event_types"),
                (#"{"url":"https://x","event_types":["error"],"secret":"short"}"#, "secret"),
            ] {
                let reply = try await client.call(.post, "/api/v1/webhooks", json: body)
                #expect(reply.status == .unprocessableContent)
                #expect(reply.json["error"]?["message"]?.string?.hasPrefix(field) == true, "\(reply.text)")
            }
        }
    }
}
