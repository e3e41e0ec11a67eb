import TickwireModel
import TickwireService

/// What `serve --demo` adds once: bots of every strategy on the paper exchange, ACTIVE so the engine trades them
/// from the first tick, and two trading models — for the demo accounts `alice` and `bob`. Every start of the
/// demo starts a session of each model that has none running (a running one is resumed by the engine).
enum DemoData {
    static func seed(
        service: TradingService, accounts: AccountService, sessions: (any ModelSessionControl)?
    ) async throws {
        guard let alice = try await accounts.user(named: "alice"), let bob = try await accounts.user(named: "bob")
        else { return }
        if try await service.bots(BotFilter(), by: .user(alice.id)).isEmpty {
            try await create(service: service, alice: alice, bob: bob)
        }
        guard let sessions else { return }
        for model in try await service.models(by: .system) where model.ownerId == alice.id || model.ownerId == bob.id {
            _ = try? await sessions.startSession(modelId: model.id, by: .system)
        }
    }

    static func create(service: TradingService, alice: User, bob: User) async throws {
        let bots: [(owner: Int64, NewBot)] = [
            (alice.id, bot("BTC trend", "BTC/USDT", "sma_crossover", ["fast": 5, "slow": 20, "quantity": 0.05])),
            (alice.id, bot("ETH mean reversion", "ETH/USDT", "rsi_reversion", ["period": 14, "quantity": 0.5])),
            (alice.id, bot("SOL grid", "SOL/USDT", "grid", ["spacing": 0.002, "levels": 5, "quantity": 5])),
            (bob.id, bot("NVDA trend", "NVDA", "sma_crossover", ["fast": 3, "slow": 8, "quantity": 10])),
            (bob.id, bot("AAPL scalper", "AAPL", "grid", ["spacing": 0.001, "levels": 4, "quantity": 5])),
            (bob.id, bot("MSFT mean reversion", "MSFT", "rsi_reversion", ["period": 7, "quantity": 5])),
            (bob.id, bot("AAPL swing", "AAPL", "swing", ["every": 30, "period": 50, "quantity": 20])),
        ]
        for (owner, new) in bots { _ = try await service.createBot(new, by: .user(owner)) }
        _ = try await service.createModel(
            NewTradingModel(name: "Momentum agent", config: agent("BTC/USDT")), by: .user(alice.id))
        _ = try await service.createModel(
            NewTradingModel(name: "Mean-reversion agent", config: agent("NVDA")), by: .user(bob.id))
        print("Demo data: 7 bots (alice, bob) trading on the paper exchange, 2 trading models")
    }

    static func agent(_ ticker: String) -> [String: JSONValue] {
        ["ticker": .string(ticker), "max_decisions": .number(1000), "decision_interval_ms": .number(3000)]
    }

    static func bot(_ name: String, _ ticker: String, _ strategy: String, _ config: [String: Double]) -> NewBot {
        NewBot(
            name: name, ticker: ticker, exchange: "paper", strategy: strategy, config: config.mapValues { .number($0) },
            status: .active)
    }
}
