import Dispatch

/// Runs CPU-bound work (bcrypt, a backtest) on a Dispatch thread, off Swift's cooperative pool, so the requests and
/// streams served from that pool keep flowing while it computes.
func offloaded<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}
