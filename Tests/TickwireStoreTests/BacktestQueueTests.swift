import Testing
import TickwireModel

@testable import TickwireStore

/// The backtest queue on both stores: claims in order and once, requeues what a stopped process left running, and
/// answers a completed configuration from the cache.
@Suite struct BacktestQueueTests {
    static func dataset(_ store: any Store) async throws -> Dataset {
        let user = try await store.createUser(username: "ann", passwordHash: "h", role: .user, at: t0)
        let dataset = Dataset(
            id: 0, ownerId: user.id, name: "d", ticker: "ZZ", barCount: 2, firstTime: 0, lastTime: 1, frequency: 1,
            contentHash: "hash", createdAt: t0)
        return try await store.createDataset(dataset, content: "time,open,high,low,close\n0,1,1,1,1\n1,1,1,1,1", at: t0)
            .value
    }

    @Test(arguments: Backend.all) func jobsAreClaimedOldestFirstAndOnlyOnce(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let dataset = try await Self.dataset(store)
            let request = BacktestRequest(datasetId: dataset.id, strategy: "sma")
            let first = try await store.submitBacktest(request, ownerId: dataset.ownerId, cacheKey: "a", at: at(1))
            let second = try await store.submitBacktest(request, ownerId: dataset.ownerId, cacheKey: "b", at: at(2))
            #expect(first.events.map(\.type) == [.backtestQueued])
            #expect(first.events.first?.ownerId == dataset.ownerId)
            let claims = try await withThrowingTaskGroup(of: Int64?.self) { group in
                for _ in 0..<4 { group.addTask { try await store.claimBacktest(at: at(3))?.value.id } }
                var ids: [Int64] = []
                for try await id in group { if let id { ids.append(id) } }
                return ids.sorted()
            }
            #expect(claims == [first.value.id, second.value.id])
            #expect(try await store.claimBacktest(at: at(4)) == nil)
        }
    }

    @Test(arguments: Backend.all) func aRestartRequeuesRunningJobsAndTheCacheServesCompletedOnes(_ backend: Backend)
        async throws
    {
        try await TestDatabase.with(backend) { store in
            let dataset = try await Self.dataset(store)
            let request = BacktestRequest(datasetId: dataset.id, strategy: "sma")
            let job = try await store.submitBacktest(request, ownerId: dataset.ownerId, cacheKey: "k", at: at(1)).value
            #expect(try await store.claimBacktest(at: at(2))?.value.id == job.id)
            let requeued = try await store.requeueRunningBacktests(at: at(3))
            #expect(requeued.value.map(\.id) == [job.id])
            #expect(try await store.backtestJob(id: job.id).status == .queued)

            _ = try await store.claimBacktest(at: at(4))
            let done = try await store.finishBacktest(id: job.id, .success(#"{"stats":{}}"#), at: at(5))
            #expect(done.value.status == .completed)
            #expect(done.events.map(\.type) == [.backtestCompleted])
            #expect(try await store.requeueRunningBacktests(at: at(6)).value.isEmpty)

            let cached = try await store.submitBacktest(request, ownerId: dataset.ownerId, cacheKey: "k", at: at(7))
            #expect(cached.value.cached)
            #expect(cached.value.status == .completed)
            #expect(cached.value.result == #"{"stats":{}}"#)
            #expect(cached.value.id != job.id)
            #expect(cached.value.cachedFrom == job.id, "the result is stored once, with the run that made it")
            #expect(try await store.backtestJob(id: cached.value.id).result == #"{"stats":{}}"#)
            let again = try await store.submitBacktest(request, ownerId: dataset.ownerId, cacheKey: "k", at: at(7))
            #expect(again.value.cachedFrom == job.id, "a copy of a copy points at the original")
            // Finishing a run that was cancelled meanwhile keeps it cancelled.
            let late = try await store.submitBacktest(request, ownerId: dataset.ownerId, cacheKey: "z", at: at(8))
            _ = try await store.claimBacktest(at: at(9))
            _ = try await store.cancelBacktest(id: late.value.id, at: at(10))
            let dropped = try await store.finishBacktest(id: late.value.id, .success("{}"), at: at(11))
            #expect(dropped.value.status == .cancelled)
            #expect(dropped.events.isEmpty)
        }
    }
}

extension BacktestQueueTests {
    @Test(arguments: Backend.all) func evictionKeepsWhatAKeptCachedAnswerStillReads(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { store in
            let dataset = try await Self.dataset(store)
            let request = BacktestRequest(datasetId: dataset.id, strategy: "sma")
            func run(_ key: String, finishing second: Int64) async throws -> BacktestJob {
                let job = try await store.submitBacktest(request, ownerId: dataset.ownerId, cacheKey: key, at: at(0))
                _ = try await store.claimBacktest(at: at(0))
                return try await store.finishBacktest(id: job.value.id, .success("{}"), at: at(second)).value
            }
            let source = try await run("k", finishing: 1)
            let copy = try await store.submitBacktest(request, ownerId: dataset.ownerId, cacheKey: "k", at: at(5)).value
            #expect(copy.cachedFrom == source.id)
            let lone = try await run("other", finishing: 2)
            let waiting = try await store.submitBacktest(request, ownerId: dataset.ownerId, cacheKey: "w", at: at(0))

            // Cutoff at 3 s: the lone old run goes; the source stays, its copy (5 s) still reads it.
            #expect(try await store.pruneBacktests(finishedBefore: at(3)) == 1)
            await #expect(throws: StoreError.self) { try await store.backtestJob(id: lone.id) }
            #expect(try await store.backtestJob(id: copy.id).result == "{}")
            // Cutoff past both: the copy goes, then the source it read.
            #expect(try await store.pruneBacktests(finishedBefore: at(10)) == 2)
            await #expect(throws: StoreError.self) { try await store.backtestJob(id: source.id) }
            #expect(try await store.backtestJob(id: waiting.value.id).status == .queued, "unfinished runs stay")
        }
    }
}

extension BacktestQueueTests {
    @Test(arguments: Backend.all) func aRunWhoseLeaseEndsIsTakenOverAndARenewedOneIsNot(_ backend: Backend)
        async throws
    {
        try await TestDatabase.with(backend) { store in
            let dataset = try await Self.dataset(store)
            let request = BacktestRequest(datasetId: dataset.id, strategy: "sma")
            let job = try await store.submitBacktest(request, ownerId: dataset.ownerId, cacheKey: "k", at: at(1)).value
            _ = try await store.claimBacktest(at: at(2), leaseUntil: at(10))
            _ = try await store.recordBacktestProgress(id: job.id, 0.5, at: at(3))
            #expect(try await store.claimBacktest(at: at(9)) == nil, "the lease still runs")
            #expect(try await store.renewBacktestLease(id: job.id, until: at(20)))
            #expect(try await store.claimBacktest(at: at(15)) == nil, "renewed")
            let takenOver = try await store.claimBacktest(at: at(21), leaseUntil: at(30))
            #expect(takenOver?.value.id == job.id)
            #expect(takenOver?.value.progress == 0, "it starts again")
            #expect(takenOver?.events.map(\.type) == [.backtestProgress])
            _ = try await store.finishBacktest(id: job.id, .success("{}"), at: at(22))
            #expect(
                try await store.renewBacktestLease(id: job.id, until: at(40)) == false, "finished: nothing to renew")
            #expect(try await store.claimBacktest(at: at(50)) == nil, "a finished run is never taken")
        }
    }

    @Test(arguments: Backend.all) func evictionBySizeDropsTheOldestResultsAndTheirCopies(_ backend: Backend)
        async throws
    {
        try await TestDatabase.with(backend) { store in
            let dataset = try await Self.dataset(store)
            let request = BacktestRequest(datasetId: dataset.id, strategy: "sma")
            let result = String(repeating: "x", count: 1_000)
            var runs: [BacktestJob] = []
            for index in 0..<5 {
                let job = try await store.submitBacktest(
                    request, ownerId: dataset.ownerId, cacheKey: "k\(index)", at: at(0))
                _ = try await store.claimBacktest(at: at(0))
                runs.append(
                    try await store.finishBacktest(id: job.value.id, .success(result), at: at(Int64(index + 1))).value)
            }
            let copyOfOldest = try await store.submitBacktest(
                request, ownerId: dataset.ownerId, cacheKey: "k0", at: at(9)
            ).value
            #expect(copyOfOldest.cachedFrom == runs[0].id)
            #expect(try await store.evictBacktests(keepingResultBytes: 5_000) == 0, "within the budget")
            // 2,500 bytes: the two newest results stay; three runs go, and the copy that read the oldest.
            #expect(try await store.evictBacktests(keepingResultBytes: 2_500) == 4)
            for gone in runs[0..<3].map(\.id) + [copyOfOldest.id] {
                await #expect(throws: StoreError.self) { try await store.backtestJob(id: gone) }
            }
            #expect(try await store.backtestJob(id: runs[3].id).result == result)
            #expect(try await store.backtestJob(id: runs[4].id).result == result)
        }
    }
}

