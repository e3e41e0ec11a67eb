import TickwireModel
import TickwireResearch

extension Engine {
    /// The settings of a model's sessions, taken from its `policy` and `config` and checked when the model is written
    /// and before a session is opened:
    /// - `ticker` (default the engine's first instrument), `max_decisions` (1-10000, default 20),
    ///   `decision_interval_ms` (the configuration's minimum, 100 by default, to 3600000; default three ticks);
    /// - `quantity`: the position a buy or sell takes (default 1); `market`: `spot` (a sell goes flat) or `margin`
    ///   (a sell goes short); `cash`, `fee_bps`, `slippage_bps` as for a bot;
    /// - risk limits `max_position`, `max_order_size`, `max_daily_loss` (`ModelRiskLimits`);
    /// - the policy: `external` (an agent answers, within `deadline_ms`, 10-60000, default 2000), or any strategy of
    ///   the catalogue, its parameters in the same config.
    struct SessionSettings: Sendable {
        enum Policy: Sendable {
            case strategy(name: String, config: [String: JSONValue])
            case external(deadline: Duration)
        }

        static let external = "external"

        var ticker: String
        var maxDecisions: Int
        var interval: Duration
        var policy: Policy
        var size: Double
        var allowsShort: Bool
        var limits: ModelRiskLimits

        init(policy name: String, _ config: [String: JSONValue], configuration: EngineConfiguration)
            throws(ValidationError)
        {
            switch config["ticker"] {
            case .string(let ticker)?:
                try Check.ticker(ticker, "config.ticker")
                self.ticker = ticker
            case nil:
                ticker = configuration.tickers.first ?? "BTC/USDT"
            case _?:
                throw ValidationError("config.ticker", "must be a string")
            }
            maxDecisions = try config.int("max_decisions", default: 20, in: 1...10_000)
            let minimum = Int(clamping: max(1, configuration.minimumDecisionInterval.milliseconds))
            let threeTicks = Int(clamping: configuration.tickInterval.milliseconds).multipliedReportingOverflow(by: 3)
            let milliseconds = try config.int(
                "decision_interval_ms", default: max(minimum, threeTicks.overflow ? Int.max : threeTicks.partialValue),
                in: minimum...3_600_000)
            interval = .milliseconds(milliseconds)
            size = try Strategies.quantity(config)
            switch config["market"] {
            case nil, .string("spot")?: allowsShort = false
            case .string("margin")?: allowsShort = true
            case _?: throw ValidationError("config.market", "must be spot or margin")
            }
            limits = try ModelRiskLimits(config)
            if name == Self.external {
                policy = .external(
                    deadline: .milliseconds(try config.int("deadline_ms", default: 2_000, in: 10...60_000)))
            } else {
                guard Strategies.catalog.contains(where: { $0.name == name || $0.aliases.contains(name) }) else {
                    throw ValidationError(
                        "policy",
                        "unknown policy '\(name)'; use \(Self.external) or one of \(Strategies.names.joined(separator: ", "))"
                    )
                }
                _ = try Strategies.make(name: name, config: config)
                policy = .strategy(name: name, config: config)
            }
        }

        /// The policy's strategy (nil for an external agent); its parameters were checked at `init`.
        func makeStrategy() -> (any Strategy)? {
            guard case .strategy(let name, let config) = policy else { return nil }
            return try? Strategies.make(name: name, config: config)
        }
    }
}
