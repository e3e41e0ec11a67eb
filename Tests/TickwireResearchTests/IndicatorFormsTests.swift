import Foundation
import Testing
import TickwireModel

@testable import TickwireResearch

/// Each indicator's streaming form gives exactly its batch form's values, value by value.
@Suite struct IndicatorFormsTests {
    @Test func streamingAndBatchAgree() {
        let values = BacktesterTests.wave
        var sma = SMA(period: 10)
        var rsi = RSI(period: 14)
        var macd = MACD()
        let batchSMA = Indicators.sma(values, period: 10)
        let batchRSI = Indicators.rsi(values, period: 14)
        let batchMACD = MACD.batch(values)
        for (index, value) in values.enumerated() {
            let streamed = sma.update(value) ?? .nan
            #expect(streamed.bitPattern == batchSMA[index].bitPattern || (streamed.isNaN && batchSMA[index].isNaN))
            let r = rsi.update(value) ?? .nan
            #expect(r.bitPattern == batchRSI[index].bitPattern || (r.isNaN && batchRSI[index].isNaN))
            let m = macd.update(value)?.macd ?? .nan
            #expect(m.bitPattern == batchMACD.macd[index].bitPattern || (m.isNaN && batchMACD.macd[index].isNaN))
        }
        #expect(batchSMA.firstIndex { !$0.isNaN } == 9)
        #expect(batchRSI.firstIndex { !$0.isNaN } == 14)
        #expect(batchMACD.macd.firstIndex { !$0.isNaN } == 33)
    }
}
