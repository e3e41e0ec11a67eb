import TickwireModel

/// The result of a command: the changed value and the events appended in the same transaction, ready to publish.
public struct Committed<Value: Sendable>: Sendable {
    public var value: Value
    public var events: [Event]

    public init(_ value: Value, events: [Event]) {
        self.value = value
        self.events = events
    }
}

public enum StoreError: Error, Sendable, Equatable {
    /// The entity does not exist (HTTP 404).
    case notFound(entity: String, id: String)
    /// The change conflicts with the current state (HTTP 409).
    case conflict(String)
    /// The database cannot be reached (HTTP 503).
    case unavailable(String)
    /// The write was made for an engine term (`LeaseTerm.current`) that has ended: another node may run the engine
    /// now, so nothing was written (HTTP 503).
    case leaseLost
}

extension StoreError {
    /// A command's refusal as the store reports it: a `CommandConflict` is a `conflict` (409).
    static func reporting(_ error: any Error) -> any Error {
        guard let conflict = error as? CommandConflict else { return error }
        return StoreError.conflict(conflict.message)
    }
}

/// What Tickwire keeps, read-only: what routes, the engine and the CLI read through the services' `reader`. Writes go
/// through the services only, which run the commands of `Store`.
public protocol StoreReader: EventLogReader {
    // MARK: Bots and orders
    func bot(id: Int64) async throws -> Bot
    func bots(_ filter: BotFilter) async throws -> [Bot]
    func order(id: Int64) async throws -> Order
    func orders(_ filter: OrderFilter, page: PageRequest) async throws -> Page<Order>
    /// An instrument's candles of one span starting between two moments (inclusive): the newest `limit`, oldest
    /// first.
    func candles(
        ticker: String, exchange: String, interval: CandleInterval, from: Timestamp, to: Timestamp, limit: Int
    ) async throws -> [Candle]
    /// When each bot (of `ownerId`, or everyone's) last reported, and whether it is stale.
    func liveness(ownerId: Int64?) async throws -> [Liveness]
    /// A bot's equity history between two moments (inclusive), oldest first.
    func equityPoints(botId: Int64, from: Timestamp, to: Timestamp) async throws -> [EquityPoint]
    /// Fills, newest first, keyset-paginated.
    func fills(_ filter: FillFilter, page: PageRequest) async throws -> Page<Fill>
    /// Every fill of the selected bots, oldest first (for round-trip trades).
    func fillsInOrder(_ filter: FillFilter) async throws -> [Fill]
    /// Orders still working (NEW, PARTIALLY_FILLED) of bots on `exchange`, oldest first, with their bot's ticker:
    /// what the paper broker matches against each tick.
    /// The working orders of the bots on `exchange` whose orders fill (`BotStatus.fillsOrders`), oldest first.
    func openOrders(exchange: String) async throws -> [(order: Order, ticker: String)]
    func logs(_ filter: LogFilter, page: PageRequest) async throws -> Page<ActivityLog>

    // MARK: Prices, positions and views
    func latestPrices(_ filter: PriceFilter) async throws -> [Price]
    func priceHistory(ticker: String, exchange: String?, page: PageRequest) async throws -> Page<Price>
    func pnl(botId: Int64) async throws -> BotPnL
    /// The bots-page bundle (one user's bots, or every bot for `nil`), read in one snapshot together with the
    /// event-log position it reflects.
    func botsPage(ownerId: Int64?, at now: Timestamp) async throws -> BotsPage

    // MARK: Event log (see also EventLogReader)
    /// The newest `limit` events of `topic` with an id of at most `through`, oldest first.
    func latestEvents(topic: Topic, through: Int64, limit: Int) async throws -> [Event]

    // MARK: Users, credentials, settings
    func userCount() async throws -> Int
    func user(id: Int64) async throws -> User
    func userCredentials(username: String) async throws -> UserCredentials?
    func users() async throws -> [User]
    func apiKeyCredentials(id: String) async throws -> APIKeyCredentials?
    /// One user's keys, or every key for `nil`, newest first.
    func apiKeys(userId: Int64?) async throws -> [APIKey]
    func session(id: String) async throws -> Session?
    func setting(_ key: String) async throws -> String?

    // MARK: Trading models
    func model(id: Int64) async throws -> TradingModel
    /// One user's models, or every model for `nil`.
    func models(ownerId: Int64?) async throws -> [TradingModel]
    /// A model's sessions newest first, or (`modelId` nil) every running session.
    func modelSessions(modelId: Int64?) async throws -> [ModelSession]

    // MARK: Datasets and backtests
    /// One user's datasets, or every dataset for `nil`, newest first.
    func datasets(ownerId: Int64?) async throws -> [Dataset]
    func dataset(id: Int64) async throws -> Dataset
    /// The CSV the dataset was uploaded as.
    func datasetContent(id: Int64) async throws -> String
    /// One user's runs, or every run for `nil`, newest first, without their results.
    func backtestJobs(ownerId: Int64?, limit: Int) async throws -> [BacktestJob]
    func backtestJob(id: Int64) async throws -> BacktestJob
    /// How many runs wait for a worker and how many are computing, on every node.
    func backtestQueue() async throws -> (queued: Int, running: Int)

