import TickwireModel
import TickwireResearch

/// A trading model's portfolio is a bot of its own (`ModelCommands.portfolioBot`): its cash, orders, fills,
/// round-trip trades, PnL and equity history are the bot's, read through the same endpoints as any bot's.
extension TradingService {
    /// The model's bot, made and linked when it has none (on `exchange`, trading `ticker`).
    public func portfolioBot(of model: TradingModel, ticker: String, exchange: String) async throws -> Bot {
        try await store.attachModelBot(
            modelId: model.id, ModelCommands.portfolioBot(of: model, ticker: ticker, exchange: exchange),
            at: clock()
        ).value
    }

    /// The model's bot, or nil before its first session.
    public func modelBot(modelId: Int64, by actor: Actor) async throws -> Bot? {
        guard let botId = try await model(id: modelId, by: actor).botId else { return nil }
        return try? await store.bot(id: botId)
    }

    public func modelPnL(modelId: Int64, by actor: Actor) async throws -> BotPnL? {
        guard let bot = try await modelBot(modelId: modelId, by: actor) else { return nil }
        return try await store.pnl(botId: bot.id)
    }
}
