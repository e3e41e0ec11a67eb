import TickwireHub
import TickwireModel
import TickwireService

/// Authorization of subscriptions, per topic, for every transport (SSE, WebSocket, seed endpoints).
///
/// - `admin.logs`: admins only.
/// - `models.{id}`: the model's owner (and admins); another user's model answers 404, as a missing one does.
/// - Stream tokens open only the topics they were issued for.
/// - Shared topics (`bots`, `orders`, `logs`, `pnl`) carry only the caller's own events unless they are an admin:
///   the subscription's `Interest.ownerId` makes the hub filter them.
enum StreamAccess {
    static func check(_ topic: Topic, for principal: Principal, service: TradingService) async throws {
        if case .streamToken(_, _, let topics) = principal.credential, !topics.contains(topic.rawValue) {
            throw APIError(
                .forbidden, code: "topic_not_allowed",
                message: "this stream token does not cover the topic '\(topic.rawValue)'")
        }
        if topic == .adminLogs, !principal.isAdmin {
            throw APIError(.forbidden, code: "forbidden", message: "the admin log stream is for admins only")
        }
        if let modelId = topic.modelId {
            _ = try await service.model(id: modelId, by: principal.actor)
        }
    }

    /// Checks every topic of `interest` and scopes it to what the principal may see.
    static func authorize(_ interest: Interest, for principal: Principal, service: TradingService) async throws
        -> Interest
    {
        for topic in interest.topics { try await check(topic, for: principal, service: service) }
        var scoped = interest
        scoped.ownerId = principal.actor.ownerFilter
        return scoped
    }
}
