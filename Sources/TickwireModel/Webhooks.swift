/// A user's webhook: their events of the chosen types are POSTed to `url` as JSON, signed with `secret`
/// (HMAC-SHA256), retried with backoff, each attempt in a delivery log.
public struct Webhook: Encodable, Sendable, Equatable {
    public var id: Int64
    public var ownerId: Int64
    public var url: String
    public var eventTypes: [String]
    /// Never shown again after creation.
    public var secret: String
    public var createdAt: Timestamp

    public init(id: Int64, ownerId: Int64, url: String, eventTypes: [String], secret: String, createdAt: Timestamp) {
        self.id = id
        self.ownerId = ownerId
        self.url = url
        self.eventTypes = eventTypes
        self.secret = secret
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, url
        case ownerId = "owner_id"
        case eventTypes = "event_types"
        case createdAt = "created_at"
    }

    /// What a webhook may receive: fills, trades opened and closed, bots going stale and coming back, and errors (a
    /// bot's `ERROR` log line, as `error`).
    public static let eventTypes: [String] = [
        "order_filled", "trade_opened", "trade_closed", "bot_stale", "bot_alive", "error",
    ]

    /// The webhook type an event is delivered as, if any.
    public static func deliveredType(of event: Event) -> String? {
        if event.type == .logCreated {
            return event.data.contains(#""level":"ERROR""#) ? "error" : nil
        }
        return eventTypes.contains(event.type.rawValue) ? event.type.rawValue : nil
    }
}

/// A webhook as created: the URL (http or https, at most 2,048 characters), the event types, the secret (16-256
/// characters).
public struct NewWebhook: Codable, Sendable, Equatable {
    public var url: String
    public var eventTypes: [String]
    public var secret: String

    public init(url: String, eventTypes: [String], secret: String) {
        self.url = url
        self.eventTypes = eventTypes
        self.secret = secret
    }

    enum CodingKeys: String, CodingKey {
        case url, secret
        case eventTypes = "event_types"
    }

    public func validate() throws(ValidationError) {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), url.utf8.count <= 2_048,
            !url.contains(where: { $0.isWhitespace })
        else { throw ValidationError("url", "must be an http or https URL of at most 2048 characters") }
        guard !eventTypes.isEmpty, eventTypes.allSatisfy(Webhook.eventTypes.contains) else {
            throw ValidationError(
                "event_types", "must list some of \(Webhook.eventTypes.joined(separator: ", "))")
        }
        guard (16...256).contains(secret.count) else {
            throw ValidationError("secret", "must be 16 to 256 characters")
        }
    }
}

public enum DeliveryStatus: String, ClosedSet, Sendable {
    public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }
    case pending, delivered, failed
}

/// One event to one webhook, and how its attempts went.
public struct WebhookDelivery: Codable, Sendable, Equatable {
    public var id: Int64
    public var webhookId: Int64
    public var eventId: Int64
    public var eventType: String
    public var status: DeliveryStatus
    public var attempts: Int
    /// The receiver's last HTTP status, if it answered.
    public var responseStatus: Int?
    public var error: String?
    public var nextAttemptAt: Timestamp?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: Int64, webhookId: Int64, eventId: Int64, eventType: String, status: DeliveryStatus, attempts: Int,
        responseStatus: Int?, error: String?, nextAttemptAt: Timestamp?, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.webhookId = webhookId
        self.eventId = eventId
        self.eventType = eventType
        self.status = status
        self.attempts = attempts
        self.responseStatus = responseStatus
        self.error = error
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, status, attempts, error
        case webhookId = "webhook_id"
        case eventId = "event_id"
        case eventType = "event_type"
        case responseStatus = "response_status"
        case nextAttemptAt = "next_attempt_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// How an attempt went, and what comes next: delivered on a 2xx; otherwise another attempt after 1, 2, 4, 8 and
/// 16 seconds, then failed.
public enum DeliveryAttempts {
    public static let maxAttempts = 6

    public static func after(
        _ delivery: WebhookDelivery, responseStatus: Int?, error: String?, at now: Timestamp
    ) -> WebhookDelivery {
        var next = delivery
        next.attempts += 1
        next.responseStatus = responseStatus
        next.error = error
        next.updatedAt = now
        if let status = responseStatus, (200..<300).contains(status) {
            next.status = .delivered
            next.nextAttemptAt = nil
        } else if next.attempts >= maxAttempts {
            next.status = .failed
            next.nextAttemptAt = nil
        } else {
            next.status = .pending
            next.nextAttemptAt = now.adding(.seconds(1 << (next.attempts - 1)))
        }
        return next
    }
}
