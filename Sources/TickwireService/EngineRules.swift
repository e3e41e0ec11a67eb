import TickwireModel

/// What the paper-trading engine can run, so the write path refuses (422, naming the field) a bot or trading
/// model the engine would have to stop, instead of storing it. The engine module supplies the checks; the service
/// knows nothing of strategies.
public struct EngineRules: Sendable {
    /// The exchange whose bots the engine runs; bots on other exchanges are run by external processes.
    public var exchange: String
    public var checkBot: @Sendable (_ strategy: String, _ config: [String: JSONValue]) throws(ValidationError) -> Void
    public var checkModel: @Sendable (_ policy: String, _ config: [String: JSONValue]) throws(ValidationError) -> Void
    /// The paper broker's fee, for the balance a buy must fit in (a bot's `config.fee_bps` overrides it).
    public var feeBps: Double

    public init(
        exchange: String, feeBps: Double = 10,
        checkBot: @escaping @Sendable (String, [String: JSONValue]) throws(ValidationError) -> Void,
        checkModel: @escaping @Sendable (String, [String: JSONValue]) throws(ValidationError) -> Void
    ) {
        self.exchange = exchange
        self.feeBps = feeBps
        self.checkBot = checkBot
        self.checkModel = checkModel
    }

    func check(strategy: String, exchange: String, config: [String: JSONValue]) throws(ValidationError) {
        guard exchange == self.exchange else { return }
        try checkBot(strategy, config)
    }
}
