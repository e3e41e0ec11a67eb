import ArgumentParser

/// `tickwire-bench ...`: load generators and speed comparisons, kept out of the `tickwire` an operator runs.
/// Results belong in BENCHMARKS.md with the machine and date.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tickwire-bench",
        abstract: "Benchmarks: load generators for a running Tickwire server, the engine and the backtester.",
        subcommands: [StreamBench.self, EngineBench.self, BacktestBench.self])
}

/// The index of the `p` quantile (0-1) in a sorted sample of `count` values (nearest rank, below).
func percentileIndex(_ p: Double, of count: Int) -> Int {
    let rank = (Double(count) * p).rounded(.down)
    return max(0, min(count - 1, Int(exactly: rank) ?? count - 1))
}
