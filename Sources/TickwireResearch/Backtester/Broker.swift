#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The simulated broker, with backtesting.py 0.6.6's rules (`_Broker`): market orders fill at the next bar's open,
/// stop orders when the bar reaches the stop (at the stop, or at the open when the bar gaps through), limit orders
/// when it crosses the limit; a stop-loss and take-profit are orders contingent on their trade. Commission is
/// charged on entry and on exit; opposite trades are netted first in, first out; "all available cash" buys the
/// whole units that cash covers, commission included.
struct Broker {
    enum Amount: Equatable {
        /// A fraction of the available margin (backtesting.py's sizes between 0 and 1).
        case fraction(Double)
        case units(Double)

        var sign: Double {
            switch self {
            case .fraction(let value), .units(let value): value < 0 ? -1 : 1
            }
        }
        var magnitude: Double {
            switch self {
            case .fraction(let value), .units(let value): abs(value)
            }
        }
    }

    struct Order {
        let id: Int
        var amount: Amount
        var limit: Double?
        var stop: Double?
        var stopLoss: Double?
        var takeProfit: Double?
        /// The trade this order closes (a close, stop-loss or take-profit order).
        var parent: Int?
        /// A stop-loss or take-profit order (not cancelled by exclusive orders).
        var isContingent = false
        var isLong: Bool { amount.sign > 0 }
    }

    struct Trade {
        let id: Int
        var size: Double
        let entryPrice: Double
        let entryBar: Int
        var stopLossOrder: Int?
        var takeProfitOrder: Int?
    }

    let bars: Bars
    let options: BacktestOptions
    private(set) var cash: Double
    private(set) var orders: [Order] = []
    private(set) var trades: [Trade] = []
    private(set) var closed: [ClosedTrade] = []
    private var nextId = 0

    init(bars: Bars, options: BacktestOptions) {
        self.bars = bars
        self.options = options
        cash = options.cash
        orders.reserveCapacity(8)
        trades.reserveCapacity(8)
    }

    // MARK: Placing orders (from the strategy, after bar `i` closed)

    /// A market order, or with `limit` a limit order, with `stop` a stop (or, with both, a stop-limit) order.
    mutating func place(
        _ amount: Amount, limit: Double? = nil, stop: Double? = nil, stopLoss: Double? = nil, takeProfit: Double? = nil
    ) {
        if options.exclusiveOrders {
            orders.removeAll { !$0.isContingent }
            for trade in trades { close(trade) }
        }
        orders.append(
            Order(id: makeId(), amount: amount, limit: limit, stop: stop, stopLoss: stopLoss, takeProfit: takeProfit))
    }

    /// Closes every open trade at the next bar's open.
    mutating func closePosition() {
        for trade in trades { close(trade) }
    }

    private mutating func close(_ trade: Trade) {
        let size =
            options.fractional ? -trade.size : (trade.size < 0 ? 1.0 : -1.0) * max(1, abs(trade.size).rounded())
        orders.insert(Order(id: makeId(), amount: .units(size), parent: trade.id), at: 0)
    }

    private mutating func makeId() -> Int {
        nextId += 1
        return nextId
    }

    // MARK: Each bar

    /// Fills what bar `i` fills and returns the account's equity at its close.
    mutating func next(_ i: Int) -> Double {
        process(i)
        return equity(at: i)
    }

    func equity(at i: Int) -> Double {
        guard !trades.isEmpty else { return cash }
        let price = bars.close[i]
        var size = 0.0
        var cost = 0.0
        for trade in trades {
            size += options.fractional ? trade.size : trade.size.rounded(.towardZero)
            cost += trade.size * trade.entryPrice
        }
        return cash + (price * size - cost)
    }

    private func marginAvailable(at i: Int) -> Double {
        var used = 0.0
        for trade in trades { used += abs(trade.size) * bars.close[i] }
        return max(0, equity(at: i) - used)
    }

    private func commission(_ size: Double, _ price: Double) -> Double {
        options.fixedCommission + abs(size) * price * options.commission
    }

    private func adjusted(_ sign: Double, _ price: Double) -> Double {
        price * (1 + (sign < 0 ? -options.spread : options.spread))
    }

