import TickwireModel
import TickwireResearch
import TickwireService

/// Settings of the paper-trading engine. Defaults are what `tickwire serve` runs.
public struct EngineConfiguration: Sendable {
    /// Bots on this exchange are run by the engine; bots on other exchanges belong to external processes.
    public var exchange: String
    public var instruments: [SyntheticFeed.Instrument]
    /// Real time between market ticks.
    public var tickInterval: Duration
    /// Market time each tick simulates (a minute per second by default, so that the demo moves visibly).
    public var marketStep: Duration
    /// Each ticker's price is recorded (and pushed as `price_update`) at most this often.
    public var priceInterval: Duration
    /// Seed of the market feed: the same seed gives the same prices.
    public var seed: UInt64
    public var broker: BrokerSettings
    /// The intraday cycle: how often the universe is scored, its size, and how many signals a snapshot holds.
    public var intradayInterval: Duration
    public var universeSize: Int
    public var intradayLimit: Int
    /// Recorded bars to replay instead of the synthetic market (backtests, demos on real data); empty: synthetic.
    public var replay: [CSVReplayFeed]
    /// The shortest `decision_interval_ms` a trading model may ask for: each decision is an event, so this bounds
    /// what one session can write.
    public var minimumDecisionInterval: Duration

    public init(
        exchange: String = "paper", instruments: [SyntheticFeed.Instrument] = Self.defaultInstruments,
        tickInterval: Duration = .seconds(1), marketStep: Duration = .seconds(60),
        priceInterval: Duration = .seconds(1),
        seed: UInt64 = 1,
        broker: BrokerSettings = .init(), intradayInterval: Duration = .seconds(30), universeSize: Int = 200,
        intradayLimit: Int = 120, replay: [CSVReplayFeed] = [], minimumDecisionInterval: Duration = .milliseconds(100)
    ) {
        self.replay = replay
        self.minimumDecisionInterval = minimumDecisionInterval
        self.exchange = exchange
        self.instruments = instruments
        self.tickInterval = tickInterval
        self.marketStep = marketStep
        self.priceInterval = priceInterval
        self.seed = seed
        self.broker = broker
        self.intradayInterval = intradayInterval
        self.universeSize = universeSize
        self.intradayLimit = intradayLimit
    }

    /// What the write path checks before it stores a bot or a model this engine would run.
    public var rules: EngineRules {
        EngineRules(
            exchange: exchange, feeBps: broker.feeBps,
            checkBot: { (strategy, config) throws(ValidationError) in
                if case .string(let market)? = config["market"], market != "spot", market != "margin" {
                    throw ValidationError("config.market", "must be spot or margin, got '\(market)'")
                }
                if config["short"] == .bool(true), config["market"] != .string("margin") {
                    throw ValidationError("config.short", "selling short needs config.market = \"margin\"")
                }
                for key in ["fee_bps", "slippage_bps"] where config[key] != nil {
                    guard case .number(let value)? = config[key], value.isFinite, (0...1_000).contains(value) else {
                        throw ValidationError("config.\(key)", "must be a number from 0 to 1000")
                    }
                }
                guard strategy != Engine.manualStrategy, strategy != ModelCommands.botStrategy else { return }
                _ = try Strategies.make(name: strategy, config: config)
                _ = try Strategies.quantity(config)
            },
            checkModel: { [self] (policy, config) throws(ValidationError) in
                _ = try Engine.SessionSettings(policy: policy, config, configuration: self)
            })
    }

    /// The tickers the engine quotes: the replayed files' or the synthetic instruments'.
    public var tickers: [String] { replay.isEmpty ? instruments.map(\.ticker) : replay.map(\.ticker) }

    public static let defaultInstruments: [SyntheticFeed.Instrument] = [
        .init(ticker: "BTC/USDT", startPrice: 65_000, volatility: 0.6),
        .init(ticker: "ETH/USDT", startPrice: 3_500, volatility: 0.7),
        .init(ticker: "SOL/USDT", startPrice: 150, volatility: 0.9),
        .init(ticker: "AAPL", startPrice: 190, volatility: 0.25),
        .init(ticker: "MSFT", startPrice: 420, volatility: 0.22),
        .init(ticker: "NVDA", startPrice: 120, volatility: 0.5),
    ]
}
