import Foundation
import Testing
import TickwireModel
import TickwireResearch

@Suite struct BacktestResultJSONTests {
    @Test func theFastJSONIsTheEncodableJSON() throws {
        var close: [Double] = []
        var price = 100.0
        for index in 0..<600 {
            price *= 1 + 0.02 * sin(Double(index) / 9) + 0.0003
            close.append(price)
        }
        let bars = Bars(
            times: close.indices.map { 1_600_000_000_000 + Int64($0) * 86_400_000 }, open: close,
            high: close.map { $0 * 1.01 }, low: close.map { $0 * 0.99 }, close: close)
        let result = Backtest.run(
            try SMACrossover(fast: 5, slow: 20, short: true), on: bars,
            options: BacktestOptions(cash: 10_000, commission: 0.002, exclusiveOrders: true))
        #expect(result.trades.count > 5)
        let fast = try JSONDecoder().decode(JSONValue.self, from: Data(result.json().utf8))
        let generic = try JSONDecoder().decode(JSONValue.self, from: Data(JSONCoding.encodeToString(result).utf8))
        #expect(fast == generic)
    }
}
