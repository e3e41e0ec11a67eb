import HummingbirdTesting
import Testing
import TickwireModel

@Suite struct OrderRouteTests {
    @Test func lifecycleWithPartialAndFullFillsAndPnL() async throws {
        try await TestServer.with { client, server in
            let bot = try await client.createBot()
            let placed = try await client.call(
                .post, "/api/v1/bots/\(bot)/orders",
                json: #"{"side":"buy","type":"limit","quantity":2,"price":100,"exchange_order_id":"X-1"}"#)
            #expect(placed.status == .created)
            let id = try #require(placed.json["id"]?.int)
            #expect(placed.json["status"]?.string == "NEW")
            #expect(placed.json["filled_quantity"]?.number == 0)

            let partial = try await client.call(
                .patch, "/api/v1/orders/\(id)", json: #"{"fill":{"quantity":0.5,"price":99,"fee":0.1}}"#)
            #expect(partial.status == .ok)
            #expect(partial.json["status"]?.string == "PARTIALLY_FILLED")
            let full = try await client.call(
                .patch, "/api/v1/orders/\(id)", json: #"{"status":"FILLED","fill":{"quantity":1.5,"price":103}}"#)
            #expect(full.json["status"]?.string == "FILLED")
            #expect(full.json["filled_quantity"]?.number == 2)
            #expect(full.json["avg_fill_price"]?.number == 102)

            let conflict = try await client.call(.patch, "/api/v1/orders/\(id)", json: #"{"status":"CANCELED"}"#)
            #expect(conflict.status == .conflict)
            #expect(conflict.errorCode == "conflict")
            #expect(try await client.call(.get, "/api/v1/orders/\(id)").json["status"]?.string == "FILLED")

            #expect(
                try await client.call(
                    .post, "/api/v1/prices", json: #"{"ticker":"BTC/USDT","exchange":"binance","price":110}"#
                ).status == .created)
            let pnl = try await client.call(.get, "/api/v1/bots/\(bot)/pnl").json
            #expect(pnl["position_quantity"]?.number == 2)
            #expect(pnl["avg_entry_price"]?.number == 102)
            #expect(pnl["unrealized_pnl"]?.number == 16)
            #expect(pnl["fees"]?.number == 0.1)
            #expect(pnl["total_pnl"]?.number == 15.9)

            let types = server.publisher.published.map(\.type.rawValue)
            #expect(
                types == [
                    "bot_created", "order_update", "order_update", "order_filled", "trade_opened", "pnl_update",
                    "equity_update", "order_update", "order_filled", "pnl_update", "equity_update", "price_update",
                    "pnl_update",
                ])
        }
    }

    @Test func cancelAndRejectTransitions() async throws {
        try await TestServer.with { client, _ in
            let bot = try await client.createBot()
            func place() async throws -> Int64 {
                try #require(
                    try await client.call(
                        .post, "/api/v1/bots/\(bot)/orders", json: #"{"side":"buy","type":"market","quantity":1}"#
                    )
                    .json["id"]?.int)
            }
            let a = try await place()
            #expect(
                try await client.call(.patch, "/api/v1/orders/\(a)", json: #"{"status":"REJECTED"}"#).json["status"]?
                    .string == "REJECTED")
            #expect(
                try await client.call(.patch, "/api/v1/orders/\(a)", json: #"{"status":"REJECTED"}"#).status
                    == .conflict)
            let b = try await place()
            _ = try await client.call(.patch, "/api/v1/orders/\(b)", json: #"{"fill":{"quantity":0.4,"price":10}}"#)
            #expect(
                try await client.call(.patch, "/api/v1/orders/\(b)", json: #"{"status":"REJECTED"}"#).status
                    == .conflict)
            #expect(
                try await client.call(.patch, "/api/v1/orders/\(b)", json: #"{"fill":{"quantity":0.7,"price":10}}"#)
                    .status == .conflict)
            #expect(
                try await client.call(.patch, "/api/v1/orders/\(b)", json: #"{"status":"CANCELED"}"#).json["status"]?
                    .string == "CANCELED")
            #expect(
                try await client.call(.patch, "/api/v1/orders/\(b)", json: #"{"exchange_order_id":"E-9"}"#).json[
                    "exchange_order_id"]?.string == "E-9")
        }
    }

    @Test func orderValidation() async throws {
        try await TestServer.with { client, server in
            let bot = try await client.createBot()
            let before = server.publisher.published.count
            let cases: [(String, Int)] = [
                (#"{"side":"buy","type":"market","quantity":-1}"#, 422),
                (#"{"side":"buy","type":"market","quantity":0}"#, 422),
                (#"{"side":"buy","type":"limit","quantity":1}"#, 422),
                (#"{"side":"buy","type":"limit","quantity":1,"price":-3}"#, 422),
                (#"{"side":"buy","type":"market","quantity":1e999}"#, 400),
                (#"{"side":"buy","type":"market","quantity":2.3e307}"#, 422),
                (#"{"side":"buy","type":"market","quantity":"1"}"#, 400),
                (#"{"side":"hold","type":"market","quantity":1}"#, 400),
                (#"{"side":"buy","type":"stop","quantity":1}"#, 400),
                (#"{"side":"buy","quantity":1}"#, 400),
                (#"{"side":"buy","type":"market","quantity":1,"qty":2}"#, 400),
                (#"{"side":"buy","type":"market","quantity":null}"#, 400),
                (#"{"side":"buy","type":"market","quantity":1,"exchange_order_id":null}"#, 400),
            ]
            for (body, status) in cases {
                let reply = try await client.call(.post, "/api/v1/bots/\(bot)/orders", json: body)
                #expect(reply.status.code == status, "\(body) -> \(reply.text)")
            }
            #expect(
                try await client.call(
                    .post, "/api/v1/bots/999/orders", json: #"{"side":"buy","type":"market","quantity":1}"#
                )
                .status == .notFound)
            let order = try #require(
                try await client.call(
                    .post, "/api/v1/bots/\(bot)/orders", json: #"{"side":"buy","type":"market","quantity":1}"#
                )
                .json["id"]?.int)
            let patches: [(String, Int)] = [
                ("{}", 422),
                (#"{"status":"FILLED"}"#, 422),
                (#"{"status":"CANCELED","fill":{"quantity":1,"price":1}}"#, 422),
                (#"{"fill":{"quantity":1}}"#, 400),
                (#"{"fill":{"quantity":1,"price":1,"when":"now"}}"#, 400),
                (#"{"fill":{"quantity":1,"price":1,"fee":null}}"#, 400),
                (#"{"fill":{"quantity":-1,"price":1}}"#, 422),
                (#"{"fill":{"quantity":1,"price":1,"fee":-1}}"#, 422),
                (#"{"status":"NEW"}"#, 422),
                (#"{"fill":{"quantity":1e300,"price":1e300}}"#, 422),
                (#"{"fill":{"quantity":1,"price":1e16}}"#, 422),
                (#"{"status":"PARTIALLY_FILLED","fill":{"quantity":1,"price":1}}"#, 409),
                (#"{"fill":{"quantity":2,"price":1}}"#, 409),
            ]
            for (body, status) in patches {
                let reply = try await client.call(.patch, "/api/v1/orders/\(order)", json: body)
                #expect(reply.status.code == status, "\(body) -> \(reply.text)")
            }
            #expect(
                try await client.call(.patch, "/api/v1/orders/999", json: #"{"status":"CANCELED"}"#).status == .notFound
            )
            #expect(try await client.call(.get, "/api/v1/orders/999").status == .notFound)
            #expect(server.publisher.published.count == before + 1)  // only the one accepted order
        }
    }

    @Test func listingFiltersAndCursorPagination() async throws {
        try await TestServer.with { client, _ in
            let a = try await client.createBot()
            let b = try await client.createBot(name: "b")
            for bot in [a, b, a, a, b, a] {
                _ = try await client.call(
                    .post, "/api/v1/bots/\(bot)/orders", json: #"{"side":"buy","type":"market","quantity":1}"#)
            }
            var ids: [Int64] = []
            var uri = "/api/v1/orders?bot_id=\(a)&limit=3"
            while true {
                let page = try await client.call(.get, uri).json
                ids += page["data"]?.array?.compactMap { $0["id"]?.int } ?? []
                guard let cursor = page["next_cursor"]?.string else {
                    #expect(page["next_cursor"]?.isNull == true)
                    break
                }
                uri = "/api/v1/orders?bot_id=\(a)&limit=3&cursor=\(cursor)"
            }
            #expect(ids == [6, 4, 3, 1])
            #expect(try await client.call(.get, "/api/v1/orders?status=NEW").json["data"]?.array?.count == 6)
            #expect(try await client.call(.get, "/api/v1/orders?status=FILLED").json["data"]?.array?.count == 0)
            for bad in [
                "limit=0", "limit=501", "limit=ten", "cursor=abc", "cursor=-4", "bot_id=x", "bot_id=0", "status=new",
            ] {
                let reply = try await client.call(.get, "/api/v1/orders?\(bad)")
                #expect(reply.status == .badRequest, "\(bad)")
                #expect(reply.errorCode == "invalid_parameter")
            }
        }
    }

    @Test func aSellOfWhatASpotBotDoesNotHoldIsRefusedAndLogged() async throws {
        try await TestServer.with { client, _ in
            let bot = try await client.createBot()
            let refused = try await client.call(
                .post, "/api/v1/bots/\(bot)/orders", json: #"{"side":"sell","type":"market","quantity":1}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.errorCode == "short_not_allowed")
            #expect(try await client.call(.get, "/api/v1/orders?bot_id=\(bot)").json["data"]?.array?.isEmpty == true)
            let logs = try await client.call(.get, "/api/v1/logs?bot_id=\(bot)").json["data"]?.array ?? []
            #expect(logs.first?["level"]?.string == "WARNING")
            #expect(logs.first?["message"]?.string?.hasPrefix("order refused: selling 1.0 would open a short") == true)
            // On margin it is a short.
            let margin = try await client.call(
                .post, "/api/v1/bots",
                json:
                    #"{"name":"m","ticker":"BTC/USDT","exchange":"binance","strategy":"x","config":{"market":"margin"}}"#
            )
            let marginId = try #require(margin.json["id"]?.int)
            let short = try await client.call(
                .post, "/api/v1/bots/\(marginId)/orders", json: #"{"side":"sell","type":"market","quantity":1}"#)
            #expect(short.status == .created)
        }
    }
}
