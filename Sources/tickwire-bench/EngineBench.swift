import ArgumentParser
import Foundation
import Logging
import Synchronization
import TickwireEngine
import TickwireHub
import TickwireModel
import TickwireService
import TickwireStore

/// `tickwire-bench engine`: how fast the paper-trading engine runs N bots on a fresh SQLite store while the hub
/// fans every event out to M in-process subscribers. Ticks as fast as the write path allows (no sleeping between
/// ticks) and prints ticks/s, bot evaluations/s, orders, fills and events per second, delivered events/s, and tick
/// latency percentiles.
struct EngineBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "engine", abstract: "Benchmark the trading engine.")

    @Option(help: "Number of ACTIVE bots (strategies and tickers in rotation).") var bots = 100
    @Option(help: "Hub subscribers to bots, orders, logs, pnl and prices.") var subscribers = 1000
    @Option(help: "Seconds of ticking.") var seconds = 10

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tickwire-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("bench.db").path)
        let hub = Hub(head: try await store.lastEventId())
        store.publishCommits(to: hub)
        let service = TradingService(store: store)
        let configuration = EngineConfiguration(seed: 7)
        let engine = try Engine(
            service: service, hub: hub, configuration: configuration, logger: Logger(label: "bench"))

        let strategies: [(String, [String: Double])] = [
            ("sma_crossover", ["fast": 2, "slow": 5]), ("rsi_reversion", ["period": 5]),
            ("grid", ["spacing": 0.001, "levels": 3]), ("swing", ["every": 5, "period": 10]),
        ]
        for index in 0..<bots {
            let (strategy, config) = strategies[index % strategies.count]
            let ticker = configuration.instruments[index % configuration.instruments.count].ticker
            _ = try await service.createBot(
                NewBot(
                    name: "bench-\(index)", ticker: ticker, exchange: configuration.exchange, strategy: strategy,
                    config: config.mapValues { .number($0) }, status: .active), by: .system)
        }
        try await engine.startActiveBots()

        let delivered = Counter()
        let counted = Counter()
        let orders = Counter()
        let fills = Counter()
        var readers: [Task<Void, Never>] = []
        for index in 0..<subscribers {
            let subscription = try hub.subscribe(Interest(topics: [.bots, .orders, .logs, .pnl, .prices]))
            let first = index == 0
            readers.append(
                Task {
                    while let items = try? await subscription.next() {
                        delivered.add(items.count)
                        guard first else { continue }
                        for case .event(let shared) in items {
                            counted.add(1)
                            if shared.event.type == .orderFilled { fills.add(1) }
                            if shared.event.type == .orderUpdate, shared.event.data.contains("\"status\":\"NEW\"") {
                                orders.add(1)
                            }
                        }
                    }
                })
        }

        print(
            "engine: \(bots) bots on \(configuration.instruments.count) tickers, \(subscribers) hub subscribers, \(seconds) s"
        )
        let start = ContinuousClock.now
        let end = start + .seconds(seconds)
        var ticks = 0
        var latencies: [Double] = []
        while ContinuousClock.now < end {
            let tickStart = ContinuousClock.now
            try await engine.step()
            latencies.append(
                Double((ContinuousClock.now - tickStart).components.attoseconds) / 1e15 + Double(
                    (ContinuousClock.now - tickStart).components.seconds) * 1000)
            ticks += 1
        }
        let elapsed =
            Double((ContinuousClock.now - start).components.seconds)
            + Double((ContinuousClock.now - start).components.attoseconds) / 1e18
        try await Task.sleep(for: .milliseconds(500))  // let the subscribers drain
        for reader in readers { reader.cancel() }
        latencies.sort()
        func percentile(_ p: Double) -> String {
            String(format: "%.2f ms", latencies[percentileIndex(p, of: latencies.count)])
        }
        print(
            String(
                format: "ticks: %d (%.0f/s, each moves %d tickers)", ticks, Double(ticks) / elapsed,
                configuration.instruments.count))
        print(String(format: "bot evaluations (every bot sees every tick): %.0f/s", Double(ticks * bots) / elapsed))
        print(
            String(
                format: "orders placed: %d (%.0f/s), fills: %d (%.0f/s)", orders.value, Double(orders.value) / elapsed,
                fills.value, Double(fills.value) / elapsed))
        print(
            String(
                format: "events committed: %d (%.0f/s), delivered to subscribers: %d (%.0f/s)", counted.value,
                Double(counted.value) / elapsed, delivered.value, Double(delivered.value) / elapsed))
        print("tick latency: p50 \(percentile(0.5)), p99 \(percentile(0.99)), max \(percentile(1))")
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func add(_ n: Int) { count.withLock { $0 += n } }
    var value: Int { count.withLock { $0 } }
}
