import AsyncHTTPClient
import NIOHTTP1
import TickwireModel

/// Typed calls for controlling bots, keys and webhooks, and the figures whose shape is a report (statistics, profit,
/// the strategy catalogue) as `JSONValue`.
extension TickwireClient {
    // MARK: Control

    /// Starts a stopped bot, or stops a running one.
    public func toggleBot(id: Int64) async throws -> Bot { try await request(.POST, "/api/v1/bots/\(id)/toggle") }

    /// Force exit: cancels the bot's working orders and closes its position (or `quantity` of it) at market.
    public func exitPosition(botId: Int64, quantity: Double? = nil) async throws -> PositionExit {
        try await request(.POST, "/api/v1/bots/\(botId)/exit", query: ["quantity": quantity.map { String($0) }])
    }

    /// The log's newest event id: read it, then the state you need, then `events(since:)` from it misses nothing.
    public func eventHead() async throws -> String {
        try await request(.GET, "/api/v1/events/head", as: EventHead.self).eventId
    }

    // MARK: Reports

    /// A bot's live statistics (the backtester's, over its fills marked to its candles).
    public func botStatistics(botId: Int64, interval: CandleInterval = .oneHour) async throws -> JSONValue {
        try await request(.GET, "/api/v1/bots/\(botId)/stats", query: ["interval": interval.rawValue])
    }

    /// Profit by `day`, `week` or `month` in a time zone (`Europe/Berlin`), of every bot or one.
    public func profit(group: String = "day", timeZone: String = "UTC", botId: Int64? = nil) async throws
        -> JSONValue
    {
        try await request(
            .GET, "/api/v1/profit", query: ["group": group, "tz": timeZone, "bot_id": botId.map { String($0) }])
    }

    /// The strategy catalogue, each with its parameters' JSON Schema.
    public func strategies() async throws -> JSONValue { try await request(.GET, "/api/v1/strategies") }

    // MARK: Keys and webhooks

    /// Signs in with a password: a client whose credential is the session's access token, for what an API key may
    /// not do (managing keys). The token expires with the session's access lifetime.
    public static func signIn(url: String, username: String, password: String, http: HTTPClient = .shared)
        async throws -> TickwireClient
    {
        let anonymous = TickwireClient(url: url, credential: nil, http: http)
        let signed = try await anonymous.request(
            .POST, "/api/v1/auth/login", body: ["username": username, "password": password], as: AccessToken.self)
        return TickwireClient(url: url, credential: .apiKey(signed.accessToken), http: http)
    }

    /// A short-lived token for streaming `topics` only, e.g. for a `.provider` credential or a browser's
    /// EventSource URL.
    public func streamToken(topics: [String]) async throws -> String {
        try await request(.POST, "/api/v1/auth/stream-token", body: ["topics": topics], as: AccessToken.self)
            .accessToken
    }

    /// A new API key of the caller (from a signed-in session: `signIn`): its record and `token`, shown this once.
    public func createAPIKey(_ new: NewAPIKey) async throws -> JSONValue {
        try await request(.POST, "/api/v1/keys", body: new)
    }
    public func apiKeys() async throws -> [APIKey] {
        try await request(.GET, "/api/v1/keys", as: ListAnswer<APIKey>.self).data
    }
    public func revokeAPIKey(id: String) async throws -> APIKey { try await request(.DELETE, "/api/v1/keys/\(id)") }

    /// A webhook for some event types, signed with `secret`.
    public func createWebhook(_ new: NewWebhook) async throws -> JSONValue {
        try await request(.POST, "/api/v1/webhooks", body: new)
    }
    public func webhooks() async throws -> JSONValue { try await request(.GET, "/api/v1/webhooks") }
    public func deleteWebhook(id: Int64) async throws { try await send(.DELETE, "/api/v1/webhooks/\(id)") }
}

struct AccessToken: Decodable {
    let accessToken: String
    enum CodingKeys: String, CodingKey { case accessToken = "access_token" }
}
