/// Creating, changing, starting or stopping and deleting a bot.
public enum BotCommands {
    public static func create(_ new: NewBot, at now: Timestamp) -> Creation<Bot, Int64> {
        let row = Bot(
            id: 0, name: new.name, ticker: new.ticker, exchange: new.exchange, strategy: new.strategy,
            config: new.config ?? [:], status: new.status ?? .stopped, createdAt: now, updatedAt: now,
            ownerId: new.ownerId)
        return Creation(row: row) { id in
            var bot = row
            bot.id = id
            return Decision(bot, events: [.botCreated(bot)])
        }
    }

    /// A bot that holds a position keeps its instrument: its PnL would otherwise be priced in another one.
    public static func update(_ current: Bot, _ patch: BotPatch, position: Position, at now: Timestamp)
        throws(CommandConflict) -> Decision<Bot>
    {
        let bot = patch.applied(to: current, at: now)
        if bot.ticker != current.ticker || bot.exchange != current.exchange, position.quantity != 0 {
            throw CommandConflict(
                "bot \(current.id) holds a position of \(position.quantity) \(current.ticker); close it before changing ticker or exchange"
            )
        }
        return Decision(bot, events: [.botUpdated(bot)])
    }

    public static func toggle(_ current: Bot, at now: Timestamp) -> Decision<Bot> {
        var bot = current
        bot.status = bot.status.toggled
        bot.updatedAt = now
        return Decision(bot, events: [.botUpdated(bot)])
    }

    public static func delete(_ current: Bot) -> Decision<Int64> {
        Decision(current.id, events: [.botDeleted(id: current.id, ownerId: current.ownerId)])
    }
}
