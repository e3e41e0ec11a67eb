/// Recording prices: each one is an event, and each instrument it moves re-prices every bot holding it.
public enum PriceCommands {
    public static func record(_ prices: [NewPrice], at now: Timestamp) -> Recording {
        var instruments: [Instrument] = []
        var seen: Set<Instrument> = []
        let recorded = prices.map { new in
            let price = Price(
                ticker: new.ticker, exchange: new.exchange, price: new.price, timestamp: new.timestamp ?? now)
            let instrument = Instrument(ticker: price.ticker, exchange: price.exchange)
            // First-seen order, so that the PnL events of a batch come out in a deterministic order.
            if seen.insert(instrument).inserted { instruments.append(instrument) }
            return price
        }
        return Recording(prices: recorded, instruments: instruments)
    }

    /// Prices to save, and the instruments whose holders' PnL they move.
    public struct Recording: Sendable, Equatable {
        public var prices: [Price]
        /// In first-seen order.
        public var instruments: [Instrument]

        /// The decision once the store has loaded, for each of `instruments`, its latest price and the bots holding
        /// it (in bot id order).
        public func decide(holdings: [Holding]) -> Decision<[Price]> {
            Decision(prices, events: prices.map(EventDraft.priceUpdate) + repriced(holdings).map(EventDraft.pnlUpdate))
        }

        /// Every holder's figures at its instrument's latest price.
        public func repriced(_ holdings: [Holding]) -> [BotPnL] {
            holdings.flatMap { holding in
                holding.holders.filter { $0.position.quantity != 0 }.map { bot, position in
                    BotPnL(bot: bot, position: position, lastPrice: holding.lastPrice)
                }
            }
        }
    }

    /// An instrument's latest price and the bots that hold a position in it.
    public struct Holding: Sendable {
        public var lastPrice: Double?
        public var holders: [(bot: Bot, position: Position)]

        public init(lastPrice: Double?, holders: [(bot: Bot, position: Position)]) {
            self.lastPrice = lastPrice
            self.holders = holders
        }
    }
}

/// A ticker on an exchange.
public struct Instrument: Hashable, Sendable {
    public var ticker: String
    public var exchange: String

    public init(ticker: String, exchange: String) {
        self.ticker = ticker
        self.exchange = exchange
    }
}
