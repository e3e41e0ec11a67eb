import TickwireModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Every statistic backtesting.py 0.6.6's `Backtest.run()` reports, with its definitions (`_stats.compute_stats`),
/// computed from an equity curve (one value per bar), the bars' times and closes, and the closed trades. A statistic
/// that is undefined (no trades, no volatility, a single bar) is nil, encoded as JSON `null`.
public struct PerformanceStatistics: Sendable, Equatable {
    public var start: Timestamp
    public var end: Timestamp
    public var durationDays: Double
    public var exposureTimePct: Double?
    public var equityFinal: Double?
    public var equityPeak: Double?
    public var commissions: Double?
    public var returnPct: Double?
    public var buyAndHoldReturnPct: Double?
    public var returnAnnPct: Double?
    public var volatilityAnnPct: Double?
    public var cagrPct: Double?
    public var sharpeRatio: Double?
    public var sortinoRatio: Double?
    public var calmarRatio: Double?
    public var alphaPct: Double?
    public var beta: Double?
    public var maxDrawdownPct: Double?
    public var avgDrawdownPct: Double?
    public var maxDrawdownDurationDays: Double?
    public var avgDrawdownDurationDays: Double?
    public var tradeCount: Int
    public var winRatePct: Double?
    public var bestTradePct: Double?
    public var worstTradePct: Double?
    public var avgTradePct: Double?
    public var maxTradeDurationDays: Double?
    public var avgTradeDurationDays: Double?
    public var profitFactor: Double?
    public var expectancyPct: Double?
    public var sqn: Double?
    public var kellyCriterion: Double?

