import Foundation
import HTTPTypes
import Synchronization
import Testing
import TickwireModel
import TickwireResearch
import TickwireStore
import TickwireTestSupport

@testable import TickwireServer

/// Backtests as a service over HTTP: datasets, the strategy catalogue, queued runs, the result cache, ownership and
/// the events that report progress. One test at a time: their workers compute on every core, and each server holds
/// its own PostgreSQL connections when the suite runs on PostgreSQL.
@Suite(.serialized) struct BacktestRouteTests {
    static var workers: ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.backtestWorkers = 1
        return configuration
    }

    /// 300 daily bars of a deterministic zigzag trend: enough crossings for an SMA strategy to trade.
    static let csv: String = {
        var lines = ["Date,Open,High,Low,Close,Volume"]
        var price = 100.0
        for day in 0..<300 {
            let date = Date(timeIntervalSince1970: 1_600_000_000 + Double(day) * 86_400)
            price *= 1 + 0.03 * sin(Double(day) / 6) + 0.001
            let text = ISO8601DateFormatter().string(from: date).prefix(10)
            lines.append("\(text),\(price),\(price * 1.01),\(price * 0.99),\(price * 1.002),\(1000 + day)")
        }
        return lines.joined(separator: "\n")
    }()

    static func upload(_ client: AuthedClient, csv: String = csv, name: String = "zigzag") async throws -> Reply {
        try await client.call(
            .post, "/api/v1/datasets?name=\(name)&ticker=ZZ", json: csv, headers: [.contentType: "text/csv"])
    }

    /// The zigzag stored directly, as a process that has since stopped left it.
    static func storeDataset(_ store: any Store, owner: User) async throws -> Dataset {
        let bars = try OHLCVReader.read(csv)
        return try await store.createDataset(
            Dataset(
                id: 0, ownerId: owner.id, name: "left", ticker: "ZZ", barCount: bars.count,
                firstTime: bars.times[0], lastTime: bars.times[bars.count - 1], frequency: 86_400_000,
                contentHash: "h", createdAt: Timestamp(milliseconds: 0)),
            content: csv, at: Timestamp(milliseconds: 0)
        ).value
    }

    static func finished(_ client: AuthedClient, _ id: Int64) async throws -> JSONValue {
        var job = JSONValue.null
        try await eventually("backtest \(id) to finish") {
            job = try await client.call(.get, "/api/v1/backtests/\(id)").json
            return ["completed", "failed", "cancelled"].contains(job["status"]?.string ?? "")
        }
        return job
    }

    @Test func theCatalogueListsEveryStrategyWithTheSchemaTheServerValidatesWith() async throws {
        try await TestServer.with { client, _ in
            let list = try await client.call(.get, "/api/v1/strategies").json["data"]?.array ?? []
            #expect(list.compactMap { $0["name"]?.string } == Strategies.names)
            let sma = try #require(list.first { $0["name"]?.string == "sma_crossover" })
            let fast = sma["parameters"]?["properties"]?["fast"]
            #expect(fast?["type"]?.string == "integer")
            #expect(fast?["minimum"]?.number == 1)
            #expect(fast?["maximum"]?.number == 500)
            #expect(fast?["default"]?.number == 5)
            #expect(try await client.call(.get, "/api/strategies").json["data"]?.array?.count == Strategies.names.count)
        }
    }

    @Test func aDatasetIsStoredWholeOrNotAtAll() async throws {
        try await TestServer.with { client, _ in
            let stored = try await Self.upload(client)
            #expect(stored.status == .created)
            let id = try #require(stored.json["id"]?.int)
            #expect(stored.json["bar_count"]?.number == 300)
            #expect(stored.json["frequency"]?.number == 86_400_000)
            #expect(stored.json["content_hash"]?.string?.count == 64)

            let broken = Self.csv + "\n2021-01-01,1,2,oops,1,1"
            let refused = try await Self.upload(client, csv: broken, name: "broken")
            #expect(refused.status == .unprocessableContent)
            #expect(refused.json["error"]?["message"]?.string?.contains("line 302") == true)
            #expect(try await client.call(.get, "/api/v1/datasets").json["data"]?.array?.count == 1)

            let json = try await client.call(
                .post, "/api/v1/datasets?name=x&ticker=ZZ", json: "{}", headers: [.contentType: "application/json"])
            #expect(json.status == .unsupportedMediaType)
            let unnamed = try await client.call(
                .post, "/api/v1/datasets?ticker=ZZ", json: Self.csv, headers: [.contentType: "text/csv"])
            #expect(unnamed.status == .badRequest)

            let bars = try await client.call(.get, "/api/v1/datasets/\(id)/bars?points=30").json
            #expect(bars["times"]?.array?.count == 30)
            #expect(bars["close"]?.array?.count == 30)
            #expect(try await client.call(.get, "/api/v1/symbols").status == .notFound, "seed routes are not under v1")
            #expect(try await client.call(.get, "/api/symbols").json["data"]?.array?.first?.string == "ZZ")

            #expect(try await client.call(.delete, "/api/v1/datasets/\(id)").status == .noContent)
            #expect(try await client.call(.get, "/api/v1/datasets/\(id)").status == .notFound)
        }
    }

    @Test func aRunIsQueuedRunAndItsConfigurationAnsweredFromTheCacheAfterwards() async throws {
        try await TestServer.with(configuration: Self.workers) { client, _ in
            let dataset = try #require(try await Self.upload(client).json["id"]?.int)
            let body =
                #"{"dataset_id":\#(dataset),"strategy":"sma","params":{"fast":5,"slow":20},"cash":10000,"commission":0.002}"#
            let submitted = try await client.call(.post, "/api/v1/backtests", json: body)
            #expect(submitted.status == .accepted)
            #expect(submitted.json["cached"] == .bool(false))
            let id = try #require(submitted.json["id"]?.int)
            let job = try await Self.finished(client, id)
            #expect(job["status"]?.string == "completed")
            #expect(job["progress"]?.number == 1)

            // The result is exactly what the research core computes for the same input.
            let bars = try OHLCVReader.read(Self.csv)
            let expected = Backtest.run(
                try SMACrossover(fast: 5, slow: 20), on: bars,
                options: BacktestOptions(cash: 10_000, commission: 0.002))
            let expectedJSON = try JSONDecoder().decode(
                JSONValue.self, from: Data(JSONCoding.encodeToString(expected).utf8))
            #expect(job["result"] == expectedJSON)
            #expect((job["result"]?["trades"]?.array?.count ?? 0) > 0, "the series makes the strategy trade")

            // The same configuration, spelled differently (canonical name, defaults written out): from the cache.
            let again = try await client.call(
                .post, "/api/v1/backtests",
                json:
                    #"{"dataset_id":\#(dataset),"strategy":"sma_crossover","params":{"fast":5,"slow":20,"short":false},"commission":0.002}"#
            )
            #expect(again.status == .ok)
            #expect(again.json["cached"] == .bool(true))
            #expect(again.json["result"] == job["result"])

            // The same configuration on data with other content runs again.
            let changed = try #require(
                try await Self.upload(
                    client, csv: Self.csv.replacingOccurrences(of: ",1299", with: ",1300"), name: "v2"
                )
                .json["id"]?.int)
            let onChanged = try await client.call(
                .post, "/api/v1/backtests",
                json: #"{"dataset_id":\#(changed),"strategy":"sma","params":{"fast":5,"slow":20},"commission":0.002}"#)
            #expect(onChanged.status == .accepted, "another content hash: another cache key")
            _ = try await Self.finished(client, try #require(onChanged.json["id"]?.int))

            // Another parameter runs again.
            let other = try await client.call(
                .post, "/api/v1/backtests",
                json: #"{"dataset_id":\#(dataset),"strategy":"sma","params":{"fast":6,"slow":20}}"#)
            #expect(other.status == .accepted)
            _ = try await Self.finished(client, try #require(other.json["id"]?.int))
            #expect(try await client.call(.get, "/api/v1/backtests").json["data"]?.array?.count == 4)
        }
    }

    /// A model's built-in policy is a strategy of the catalogue: it backtests like any other, with the result the
    /// research core computes.
    @Test(arguments: ["momentum", "mean_reversion", "rule_based"])
    func aModelsPolicyBacktestsLikeAnyStrategy(policy: String) async throws {
        try await TestServer.with(configuration: Self.workers) { client, _ in
            let dataset = try #require(try await Self.upload(client).json["id"]?.int)
            let submitted = try await client.call(
                .post, "/api/v1/backtests", json: #"{"dataset_id":\#(dataset),"strategy":"\#(policy)"}"#)
            let job = try await Self.finished(client, try #require(submitted.json["id"]?.int))
            #expect(job["status"]?.string == "completed")
            let expected = Backtest.run(
                try Strategies.make(name: policy, config: [:]), on: try OHLCVReader.read(Self.csv),
                options: BacktestOptions())
            let expectedJSON = try JSONDecoder().decode(
                JSONValue.self, from: Data(JSONCoding.encodeToString(expected).utf8))
            #expect(job["result"] == expectedJSON)
        }
    }

    @Test func badSubmissionsAreRefusedAtOnceNamingTheField() async throws {
        try await TestServer.with(configuration: Self.workers) { client, _ in
            let dataset = try #require(try await Self.upload(client).json["id"]?.int)
            let badParameter = try await client.call(
                .post, "/api/v1/backtests",
                json: #"{"dataset_id":\#(dataset),"strategy":"sma","params":{"fast":0}}"#)
            #expect(badParameter.status == .unprocessableContent)
            #expect(badParameter.json["error"]?["message"]?.string?.hasPrefix("params.fast:") == true)
            let unknown = try await client.call(
                .post, "/api/v1/backtests", json: #"{"dataset_id":\#(dataset),"strategy":"martingale"}"#)
            #expect(unknown.status == .unprocessableContent)
            let missing = try await client.call(
                .post, "/api/v1/backtests", json: #"{"dataset_id":999,"strategy":"sma"}"#)
            #expect(missing.status == .notFound)
            let extra = try await client.call(
                .post, "/api/v1/backtests", json: #"{"dataset_id":\#(dataset),"strategy":"sma","leverage":10}"#)
            #expect(extra.status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/backtests").json["data"]?.array?.isEmpty == true)
        }
    }

    @Test func anotherUsersDatasetsAndRunsAreNotFound() async throws {
        try await TestServer.with(configuration: Self.workers) { client, server in
            let dataset = try #require(try await Self.upload(client).json["id"]?.int)
            let run = try await client.call(
                .post, "/api/v1/backtests", json: #"{"dataset_id":\#(dataset),"strategy":"rsi"}"#)
            let job = try #require(run.json["id"]?.int)
            let (_, token) = try await server.makeUser("mallory")
            let mallory = client.using(token)
            #expect(try await mallory.call(.get, "/api/v1/datasets/\(dataset)").status == .notFound)
            #expect(try await mallory.call(.get, "/api/v1/datasets/\(dataset)/bars").status == .notFound)
            #expect(try await mallory.call(.delete, "/api/v1/datasets/\(dataset)").status == .notFound)
            #expect(try await mallory.call(.get, "/api/v1/backtests/\(job)").status == .notFound)
            #expect(try await mallory.call(.delete, "/api/v1/backtests/\(job)").status == .notFound)
            #expect(try await mallory.call(.get, "/api/v1/datasets").json["data"]?.array?.isEmpty == true)
            #expect(
                try await mallory.call(
                    .post, "/api/v1/backtests", json: #"{"dataset_id":\#(dataset),"strategy":"rsi"}"#
                ).status == .notFound)
        }
    }

    @Test func progressAndTheEndArePushedOnTheBacktestsTopicInOrderAndResume() async throws {
        try await TestServer.with(configuration: Self.workers) { client, _ in
            let dataset = try #require(try await Self.upload(client).json["id"]?.int)
            let sse = try await client.sse("/api/v1/stream?topics=backtests")
            defer { Task { await sse.close() } }
            let run = try await client.call(
                .post, "/api/v1/backtests", json: #"{"dataset_id":\#(dataset),"strategy":"swing"}"#)
            let id = try #require(run.json["id"]?.int)
            var types: [String] = []
            var ids: [String] = []
            while types.last != "backtest_completed" && types.last != "backtest_failed" {
                let event = try await sse.nextEvent(timeout: 20)
                guard let type = event.event, type.hasPrefix("backtest") else { continue }
                types.append(type)
                ids.append(event.id ?? "")
                let data = try JSONDecoder().decode(JSONValue.self, from: Data((event.data ?? "").utf8))
                #expect(data["data"]?["id"]?.int == id)
            }
            #expect(types.first == "backtest_queued")
            #expect(types.last == "backtest_completed")
            #expect(types.dropFirst().dropLast().allSatisfy { $0 == "backtest_progress" })
            // A client that saw only the first event resumes after it and gets the rest, in the same order.
            let resumed = try await client.sse(
                "/api/v1/stream?topics=backtests", headers: [("Last-Event-ID", try #require(ids.first))])
            defer { Task { await resumed.close() } }
            var replayed: [String] = []
            while replayed.count < ids.count - 1 {
                let event = try await resumed.nextEvent(timeout: 20)
                guard event.event?.hasPrefix("backtest") == true else { continue }
                replayed.append(event.id ?? "")
            }
            #expect(replayed == Array(ids.dropFirst()))
        }
    }

    @Test func aFinishedRunCannotBeCancelledAndAQueuedOneCan() async throws {
        // No workers: the run stays queued until it is cancelled.
        try await TestServer.with { client, _ in
            let dataset = try #require(try await Self.upload(client).json["id"]?.int)
            let run = try await client.call(
                .post, "/api/v1/backtests", json: #"{"dataset_id":\#(dataset),"strategy":"grid"}"#)
            let id = try #require(run.json["id"]?.int)
            // Submitting the same while it waits shares the job.
            let shared = try await client.call(
                .post, "/api/v1/backtests", json: #"{"dataset_id":\#(dataset),"strategy":"scalper"}"#)
            #expect(shared.json["id"]?.int == id)
            let cancelled = try await client.call(.delete, "/api/v1/backtests/\(id)")
            #expect(cancelled.status == .ok)
            #expect(cancelled.json["status"]?.string == "cancelled")
            let again = try await client.call(.delete, "/api/v1/backtests/\(id)")
            #expect(again.status == .conflict)
        }
    }

    @Test func aSweepRanksEveryCombinationAndDrawsTheHeatmap() async throws {
        try await TestServer.with(configuration: Self.workers) { client, _ in
            let dataset = try #require(try await Self.upload(client).json["id"]?.int)
            let body = #"""
                {"dataset_id":\#(dataset),"strategy":"sma","grid":{"fast":[3,5,8],"slow":[5,10,20]},
                 "constraint":"fast < slow","maximize":"return_pct"}
                """#
            let submitted = try await client.call(.post, "/api/v1/sweeps", json: body)
            #expect(submitted.status == .accepted)
            let id = try #require(submitted.json["id"]?.int)
            var sweep = JSONValue.null
            try await eventually("the sweep to finish") {
                sweep = try await client.call(.get, "/api/v1/sweeps/\(id)").json
                return ["completed", "failed"].contains(sweep["status"]?.string ?? "")
            }
            #expect(sweep["status"]?.string == "completed", "\(sweep["error"]?.string ?? "")")
            let ranked = sweep["result"]?["ranked"]?.array ?? []
            #expect(ranked.count == 7, "3 × 3 less (5,5) and (8,5)")
            let scores = ranked.compactMap { $0["score"]?.number }
            #expect(scores == scores.sorted(by: >))
            // The best combination's score is what a single run of it gives.
            let best = try #require(ranked.first?["params"])
            let single = try await client.call(
                .post, "/api/v1/backtests",
                json:
                    #"{"dataset_id":\#(dataset),"strategy":"sma","params":{"fast":\#(best["fast"]?.int ?? 0),"slow":\#(best["slow"]?.int ?? 0)}}"#
            )
            let run = try await Self.finished(client, try #require(single.json["id"]?.int))
            #expect(run["result"]?["stats"]?["return_pct"]?.number == scores.first)
            let heatmap = sweep["result"]?["heatmap"]
            #expect(heatmap?["rows"]?.string == "fast")
            #expect(heatmap?["cells"]?.array?.count == 3)
            #expect(heatmap?["cells"]?[2]?[0] == .null, "fast 8, slow 5 breaks the constraint")
            // A sweep is not a single backtest's route, nor the other way round.
            #expect(try await client.call(.post, "/api/v1/backtests", json: body).status == .badRequest)
            #expect(
                try await client.call(.get, "/api/v1/sweeps/\(try #require(single.json["id"]?.int))").status
                    == .notFound)
            let bad = try await client.call(
                .post, "/api/v1/sweeps",
                json: #"{"dataset_id":\#(dataset),"strategy":"sma","grid":{"fast":[0,5]}}"#)
            #expect(bad.status == .unprocessableContent)
        }
    }

    @Test func indicatorsOfTheResearchCoreOverADataset() async throws {
        try await TestServer.with { client, _ in
            let dataset = try #require(try await Self.upload(client).json["id"]?.int)
            let rsi = try await client.call(.get, "/api/v1/datasets/\(dataset)/indicators?name=rsi&period=14").json
            let values = rsi["series"]?["rsi"]?.array ?? []
            #expect(values.count == 300)
            #expect(values[13] == .null, "RSI14's first value is at index 14")
            let expected = Indicators.rsi(try OHLCVReader.read(Self.csv).close, period: 14)
            #expect(values[200].number == expected[200])
            let macd = try await client.call(.get, "/api/v1/datasets/\(dataset)/indicators?name=macd").json
            #expect(Set((macd["series"]?.object ?? [:]).keys) == ["macd", "signal", "histogram"])
            let unknown = try await client.call(.get, "/api/v1/datasets/\(dataset)/indicators?name=vwap")
            #expect(unknown.status == .unprocessableContent)
        }
    }

    @Test func aFullQueueAnswers429WithRetryAfter() async throws {
        // No workers: submissions wait. A user may have 20 waiting.
        try await TestServer.with { client, server in
            let (_, token) = try await server.makeUser("quinn")
            let quinn = client.using(token)
            let dataset = try #require(try await Self.upload(quinn).json["id"]?.int)
            for fast in 1...20 {
                let queued = try await quinn.call(
                    .post, "/api/v1/backtests",
                    json: #"{"dataset_id":\#(dataset),"strategy":"sma","params":{"fast":\#(fast),"slow":30}}"#)
                #expect(queued.status == .accepted)
            }
            let full = try await quinn.call(
                .post, "/api/v1/backtests",
                json: #"{"dataset_id":\#(dataset),"strategy":"sma","params":{"fast":21,"slow":30}}"#)
            #expect(full.status == .tooManyRequests)
            #expect(full.headers[.retryAfter] == "5")
            #expect(full.errorCode == "queue_full")
            // Resubmitting one that waits still shares it.
            let shared = try await quinn.call(
                .post, "/api/v1/backtests",
                json: #"{"dataset_id":\#(dataset),"strategy":"sma","params":{"fast":1,"slow":30}}"#)
            #expect(shared.status == .accepted)
        }
    }

    @Test func runsLeftQueuedAndRunningByAStoppedProcessCompleteAfterARestart() async throws {
        // The store as a process that died mid-run leaves it: one run taken by a worker, one still queued.
        let left = Mutex<[Int64]>([])
        try await TestServer.with(
            configuration: Self.workers,
            before: { store, admin in
                let dataset = try await Self.storeDataset(store, owner: admin)
                var ids: [Int64] = []
                for (index, strategy) in ["sma", "rsi"].enumerated() {
                    let job = try await store.submitBacktest(
                        BacktestRequest(datasetId: dataset.id, strategy: strategy), ownerId: admin.id,
                        cacheKey: "left-\(index)", limits: (.max, .max), at: Timestamp(milliseconds: 0))
                    ids.append(job.value.id)
                }
                #expect(
                    try await store.claimBacktest(
                        at: Timestamp(milliseconds: 1), leaseUntil: Timestamp(milliseconds: 60_000))?.value.status
                        == .running)
                left.withLock { $0 = ids }
            }
        ) { client, _ in
            for id in left.withLock({ $0 }) {
                let job = try await Self.finished(client, id)
                #expect(job["status"]?.string == "completed", "run \(id)")
                #expect(job["result"]?["stats"] != nil)
            }
        }
    }

    /// 60,000 bars: a 20 × 20 sweep over them takes seconds even in a release build.
    static let long: String = {
        var lines = ["time,open,high,low,close"]
        var price = 100.0
        for index in 0..<60_000 {
            price *= 1 + 0.004 * sin(Double(index) / 40)
            lines.append(
                "\(1_600_000_000_000 + Int64(index) * 60_000),\(price),\(price * 1.001),\(price * 0.999),\(price)")
        }
        return lines.joined(separator: "\n")
    }()

    static let longSweep =
        #"{"strategy":"sma","grid":{"fast":[2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21],"slow":[30,32,34,36,38,40,42,44,46,48,50,52,54,56,58,60,62,64,66,68]}}"#

    @Test func cancellingARunningSweepFreesItsWorkerAtOnce() async throws {
        try await TestServer.with(configuration: Self.workers) { client, _ in
            let dataset = try #require(try await Self.upload(client, csv: Self.long, name: "long").json["id"]?.int)
            let small = try #require(try await Self.upload(client).json["id"]?.int)
            let body = #"{"dataset_id":\#(dataset),"# + Self.longSweep.dropFirst()
            let sweep = try #require(try await client.call(.post, "/api/v1/sweeps", json: body).json["id"]?.int)
            try await eventually("the sweep to run") {
                try await client.call(.get, "/api/v1/sweeps/\(sweep)").json["status"]?.string == "running"
            }
            // Queued behind the sweep on the only worker.
            let run = try #require(
                try await client.call(
                    .post, "/api/v1/backtests", json: #"{"dataset_id":\#(small),"strategy":"swing"}"#
                ).json["id"]?.int)
            let cancel = try await client.call(.delete, "/api/v1/sweeps/\(sweep)")
            #expect(cancel.json["status"]?.string == "cancelled", "\(cancel.status) \(cancel.text)")
            let cancelledAt = ContinuousClock.now
            try await eventually("the run queued behind the cancelled sweep") {
                try await client.call(.get, "/api/v1/backtests/\(run)").json["status"]?.string == "completed"
            }
            let freed = ContinuousClock.now - cancelledAt
            // Left to finish, the sweep computes for about 15 s in a debug build on 2 cores.
            #expect(freed < .seconds(5), "the worker was freed \(freed) after the cancel")
        }
    }

    @Test func aSweepPastItsTimeLimitFails() async throws {
        var configuration = Self.workers
        configuration.backtestTimeLimit = .milliseconds(300)
        try await TestServer.with(configuration: configuration) { client, _ in
            let dataset = try #require(try await Self.upload(client, csv: Self.long, name: "long").json["id"]?.int)
            let body = #"{"dataset_id":\#(dataset),"# + Self.longSweep.dropFirst()
            let sweep = try #require(try await client.call(.post, "/api/v1/sweeps", json: body).json["id"]?.int)
            var job = JSONValue.null
            try await eventually("the sweep to end") {
                job = try await client.call(.get, "/api/v1/sweeps/\(sweep)").json
                return job["status"]?.string == "failed" || job["status"]?.string == "completed"
            }
            #expect(job["status"]?.string == "failed")
            #expect(job["error"]?.string?.hasPrefix("time limit exceeded") == true)
        }
    }

    @Test func theRecordedMarketIsOfferedAsDatasetsToBacktestOn() async throws {
        try await TestServer.with(configuration: Self.workers) { client, _ in
            // Thirty days of a recorded instrument (the engine's, or any bot's), one price at each day's noon.
            let prices = (0..<30).map { day in
                let stamp = Timestamp(milliseconds: 1_767_225_600_000 + Int64(day) * 86_400_000 + 43_200_000).iso8601
                return #"{"ticker":"ZZ/USD","exchange":"paper","price":\#(100 + day % 7),"timestamp":"\#(stamp)"}"#
            }
            #expect(
                try await client.call(.post, "/api/v1/prices", json: "[" + prices.joined(separator: ",") + "]").status
                    == .created)
            let market = try await client.call(.get, "/api/v1/datasets/market?interval=1d").json["data"]?.array ?? []
            let listed = try #require(market.first { $0["ticker"]?.string == "ZZ/USD" })
            #expect(listed["bar_count"]?.number == 30)
            #expect(listed["exchange"]?.string == "paper")
            let snapshot = try await client.call(
                .post, "/api/v1/datasets/market?ticker=ZZ/USD&exchange=paper&interval=1d")
            #expect(snapshot.status == .created)
            #expect(snapshot.json["bar_count"]?.number == 30)
            let dataset = try #require(snapshot.json["id"]?.int)
            let run = try await client.call(
                .post, "/api/v1/backtests",
                json: #"{"dataset_id":\#(dataset),"strategy":"sma","params":{"fast":2,"slow":5}}"#)
            #expect(run.status == .accepted)
            let job = try await Self.finished(client, try #require(run.json["id"]?.int))
            #expect(job["status"]?.string == "completed")
            let none = try await client.call(.post, "/api/v1/datasets/market?ticker=NOPE&exchange=paper&interval=1d")
            #expect(none.status == .notFound)
        }
    }
}
