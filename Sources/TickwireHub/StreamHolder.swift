import TickwireModel

/// The credentials a subscription was opened with. The hub knows nothing of tokens; it only ends the subscriptions
/// whose holder the server names (`Hub.end(where:reason:)`) when those credentials expire or are revoked.
public struct StreamHolder: Sendable, Equatable {
    public var userId: Int64
    /// The session, API key or stream token that authenticated the stream.
    public var credentialId: String
    public var isSession: Bool
    /// When the credentials stop being valid; nil for credentials that do not expire (API keys).
    public var expiresAt: Timestamp?

    public init(userId: Int64, credentialId: String, isSession: Bool, expiresAt: Timestamp?) {
        self.userId = userId
        self.credentialId = credentialId
        self.isSession = isSession
        self.expiresAt = expiresAt
    }
}
