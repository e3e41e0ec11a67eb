import PostgresNIO
import TickwireModel

/// Webhooks and their delivery log on PostgreSQL (see `SQLiteStore+Webhooks`). Every node enqueues the events it
/// sees and the unique (webhook, event) pair keeps one delivery; claims skip the rows another node is claiming.
extension PostgresStore {
    public func createWebhook(_ new: NewWebhook, ownerId: Int64, at now: Timestamp) async throws -> Webhook {
        let types = new.eventTypes.joined(separator: ",")
        let id = try await mapErrors {
            try await leased { db in
                try await db.one(
                    """
                    INSERT INTO webhooks (owner_id, url, event_types, secret, created_at)
                    VALUES (\(ownerId), \(new.url), \(types), \(new.secret), \(now.milliseconds)) RETURNING id
                    """, Int64.self)
            }
        }
        return Webhook(
            id: id, ownerId: ownerId, url: new.url, eventTypes: new.eventTypes, secret: new.secret, createdAt: now)
    }

    public func deleteWebhook(id: Int64, ownerId: Int64?) async throws {
        let removed = try await mapErrors {
            try await leased { db in
                try await db.rows(
                    """
                    DELETE FROM webhooks WHERE id = \(id) AND (\(ownerId)::BIGINT IS NULL OR owner_id = \(ownerId)::BIGINT)
                    RETURNING id
                    """
                ).count
            }
        }
        guard removed > 0 else { throw StoreError.notFound(entity: "webhook", id: String(id)) }
    }

    public func webhooks(ownerId: Int64?) async throws -> [Webhook] {
        try await read { db in
            try await db.rows(
                """
                SELECT \(unescaped: Columns.webhook) FROM webhooks
                WHERE \(ownerId)::BIGINT IS NULL OR owner_id = \(ownerId)::BIGINT ORDER BY id
                """
            ).map(Webhook.init(pg:))
        }
    }

    public func webhook(id: Int64) async throws -> Webhook {
        try await read { db in
            guard
                let row = try await db.rows("SELECT \(unescaped: Columns.webhook) FROM webhooks WHERE id = \(id)").first
            else { throw StoreError.notFound(entity: "webhook", id: String(id)) }
            return try Webhook(pg: row)
        }
    }

    public func enqueueDeliveries(of event: Event, as type: String, body: String, at now: Timestamp) async throws
        -> Int
    {
        guard let owner = event.ownerId else { return 0 }
        var binds = PostgresBindings()
        binds.append(event.id)
        binds.append(type)
        binds.append(body)
        binds.append(now.milliseconds)
        binds.append(now.milliseconds)
        binds.append(now.milliseconds)
        binds.append(owner)
        binds.append(type)
        let query = PostgresQuery(
            unsafeSQL: Self.numbered(SharedSQL.enqueueDeliveries) + " RETURNING id", binds: binds)
        return try await mapErrors { try await leased { db in try await db.rows(query).count } }
    }

    public func claimDueDeliveries(at now: Timestamp, leaseUntil: Timestamp, limit: Int) async throws
        -> [(delivery: WebhookDelivery, body: String)]
    {
        let claimed: Committed<[Claimed]> = try await write { db in
            let rows = try await db.rows(
                """
                UPDATE webhook_deliveries SET next_attempt_at = \(leaseUntil.milliseconds) WHERE id IN (
                  SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= \(now.milliseconds)
                  ORDER BY next_attempt_at, id LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: Columns.delivery), body
                """)
            return Committed(
                try rows.map { row in Claimed(delivery: try WebhookDelivery(pg: row), body: try row.value("body")) },
                events: [])
        }
        return claimed.value.map { ($0.delivery, $0.body) }
    }

    private struct Claimed: Sendable {
        let delivery: WebhookDelivery
        let body: String
    }

    public func saveDelivery(_ delivery: WebhookDelivery) async throws {
        _ = try await mapErrors {
            try await leased { db in
                try await db.send(
                    """
                    UPDATE webhook_deliveries SET status = \(delivery.status.rawValue), attempts = \(Int64(delivery.attempts)),
                    response_status = \(delivery.responseStatus.map(Int64.init)), error = \(delivery.error),
                    next_attempt_at = \(delivery.nextAttemptAt?.milliseconds),
                    updated_at = \(delivery.updatedAt.milliseconds) WHERE id = \(delivery.id)
                    """, logger: self.logger)
            }
        }
    }

    public func nextDeliveryDue() async throws -> Timestamp? {
        try await read { db in
            try await db.rows(
                "SELECT MIN(next_attempt_at) AS due FROM webhook_deliveries WHERE status = 'pending'"
            ).first.flatMap { row in try row.value("due", as: Int64?.self) }.map(Timestamp.init(milliseconds:))
        }
    }

    public func deliveries(webhookId: Int64, limit: Int) async throws -> [WebhookDelivery] {
        try await read { db in
            try await db.rows(
                """
                SELECT \(unescaped: Columns.delivery) FROM webhook_deliveries WHERE webhook_id = \(webhookId)
                ORDER BY id DESC LIMIT \(Int64(limit))
                """
            ).map(WebhookDelivery.init(pg:))
        }
    }
}

extension Webhook {
    init(pg row: PGRow) throws {
        let types: String = try row.value("event_types")
        self.init(
            id: try row.value("id"), ownerId: try row.value("owner_id"), url: try row.value("url"),
            eventTypes: types.split(separator: ",").map(String.init), secret: try row.value("secret"),
            createdAt: try row.timestamp("created_at"))
    }
}

extension WebhookDelivery {
    init(pg row: PGRow) throws {
        let attempts: Int64 = try row.value("attempts")
        let status: Int64? = try row.value("response_status")
        let next: Int64? = try row.value("next_attempt_at")
        self.init(
            id: try row.value("id"), webhookId: try row.value("webhook_id"), eventId: try row.value("event_id"),
            eventType: try row.value("event_type"), status: try row.enumeration("status"),
            attempts: Int(clamping: attempts), responseStatus: status.map { Int(clamping: $0) },
            error: try row.value("error"), nextAttemptAt: next.map(Timestamp.init(milliseconds:)),
            createdAt: try row.timestamp("created_at"), updatedAt: try row.timestamp("updated_at"))
    }
}
