import Foundation
import Logging
import Testing
import TickwireHub
import TickwireModel
import TickwireResearch
import TickwireService
import TickwireStore

@testable import TickwireEngine

/// Configs and events no validation has seen (stored before the rules existed, written by another version, or
/// published by a user) must never stop the engine: a bot or session that cannot run fails alone, with a reason.
@Suite struct HostileInputTests {
    /// Values a client may put in a config or event: huge, negative, fractional, non-numbers and nesting, from a
    /// seeded generator, so a failure names a seed that reproduces it.
    struct Values {
        var generator: SeededGenerator

        static let numbers: [Double] = [
            1e19, -1e19, 1e300, -1e300, 9.2e18, Double(Int64.max), Double(Int.min), 0, -0.0, -1, 0.5, 1, 2, 3, 7, 14,
            20, 50, 99.999, 100, 1e-9, 1e-300, 4_294_967_296, 1.5, 1e15, 30, 70, 0.005,
        ]

        mutating func value(depth: Int = 0) -> JSONValue {
            switch generator.next() % (depth > 3 ? 5 : 7) {
            case 0, 1: return .number(Self.numbers[Int(generator.next() % UInt64(Self.numbers.count))])
            case 2:
                return .string(
                    ["NaN", "Infinity", "-1", "1e19", "", "\u{0}", String(repeating: "9", count: 400)][
                        Int(generator.next() % 7)])
            case 3: return .bool(generator.next() % 2 == 0)
            case 4: return .null
            case 5: return .array((0..<Int(generator.next() % 3)).map { _ in value(depth: depth + 1) })
            default:
                return .object(["x": value(depth: depth + 1), "fast": value(depth: depth + 1)])
            }
        }

        mutating func config(keys: [String]) -> [String: JSONValue] {
            var config: [String: JSONValue] = [:]
            for key in keys where generator.next() % 3 != 0 { config[key] = value() }
            return config
        }
    }

    static let strategyKeys = [
        "fast", "slow", "period", "oversold", "overbought", "spacing", "levels", "every", "quantity", "lookback",
        "threshold", "entry", "exit",
    ]

    @Test(arguments: 1...4) func arbitraryStrategyAndModelConfigsBuildOrAreRefused(seed: UInt64) throws {
        var values = Values(generator: SeededGenerator(seed: seed))
        let configuration = EngineConfiguration()
        for _ in 0..<2_000 {
            let config = values.config(
                keys: Self.strategyKeys + [
                    "max_decisions", "decision_interval_ms", "ticker", "market", "max_position", "max_order_size",
                    "max_daily_loss", "deadline_ms",
                ])
            for name in Strategies.names {
                do {
                    var strategy = try Strategies.make(name: name, config: config)
                    for price in [100.0, 1e-300, 1e300, 100, 50, 200, 100] { _ = strategy.onPrice(price) }
                } catch {
                    #expect(error.field.hasPrefix("config."))
                }
            }
            for policy in Strategies.names + ["external"] {
                do {
                    _ = try Engine.SessionSettings(policy: policy, config, configuration: configuration)
                } catch {
                    #expect(error.field.hasPrefix("config."))
                }
            }
        }
    }

    /// Bots stored with arbitrary configs (as if written before validation existed) and set ACTIVE: the engine
    /// starts each one it can run, marks each other ERROR with a log line saying why, and keeps trading.
    @Test func theEngineStartsEveryBotItCanRunAndFailsTheRest() async throws {
        try await EngineTests.with { setup in
            var values = Values(generator: SeededGenerator(seed: 42))
            var bots: [Bot] = []
            for index in 0..<60 {
                let strategy = Strategies.names[index % Strategies.names.count]
                bots.append(
                    try await setup.store.createBot(
                        NewBot(
                            name: "b\(index)", ticker: "BTC/USDT", exchange: "paper", strategy: strategy,
                            config: values.config(keys: Self.strategyKeys), status: .active),
                        at: setup.service.now
                    ).value)
            }
            try await setup.engine.startActiveBots()
            for _ in 0..<30 { try await setup.engine.step() }
            var failed = 0
            for bot in bots {
                let now = try await setup.store.bot(id: bot.id)
                let runnable =
                    (try? Strategies.make(name: bot.strategy, config: bot.config)) != nil
                    && (try? Strategies.quantity(bot.config)) != nil
                #expect(now.status == (runnable ? .active : .error), "bot \(bot.id) \(bot.config)")
                if !runnable {
                    failed += 1
                    let logs = try await setup.store.logs(LogFilter(botId: bot.id), page: PageRequest(limit: 10))
                    #expect(logs.items.contains { $0.level == .error && $0.message.contains("cannot start") })
                }
            }
            #expect(failed > 0 && failed < bots.count, "the seed gives both kinds")
        }
    }

    /// Whatever a user publishes on their model's topic, a resumed agent runs: it reads its position from its bot,
    /// not from the events.
    @Test func arbitraryTradeEventsDoNotStopAResume() async throws {
        try await EngineTests.with { setup in
            let (owner, model) = try await EngineTests.model(setup, [:])
            let session = try await EngineTests.sessions(setup).startSession(modelId: model.id, by: .user(owner.id))
            var values = Values(generator: SeededGenerator(seed: 7))
            for _ in 0..<200 {
                var data = values.config(keys: ["action", "session_id", "decision"])
                if values.generator.next() % 2 == 0 { data["action"] = .string("buy") }
                _ = try await setup.service.publishEvents(
                    [NewEvent(topic: "models.\(model.id)", type: "trade", data: data)], by: .user(owner.id))
            }
            _ = try await setup.service.publishEvents(
                [
                    NewEvent(
                        topic: "models.\(model.id)", type: "trade",
                        data: ["action": .string("buy"), "session_id": .number(1e300)])
                ], by: .user(owner.id))
            try await setup.engine.adoptRunningSessions()
            #expect(await setup.engine.runsSession(session.id))
        }
    }

    @Test func hugeNumbersInAConfigAreRefusedNotTrapped() throws {
        #expect(throws: ValidationError.self) {
            _ = try Strategies.make(name: "sma", config: ["fast": .number(1e19)])
        }
        #expect(throws: ValidationError.self) {
            _ = try Engine.SessionSettings(
                policy: "rule_based", ["max_decisions": .number(1e19)], configuration: EngineConfiguration())
        }
        #expect(throws: ValidationError.self) {
            _ = try Engine.SessionSettings(
                policy: "rule_based", ["decision_interval_ms": .number(1)], configuration: EngineConfiguration())
        }
    }
}