    /// - Parameters:
    ///   - times: each bar's time (epoch milliseconds), increasing.
    ///   - equity: the account's value at each bar's close.
    ///   - closes: each bar's close (for buy-and-hold, alpha and beta).
    ///   - trades: the closed trades (open ones are in the equity, not in the trade statistics).
    ///   - firstTradingBar: the first bar the strategy could trade on, less one (its indicators' warm-up), where
    ///     buy-and-hold starts.
    ///   - market: the closes' log returns, computed once for many backtests on the same bars (a sweep).
    public init(
        times: [Int64], equity: [Double], closes: [Double], trades: [ClosedTrade], firstTradingBar: Int = 0,
        market: MarketReference? = nil
    ) {
        let count = min(times.count, equity.count, closes.count)
        // Copies only when the series disagree in length (they do not, from the backtester).
        let times = times.count == count ? times : Array(times.prefix(count))
        let equity = equity.count == count ? equity : Array(equity.prefix(count))
        let closes = closes.count == count ? closes : Array(closes.prefix(count))
        start = Timestamp(milliseconds: times.first ?? 0)
        end = Timestamp(milliseconds: times.last ?? 0)
        durationDays = Double(end.milliseconds - start.milliseconds) / Self.dayMilliseconds
        tradeCount = trades.count
        guard count > 0 else { return }

        let period = Self.period(of: times)
        let round = { (milliseconds: Double) -> Double? in
            guard milliseconds.isFinite else { return nil }
            return Self.ceil(milliseconds, toResolutionOf: period) / Self.dayMilliseconds
        }

        // Equity and drawdowns.
        var drawdown = [Double](repeating: 0, count: count)
        var peak = -Double.infinity
        for index in 0..<count {
            peak = max(peak, equity[index])
            drawdown[index] = 1 - equity[index] / peak
        }
        // Bars inside any trade: the union of [entry, exit] intervals, merged in order of entry.
        var exposedBars = 0
        var coveredThrough = -1
        for trade in trades.sorted(by: { $0.entryBar < $1.entryBar }) {
            let from = max(max(0, trade.entryBar), coveredThrough + 1)
            let to = min(count - 1, trade.exitBar)
            if from <= to { exposedBars += to - from + 1 }
            coveredThrough = max(coveredThrough, to)
        }
        exposureTimePct = Double(exposedBars) / Double(count) * 100
        equityFinal = equity[count - 1]
        equityPeak = equity.max()
        commissions = trades.reduce(0) { $0 + $1.commission }
        let returnPct = (equity[count - 1] - equity[0]) / equity[0] * 100
        self.returnPct = returnPct
        let first = min(max(0, firstTradingBar), count - 1)
        let buyAndHold = (closes[count - 1] - closes[first]) / closes[first] * 100
        buyAndHoldReturnPct = buyAndHold

        // Annualised figures from per-period returns (daily unless the bars are weekly, monthly or yearly).
        let (periodLasts, periodsPerYear) = Self.periodCloses(times: times, equity: equity, period: period)
        let periodReturns = Self.returns(of: periodLasts)
        let growth = Self.geometricMeanReturn(of: periodLasts, returns: periodReturns)
        let annualReturn = pow(1 + growth, periodsPerYear) - 1
        returnAnnPct = annualReturn * 100
        let variance = Self.variance(periodReturns)
        let volatility =
            sqrt(pow(variance + pow(1 + growth, 2), periodsPerYear) - pow(1 + growth, 2 * periodsPerYear)) * 100
        volatilityAnnPct = volatility
        let years = durationDays / 365.25
        cagrPct = years != 0 ? (pow(equity[count - 1] / equity[0], 1 / years) - 1) * 100 : nil
        sharpeRatio = annualReturn * 100 / (volatility != 0 ? volatility : .nan)
        let downside =
            periodReturns.isEmpty
            ? Double.nan : periodReturns.reduce(0) { $0 + pow(min($1, 0), 2) } / Double(periodReturns.count)
        sortinoRatio = annualReturn / (sqrt(downside) * sqrt(periodsPerYear))
        let maxDrawdown = drawdown.max().map { $0.isNaN ? 0 : $0 } ?? 0
        calmarRatio = annualReturn / (maxDrawdown != 0 ? maxDrawdown : .nan)

        var beta = Double.nan
        if count > 2 {
            let market = market ?? MarketReference(closes: closes)
            var equityLogReturns = [Double](repeating: 0, count: count - 1)
            for index in 1..<count where equity[index] != equity[index - 1] {
                equityLogReturns[index - 1] = log(equity[index] / equity[index - 1])  // log(1) = 0 without the call
            }
            beta =
                Self.covariance(equityLogReturns, market.logReturns, meanB: market.logReturnMean)
                / market.logReturnVariance
        }
        alphaPct = returnPct - beta * buyAndHold
        self.beta = beta
        maxDrawdownPct = -maxDrawdown * 100

        let periods = Self.drawdownPeriods(drawdown, times: times)
        if periods.isEmpty {
            let nonzero = drawdown.filter { $0 != 0 && !$0.isNaN }
            avgDrawdownPct = nonzero.isEmpty ? nil : -(nonzero.reduce(0, +) / Double(nonzero.count)) * 100
        } else {
            avgDrawdownPct = -(periods.reduce(0) { $0 + $1.peak } / Double(periods.count)) * 100
            maxDrawdownDurationDays = round(periods.map(\.duration).max() ?? .nan)
            avgDrawdownDurationDays = round(periods.reduce(0) { $0 + $1.duration } / Double(periods.count))
        }

        // Trades.
        guard !trades.isEmpty else { return }
        let pnl = trades.map(\.pnl)
        let returns = trades.map(\.returnFraction)
        let n = Double(trades.count)
        let winRate = Double(pnl.filter { $0 > 0 }.count) / n
        winRatePct = winRate * 100
        bestTradePct = (returns.max() ?? .nan) * 100
        worstTradePct = (returns.min() ?? .nan) * 100
        avgTradePct = Self.geometricMean(returns) * 100
        let durations = trades.map { Double($0.exitTime - $0.entryTime) }
        maxTradeDurationDays = round(durations.max() ?? .nan)
        avgTradeDurationDays = round(durations.reduce(0, +) / n)
        let gains = returns.filter { $0 > 0 }.reduce(0, +)
        let losses = abs(returns.filter { $0 < 0 }.reduce(0, +))
        profitFactor = gains / (losses != 0 ? losses : .nan)
        expectancyPct = returns.reduce(0, +) / n * 100
        let meanPnl = pnl.reduce(0, +) / n
        let spread = sqrt(Self.variance(pnl))
        sqn = sqrt(n) * meanPnl / (spread != 0 ? spread : .nan)
        let wins = pnl.filter { $0 > 0 }
        let lossesPnl = pnl.filter { $0 < 0 }
        let averageWin = wins.isEmpty ? Double.nan : wins.reduce(0, +) / Double(wins.count)
        let averageLoss = lossesPnl.isEmpty ? Double.nan : lossesPnl.reduce(0, +) / Double(lossesPnl.count)
        kellyCriterion = winRate - (1 - winRate) / (averageWin / -averageLoss)
    }

