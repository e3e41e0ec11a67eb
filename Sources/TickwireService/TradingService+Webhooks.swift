import Synchronization
import TickwireModel
import TickwireStore

/// Each user's webhooks and their delivery log; and, for the dispatcher, the deliveries to make.
extension TradingService {
    public func createWebhook(_ new: NewWebhook, by actor: Actor) async throws -> Webhook {
        try new.validate()
        guard let owner = actor.userId else { throw ValidationError("owner", "a webhook belongs to a user") }
        defer { webhookOwners.invalidate() }
        return try await store.createWebhook(new, ownerId: owner, at: clock())
    }

    public func webhooks(by actor: Actor) async throws -> [Webhook] {
        try await store.webhooks(ownerId: actor.ownerFilter)
    }

    public func deleteWebhook(id: Int64, by actor: Actor) async throws {
        try await store.deleteWebhook(id: id, ownerId: actor.ownerFilter)
        webhookOwners.invalidate()
    }

    public func webhookDeliveries(id: Int64, limit: Int, by actor: Actor) async throws -> [WebhookDelivery] {
        guard actor.canSee(ownerId: try await store.webhook(id: id).ownerId) else {
            throw StoreError.notFound(entity: "webhook", id: String(id))
        }
        return try await store.deliveries(webhookId: id, limit: limit)
    }

    // MARK: For the dispatcher

    public func webhook(id: Int64) async throws -> Webhook { try await store.webhook(id: id) }

    /// Queues `event` for its owner's webhooks that take its type; the body is the event as streams carry it. Most
    /// events are of users without webhooks: those are skipped in memory (`WebhookOwners`).
    public func enqueueWebhookDeliveries(of event: Event) async throws -> Int {
        guard let type = Webhook.deliveredType(of: event), let owner = event.ownerId else { return 0 }
        let owners = try await webhookOwners.current { try await store.webhooks(ownerId: nil).map(\.ownerId) }
        guard owners.contains(owner) else { return 0 }
        let body =
            #"{"id":"\#(event.id)","topic":"\#(event.topic.rawValue)","type":"\#(type)","timestamp":"\#(event.timestamp.iso8601)","data":\#(event.data)}"#
        return try await store.enqueueDeliveries(of: event, as: type, body: body, at: clock())
    }

    public func claimDueDeliveries(lease: Duration, limit: Int) async throws
        -> [(delivery: WebhookDelivery, body: String)]
    {
        let now = clock()
        return try await store.claimDueDeliveries(at: now, leaseUntil: now.adding(lease), limit: limit)
    }

    /// Records how an attempt went (`DeliveryAttempts.after`).
    public func recordDeliveryAttempt(_ delivery: WebhookDelivery, responseStatus: Int?, error: String?) async throws
        -> WebhookDelivery
    {
        let next = DeliveryAttempts.after(delivery, responseStatus: responseStatus, error: error, at: clock())
        try await store.saveDelivery(next)
        return next
    }

    public func nextDeliveryDue() async throws -> Timestamp? { try await store.nextDeliveryDue() }
}

/// The users with at least one webhook, read again when this process creates or deletes one, and at least every
/// `refresh` (another node's changes).
final class WebhookOwners: Sendable {
    private struct State {
        var owners: Set<Int64> = []
        var readAt: ContinuousClock.Instant?
        /// Bumped by each invalidation, so that a read begun before one does not store what it read.
        var generation = 0
    }

    private let state = Mutex(State())
    let refresh: Duration

    init(refresh: Duration = .seconds(5)) { self.refresh = refresh }

    func invalidate() {
        state.withLock { state in
            state.readAt = nil
            state.generation += 1
        }
    }

    func current(reading read: () async throws -> [Int64]) async throws -> Set<Int64> {
        let now = ContinuousClock.now
        let (cached, generation) = state.withLock { state in
            (state.readAt.map { now - $0 < refresh } == true ? state.owners : nil, state.generation)
        }
        if let cached { return cached }
        let owners = Set(try await read())
        state.withLock { state in
            if state.generation == generation { state = State(owners: owners, readAt: now, generation: generation) }
        }
        return owners
    }
}
