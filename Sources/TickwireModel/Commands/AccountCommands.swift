/// Changes to users and their credentials. Each revocation is an event: every node's hub closes the streams the
/// revoked credentials opened.
public enum AccountCommands {
    /// A disabled user loses every credential, a new password ends every session, a new role ends every open stream
    /// (`Revocation.ending`). The password hash itself is saved by the store; only whether it changed matters here.
    public static func updateUser(
        _ current: User, role: Role?, disabled: Bool?, passwordChanged: Bool, at now: Timestamp
    ) -> Decision<User> {
        var user = current
        if let role { user.role = role }
        if let disabled { user.disabled = disabled }
        user.updatedAt = now
        let revocations = Revocation.ending(current, user, passwordChanged: passwordChanged)
        return Decision(user, events: revocations.map(EventDraft.credentialsRevoked))
    }

    /// Revoking a revoked key changes nothing.
    public static func revokeKey(_ current: APIKey, at now: Timestamp) -> Decision<APIKey> {
        guard current.revokedAt == nil else { return .unchanged(current) }
        var key = current
        key.revokedAt = now
        let revocation = Revocation(userId: key.userId, target: .credential, credentialId: key.id)
        return Decision(key, events: [.credentialsRevoked(revocation)])
    }

    /// Revoking a revoked session changes nothing.
    public static func revokeSession(_ current: Session, at now: Timestamp) -> Decision<Session> {
        guard current.revokedAt == nil else { return .unchanged(current) }
        var session = current
        session.revokedAt = now
        let revocation = Revocation(userId: session.userId, target: .credential, credentialId: session.id)
        return Decision(session, events: [.credentialsRevoked(revocation)])
    }
}