    static let dayMilliseconds = 86_400_000.0

    /// The bars' period: the median spacing of the last 100 bars (backtesting.py's `_data_period`).
    static func period(of times: [Int64]) -> Int64 {
        let recent = times.suffix(100)
        var gaps: [Int64] = []
        var previous: Int64?
        for time in recent {
            if let previous { gaps.append(time - previous) }
            previous = time
        }
        guard !gaps.isEmpty else { return 0 }
        gaps.sort()
        let middle = gaps.count / 2
        // pandas' median of an even count is the mean of the two middle values (a whole number of ms here).
        return gaps.count % 2 == 1 ? gaps[middle] : (gaps[middle - 1] + gaps[middle]) / 2
    }

    /// Rounds a duration up to the finest unit the period is expressed in (pandas' `resolution_string`).
    static func ceil(_ milliseconds: Double, toResolutionOf period: Int64) -> Double {
        let unit: Double =
            period % 86_400_000 == 0
            ? 86_400_000
            : period % 3_600_000 == 0
                ? 3_600_000
                : period % 60_000 == 0 ? 60_000 : period % 1000 == 0 ? 1000 : 1
        return (milliseconds / unit).rounded(.up) * unit
    }

    /// The equity's last value of each day (of each week, month or year for such bars), and the periods per year:
    /// 252 for daily bars without weekends, 365 with them, 52, 12 or 1. One pass, no allocation but the result.
    static func periodCloses(times: [Int64], equity: [Double], period: Int64) -> ([Double], Double) {
        let periodDays = period / 86_400_000
        var lasts: [Double] = []
        lasts.reserveCapacity(equity.count)
        var weekendBars = 0
        var currentKey = Int64.min
        for index in equity.indices {
            let day = floorDivide(times[index], 86_400_000)
            let weekday = floorModulo(day + 4, 7)  // 0 is Sunday
            if weekday == 0 || weekday == 6 { weekendBars += 1 }
            let key: Int64
            switch periodDays {
            case 7: key = floorDivide(day + 3, 7)  // weeks ending on Sunday
            case 31:
                let (year, month, _) = Timestamp.civil(fromDays: day)
                key = year * 12 + month
            case 365: key = Timestamp.civil(fromDays: day).year
            default: key = day
            }
            if key == currentKey {
                lasts[lasts.count - 1] = equity[index]
            } else {
                lasts.append(equity[index])
                currentKey = key
            }
        }
        let haveWeekends = Double(weekendBars) / Double(max(1, equity.count)) > 2.0 / 7 * 0.6
        let perYear: Double =
            periodDays == 7 ? 52 : periodDays == 31 ? 12 : periodDays == 365 ? 1 : haveWeekends ? 365 : 252
        return (lasts, perYear)
    }

    /// The returns from one period's last value to the next's.
    static func returns(of lasts: [Double]) -> [Double] {
        guard lasts.count > 1 else { return [] }
        var hasNaN = false
        let returns = [Double](unsafeUninitializedCapacity: lasts.count - 1) { buffer, initialized in
            lasts.withUnsafeBufferPointer { lasts in
                for index in 0..<buffer.count {
                    let value = lasts[index + 1] / lasts[index] - 1
                    if value.isNaN { hasNaN = true }
                    buffer[index] = value
                }
            }
            initialized = buffer.count
        }
        return hasNaN ? returns.filter { !$0.isNaN } : returns
    }

    /// The geometric mean of the returns between consecutive values: the product of the `1 + r` telescopes to
    /// last / first, so no logarithm per period is needed (backtesting.py sums the logs; the two agree to float
    /// noise). 0 if any return is -100 % or worse, NaN without returns, as `geometricMean`.
    static func geometricMeanReturn(of lasts: [Double], returns: [Double]) -> Double {
        guard !returns.isEmpty else { return .nan }
        guard returns.count == lasts.count - 1 else { return geometricMean(returns) }
        if returns.contains(where: { $0 + 1 <= 0 }) { return 0 }
        return pow(lasts[lasts.count - 1] / lasts[0], 1 / Double(returns.count)) - 1
    }