    /// Throws `StoreError.unavailable` when the database cannot answer.
    func checkReachable() async throws
}

/// Everything Tickwire keeps, and the commands that change it. Each command runs in one transaction: it loads what
/// its decision (`TickwireModel/Commands`) needs, saves the decided value and appends the decided events to the
/// event log; once the transaction has committed, the store hands those events to its publisher, in commit order
/// (`Committed.events` returns them to the caller too).
///
/// Implementations: `SQLiteStore` (embedded, the default) and `PostgresStore` (several nodes).
public protocol Store: StoreReader, EngineLease {
    /// Where committed events go from now on (the push hub). Set once, before serving.
    func publishCommits(to publisher: any EventPublisher)

    // MARK: Bots and orders
    func createBot(_ new: NewBot, at now: Timestamp) async throws -> Committed<Bot>
    func updateBot(id: Int64, _ patch: BotPatch, at now: Timestamp) async throws -> Committed<Bot>
    func toggleBot(id: Int64, at now: Timestamp) async throws -> Committed<Bot>
    func deleteBot(id: Int64, at now: Timestamp) async throws -> Committed<Int64>
    /// With `ownerId`, a bot of another owner is `notFound`, as a missing one is. `OrderCommands.check` decides,
    /// on what the bot holds and has working in the same transaction, whether `rules` allow the order
    /// (`OrderRefused` otherwise).
    func createOrder(botId: Int64, _ new: NewOrder, ownerId: Int64?, rules: OrderRules, at now: Timestamp)
        async throws -> Committed<Order>
    func updateOrder(id: Int64, _ patch: OrderPatch, at now: Timestamp) async throws -> Committed<Order>
    func appendLogs(_ logs: [NewLog], at now: Timestamp) async throws -> Committed<[ActivityLog]>
    func recordPrices(_ prices: [NewPrice], at now: Timestamp) async throws -> Committed<[Price]>

    // MARK: Event log
    /// Appends events that change no other table (system notices, trading-model sessions, intraday snapshots).
    func appendEvents(_ drafts: [EventDraft], at now: Timestamp) async throws -> Committed<[Event]>
    /// Retention: removes the oldest events beyond the newest `count` and those older than `cutoff`.
    /// Returns how many were removed.
    func pruneEvents(keepingLast count: Int, olderThan cutoff: Timestamp) async throws -> Int

    // MARK: Users, credentials, settings
    /// Throws `conflict` if the username is taken.
    func createUser(username: String, passwordHash: String, role: Role, at now: Timestamp) async throws -> User
    /// Disabling a user or changing their password appends a revocation of all their credentials.
    func updateUser(id: Int64, role: Role?, disabled: Bool?, passwordHash: String?, at now: Timestamp) async throws
        -> Committed<User>
    func createAPIKey(_ key: APIKey, secretHash: String) async throws -> APIKey
    /// Appends a revocation of the key (its open streams close).
    func revokeAPIKey(id: String, at now: Timestamp) async throws -> Committed<APIKey>
    func createSession(_ session: Session) async throws
    /// Appends a revocation of the session (its open streams close).
    func revokeSession(id: String, at now: Timestamp) async throws -> Committed<Session>
    /// Stores `value` unless the key has one already; returns what is stored (first writer wins).
    func insertSettingIfAbsent(_ key: String, value: String) async throws -> String

