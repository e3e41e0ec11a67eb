import ArgumentParser

/// `tickwire bench ...`: load generators. Results belong in BENCHMARKS.md with the machine and date.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load generators for a running Tickwire server.", subcommands: [StreamBench.self, EngineBench.self])
}
