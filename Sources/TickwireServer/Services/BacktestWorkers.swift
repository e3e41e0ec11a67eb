import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import TickwireHub
import TickwireModel
import TickwireService

/// Runs queued backtests: `count` workers, each taking the oldest queued job from the store (on PostgreSQL, from
/// the table every node shares), running it on a thread of its own, off the event loops and off Swift's cooperative
/// pool, and writing the result back through the service. Workers wake on `backtest_queued` and `sweep_queued`
/// events (from any node), not on a timer.
///
/// A worker holds a lease on the run it computes and renews it three times per `lease`; when a node dies, a worker
/// of another node takes its runs over once their leases end. With an embedded database no other process can hold
/// a run, so runs left running by a stopped process are queued again at start.
struct BacktestWorkers: Service {
    let service: TradingService
    let hub: Hub
    let count: Int
    /// A run still computing after this fails with `time limit exceeded`.
    let timeLimit: Duration
    let lease: Duration
    let logger: Logger
    /// Runs cancelled (on any node: the `*_cancelled` events say so) that a worker may still be computing.
    private let cancelled = CancelledRuns()
    /// Workers computing a run now, and how long each run took.
    private let busy = BusyWorkers()

    func run() async throws {
        if !service.storeIsShared { await requeueRunsLeftRunning() }
        let wake = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let subscription = try hub.subscribe(Interest(topics: [.backtests]))
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { subscription.cancel() }
                    while let items = try? await subscription.next() {
                        var queued = false
                        for case .event(let shared) in items {
                            let type = shared.event.type
                            if type == .backtestQueued || type == .sweepQueued { queued = true }
                            if type == .backtestCancelled || type == .sweepCancelled,
                                let id = Self.jobId(in: shared.event.data)
                            {
                                cancelled.insert(id)
                            }
                        }
                        if queued { wake.continuation.yield() }
                    }
                    wake.continuation.finish()
                }
                if service.storeIsShared {
                    group.addTask {
                        // A dead node's runs announce nothing: look for ended leases once per lease.
                        while (try? await Task.sleep(for: lease)) != nil { wake.continuation.yield() }
                    }
                }
                group.addTask {
                    // Whatever was queued before this process started.
                    wake.continuation.yield()
                    for await _ in wake.stream {
                        await drain()
                    }
                }
                await group.waitForAll()
            }
        }
    }

    private func requeueRunsLeftRunning() async {
        do {
            let requeued = try await service.requeueRunningBacktests()
            if !requeued.isEmpty {
                logger.info("requeued backtests left running", metadata: ["jobs": "\(requeued.count)"])
            }
        } catch {
            logger.warning("could not requeue running backtests", metadata: ["error": "\(error)"])
        }
    }

    /// Runs jobs on `count` workers until none is queued.
    private func drain() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, count) {
                group.addTask {
                    while !Task.isCancelled, let job = try? await service.claimBacktest(lease: lease) {
                        await execute(job)
                    }
                }
            }
        }
    }

    private func execute(_ job: BacktestJob) async {
        busy.add(1)
        let started = ContinuousClock.now
        defer {
            busy.add(-1)
            BusyWorkers.duration.record(duration: ContinuousClock.now - started)
        }
        let progress = ProgressReporter(service: service, jobId: job.id)
        let deadline = ContinuousClock.now + timeLimit
        let cancelled = self.cancelled
        let id = job.id
        let renewing = Task {
            while (try? await Task.sleep(for: lease / 3)) != nil {
                if (try? await service.renewBacktestLease(id: id, lease: lease)) == false { return }
            }
        }
        var result = await service.runBacktest(job, progress: { progress.report($0) }) {
            ContinuousClock.now > deadline || cancelled.contains(id)
        }
        renewing.cancel()
        cancelled.remove(id)
        if case .failure(let failure) = result, failure.message == "stopped", ContinuousClock.now > deadline {
            result = .failure(BacktestFailure("time limit exceeded (\(timeLimit))"))
        }
        do {
            _ = try await service.finishBacktest(id: job.id, result)
        } catch {
            logger.warning("backtest result not stored", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }
}

/// `tickwire_backtest_workers_busy` and `tickwire_backtest_run_seconds`.
private final class BusyWorkers: Sendable {
    static let gauge = Gauge(label: "tickwire_backtest_workers_busy")
    static let duration = Metrics.Timer(label: "tickwire_backtest_run_seconds", preferredDisplayUnit: .seconds)
    private let count = Mutex(0)

    func add(_ delta: Int) {
        let now = count.withLock { value in
            value += delta
            return value
        }
        Self.gauge.record(now)
    }
}

/// Runs cancelled while a worker may compute them.
private final class CancelledRuns: Sendable {
    private let ids = Mutex<Set<Int64>>([])
    func insert(_ id: Int64) { ids.withLock { _ = $0.insert(id) } }
    func remove(_ id: Int64) { ids.withLock { _ = $0.remove(id) } }
    func contains(_ id: Int64) -> Bool { ids.withLock { $0.contains(id) } }
}

extension BacktestWorkers {
    /// The run id of a backtest event's payload.
    static func jobId(in data: String) -> Int64? {
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(data.utf8)),
            case .number(let id)? = object["id"]
        else { return nil }
        return Int64(exactly: id)
    }
}

/// Passes a run's progress on at most ten times a second. A sweep reports from each of its threads.
private final class ProgressReporter: Sendable {
    private let service: TradingService
    private let jobId: Int64
    private let last = Mutex(ContinuousClock.now)

    init(service: TradingService, jobId: Int64) {
        self.service = service
        self.jobId = jobId
    }

    func report(_ fraction: Double) {
        let now = ContinuousClock.now
        let due = last.withLock { last in
            guard now - last >= .milliseconds(100), fraction < 1 else { return false }
            last = now
            return true
        }
        guard due else { return }
        let service = self.service
        let id = jobId
        Task { _ = try? await service.recordBacktestProgress(id: id, fraction) }
    }
}
