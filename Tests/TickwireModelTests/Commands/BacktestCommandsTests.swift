import Testing
import TickwireModel

@Suite struct BacktestCommandsTests {
    static let request = BacktestRequest(datasetId: 4, strategy: "sma")

    func job(_ status: BacktestStatus, progress: Double = 0, sweep: Bool = false) -> BacktestJob {
        var request = Self.request
        if sweep { request.grid = ["fast": [5, 10]] }
        return BacktestJob(
            id: 8, ownerId: 9, request: request, cacheKey: "k", status: status, progress: progress,
            createdAt: Fixtures.t0)
    }

    @Test func aNewConfigurationIsQueuedAndAnnouncedToItsOwner() throws {
        guard
            case .created(let creation) = try BacktestCommands.submit(
                Self.request, ownerId: 9, cacheKey: "k", running: nil, completed: nil, at: Fixtures.t1)
        else {
            Issue.record("not created")
            return
        }
        #expect(creation.row.status == .queued)
        let decision = creation.saved(12)
        #expect(decision.value.id == 12)
        #expect(decision.events.map(\.type) == [.backtestQueued])
        #expect(decision.events[0].topic == .backtests)
        #expect(decision.events[0].ownerId == 9)
    }

    @Test func aCompletedConfigurationIsAnsweredFromTheCacheAndARunningOneShared() throws {
        var done = job(.completed, progress: 1)
        done.result = #"{"stats":{}}"#
        guard
            case .created(let creation) = try BacktestCommands.submit(
                Self.request, ownerId: 5, cacheKey: "k", running: nil, completed: done, at: Fixtures.t1)
        else {
            Issue.record("not created")
            return
        }
        #expect(creation.row.cached)
        #expect(creation.row.status == .completed)
        #expect(creation.row.result == done.result)
        #expect(creation.row.ownerId == 5, "a copy for the caller")
        #expect(creation.saved(13).events.map(\.type) == [.backtestCompleted])
        guard
            case .shared(let shared) = try BacktestCommands.submit(
                Self.request, ownerId: 9, cacheKey: "k", running: job(.running), completed: done, at: Fixtures.t1)
        else {
            Issue.record("not shared")
            return
        }
        #expect(shared.id == 8)
    }

    @Test func aRunGoesQueuedRunningCompletedAndProgressOnlyMovesForward() throws {
        let started = try BacktestCommands.start(job(.queued))
        #expect(started.value.status == .running)
        let half = BacktestCommands.progress(started.value, 0.5)
        #expect(half.value.progress == 0.5)
        #expect(half.events.map(\.type) == [.backtestProgress])
        #expect(!BacktestCommands.progress(half.value, 0.4).changes, "progress never goes back")
        #expect(!BacktestCommands.progress(half.value, .nan).changes)
        let done = BacktestCommands.finish(half.value, result: .success("{}"), at: Fixtures.t1)
        #expect(done.value.status == .completed)
        #expect(done.value.progress == 1)
        #expect(done.events.map(\.type) == [.backtestCompleted])
        #expect(throws: CommandConflict.self) { try BacktestCommands.start(done.value) }
        let takenOver = try BacktestCommands.start(half.value)
        #expect(takenOver.value.status == .running)
        #expect(takenOver.value.progress == 0, "a run taken over from a dead node starts again")
        let failed = BacktestCommands.finish(half.value, result: .failure(BacktestFailure("gone")), at: Fixtures.t1)
        #expect(failed.value.status == .failed)
        #expect(failed.value.error == "gone")
    }

    @Test func cancellingEndsAWaitingOrRunningRunAndItsResultIsDropped() throws {
        let cancelled = try BacktestCommands.cancel(job(.running), at: Fixtures.t1)
        #expect(cancelled.value.status == .cancelled)
        #expect(throws: CommandConflict.self) { try BacktestCommands.cancel(cancelled.value, at: Fixtures.t1) }
        #expect(!BacktestCommands.finish(cancelled.value, result: .success("{}"), at: Fixtures.t1).changes)
        #expect(!BacktestCommands.progress(cancelled.value, 0.9).changes)
    }

    @Test func aRestartQueuesRunningRunsAgainAndSweepsSpeakOfThemselves() {
        let requeued = BacktestCommands.requeue(job(.running, progress: 0.7))
        #expect(requeued.value.status == .queued)
        #expect(requeued.value.progress == 0)
        #expect(!BacktestCommands.requeue(job(.completed)).changes)
        let sweep = BacktestCommands.requeue(job(.running, sweep: true))
        #expect(sweep.events.map(\.type) == [.sweepQueued])
    }

    @Test func aFullQueueRefusesNewRunsButNotCachedOrSharedOnes() throws {
        let full = QueueLoad(owner: 20, ownerLimit: 20, total: 20, totalLimit: 1_000)
        #expect(throws: QueueFull.self) {
            try BacktestCommands.submit(
                Self.request, ownerId: 9, cacheKey: "k", running: nil, completed: nil, waiting: full, at: Fixtures.t1)
        }
        let everyone = QueueLoad(owner: 0, ownerLimit: 20, total: 1_000, totalLimit: 1_000)
        #expect(throws: QueueFull.self) {
            try BacktestCommands.submit(
                Self.request, ownerId: 9, cacheKey: "k", running: nil, completed: nil, waiting: everyone,
                at: Fixtures.t1)
        }
        var done = job(.completed, progress: 1)
        done.result = "{}"
        #expect(throws: Never.self) {
            try BacktestCommands.submit(
                Self.request, ownerId: 9, cacheKey: "k", running: nil, completed: done, waiting: full, at: Fixtures.t1)
        }
        #expect(throws: Never.self) {
            try BacktestCommands.submit(
                Self.request, ownerId: 9, cacheKey: "k", running: job(.queued), completed: nil, waiting: full,
                at: Fixtures.t1)
        }
    }
}
