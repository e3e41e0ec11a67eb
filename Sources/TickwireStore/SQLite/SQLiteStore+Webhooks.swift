import GRDB
import TickwireModel

/// Webhooks and their delivery log. Configuration, not events: creating or deleting a webhook tells no one.
extension SQLiteStore {
    public func createWebhook(_ new: NewWebhook, ownerId: Int64, at now: Timestamp) async throws -> Webhook {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO webhooks (owner_id, url, event_types, secret, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    ownerId, new.url, new.eventTypes.joined(separator: ","), new.secret, now.milliseconds,
                ])
            return Webhook(
                id: db.lastInsertedRowID, ownerId: ownerId, url: new.url, eventTypes: new.eventTypes,
                secret: new.secret, createdAt: now)
        }
    }

    public func deleteWebhook(id: Int64, ownerId: Int64?) async throws {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM webhooks WHERE id = ? AND (? IS NULL OR owner_id = ?)",
                arguments: [id, ownerId, ownerId])
            guard db.changesCount > 0 else { throw StoreError.notFound(entity: "webhook", id: String(id)) }
        }
    }

    public func webhooks(ownerId: Int64?) async throws -> [Webhook] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Columns.webhook) FROM webhooks WHERE ? IS NULL OR owner_id = ? ORDER BY id",
                arguments: [ownerId, ownerId]
            ).map(Webhook.init(row:))
        }
    }

    public func webhook(id: Int64) async throws -> Webhook {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(Columns.webhook) FROM webhooks WHERE id = ?", arguments: [id])
            else { throw StoreError.notFound(entity: "webhook", id: String(id)) }
            return Webhook(row: row)
        }
    }

    public func enqueueDeliveries(of event: Event, as type: String, body: String, at now: Timestamp) async throws
        -> Int
    {
        guard let owner = event.ownerId else { return 0 }
        return try await write { db in
            try db.execute(
                sql: SharedSQL.enqueueDeliveries,
                arguments: [
                    event.id, type, body, now.milliseconds, now.milliseconds, now.milliseconds, owner, type,
                ])
            return db.changesCount
        }
    }

    public func claimDueDeliveries(at now: Timestamp, leaseUntil: Timestamp, limit: Int) async throws
        -> [(delivery: WebhookDelivery, body: String)]
    {
        try await write { db in
            let due = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Columns.delivery), body FROM webhook_deliveries
                    WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
                    """, arguments: [now.milliseconds, limit])
            return try due.map { row in
                try db.execute(
                    sql: "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?",
                    arguments: [leaseUntil.milliseconds, row[0] as Int64])
                return (try WebhookDelivery(row: row), row[11] as String)
            }
        }
    }

    public func saveDelivery(_ delivery: WebhookDelivery) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET status = ?, attempts = ?, response_status = ?, error = ?,
                    next_attempt_at = ?, updated_at = ? WHERE id = ?
                    """,
                arguments: [
                    delivery.status.rawValue, delivery.attempts, delivery.responseStatus, delivery.error,
                    delivery.nextAttemptAt?.milliseconds, delivery.updatedAt.milliseconds, delivery.id,
                ])
        }
    }

    public func nextDeliveryDue() async throws -> Timestamp? {
        try await read { db in
            try Int64.fetchOne(
                db, sql: "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'"
            ).map(Timestamp.init(milliseconds:))
        }
    }

    public func deliveries(webhookId: Int64, limit: Int) async throws -> [WebhookDelivery] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Columns.delivery) FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?
                    """, arguments: [webhookId, limit]
            ).map(WebhookDelivery.init(row:))
        }
    }
}

extension Webhook {
    init(row: Row) {
        self.init(
            id: row[0], ownerId: row[1], url: row[2],
            eventTypes: (row[3] as String).split(separator: ",").map(String.init), secret: row[4],
            createdAt: Timestamp(milliseconds: row[5]))
    }
}

extension WebhookDelivery {
    init(row: Row) throws {
        self.init(
            id: row[0], webhookId: row[1], eventId: row[2], eventType: row[3], status: try Self.decodeEnum(row[4]),
            attempts: row[5], responseStatus: row[6], error: row[7],
            nextAttemptAt: (row[8] as Int64?).map(Timestamp.init(milliseconds:)),
            createdAt: Timestamp(milliseconds: row[9]), updatedAt: Timestamp(milliseconds: row[10]))
    }
}
