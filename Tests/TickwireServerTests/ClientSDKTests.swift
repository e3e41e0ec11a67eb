import Foundation
import Synchronization
import Testing
import TickwireClient
import TickwireModel

@testable import TickwireServer

/// The Swift SDK (`TickwireClient`) against a live server: typed REST calls, the event stream in order, a reset, and
/// a stream whose short-lived token expires: it reconnects with a fresh one and resumes without loss or repeat.
@Suite struct ClientSDKTests {
    /// The first `count` log lines of a bot the SDK's stream delivers after `since`.
    static func logMessages(_ sdk: TickwireClient, botId: Int64, since: String, count: Int) async throws -> [String] {
        var events = sdk.events(topics: ["logs"], botId: botId, since: since).makeAsyncIterator()
        var messages: [String] = []
        while messages.count < count {
            // A stream that ended (its task cancelled by the deadline) must end this loop, not spin on nil.
            guard let item = try await events.next() else { throw TestFailure("the stream ended") }
            if case .event(let event) = item, event.type == "log_created" {
                messages.append(event.data["message"]?.string ?? "")
            }
        }
        return messages
    }

    @Test func typedCallsForBotsOrdersFillsTradesAndLogs() async throws {
        try await TestServer.with { client, _ in
            let sdk = TickwireClient(
                url: "http://127.0.0.1:\(try #require(client.port))", credential: .apiKey(try #require(client.token)))
            let bot = try await sdk.createBot(
                NewBot(name: "sdk", ticker: "SOL/USDT", exchange: "binance", strategy: "manual"))
            #expect(try await sdk.bot(id: bot.id).name == "sdk")
            let buy = try await sdk.placeOrder(botId: bot.id, NewOrder(side: .buy, type: .market, quantity: 2))
            _ = try await sdk.updateOrder(id: buy.id, OrderPatch(fill: FillRequest(quantity: 2, price: 10)))
            let sell = try await sdk.placeOrder(botId: bot.id, NewOrder(side: .sell, type: .market, quantity: 2))
            let filled = try await sdk.updateOrder(id: sell.id, OrderPatch(fill: FillRequest(quantity: 2, price: 11)))
            #expect(filled.status == .filled)
            #expect(try await sdk.fills(botId: bot.id).count == 2)
            #expect(try await sdk.trades(botId: bot.id).first?.pnl == 2)
            #expect(try await sdk.pnl(botId: bot.id).tradeCount == 1)
            _ = try await sdk.appendLog(NewLog(botId: bot.id, level: .info, message: "from swift"))
            #expect(try await sdk.logs(botId: bot.id).map(\.message).contains("from swift"))
            await #expect(throws: TickwireError.self) { _ = try await sdk.bot(id: 999_999) }
            do {
                _ = try await sdk.placeOrder(botId: bot.id, NewOrder(side: .sell, type: .market, quantity: 1))
                Issue.record("a short on a spot bot was accepted")
            } catch let error as TickwireError {
                #expect(error.status == 422)
                #expect(error.code == "short_not_allowed")
            }
        }
    }

    @Test func theStreamDeliversInOrderAndSaysResetForAPositionThatIsGone() async throws {
        try await TestServer.with { client, _ in
            let sdk = TickwireClient(
                url: "http://127.0.0.1:\(try #require(client.port))", credential: .apiKey(try #require(client.token)))
            let bot = try await sdk.createBot(NewBot(name: "s", ticker: "SOL/USDT", exchange: "x", strategy: "m"))
            let first = try await within(30) {
                var gone = sdk.events(topics: ["logs"], since: "999999999").makeAsyncIterator()
                return try await gone.next()
            }
            guard case .reset(let reason, _)? = first else {
                Issue.record("no reset for a position that does not exist")
                return
            }
            #expect(!reason.isEmpty)

            var events = sdk.events(topics: ["logs"], botId: bot.id).makeAsyncIterator()
            try await Task.sleep(for: .milliseconds(200))
            for index in 0..<3 {
                _ = try await sdk.appendLog(NewLog(botId: bot.id, level: .info, message: "m\(index)"))
            }
            var messages: [String] = []
            while messages.count < 3 {
                guard let item = try await events.next() else { throw TestFailure("the stream ended") }
                if case .event(let event) = item, event.type == "log_created" {
                    messages.append(event.data["message"]?.string ?? "")
                }
            }
            #expect(messages == ["m0", "m1", "m2"])
        }
    }

    @Test func anExpiredStreamTokenIsRenewedAndTheStreamResumesWithoutLoss() async throws {
        var configuration = ServerConfiguration()
        configuration.auth.streamTokenLifetime = .seconds(2)
        try await TestServer.with(configuration: configuration) { client, _ in
            let port = try #require(client.port)
            let key = try #require(client.token)
            let rest = TickwireClient(url: "http://127.0.0.1:\(port)", credential: .apiKey(key))
            let bot = try await rest.createBot(NewBot(name: "t", ticker: "SOL/USDT", exchange: "x", strategy: "m"))
            let issued = Mutex(0)
            var renewing = TickwireClient(
                url: "http://127.0.0.1:\(port)",
                credential: .provider {
                    issued.withLock { $0 += 1 }
                    return try await rest.streamToken(topics: ["logs"])
                })
            // Lines come every 0.4 s: a connection silent for 5 s is stuck (seen once under CI load), not idle.
            renewing.streamIdleTimeout = .seconds(5)
            let sdk = renewing
            // From a known position, so that nothing depends on when the first connection opens.
            let since = try #require(try await client.call(.get, "/api/v1/bots/page").json["event_id"]?.string)
            let writer = Task {
                for index in 0..<12 {
                    _ = try await rest.appendLog(NewLog(botId: bot.id, level: .info, message: "w\(index)"))
                    try await Task.sleep(for: .milliseconds(400))
                }
            }
            let messages = try await within(60) {
                try await Self.logMessages(sdk, botId: bot.id, since: since, count: 12)
            }
            try await writer.value
            #expect(messages == (0..<12).map { "w\($0)" }, "each once, in order, across the expiries")
            #expect(issued.withLock { $0 } >= 2, "the token was asked for again after it expired")
        }
    }

    @Test func aSilentStreamIsReopenedAndResumesWithoutLoss() async throws {
        // No heartbeats: a stream with no events is as silent as a dead connection.
        var configuration = ServerConfiguration()
        configuration.heartbeatInterval = .seconds(3600)
        try await TestServer.with(configuration: configuration) { client, _ in
            let port = try #require(client.port)
            let key = try #require(client.token)
            let rest = TickwireClient(url: "http://127.0.0.1:\(port)", credential: .apiKey(key))
            let bot = try await rest.createBot(NewBot(name: "s", ticker: "SOL/USDT", exchange: "x", strategy: "m"))
            let connections = Mutex(0)
            var sdk = TickwireClient(
                url: "http://127.0.0.1:\(port)",
                credential: .provider {
                    connections.withLock { $0 += 1 }
                    return key
                })
            sdk.streamIdleTimeout = .milliseconds(700)
            let silentAware = sdk
            let since = try #require(try await client.call(.get, "/api/v1/bots/page").json["event_id"]?.string)
            _ = try await rest.appendLog(NewLog(botId: bot.id, level: .info, message: "before"))
            let writer = Task {
                try await Task.sleep(for: .seconds(3))
                _ = try await rest.appendLog(NewLog(botId: bot.id, level: .info, message: "after the silence"))
            }
            let messages = try await within(30) {
                try await Self.logMessages(silentAware, botId: bot.id, since: since, count: 2)
            }
            try await writer.value
            #expect(messages == ["before", "after the silence"], "each once, in order, across the reopenings")
            #expect(connections.withLock { $0 } >= 2, "the silent connection was dropped and reopened")
        }
    }

    @Test func typedCallsForDatasetsBacktestsCandlesAndEquity() async throws {
        try await TestServer.with(configuration: BacktestRouteTests.workers) { client, _ in
            let port = try #require(client.port)
            let key = try #require(client.token)
            let sdk = TickwireClient(url: "http://127.0.0.1:\(port)", credential: .apiKey(key))
            let dataset = try await sdk.uploadDataset(name: "zigzag", ticker: "ZZ", csv: BacktestRouteTests.csv)
            #expect(dataset.barCount == 300)
            #expect(try await sdk.datasets().map(\.id) == [dataset.id])
            let submitted = try await sdk.submitBacktest(
                BacktestRequest(
                    datasetId: dataset.id, strategy: "sma", params: ["fast": .number(5), "slow": .number(20)]))
            let run = try await within(60) { try await sdk.waitForBacktest(id: submitted.id) }
            #expect(run.status == .completed)
            guard case .object(let result)? = run.result, case .object(let stats)? = result["stats"] else {
                Issue.record("no statistics in \(String(describing: run.result))")
                return
            }
            #expect(stats["return_pct"] != nil)
            #expect(try await sdk.backtests().map(\.id).contains(submitted.id))

            let start = Timestamp(milliseconds: 1_700_000_000_000)
            _ = try await sdk.recordPrices(
                (0..<3).map {
                    NewPrice(
                        ticker: "SDK", exchange: "x", price: 100 + Double($0),
                        timestamp: Timestamp(milliseconds: start.milliseconds + Int64($0) * 60_000))
                })
            let candles = try await sdk.candles(ticker: "SDK", exchange: "x")
            #expect(candles.map(\.close) == [100, 101, 102])

            let bot = try await sdk.createBot(NewBot(name: "e", ticker: "SDK", exchange: "x", strategy: "manual"))
            let order = try await sdk.placeOrder(botId: bot.id, NewOrder(side: .buy, type: .market, quantity: 1))
            _ = try await sdk.updateOrder(id: order.id, OrderPatch(fill: FillRequest(quantity: 1, price: 102)))
            #expect(try await sdk.equity(botId: bot.id).isEmpty == false)
            try await sdk.deleteDataset(id: dataset.id)
            await #expect(throws: TickwireError.self) { try await sdk.dataset(id: dataset.id) }
        }
    }

    @Test func typedCallsForControlKeysWebhooksAndReports() async throws {
        try await TestServer.with { client, _ in
            let port = try #require(client.port)
            let sdk = TickwireClient(url: "http://127.0.0.1:\(port)", credential: .apiKey(try #require(client.token)))
            let bot = try await sdk.createBot(NewBot(name: "c", ticker: "CTL", exchange: "x", strategy: "manual"))
            #expect(try await sdk.toggleBot(id: bot.id).status == .active)
            let buy = try await sdk.placeOrder(botId: bot.id, NewOrder(side: .buy, type: .market, quantity: 2))
            _ = try await sdk.updateOrder(id: buy.id, OrderPatch(fill: FillRequest(quantity: 2, price: 10)))
            let exit = try await sdk.exitPosition(botId: bot.id, quantity: 1)
            #expect(exit.order?.side == .sell && exit.order?.quantity == 1)
            guard case .object = try await sdk.botStatistics(botId: bot.id) else {
                Issue.record("no stats")
                return
            }
            guard case .object = try await sdk.profit(group: "week") else {
                Issue.record("no profit")
                return
            }
            guard case .object = try await sdk.strategies() else {
                Issue.record("no catalogue")
                return
            }
            #expect(Int64(try await sdk.eventHead()) ?? 0 > 0)

            let session = try await TickwireClient.signIn(
                url: sdk.url, username: "admin", password: TestServer.password)
            await #expect(throws: TickwireError.self, "keys are managed from a session") {
                try await sdk.createAPIKey(NewAPIKey(name: "sdk"))
            }
            guard case .object(let created) = try await session.createAPIKey(NewAPIKey(name: "sdk")),
                case .string(let keyId)? = created["id"], case .string(let token)? = created["token"]
            else {
                Issue.record("no key")
                return
            }
            let other = TickwireClient(url: sdk.url, credential: .apiKey(token))
            #expect(try await other.bots().map(\.id).contains(bot.id))
            #expect(try await sdk.apiKeys().contains { $0.id == keyId })
            #expect(try await session.revokeAPIKey(id: keyId).revokedAt != nil)
            await #expect(throws: TickwireError.self) { try await other.bots() }

            guard
                case .object(let hook) = try await sdk.createWebhook(
                    NewWebhook(
                        url: "http://127.0.0.1:9/hook", eventTypes: ["order_filled"], secret: "s3cret-s3cret-s3cret")),
                case .number(let hookId)? = hook["id"]
            else {
                Issue.record("no webhook")
                return
            }
            try await sdk.deleteWebhook(id: Int64(hookId))
            guard case .object(let hooks) = try await sdk.webhooks(), case .array(let list)? = hooks["data"] else {
                Issue.record("no webhook list")
                return
            }
            #expect(list.isEmpty)
        }
    }

    @Test func anIdleStreamRenewsItsTokenAtOnceAfterEachExpiry() async throws {
        var configuration = ServerConfiguration()
        configuration.auth.streamTokenLifetime = .seconds(1)
        try await TestServer.with(configuration: configuration) { client, _ in
            let port = try #require(client.port)
            let rest = TickwireClient(url: "http://127.0.0.1:\(port)", credential: .apiKey(try #require(client.token)))
            let bot = try await rest.createBot(NewBot(name: "i", ticker: "SOL/USDT", exchange: "x", strategy: "m"))
            let issued = Mutex(0)
            let sdk = TickwireClient(
                url: rest.url,
                credential: .provider {
                    issued.withLock { $0 += 1 }
                    return try await rest.streamToken(topics: ["logs"])
                })
            let since = try await rest.eventHead()
            // Twenty one-second tokens expire with nothing to deliver. Renewed at once, that is about twenty tokens
            // (eleven under CI load); a backoff that grew after each would have asked for six at most, however fast
            // the machine (waits of at least 0.25, 0.5, 1, 2, 4 s between them).
            let writer = Task {
                try await Task.sleep(for: .seconds(20))
                let asked = issued.withLock { $0 }
                _ = try await rest.appendLog(NewLog(botId: bot.id, level: .info, message: "after twenty expiries"))
                return asked
            }
            let messages = try await within(60) {
                try await Self.logMessages(sdk, botId: bot.id, since: since, count: 1)
            }
            #expect(messages == ["after twenty expiries"])
            let asked = try await writer.value
            #expect(asked >= 8, "\(asked) tokens in 20 s: one per expiry")
        }
    }
}