    /// exp(mean(log(1 + r))) - 1; 0 if any return is -100 % or worse; NaN for no returns.
    static func geometricMean(_ returns: [Double]) -> Double {
        guard !returns.isEmpty else { return .nan }
        if returns.contains(where: { $0.isNaN ? false : $0 + 1 <= 0 }) { return 0 }
        let total = returns.reduce(0.0) { $0 + log(($1.isNaN ? 0 : $1) + 1) }
        return exp(total / Double(returns.count)) - 1
    }

    /// Sample variance (ddof = 1), two-pass.
    static func variance(_ values: [Double]) -> Double {
        guard values.count > 1 else { return .nan }
        let mean = values.reduce(0, +) / Double(values.count)
        return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    }

    static func covariance(_ a: [Double], _ b: [Double], meanB known: Double? = nil) -> Double {
        guard a.count == b.count, a.count > 1 else { return .nan }
        let meanA = a.reduce(0, +) / Double(a.count)
        let meanB = known ?? b.reduce(0, +) / Double(b.count)
        var total = 0.0
        for index in a.indices { total += (a[index] - meanA) * (b[index] - meanB) }
        return total / Double(a.count - 1)
    }

    /// The drawdown periods (backtesting.py's `compute_drawdown_duration_peaks`): from a bar at a peak to the next
    /// bar at a peak, or to the last bar, when at least one bar between them is under water.
    static func drawdownPeriods(_ drawdown: [Double], times: [Int64]) -> [(duration: Double, peak: Double)] {
        // One pass: each bar at a peak (and the last bar) closes the stretch since the previous one.
        var periods: [(Double, Double)] = []
        var previousMark: Int?
        var deepest = 0.0
        for index in drawdown.indices {
            let value = drawdown[index]
            if !value.isNaN { deepest = max(deepest, value) }
            guard value == 0 || index == drawdown.count - 1 else { continue }
            if let from = previousMark, index > from + 1 {
                periods.append((Double(times[index] - times[from]), deepest))
            }
            previousMark = index
            deepest = value.isNaN ? 0 : value
        }
        return periods
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 { a - floorDivide(a, b) * b }
}

extension PerformanceStatistics: Encodable {
    enum CodingKeys: String, CodingKey {
        case start, end, beta, sqn
        case durationDays = "duration_days"
        case exposureTimePct = "exposure_time_pct"
        case equityFinal = "equity_final"
        case equityPeak = "equity_peak"
        case commissions
        case returnPct = "return_pct"
        case buyAndHoldReturnPct = "buy_and_hold_return_pct"
        case returnAnnPct = "return_ann_pct"
        case volatilityAnnPct = "volatility_ann_pct"
        case cagrPct = "cagr_pct"
        case sharpeRatio = "sharpe_ratio"
        case sortinoRatio = "sortino_ratio"
        case calmarRatio = "calmar_ratio"
        case alphaPct = "alpha_pct"
        case maxDrawdownPct = "max_drawdown_pct"
        case avgDrawdownPct = "avg_drawdown_pct"
        case maxDrawdownDurationDays = "max_drawdown_duration_days"
        case avgDrawdownDurationDays = "avg_drawdown_duration_days"
        case tradeCount = "trade_count"
        case winRatePct = "win_rate_pct"
        case bestTradePct = "best_trade_pct"
        case worstTradePct = "worst_trade_pct"
        case avgTradePct = "avg_trade_pct"
        case maxTradeDurationDays = "max_trade_duration_days"
        case avgTradeDurationDays = "avg_trade_duration_days"
        case profitFactor = "profit_factor"
        case expectancyPct = "expectancy_pct"
        case kellyCriterion = "kelly_criterion"
    }

