import Testing
import TickwireModel

@Suite struct ModelCommandsTests {
    @Test func aModelWithoutAPolicyIsRuleBased() {
        let creation = ModelCommands.create(NewTradingModel(name: "m"), ownerId: 9, at: Fixtures.t1)
        #expect(creation.row.policy == "rule_based")
        let decision = creation.saved(6)
        #expect(decision.value.id == 6)
        #expect(decision.events.isEmpty)
    }

    @Test func aSessionStartsWithSeed004sFirstStatusAndTellsTheEngine() throws {
        let decision = try ModelCommands.startSession(modelId: 6, running: false, at: Fixtures.t1).saved(30)
        #expect(decision.value.status == .running)
        #expect(decision.value.startedAt == Fixtures.t1)
        #expect(decision.events.map(\.type) == [.status, .sessionStarted])
        #expect(decision.events.map(\.topic) == [.model(6), .engine])
        let first = Fixtures.payload(decision.events[0])
        #expect(first["message"] == .string("Initializing AI agent..."))
        #expect(first["session_id"] == .number(30))
    }

    @Test func aModelRunsOneSessionAtATime() {
        #expect(throws: CommandConflict.self) {
            try ModelCommands.startSession(modelId: 6, running: true, at: Fixtures.t1)
        }
    }

    @Test func aFinishedSessionEndsWithCompleteOrError() throws {
        let running = ModelSession(id: 30, modelId: 6, status: .running, decisions: 0, startedAt: Fixtures.t0)
        let done = try ModelCommands.finishSession(
            running, status: .completed, decisions: 12, summary: "done", at: Fixtures.t1)
        #expect(done.value.endedAt == Fixtures.t1)
        #expect(done.value.decisions == 12)
        #expect(done.events.map(\.type) == [.complete, .sessionEnded])
        #expect(Fixtures.payload(done.events[0])["decisions"] == .number(12))
        let failed = try ModelCommands.finishSession(
            running, status: .failed, decisions: 1, summary: "boom", at: Fixtures.t1)
        #expect(failed.events.map(\.type) == [.error, .sessionEnded])
        #expect(throws: CommandConflict.self) {
            try ModelCommands.finishSession(done.value, status: .stopped, decisions: 1, summary: "", at: Fixtures.t1)
        }
    }
}
