import Foundation
import Synchronization

/// A token bucket per key: `rate` requests per second sustained, `burst` at once.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let rate: Double
    let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(burst, 1)
    }

    /// Takes one token; returns nil if allowed, else the whole seconds to wait (`Retry-After`).
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed =
                Double((now - bucket.updated).components.attoseconds) / 1e18
                + Double((now - bucket.updated).components.seconds)
            bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }
}

/// Failed sign-ins per account and per client address in a fixed window: past the limit, 429 until it ends.
/// A success clears the account's count (not the address's: one address guessing many accounts stays limited).
final class LoginLimiter: Sendable {
    struct Window {
        var failures: Int
        var started: ContinuousClock.Instant
    }

    let perAccount: Int
    let perAddress: Int
    let window: Duration
    private let windows = Mutex<[String: Window]>([:])

    init(configuration: AuthConfiguration) {
        perAccount = configuration.loginFailuresPerAccount
        perAddress = configuration.loginFailuresPerAddress
        window = configuration.loginWindow
    }

    /// Seconds until another attempt is allowed, or nil if one is allowed now.
    func blocked(account: String, address: String?, now: ContinuousClock.Instant = .now) -> Int? {
        windows.withLock { windows in
            var waits: [Int] = []
            for (key, limit) in keys(account: account, address: address) {
                guard let current = windows[key] else { continue }
                if now - current.started >= window {
                    windows[key] = nil
                } else if current.failures >= limit {
                    let remaining = window - (now - current.started)
                    waits.append(max(1, Int(remaining.components.seconds) + 1))
                }
            }
            return waits.max()
        }
    }

    func recordFailure(account: String, address: String?, now: ContinuousClock.Instant = .now) {
        windows.withLock { windows in
            // Forget finished windows now and then, so failed guesses at random usernames cannot grow this forever.
            if windows.count > 100_000 { windows = windows.filter { now - $0.value.started < window } }
            for (key, _) in keys(account: account, address: address) {
                var current = windows[key] ?? Window(failures: 0, started: now)
                if now - current.started >= window { current = Window(failures: 0, started: now) }
                current.failures += 1
                windows[key] = current
            }
        }
    }

    func recordSuccess(account: String) {
        _ = windows.withLock { $0.removeValue(forKey: "account:" + account) }
    }

    private func keys(account: String, address: String?) -> [(String, Int)] {
        var keys = [("account:" + account, perAccount)]
        if let address { keys.append(("address:" + address, perAddress)) }
        return keys
    }
}
