import Testing
import TickwireModel
import TickwireService

@testable import TickwireEngine

/// STOP_ENTRIES and PAUSED as the engine runs them, and a force exit.
@Suite struct BotControlTests {
    static func grid(_ setup: EngineTests.Setup) async throws -> Bot {
        try await EngineTests.bot(
            setup.service, strategy: "grid",
            config: ["levels": .number(3), "quantity": .number(1), "spacing": .number(0.001)], status: .active)
    }

    static func orders(_ setup: EngineTests.Setup, _ bot: Bot) async throws -> [Order] {
        try await setup.service.orders(
            OrderFilter(botId: bot.id), page: PageRequest(limit: 500, before: nil), by: .system
        ).items
    }

    @Test func stoppingEntriesLetsOnlyExitsThroughAndPausingAsksTheStrategyNothing() async throws {
        try await EngineTests.with { setup in
            let bot = try await Self.grid(setup)
            try await setup.engine.startActiveBots()
            var steps = 0
            while try await setup.service.pnl(botId: bot.id, by: .system).positionQuantity < 1, steps < 2_000 {
                try await setup.engine.step()
                steps += 1
            }
            let held = try await setup.service.pnl(botId: bot.id, by: .system).positionQuantity
            #expect(held >= 1, "the grid bought within \(steps) ticks")

            _ = try await setup.service.updateBot(id: bot.id, BotPatch(status: .stopEntries), by: .system)
            await setup.engine.apply(try await setup.service.bot(id: bot.id, by: .system))
            let before = try await Self.orders(setup, bot).count
            for _ in 0..<600 { try await setup.engine.step() }
            let all = try await Self.orders(setup, bot)  // newest first
            let later = all.prefix(all.count - before)
            #expect(later.allSatisfy { $0.side == .sell }, "entries stopped: only sells that reduce the long")
            let after = try await setup.service.pnl(botId: bot.id, by: .system).positionQuantity
            #expect(after <= held && after >= 0)

            _ = try await setup.service.updateBot(id: bot.id, BotPatch(status: .paused), by: .system)
            await setup.engine.apply(try await setup.service.bot(id: bot.id, by: .system))
            let pausedAt = try await Self.orders(setup, bot).count
            // A working order of a paused bot still fills.
            let manual = try await setup.service.placeOrder(
                botId: bot.id, NewOrder(side: .buy, type: .market, quantity: 1), by: .system)
            for _ in 0..<300 { try await setup.engine.step() }
            #expect(try await Self.orders(setup, bot).count == pausedAt + 1, "the strategy placed nothing")
            #expect(try await setup.service.order(id: manual.id, by: .system).status == .filled)
        }
    }

    @Test func aForceExitCancelsWorkingOrdersAndClosesThePosition() async throws {
        try await EngineTests.with(EngineConfiguration(), rules: true) { setup in
            let bot = try await EngineTests.bot(setup.service, strategy: "manual", status: .active)
            _ = try await setup.service.placeOrder(
                botId: bot.id, NewOrder(side: .buy, type: .market, quantity: 0.5), by: .system)
            try await setup.engine.step()
            let resting = try await setup.service.placeOrder(
                botId: bot.id, NewOrder(side: .buy, type: .limit, quantity: 0.1, price: 1), by: .system)
            let exit = try await setup.service.exitPosition(botId: bot.id, by: .system)
            #expect(exit.canceledOrderIds == [resting.id])
            #expect(exit.order?.side == .sell)
            #expect(exit.order?.quantity == 0.5)
            try await setup.engine.step()
            #expect(try await setup.service.pnl(botId: bot.id, by: .system).positionQuantity == 0)
            let flat = try await setup.service.exitPosition(botId: bot.id, by: .system)
            #expect(flat.order == nil && flat.canceledOrderIds.isEmpty, "a flat bot has nothing to exit")
            let logs = try await setup.service.logs(LogFilter(botId: bot.id), page: PageRequest(), by: .system)
            #expect(logs.items.contains { $0.message.hasPrefix("force exit: sell 0.5 at market") })
        }
    }
}