    /// Every key is present; an undefined statistic (nil, NaN or infinite) is `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        func put(_ value: Double?, _ key: CodingKeys) throws {
            if let value, value.isFinite {
                try container.encode(value, forKey: key)
            } else {
                try container.encodeNil(forKey: key)
            }
        }
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
        try put(durationDays, .durationDays)
        try put(exposureTimePct, .exposureTimePct)
        try put(equityFinal, .equityFinal)
        try put(equityPeak, .equityPeak)
        try put(commissions, .commissions)
        try put(returnPct, .returnPct)
        try put(buyAndHoldReturnPct, .buyAndHoldReturnPct)
        try put(returnAnnPct, .returnAnnPct)
        try put(volatilityAnnPct, .volatilityAnnPct)
        try put(cagrPct, .cagrPct)
        try put(sharpeRatio, .sharpeRatio)
        try put(sortinoRatio, .sortinoRatio)
        try put(calmarRatio, .calmarRatio)
        try put(alphaPct, .alphaPct)
        try put(beta, .beta)
        try put(maxDrawdownPct, .maxDrawdownPct)
        try put(avgDrawdownPct, .avgDrawdownPct)
        try put(maxDrawdownDurationDays, .maxDrawdownDurationDays)
        try put(avgDrawdownDurationDays, .avgDrawdownDurationDays)
        try container.encode(tradeCount, forKey: .tradeCount)
        try put(winRatePct, .winRatePct)
        try put(bestTradePct, .bestTradePct)
        try put(worstTradePct, .worstTradePct)
        try put(avgTradePct, .avgTradePct)
        try put(maxTradeDurationDays, .maxTradeDurationDays)
        try put(avgTradeDurationDays, .avgTradeDurationDays)
        try put(profitFactor, .profitFactor)
        try put(expectancyPct, .expectancyPct)
        try put(sqn, .sqn)
        try put(kellyCriterion, .kellyCriterion)
    }
}

extension PerformanceStatistics {
    /// A statistic by its JSON key (`sharpe_ratio`), for ranking a sweep; nil for an unknown key.
    public func value(named key: String) -> Double? {
        switch key {
        case "duration_days": durationDays
        case "exposure_time_pct": exposureTimePct
        case "equity_final": equityFinal
        case "equity_peak": equityPeak
        case "commissions": commissions
        case "return_pct": returnPct
        case "buy_and_hold_return_pct": buyAndHoldReturnPct
        case "return_ann_pct": returnAnnPct
        case "volatility_ann_pct": volatilityAnnPct
        case "cagr_pct": cagrPct
        case "sharpe_ratio": sharpeRatio
        case "sortino_ratio": sortinoRatio
        case "calmar_ratio": calmarRatio
        case "alpha_pct": alphaPct
        case "beta": beta
        case "max_drawdown_pct": maxDrawdownPct
        case "avg_drawdown_pct": avgDrawdownPct
        case "max_drawdown_duration_days": maxDrawdownDurationDays
        case "avg_drawdown_duration_days": avgDrawdownDurationDays
        case "trade_count": Double(tradeCount)
        case "win_rate_pct": winRatePct
        case "best_trade_pct": bestTradePct
        case "worst_trade_pct": worstTradePct
        case "avg_trade_pct": avgTradePct
        case "max_trade_duration_days": maxTradeDurationDays
        case "avg_trade_duration_days": avgTradeDurationDays
        case "profit_factor": profitFactor
        case "expectancy_pct": expectancyPct
        case "sqn": sqn
        case "kelly_criterion": kellyCriterion
        default: nil
        }
    }

    public static let keys = [
        "duration_days", "exposure_time_pct", "equity_final", "equity_peak", "commissions", "return_pct",
        "buy_and_hold_return_pct", "return_ann_pct", "volatility_ann_pct", "cagr_pct", "sharpe_ratio", "sortino_ratio",
        "calmar_ratio", "alpha_pct", "beta", "max_drawdown_pct", "avg_drawdown_pct", "max_drawdown_duration_days",
        "avg_drawdown_duration_days", "trade_count", "win_rate_pct", "best_trade_pct", "worst_trade_pct",
        "avg_trade_pct", "max_trade_duration_days", "avg_trade_duration_days", "profit_factor", "expectancy_pct", "sqn",
        "kelly_criterion",
    ]
}

/// What the statistics need of the bars alone (the closes' log returns, their mean and variance for beta): computed
/// once and shared by every backtest of a sweep on those bars.
public struct MarketReference: Sendable {
    public let logReturns: [Double]
    public let logReturnMean: Double
    public let logReturnVariance: Double

    public init(closes: [Double]) {
        var returns = [Double](repeating: 0, count: max(0, closes.count - 1))
        for index in returns.indices { returns[index] = log(closes[index + 1] / closes[index]) }
        logReturns = returns
        logReturnMean = returns.isEmpty ? .nan : returns.reduce(0, +) / Double(returns.count)
        logReturnVariance = PerformanceStatistics.variance(returns)
    }
}
