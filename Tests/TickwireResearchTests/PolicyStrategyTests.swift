import Testing
import TickwireModel

@testable import TickwireResearch

/// The strategies trading models use as policies, each case worked out by hand.
@Suite struct PolicyStrategyTests {
    static func signals(_ strategy: some Strategy, _ prices: [Double]) -> [(Int, OrderSide, String)] {
        var strategy = strategy
        return prices.enumerated().compactMap { index, price in
            strategy.onPrice(price).map { (index, $0.side, $0.reason) }
        }
    }

    @Test func momentumSignalsOnceEachTimeTheChangeCrossesTheThreshold() throws {
        // Lookback 2, threshold 5 %: 100 → 106 is +6 % at index 2; 106 → 99 from 104 is −4.8 %, 94 from 106 −11 %.
        let prices: [Double] = [100, 102, 106, 107, 104, 94, 90, 95]
        let got = Self.signals(try Momentum(lookback: 2, threshold: 5), prices)
        #expect(got.map(\.0) == [2, 5])
        #expect(got.map(\.1) == [.buy, .sell])
        #expect(got[0].2 == "Momentum up: change over 2 prices 6.0% (threshold ±5.0%)")
    }

    @Test func meanReversionBuysStretchedAndSellsBackAboveTheMean() throws {
        // Period 3: [10, 10, 7] has mean 9 and population deviation 1.41: z −1.41 < −1.2 buys.
        let prices: [Double] = [10, 10, 7, 8, 11, 12]
        let got = Self.signals(try MeanReversion(period: 3, entry: 1.2, exit: 0.5), prices)
        #expect(got.map(\.1) == [.buy, .sell])
        #expect(got.map(\.0) == [2, 4], "[8, 11] over [7, 8, 11]: z 1.34")
    }

    @Test func theRuleBasedExplainerGoesLongThenShortWithItsReasons() {
        let rising: [Double] = (0..<20).map { step in
            let wobble: Double = step % 3 == 0 ? -0.4 : 0
            return 100 + Double(step) * 0.5 + wobble
        }
        let falling: [Double] = (0..<20).map { step in
            let wobble: Double = step % 3 == 0 ? 0.5 : 0
            return 109 - Double(step) * 0.6 + wobble
        }
        let got = Self.signals(RuleBased(), rising + falling)
        #expect(got.first?.1 == .buy)
        #expect(got.first?.2.hasPrefix("Uptrend at") == true)
        #expect(got.first?.2.contains("RSI7") == true)
        #expect(got.contains { $0.1 == .sell })
        // Never two of the same side in a row: it reverses, it does not pyramid.
        #expect(zip(got, got.dropFirst()).allSatisfy { $0.1 != $1.1 })
    }

    @Test func theCatalogBuildsEachPolicyAndRefusesBadParameters() throws {
        #expect(try Strategies.make(name: "momentum", config: [:]).warmupBars == 10)
        #expect(try Strategies.make(name: "mean_reversion", config: ["period": .number(5)]).warmupBars == 4)
        #expect(try Strategies.make(name: "rule_based", config: [:]).sellsShort)
        #expect(throws: ValidationError.self) {
            _ = try Strategies.make(name: "momentum", config: ["lookback": .number(0)])
        }
    }
}
