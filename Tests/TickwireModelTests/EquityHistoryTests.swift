import Testing

@testable import TickwireModel

/// Downsampling an equity series for a chart: few points, the extremes kept.
@Suite struct EquityHistoryTests {
    static func series(_ values: [Double]) -> [EquityPoint] {
        values.enumerated().map { index, value in
            EquityPoint(timestamp: Timestamp(milliseconds: Int64(index)), equity: value, pnl: 0, positionQuantity: 0)
        }
    }

    @Test func aShortSeriesIsReturnedWhole() {
        let points = Self.series([1, 2, 3])
        #expect(EquityHistory.downsample(points, to: 500) == points)
    }

    @Test func eachBucketKeepsItsFirstLowestHighestAndLast() {
        // 100 points rising by 1, with a dip to 5 at index 37 and a spike to 500 at index 62; 20 points = 5 buckets
        // of 20 points.
        var values = (0..<100).map { 100 + Double($0) }
        values[37] = 5
        values[62] = 500
        let kept = EquityHistory.downsample(Self.series(values), to: 20)
        #expect(kept.count <= 20)
        #expect(kept.first?.timestamp.milliseconds == 0)
        #expect(kept.last?.timestamp.milliseconds == 99)
        #expect(kept.contains { $0.equity == 5 }, "the drawdown stays at its depth")
        #expect(kept.contains { $0.equity == 500 })
        #expect(kept.map(\.timestamp.milliseconds) == kept.map(\.timestamp.milliseconds).sorted(), "time order")
        // Bucket 1 (indices 20-39): first 120, lowest 5 (37), highest 139 (39 is also the last).
        let second = kept.filter { (20..<40).contains($0.timestamp.milliseconds) }.map(\.timestamp.milliseconds)
        #expect(second == [20, 37, 39])
    }
}
