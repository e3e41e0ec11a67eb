import Foundation
import HummingbirdTesting
import Testing
import TickwireModel
import TickwireResearch
import TickwireTestSupport

/// `/api/v1/candles` and the `candle` events over HTTP, from prices with their own timestamps (replayed bars).
@Suite struct CandleRouteTests {
    @Test func pricesBecomeCandlesAtEveryIntervalAndClosesArePushed() async throws {
        try await TestServer.with { client, _ in
            let sse = try await client.sse("/api/v1/stream?topics=candles")
            defer { Task { await sse.close() } }
            // Minute 0: 100, 103, 99, 101; minute 1: 102, 105; minute 5: 104.
            let ticks: [(Double, String)] = [
                (100, "00:00:05"), (103, "00:00:20"), (99, "00:00:40"), (101, "00:00:59"), (102, "00:01:00"),
                (105, "00:01:30"), (104, "00:05:00"),
            ]
            let batch = ticks.map { price, time in
                #"{"ticker":"ETH/USDT","exchange":"paper","price":\#(price),"timestamp":"2026-01-01T\#(time).000Z"}"#
            }
            let posted = try await client.call(.post, "/api/v1/prices", json: "[" + batch.joined(separator: ",") + "]")
            #expect(posted.status == .created)

            let minutes = try await client.call(.get, "/api/v1/candles?ticker=ETH/USDT&exchange=paper&interval=1m")
            let data = try #require(minutes.json["data"]?.array)
            #expect(data.count == 3)
            #expect(data.first?["start"]?.string == "2026-01-01T00:00:00.000Z")
            #expect(data.first?["open"]?.number == 100)
            #expect(data.first?["high"]?.number == 103)
            #expect(data.first?["low"]?.number == 99)
            #expect(data.first?["close"]?.number == 101)
            #expect(data.first?["volume"]?.number == 4)
            let fives = try await client.call(.get, "/api/v1/candles?ticker=ETH/USDT&exchange=paper&interval=5m")
            #expect(fives.json["data"]?.array?.map { $0["close"]?.number } == [105, 104])
            #expect(fives.json["data"]?.array?.first?["high"]?.number == 105)
            let newest = try await client.call(.get, "/api/v1/candles?ticker=ETH/USDT&exchange=paper&limit=1")
            #expect(newest.json["data"]?.array?.map { $0["close"]?.number } == [104], "the newest one")

            // Closed: minute 0 (by 00:01:00), then minute 1 and the first five minutes (by 00:05:00).
            var closed: [String] = []
            while closed.count < 3 {
                let event = try await sse.nextEvent(timeout: 5)
                guard event.event == "candle" else { continue }
                let body = try JSONDecoder().decode(JSONValue.self, from: Data((event.data ?? "").utf8))
                guard body["data"]?["closed"] == .bool(true) else { continue }
                closed.append(
                    "\(body["data"]?["interval"]?.string ?? "") \(body["data"]?["start"]?.string?.prefix(16) ?? "")")
            }
            #expect(closed == ["1m 2026-01-01T00:00", "1m 2026-01-01T00:01", "5m 2026-01-01T00:00"])

            #expect(try await client.call(.get, "/api/v1/candles?ticker=ETH/USDT").status == .badRequest)
            #expect(
                try await client.call(.get, "/api/v1/candles?ticker=ETH/USDT&exchange=paper&interval=2m").status
                    == .badRequest)
        }
    }

    /// A crossover bot's chart overlays are the research core's SMAs of its own periods over the candles.
    @Test func aBotsIndicatorsAreItsStrategysOverTheCandles() async throws {
        try await TestServer.with { client, _ in
            let closes: [Double] = [10, 11, 13, 12, 15, 14, 16]
            let batch = closes.enumerated().map { minute, price in
                #"{"ticker":"SOL/USDT","exchange":"paper","price":\#(price),"timestamp":"2026-01-01T00:0\#(minute):10.000Z"}"#
            }
            _ = try await client.call(.post, "/api/v1/prices", json: "[" + batch.joined(separator: ",") + "]")
            let bot = try #require(
                try await client.call(
                    .post, "/api/v1/bots",
                    json:
                        #"{"name":"x","ticker":"SOL/USDT","exchange":"paper","strategy":"sma_crossover","config":{"fast":2,"slow":3}}"#
                ).json["id"]?.int)
            let answer = try await client.call(.get, "/api/v1/bots/\(bot)/indicators?interval=1m&limit=5")
            #expect(answer.status == .ok)
            #expect(answer.json["times"]?.array?.count == 5)
            let fast = try #require(answer.json["series"]?["sma 2"]?.array)
            let slow = try #require(answer.json["series"]?["sma 3"]?.array)
            let last5 = Array(closes.suffix(5))
            let expectedFast = Indicators.sma(last5, period: 2)
            let expectedSlow = Indicators.sma(last5, period: 3)
            #expect(fast.map { $0.number ?? .nan }.elementsEqual(expectedFast) { $0 == $1 || ($0.isNaN && $1.isNaN) })
            #expect(slow.map { $0.number ?? .nan }.elementsEqual(expectedSlow) { $0 == $1 || ($0.isNaN && $1.isNaN) })
            #expect(slow.first == .null)
            #expect(slow.last?.number == 15)
            #expect(
                try await client.call(.get, "/api/v1/bots/\(bot)/indicators?limit=0").status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/bots/999999/indicators").status == .notFound)
        }
    }
}