/// Two nodes on one PostgreSQL database share the backtest queue: each job is claimed by exactly one of them.
@Suite struct SharedBacktestQueueTests {
    @Test(.enabled(if: Backend.postgresURL != nil)) func twoNodesClaimEveryJobOnce() async throws {
        let database = try await TestDatabase.make(.postgres)
        let a = try await database.open()
        let b = try await database.open()
        defer { Task { await database.remove([a, b]) } }
        let dataset = try await BacktestQueueTests.dataset(a)
        for index in 0..<40 {
            _ = try await a.submitBacktest(
                BacktestRequest(datasetId: dataset.id, strategy: "sma"), ownerId: dataset.ownerId,
                cacheKey: "key-\(index)", at: at(1))
        }
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for node in [a, b, a, b] {
                group.addTask {
                    var mine: [Int64] = []
                    while let job = try await node.claimBacktest(at: at(2)) { mine.append(job.value.id) }
                    return mine
                }
            }
            var all: [[Int64]] = []
            for try await ids in group { all.append(ids) }
            return all
        }
        let every = claimed.flatMap { $0 }
        #expect(every.count == 40)
        #expect(Set(every).count == 40, "no job claimed twice")
        #expect(claimed.filter { !$0.isEmpty }.count >= 2, "both nodes took work")
    }
}

extension Store {
    /// A claim leased for a minute.
    func claimBacktest(at now: Timestamp) async throws -> Committed<BacktestJob>? {
        try await claimBacktest(at: now, leaseUntil: now.adding(.seconds(60)))
    }

    /// A submission without queue limits.
    func submitBacktest(_ request: BacktestRequest, ownerId: Int64, cacheKey: String, at now: Timestamp)
        async throws -> Committed<BacktestJob>
    {
        try await submitBacktest(request, ownerId: ownerId, cacheKey: cacheKey, limits: (.max, .max), at: now)
    }
}
