import Testing
import TickwireModel

@Suite struct LogCommandsTests {
    @Test func linesKeepTheirOrderTheirTimeOrNowAndBecomeOneEventEach() {
        let creation = LogCommands.append(
            [
                NewLog(botId: 3, level: .info, message: "one"),
                NewLog(botId: nil, level: .error, message: "two", timestamp: Fixtures.t0),
            ], at: Fixtures.t1)
        #expect(creation.row.map(\.timestamp) == [Fixtures.t1, Fixtures.t0])
        let decision = creation.saved([20, 21])
        #expect(decision.value.map(\.id) == [20, 21])
        #expect(decision.value.map(\.message) == ["one", "two"])
        #expect(decision.events.map(\.type) == [.logCreated, .logCreated])
        #expect(decision.events.map(\.botId) == [3, nil])
    }
}
