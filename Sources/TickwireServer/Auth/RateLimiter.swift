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
            let wait = ((1 - bucket.tokens) / rate).rounded(.up)
            return max(1, Int(exactly: wait) ?? Int(Int32.max))
        }
    }
}

/// Sign-in attempts per account and per client address in a fixed window: past the limit, 429 until it ends.
/// An attempt is counted before its password is checked (`reserve`), so concurrent guesses cannot all pass the
/// check while the first is still in bcrypt; a success gives its reservation back and clears the account's count
/// (not the address's: one address guessing many accounts stays limited).
final class LoginLimiter: Sendable {
    struct Window {
        var attempts: Int
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

    /// Counts an attempt and returns nil if it may go ahead; otherwise counts nothing and returns the whole seconds
    /// until one may.
    func reserve(account: String, address: String?, now: ContinuousClock.Instant = .now) -> Int? {
        windows.withLock { windows in
            // Forget finished windows now and then, so failed guesses at random usernames cannot grow this forever.
            if windows.count > 100_000 { windows = windows.filter { now - $0.value.started < window } }
            let keys = keys(account: account, address: address)
            var waits: [Int] = []
            for (key, limit) in keys {
                guard let current = windows[key], now - current.started < window else { continue }
                if current.attempts >= limit {
                    let remaining = window - (now - current.started)
                    waits.append(max(1, Int(remaining.components.seconds) + 1))
                }
            }
            if let wait = waits.max() { return wait }
            for (key, _) in keys {
                var current = windows[key] ?? Window(attempts: 0, started: now)
                if now - current.started >= window { current = Window(attempts: 0, started: now) }
                current.attempts += 1
                windows[key] = current
            }
            return nil
        }
    }

    /// The attempt succeeded: the account starts afresh and the address gets its reservation back.
    func succeeded(account: String, address: String?) {
        windows.withLock { windows in
            windows["account:" + account] = nil
            if let address, var current = windows["address:" + address] {
                current.attempts = max(0, current.attempts - 1)
                windows["address:" + address] = current
            }
        }
    }

    private func keys(account: String, address: String?) -> [(String, Int)] {
        var keys = [("account:" + account, perAccount)]
        if let address { keys.append(("address:" + address, perAddress)) }
        return keys
    }
}
