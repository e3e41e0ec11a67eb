import Foundation
import JWTKit
import TickwireModel
import TickwireService

/// Signs and checks Tickwire's JWTs (HS256): access tokens (`typ` "access", bound to a session by `sid`) and stream
/// tokens (`typ` "stream", bound to the credential they were issued under and to a list of topics).
struct TokenIssuer: Sendable {
    struct Claims: JWTPayload, Equatable {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var jti: IDClaim
        var typ: String
        /// The session (access tokens) or the session or key (stream tokens) the token was issued under.
        var cid: String
        /// Whether `cid` is a session.
        var ses: Bool
        /// Stream tokens: the topics they may open.
        var topics: [String]?

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
        }
    }

    enum Kind: String {
        case access
        case stream
    }

    enum Failure: Error {
        case expired
        case invalid
    }

    static let settingKey = "jwt_signing_key"

    private let keys: JWTKeyCollection
    let clock: @Sendable () -> Timestamp

    init(secret: String, clock: @escaping @Sendable () -> Timestamp) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.clock = clock
    }

    /// The signing key from configuration, or the one kept in the database (generated on the first start; when
    /// several nodes start at once, the first to store it wins and the others read it).
    static func make(
        configuration: AuthConfiguration, accounts: AccountService, clock: @escaping @Sendable () -> Timestamp
    )
        async throws -> TokenIssuer
    {
        if let key = configuration.signingKey {
            // HS256 needs a key at least as long as its output.
            guard key.utf8.count >= 32 else { throw SigningKeyTooShort() }
            return await TokenIssuer(secret: key, clock: clock)
        }
        let stored = try await accounts.setting(Self.settingKey, orIfAbsent: Secret.random(bytes: 32))
        return await TokenIssuer(secret: stored, clock: clock)
    }

    func issue(
        _ kind: Kind, userId: Int64, credentialId: String, isSession: Bool, lifetime: Duration,
        topics: [String]? = nil
    ) async throws -> (token: String, expiresAt: Timestamp) {
        let now = clock()
        // Whole seconds: some JWT consumers reject fractional `exp`.
        let expires = Timestamp(milliseconds: (now.milliseconds + lifetime.milliseconds) / 1000 * 1000)
        let claims = Claims(
            sub: .init(value: String(userId)), exp: .init(value: expires.date),
            iat: .init(value: Date(timeIntervalSince1970: Double(now.milliseconds / 1000))),
            jti: .init(value: Secret.random(bytes: 8)), typ: kind.rawValue, cid: credentialId, ses: isSession,
            topics: topics)
        return (try await keys.sign(claims), expires)
    }

    func verify(_ token: String) async throws(Failure) -> Claims {
        do {
            let claims = try await keys.verify(token, as: Claims.self)
            guard Kind(rawValue: claims.typ) != nil, Int64(claims.sub.value) != nil else { throw Failure.invalid }
            return claims
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw .expired
        } catch {
            throw .invalid
        }
    }
}

struct SigningKeyTooShort: Error, CustomStringConvertible {
    var description: String { "the token signing key (TICKWIRE_JWT_SECRET) must be at least 32 bytes" }
}

extension Timestamp {
    var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
