/// Authentication settings. Defaults are what `tickwire serve` uses without flags.
public struct AuthConfiguration: Sendable {
    /// Lifetime of the JWT access tokens that login and refresh return.
    public var accessTokenLifetime: Duration
    /// Lifetime of a session (the cookie and the refresh token).
    public var sessionLifetime: Duration
    /// Lifetime of a stream token (`?token=` on an EventSource URL); at most 10 minutes.
    public var streamTokenLifetime: Duration
    /// HMAC key for signing tokens. nil: generated on the first start and kept in the database, so every node
    /// of a cluster and every restart share it.
    public var signingKey: String?
    /// Mark the session cookie `Secure` (serve behind TLS).
    public var secureCookies: Bool
    /// Failed logins allowed per account, and per client address, in `loginWindow`; then 429.
    public var loginFailuresPerAccount: Int
    public var loginFailuresPerAddress: Int
    public var loginWindow: Duration
    /// Requests per second per API key, and per user for sessions and tokens (sustained), and the burst above it.
    public var requestsPerSecond: Double
    public var requestBurst: Double
    /// Origins allowed to call the API from a browser (CORS). Empty: CORS is off.
    public var corsAllowedOrigins: [String]
    /// bcrypt work factor for new password hashes.
    public var bcryptCost: UInt8

    public init(
        accessTokenLifetime: Duration = .seconds(15 * 60), sessionLifetime: Duration = .seconds(7 * 86400),
        streamTokenLifetime: Duration = .seconds(5 * 60), signingKey: String? = nil, secureCookies: Bool = false,
        loginFailuresPerAccount: Int = 5, loginFailuresPerAddress: Int = 20, loginWindow: Duration = .seconds(15 * 60),
        requestsPerSecond: Double = 200, requestBurst: Double = 400, corsAllowedOrigins: [String] = [],
        bcryptCost: UInt8 = 12
    ) {
        self.accessTokenLifetime = accessTokenLifetime
        self.sessionLifetime = sessionLifetime
        self.streamTokenLifetime = min(streamTokenLifetime, .seconds(600))
        self.signingKey = signingKey
        self.secureCookies = secureCookies
        self.loginFailuresPerAccount = loginFailuresPerAccount
        self.loginFailuresPerAddress = loginFailuresPerAddress
        self.loginWindow = loginWindow
        self.requestsPerSecond = requestsPerSecond
        self.requestBurst = requestBurst
        self.corsAllowedOrigins = corsAllowedOrigins
        self.bcryptCost = bcryptCost
    }
}