    // MARK: Datasets and backtests
    func createDataset(_ dataset: Dataset, content: String, at now: Timestamp) async throws -> Committed<Dataset>
    func deleteDataset(id: Int64, at now: Timestamp) async throws -> Committed<Int64>
    /// A new run, or the owner's run of the same configuration still in progress, or (cache key already completed)
    /// a new run completed at once with the stored result (`BacktestCommands.submit`).
    /// `limits`: how many runs the owner and everyone may have waiting or running (the counts are read in the same
    /// transaction); over either, `QueueFull`.
    func submitBacktest(
        _ request: BacktestRequest, ownerId: Int64, cacheKey: String, limits: (owner: Int, total: Int),
        at now: Timestamp
    ) async throws -> Committed<BacktestJob>
    /// The oldest queued run, or running run whose lease ended before `now` (its node died), now running and leased
    /// until `leaseUntil`; nil when none waits.
    func claimBacktest(at now: Timestamp, leaseUntil: Timestamp) async throws -> Committed<BacktestJob>?
    /// Extends the lease of a run this node computes; false once the run is no longer running (finished, cancelled).
    func renewBacktestLease(id: Int64, until: Timestamp) async throws -> Bool
    /// Load → decide → save → append for one run: `decide` gets the run as stored (`BacktestCommands`).
    func changeBacktest(
        id: Int64, at now: Timestamp,
        _ decide: @escaping @Sendable (BacktestJob) throws(CommandConflict) -> Decision<BacktestJob>
    ) async throws -> Committed<BacktestJob>
    /// Cache eviction: removes finished runs that ended before `cutoff`, except those whose result a kept cached
    /// answer still reads (`cached_from`). Returns how many were removed.
    func pruneBacktests(finishedBefore cutoff: Timestamp) async throws -> Int
    /// Cache eviction by size: removes the oldest finished runs, with the cached answers that read their result,
    /// until the stored results take at most `bytes`. Returns how many runs were removed.
    func evictBacktests(keepingResultBytes bytes: Int64) async throws -> Int
    // MARK: Webhooks
    func createWebhook(_ new: NewWebhook, ownerId: Int64, at now: Timestamp) async throws -> Webhook
    /// `notFound` for another owner's (with `ownerId`).
    func deleteWebhook(id: Int64, ownerId: Int64?) async throws
    func webhooks(ownerId: Int64?) async throws -> [Webhook]
    func webhook(id: Int64) async throws -> Webhook
    /// A pending delivery of `event`, with `body`, to each of its owner's webhooks that take `type` (none twice).
    func enqueueDeliveries(of event: Event, as type: String, body: String, at now: Timestamp) async throws -> Int
    /// Up to `limit` deliveries due at `now`, each claimed for this node until `leaseUntil` (another node skips it),
    /// with its body.
    func claimDueDeliveries(at now: Timestamp, leaseUntil: Timestamp, limit: Int) async throws
        -> [(delivery: WebhookDelivery, body: String)]
    func saveDelivery(_ delivery: WebhookDelivery) async throws
    /// The earliest time a pending delivery is due, if any.
    func nextDeliveryDue() async throws -> Timestamp?
    func deliveries(webhookId: Int64, limit: Int) async throws -> [WebhookDelivery]

    /// `LivenessCommands.heartbeat` for one bot (`notFound` for another owner's, with `ownerId`).
    func recordHeartbeat(botId: Int64, ownerId: Int64?, at now: Timestamp) async throws -> Committed<Liveness>
    /// `LivenessCommands.sweep` over every bot that has reported once.
    func sweepLiveness(at now: Timestamp) async throws -> Committed<[Liveness]>
    /// Equity history retention: removes the points older than `cutoff`.
    func pruneEquity(before cutoff: Timestamp) async throws -> Int
    /// Runs that were running when the process stopped go back to the queue.
    func requeueRunningBacktests(at now: Timestamp) async throws -> Committed<[BacktestJob]>

    // MARK: Trading models
    func createModel(_ new: NewTradingModel, ownerId: Int64, at now: Timestamp) async throws -> TradingModel
    /// The bot holding the model's portfolio: the one it has, or `new`, made and linked in one transaction.
    func attachModelBot(modelId: Int64, _ new: NewBot, at now: Timestamp) async throws -> Committed<Bot>
    /// Opens a session (`conflict` if one is running) and appends its first `status` event, and `session_started` on
    /// `engine` for the node that runs the agents.
    func startModelSession(modelId: Int64, at now: Timestamp) async throws -> Committed<ModelSession>
    /// Appends events of a running session and records its decision count, or throws `conflict` once the session has
    /// ended: an agent cannot write after a stop made on another node.
    func appendSessionEvents(
        sessionId: Int64, decisions: Int, _ drafts: [EventDraft], at now: Timestamp
    ) async throws -> Committed<[Event]>
    /// Closes a running session and appends its last event (`complete`, or `error` for `failed`), and
    /// `session_ended` on `engine`.
    func finishModelSession(
        id: Int64, status: ModelSessionStatus, decisions: Int, summary: String, statistics: [String: JSONValue],
        at now: Timestamp
    ) async throws -> Committed<ModelSession>
}

/// The changes of a run, each one decision of `BacktestCommands` applied through `changeBacktest`.
extension Store {
    public func recordBacktestProgress(id: Int64, _ fraction: Double, at now: Timestamp) async throws
        -> Committed<BacktestJob>
    {
        try await changeBacktest(id: id, at: now) { job throws(CommandConflict) in
            BacktestCommands.progress(job, fraction)
        }
    }

    public func finishBacktest(id: Int64, _ result: Result<String, BacktestFailure>, at now: Timestamp) async throws
        -> Committed<BacktestJob>
    {
        try await changeBacktest(id: id, at: now) { job throws(CommandConflict) in
            BacktestCommands.finish(job, result: result, at: now)
        }
    }

    public func cancelBacktest(id: Int64, at now: Timestamp) async throws -> Committed<BacktestJob> {
        try await changeBacktest(id: id, at: now) { job throws(CommandConflict) in
            try BacktestCommands.cancel(job, at: now)
        }
    }
}
