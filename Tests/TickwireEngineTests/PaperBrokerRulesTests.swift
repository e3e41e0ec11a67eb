import Logging
import Testing
import TickwireModel
import TickwireService

@testable import TickwireEngine

/// What the paper broker and the order rules refuse or hold back: a stopped bot's orders, shorts on a spot market,
/// buys the bot's cash cannot pay; and a manual paper bot, which trades only through the API.
@Suite struct PaperBrokerRulesTests {
    @Test func aStoppedBotsWorkingOrdersWaitUntilItRunsAgain() async throws {
        try await EngineTests.with(EngineConfiguration(), rules: true) { setup in
            let bot = try await EngineTests.bot(setup.service, strategy: "manual", status: .active)
            _ = try await setup.service.toggleBot(id: bot.id, by: .system)  // STOPPED
            let order = try await setup.service.placeOrder(
                botId: bot.id, NewOrder(side: .buy, type: .market, quantity: 1), by: .system)
            try await setup.engine.step()
            try await setup.engine.step()
            #expect(try await setup.service.order(id: order.id, by: .system).status == .new, "not filled while stopped")
            _ = try await setup.service.toggleBot(id: bot.id, by: .system)  // ACTIVE
            try await setup.engine.step()
            #expect(try await setup.service.order(id: order.id, by: .system).status == .filled)
        }
    }

    @Test func aManualPaperBotIsAcceptedAndStaysActive() async throws {
        try await EngineTests.with(EngineConfiguration(), rules: true) { setup in
            let bot = try await EngineTests.bot(setup.service, strategy: "manual", status: .active)
            try await setup.engine.startActiveBots()
            try await setup.engine.step()
            #expect(try await setup.service.bot(id: bot.id, by: .system).status == .active, "not ERROR")
        }
    }

    @Test func aSpotBotCannotSellWhatItDoesNotHoldAndAMarginBotCan() async throws {
        try await EngineTests.with(EngineConfiguration(), rules: true) { setup in
            let spot = try await EngineTests.bot(setup.service, strategy: "manual", status: .active)
            await #expect(throws: OrderRefused.self) {
                try await setup.service.placeOrder(
                    botId: spot.id, NewOrder(side: .sell, type: .market, quantity: 1), by: .system)
            }
            let logs = try await setup.service.logs(LogFilter(botId: spot.id), page: PageRequest(), by: .system)
            #expect(logs.items.first?.message.hasPrefix("order refused: selling 1.0 would open a short") == true)
            // Bought 2 (working): selling 2 is fine, a third is not.
            _ = try await setup.service.placeOrder(
                botId: spot.id, NewOrder(side: .buy, type: .market, quantity: 2), by: .system)
            _ = try await setup.service.placeOrder(
                botId: spot.id, NewOrder(side: .sell, type: .limit, quantity: 2, price: 1_000_000), by: .system)
            await #expect(throws: OrderRefused.self) {
                try await setup.service.placeOrder(
                    botId: spot.id, NewOrder(side: .sell, type: .limit, quantity: 1, price: 1_000_000), by: .system)
            }
            let margin = try await EngineTests.bot(
                setup.service, strategy: "manual", config: ["market": .string("margin")], status: .active)
            _ = try await setup.service.placeOrder(
                botId: margin.id, NewOrder(side: .sell, type: .market, quantity: 1), by: .system)
            // A strategy that would short needs the margin market, said at creation.
            await #expect(throws: ValidationError.self) {
                try await EngineTests.bot(setup.service, config: ["short": .bool(true)])
            }
        }
    }

    @Test func aPaperBuyMustFitTheBotsCashAndItsOwnFee() async throws {
        try await EngineTests.with(EngineConfiguration(), rules: true) { setup in
            let bot = try await EngineTests.bot(
                setup.service, strategy: "manual", config: ["cash": .number(1_000), "fee_bps": .number(100)],
                status: .active)
            // 9 × 100 + 1 % = 909 fits in 1,000; then 1 more (101) does not: 909 is held by the working buy.
            _ = try await setup.service.placeOrder(
                botId: bot.id, NewOrder(side: .buy, type: .limit, quantity: 9, price: 100), by: .system)
            let refused = await #expect(throws: OrderRefused.self) {
                try await setup.service.placeOrder(
                    botId: bot.id, NewOrder(side: .buy, type: .limit, quantity: 1, price: 100), by: .system)
            }
            #expect(refused?.code == "insufficient_balance")
            #expect(refused?.message.contains("91.0 available") == true, "\(refused?.message ?? "")")
            // Other exchanges' balances are theirs to check.
            let external = try await setup.service.createBot(
                NewBot(
                    name: "ext", ticker: "BTC/USDT", exchange: "binance", strategy: "manual",
                    config: ["cash": .number(10)]),
                by: .system)
            _ = try await setup.service.placeOrder(
                botId: external.id, NewOrder(side: .buy, type: .limit, quantity: 1, price: 100), by: .system)
            // An invalid fee is refused at creation.
            await #expect(throws: ValidationError.self) {
                try await EngineTests.bot(setup.service, strategy: "manual", config: ["fee_bps": .number(-1)])
            }
        }
    }
}
