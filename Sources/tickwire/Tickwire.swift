import ArgumentParser

@main
struct Tickwire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tickwire",
        abstract: "Real-time backend and live dashboard for trading bots.",
        subcommands: [
            Serve.self, Users.self, Tokens.self, BacktestCommand.self, OptimizeCommand.self, IndicatorsCommand.self,
            TailCommand.self, DatasetsCommand.self, BacktestsCommand.self,
        ],
        defaultSubcommand: Serve.self)
}
