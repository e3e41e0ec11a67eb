/// What an order may do, decided when it is placed:
/// - a bot shorts only if its market allows it (`config.market` = `"margin"`; spot, the default, does not): a sell
///   that would take the position, with the bot's working orders, below zero is refused;
/// - on the paper exchange a buy must be paid for: its cost at the limit (or the last price) plus the fee must fit
///   in the bot's cash less what its working buys already hold (at their limit or the last price, fee included).
public struct OrderRules: Sendable, Equatable {
    /// The exchange the paper broker fills (nil: none runs here, no balance is checked).
    public var paperExchange: String?
    /// The paper broker's fee, unless a bot sets `config.fee_bps`.
    public var defaultFeeBps: Double

    public init(paperExchange: String? = nil, defaultFeeBps: Double = 10) {
        self.paperExchange = paperExchange
        self.defaultFeeBps = defaultFeeBps
    }
}

/// What a bot holds and has working when an order is placed.
public struct Exposure: Sendable, Equatable {
    public var position: Position
    /// The working orders' remaining quantities, signed (buys positive).
    public var working: Double
    /// What the working buys would cost at their limit (or the last price).
    public var workingBuyCost: Double
    public var lastPrice: Double?

    public init(position: Position, working: Double = 0, workingBuyCost: Double = 0, lastPrice: Double? = nil) {
        self.position = position
        self.working = working
        self.workingBuyCost = workingBuyCost
        self.lastPrice = lastPrice
    }
}

/// An order the bot's market or balance does not allow (422, with the reason).
public struct OrderRefused: Error, Sendable, Equatable {
    public var code: String
    public var message: String
}

extension Bot {
    /// Whether the bot's market lets it sell what it does not hold (`config.market` = `"margin"`).
    public var allowsShorting: Bool { config["market"] == .string("margin") }

    /// The paper broker's fee for this bot, in basis points: `config.fee_bps` when it is a number from 0 to 1,000.
    public func feeBps(default value: Double) -> Double {
        if case .number(let fee)? = config["fee_bps"], fee.isFinite, (0...1_000).contains(fee) { return fee }
        return value
    }

    /// The paper broker's slippage for this bot, in basis points: `config.slippage_bps` from 0 to 1,000.
    public func slippageBps(default value: Double) -> Double {
        if case .number(let slippage)? = config["slippage_bps"], slippage.isFinite, (0...1_000).contains(slippage) {
            return slippage
        }
        return value
    }
}

extension OrderCommands {
    /// Whether `new` may be placed for `bot`, given what it holds and has working.
    public static func check(_ new: NewOrder, bot: Bot, exposure: Exposure, rules: OrderRules) throws(OrderRefused) {
        let signed = new.side.sign * new.quantity
        let tolerance = max(abs(new.quantity), 1) * 1e-9
        if new.side == .sell, !bot.allowsShorting,
            exposure.position.quantity + exposure.working + signed < -tolerance
        {
            let holds = exposure.position.quantity + max(0, exposure.working)
            throw OrderRefused(
                code: "short_not_allowed",
                message:
                    "selling \(new.quantity) would open a short: the bot holds \(holds) (with its working orders) "
                    + "and its market is spot; set config.market to \"margin\" to allow shorts")
        }
        guard new.side == .buy, bot.exchange == rules.paperExchange, let price = new.price ?? exposure.lastPrice
        else { return }
        let fee = bot.feeBps(default: rules.defaultFeeBps) / 10_000
        let cost = new.quantity * price * (1 + fee)
        let figures = BotPnL(bot: bot, position: exposure.position, lastPrice: exposure.lastPrice)
        let held = exposure.workingBuyCost * (1 + fee)
        let available = figures.cash - held
        if cost > available + 1e-9 * max(1, cost) {
            throw OrderRefused(
                code: "insufficient_balance",
                message:
                    "the order costs \(rounded(cost)) with fees; the bot has \(rounded(available)) available "
                    + "(cash \(rounded(figures.cash)) less \(rounded(held)) held by working buys)")
        }
    }

    static func rounded(_ value: Double) -> String { String((value * 100).rounded() / 100) }
}

/// What a force exit did: the working orders it canceled and the market order that closes the position (none when
/// the bot was flat).
public struct PositionExit: Codable, Sendable, Equatable {
    public var canceledOrderIds: [Int64]
    public var order: Order?

    public init(canceledOrderIds: [Int64], order: Order?) {
        self.canceledOrderIds = canceledOrderIds
        self.order = order
    }

    enum CodingKeys: String, CodingKey {
        case order
        case canceledOrderIds = "canceled_order_ids"
    }
}