    private mutating func process(_ i: Int) {
        guard !orders.isEmpty else { return }
        let open = bars.open[i]
        let high = bars.high[i]
        let low = bars.low[i]
        var reprocess = false
        for snapshot in orders {
            guard let index = orders.firstIndex(where: { $0.id == snapshot.id }) else { continue }
            let order = orders[index]
            let stopPrice = order.stop
            if let stop = stopPrice {
                guard order.isLong ? high >= stop : low <= stop else { continue }
                orders[index].stop = nil  // a triggered stop order is a market or limit order now
            }
            let price: Double
            if let limit = order.limit {
                let hit = order.isLong ? low <= limit : high >= limit
                let hitBeforeStop =
                    hit && (order.isLong ? limit <= (stopPrice ?? -.infinity) : limit >= (stopPrice ?? .infinity))
                if !hit || hitBeforeStop { continue }
                price = order.isLong ? min(stopPrice ?? open, limit) : max(stopPrice ?? open, limit)
            } else {
                var fill = open
                if let stop = stopPrice { fill = order.isLong ? max(fill, stop) : min(fill, stop) }
                price = fill
            }
            let isMarket = order.limit == nil && stopPrice == nil

            if let parent = order.parent {
                if let trade = trades.first(where: { $0.id == parent }) {
                    let size = order.amount.sign * min(abs(trade.size), order.amount.magnitude)
                    reduce(trade, price: price, by: size, bar: i)
                }
                // A stop-loss or take-profit left with its trade; a close order is done.
                orders.removeAll { $0.id == order.id }
                continue
            }

            let adjustedPrice = adjusted(order.amount.sign, price)
            let perUnit = adjustedPrice + commission(order.amount.magnitude, price) / order.amount.magnitude
            var size: Double
            switch order.amount {
            case .units(let units):
                size = units
            case .fraction(let fraction):
                let budget = marginAvailable(at: i) * abs(fraction)
                let units = options.fractional ? budget / perUnit : Self.pythonFloorDivide(budget, perUnit)
                guard units > 0 else {
                    orders.removeAll { $0.id == order.id }
                    continue
                }
                size = order.amount.sign * units
            }
            // Net against opposite trades, first in first out, at the unadjusted price.
            for trade in trades where (trade.size > 0) != (size > 0) && size != 0 {
                if abs(size) >= abs(trade.size) {
                    closeTrade(trade, price: price, bar: i)
                    size += trade.size
                } else {
                    reduce(trade, price: price, by: size, bar: i)
                    size = 0
                }
            }
            if abs(size) * perUnit > marginAvailable(at: i) {
                orders.removeAll { $0.id == order.id }
                continue
            }
            if size != 0 {
                openTrade(
                    price: adjustedPrice, size: size, stopLoss: order.stopLoss, takeProfit: order.takeProfit, bar: i)
                if (order.stopLoss != nil || order.takeProfit != nil) && isMarket { reprocess = true }
            }
            orders.removeAll { $0.id == order.id }
        }
        if reprocess { process(i) }
    }

    private mutating func reduce(_ trade: Trade, price: Double, by size: Double, bar: Int) {
        let left = trade.size + size
        guard left != 0, let index = trades.firstIndex(where: { $0.id == trade.id }) else {
            return closeTrade(trade, price: price, bar: bar)
        }
        trades[index].size = left
        for id in [trade.stopLossOrder, trade.takeProfitOrder].compactMap({ $0 }) {
            if let order = orders.firstIndex(where: { $0.id == id }) { orders[order].amount = .units(-left) }
        }
        let part = Trade(id: makeId(), size: -size, entryPrice: trade.entryPrice, entryBar: trade.entryBar)
        trades.append(part)
        closeTrade(part, price: price, bar: bar)
    }

    private mutating func closeTrade(_ trade: Trade, price: Double, bar: Int) {
        trades.removeAll { $0.id == trade.id }
        orders.removeAll { $0.id == trade.stopLossOrder || $0.id == trade.takeProfitOrder }
        let exitCommission = commission(trade.size, price)
        cash += trade.size * (price - trade.entryPrice) - exitCommission
        closed.append(
            ClosedTrade(
                size: trade.size, entryBar: trade.entryBar, exitBar: bar, entryPrice: trade.entryPrice,
                exitPrice: price, commission: exitCommission + commission(trade.size, trade.entryPrice),
                entryTime: bars.times[trade.entryBar], exitTime: bars.times[bar]))
    }

    private mutating func openTrade(price: Double, size: Double, stopLoss: Double?, takeProfit: Double?, bar: Int) {
        var trade = Trade(id: makeId(), size: size, entryPrice: price, entryBar: bar)
        cash -= commission(size, price)
        if let takeProfit {
            let order = Order(
                id: makeId(), amount: .units(-size), limit: takeProfit, parent: trade.id, isContingent: true)
            trade.takeProfitOrder = order.id
            orders.append(order)
        }
        if let stopLoss {
            let order = Order(id: makeId(), amount: .units(-size), stop: stopLoss, parent: trade.id, isContingent: true)
            trade.stopLossOrder = order.id
            orders.insert(order, at: 0)
        }
        trades.append(trade)
    }

    /// The account ran out of money at bar `i`: everything is closed at its close and nothing trades again.
    mutating func liquidate(at i: Int) {
        for trade in trades { closeTrade(trade, price: bars.close[i], bar: i) }
        cash = 0
    }

    /// Queues the close of every open trade (at the end of the data, with `finalizeTrades`).
    mutating func finalize(at i: Int) -> Double {
        for trade in trades.reversed() { close(trade) }
        return next(i)
    }

    /// Python's `a // b` for floats (floor of the quotient, computed as CPython does), so that "all available cash"
    /// buys exactly the units backtesting.py buys.
    static func pythonFloorDivide(_ a: Double, _ b: Double) -> Double {
        let mod = fmod(a, b)
        var quotient = (a - mod) / b
        if mod != 0, (b < 0) != (mod < 0) { quotient -= 1 }
        var floored = quotient.rounded(.down)
        if quotient - floored > 0.5 { floored += 1 }
        return floored
    }
}
