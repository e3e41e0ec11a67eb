import Testing

@testable import TickwireServer

/// The limiters as values on a clock the test moves: refill, window expiry, reservation and refund.
@Suite struct RateLimiterTests {
    @Test func aBucketAllowsItsBurstThenRefillsAtItsRate() {
        let limiter = RateLimiter(rate: 2, burst: 2)
        let start = ContinuousClock.now
        #expect(limiter.take("k", now: start) == nil)
        #expect(limiter.take("k", now: start) == nil)
        #expect(limiter.take("k", now: start) == 1, "empty: one token comes in 0.5 s, said as 1 s")
        #expect(limiter.take("other", now: start) == nil, "each key has its own bucket")
        #expect(limiter.take("k", now: start + .milliseconds(600)) == nil, "0.6 s at 2/s refilled one token")
        #expect(limiter.take("k", now: start + .milliseconds(600)) != nil)
        #expect(limiter.take("k", now: start + .seconds(100)) == nil)
        #expect(limiter.take("k", now: start + .seconds(100)) == nil)
        #expect(limiter.take("k", now: start + .seconds(100)) != nil, "refill stops at the burst")
    }

    @Test func signInAttemptsAreReservedAndTheWindowExpires() {
        let limiter = LoginLimiter(
            configuration: AuthConfiguration(
                loginFailuresPerAccount: 2, loginFailuresPerAddress: 3, loginWindow: .seconds(60)))
        let start = ContinuousClock.now
        #expect(limiter.reserve(account: "ann", address: "1.2.3.4", now: start) == nil)
        #expect(limiter.reserve(account: "ann", address: "1.2.3.4", now: start) == nil)
        let wait = limiter.reserve(account: "ann", address: "1.2.3.4", now: start)
        #expect(wait == 61, "the window's 60 s, rounded up")
        // The address has one attempt left, for another account; then it is blocked too.
        #expect(limiter.reserve(account: "bob", address: "1.2.3.4", now: start) == nil)
        #expect(limiter.reserve(account: "cat", address: "1.2.3.4", now: start) != nil)
        let later = start + .seconds(61)
        #expect(limiter.reserve(account: "ann", address: "1.2.3.4", now: later) == nil, "the window expired")
        #expect(limiter.reserve(account: "ann", address: "1.2.3.4", now: later) == nil)
        #expect(limiter.reserve(account: "ann", address: "1.2.3.4", now: later) != nil, "full again")
        // A success clears the account (and gives the address its attempt back): the next attempt may go ahead.
        limiter.succeeded(account: "ann", address: "1.2.3.4")
        #expect(limiter.reserve(account: "ann", address: "1.2.3.4", now: later) == nil)
    }
}
