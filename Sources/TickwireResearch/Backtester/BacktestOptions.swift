import TickwireModel

/// How a backtest trades, with backtesting.py's `Backtest(...)` options and defaults.
public struct BacktestOptions: Sendable, Equatable {
    public var cash: Double
    /// Commission as a fraction of traded value (0.002 = 0.2 %), charged on entry and on exit.
    public var commission: Double
    /// A fixed fee per entry and per exit, added to the relative commission.
    public var fixedCommission: Double
    /// Bid-ask spread as a fraction: a long entry pays `price × (1 + spread)`, a short one gets `× (1 − spread)`.
    public var spread: Double
    /// A new order first closes every open trade and cancels every pending order.
    public var exclusiveOrders: Bool
    /// Sizes "all available cash" in fractional units (crypto) instead of whole units.
    public var fractional: Bool
    /// Stop-loss and take-profit on each entry, as a fraction of the signal bar's close (0.05 = 5 %).
    public var stopLoss: Double?
    public var takeProfit: Double?
    /// Close the trades still open at the end, at the last bar's open, so they count in the trade statistics.
    public var finalizeTrades: Bool
    /// Enter with a limit order this fraction better than the signal bar's close (a buy below it, a short above
    /// it) instead of at the next open; it works until it fills or a later order replaces it (with
    /// `exclusiveOrders`).
    public var entryLimit: Double?
    /// Enter with a stop order this fraction beyond the signal bar's close (a buy above it, a short below it): a
    /// breakout entry.
    public var entryStop: Double?

    public init(
        cash: Double = 10_000, commission: Double = 0, fixedCommission: Double = 0, spread: Double = 0,
        exclusiveOrders: Bool = false, fractional: Bool = false, stopLoss: Double? = nil, takeProfit: Double? = nil,
        finalizeTrades: Bool = false, entryLimit: Double? = nil, entryStop: Double? = nil
    ) {
        self.entryLimit = entryLimit
        self.entryStop = entryStop
        self.cash = cash
        self.commission = commission
        self.fixedCommission = fixedCommission
        self.spread = spread
        self.exclusiveOrders = exclusiveOrders
        self.fractional = fractional
        self.stopLoss = stopLoss
        self.takeProfit = takeProfit
        self.finalizeTrades = finalizeTrades
    }

    /// Refuses values no backtest can run with, naming the field.
    public func validate() throws(ValidationError) {
        guard cash.isFinite, cash > 0, cash <= 1e15 else { throw ValidationError("cash", "must be between 0 and 1e15") }
        guard commission.isFinite, (-0.1..<0.1).contains(commission) else {
            throw ValidationError("commission", "must be a fraction between -0.1 and 0.1")
        }
        guard fixedCommission.isFinite, fixedCommission >= 0, fixedCommission <= 1e9 else {
            throw ValidationError("fixed_commission", "must be between 0 and 1e9")
        }
        guard spread.isFinite, (0..<0.1).contains(spread) else {
            throw ValidationError("spread", "must be a fraction between 0 and 0.1")
        }
        if let stopLoss, !(stopLoss.isFinite && stopLoss > 0 && stopLoss < 1) {
            throw ValidationError("stop_loss", "must be a fraction between 0 and 1")
        }
        if let takeProfit, !(takeProfit.isFinite && takeProfit > 0 && takeProfit <= 100) {
            throw ValidationError("take_profit", "must be a fraction between 0 and 100")
        }
        if let entryLimit, !(entryLimit.isFinite && entryLimit >= 0 && entryLimit < 1) {
            throw ValidationError("entry_limit", "must be a fraction between 0 and 1")
        }
        if let entryStop, !(entryStop.isFinite && entryStop >= 0 && entryStop < 1) {
            throw ValidationError("entry_stop", "must be a fraction between 0 and 1")
        }
    }
}
