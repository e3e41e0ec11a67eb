import NIOCore
import Testing
import TickwireModel

@testable import TickwireHub

/// A subscription's life as a value, with numbers for the waiting tasks and a string for the connection.
@Suite struct SubscriptionStateMachineTests {
    typealias Machine = Subscription.StateMachine<Int, Int, String>

    func machine(events: Int = 10, bytes: Int = 1_000) -> Machine {
        Machine(interest: Interest(topics: [.logs]), maxQueuedEvents: events, maxQueuedBytes: bytes)
    }

    func event(_ id: Int64) -> Subscription.Item {
        .event(
            SharedEvent(
                Event(
                    id: id, timestamp: Timestamp(milliseconds: 0),
                    draft: EventDraft(topic: .logs, type: .logCreated, data: "{}"))))
    }

    func ids(_ take: Machine.Take) -> [Int64] {
        guard case .items(let items) = take else { return [] }
        return items.compactMap { if case .event(let shared) = $0 { shared.event.id } else { nil } }
    }

    @Test func aWaitingTaskIsWokenAndTakesTheWholeQueue() {
        var m = machine()
        do {
            let checked = m.wait(7, cancelled: false)
            #expect(checked)
        }
        guard case .queued(let woken) = m.enqueue(event(1), size: 10) else { Issue.record("not queued"); return }
        #expect(woken == 7)
        guard case .queued(let nobody) = m.enqueue(event(2), size: 10) else { Issue.record("not queued"); return }
        #expect(nobody == nil)
        do {
            let checked = !m.wait(8, cancelled: false)
            #expect(checked, "something is queued: no wait")
        }
        do {
            let checked = ids(m.take()) == [1, 2]
            #expect(checked)
        }
        #expect(m.queuedBytes == 0)
        guard case .empty = m.take() else { Issue.record("queue should be empty"); return }
    }

    @Test func filteredOutItemsAreSkipped() {
        var m = machine()
        guard case .skipped = m.enqueue(event(1), size: 10, passes: false) else { Issue.record("not skipped"); return }
        #expect(m.queue.isEmpty)
    }

    @Test func overflowingEndsWithSlowConsumerAndTellsEveryoneWaiting() {
        var m = machine(events: 2)
        _ = m.wait(1, cancelled: false)
        do {
            let checked = m.waitForEnd(2, cancelled: false) == nil
            #expect(checked)
        }
        #expect(m.whenEnded { _ in } == nil)
        _ = m.enqueue(event(1), size: 10)
        _ = m.enqueue(event(2), size: 10)
        guard case .overflowed(let ending) = m.enqueue(event(3), size: 10) else {
            Issue.record("did not overflow"); return
        }
        #expect(ending.reason == .slowConsumer)
        #expect(ending.waiter == nil, "the first enqueue woke the task already")
        #expect(ending.endWaiter == 2)
        #expect(ending.endHandler != nil)
        #expect(m.queue.isEmpty)
        guard case .ended(.slowConsumer) = m.take() else { Issue.record("not ended"); return }
        guard case .skipped = m.enqueue(event(4), size: 10) else { Issue.record("ended, yet queued"); return }
    }

    @Test func theByteBoundCountsToo() {
        var m = machine(bytes: 25)
        _ = m.enqueue(event(1), size: 20)
        guard case .overflowed = m.enqueue(event(2), size: 10) else { Issue.record("did not overflow"); return }
    }

    @Test func aReplayMustFinishAndTheQueueDrainBeforeAttaching() {
        var m = machine()
        m.startReplay(1...5)
        #expect(m.replayRange == 1...5)
        _ = m.enqueue(event(6), size: 10)
        do {
            let checked = !m.attach("socket")
            #expect(checked, "replaying")
        }
        m.replayed(remaining: 3...5)
        #expect(m.replayRange == 3...5)
        m.replayed(remaining: nil)
        #expect(m.replayRange == nil)
        do {
            let checked = !m.attach("socket")
            #expect(checked, "event 6 still queued")
        }
        do {
            let checked = ids(m.take()) == [6]
            #expect(checked)
        }
        do {
            let checked = m.attach("socket")
            #expect(checked)
        }
        guard case .direct(let sink) = m.enqueue(event(7), size: 10) else { Issue.record("not direct"); return }
        #expect(sink == "socket")
        guard case .write("socket") = m.enqueueExtra(.heartbeat, onlyIfIdle: true) else {
            Issue.record("heartbeat not written"); return
        }
    }

    @Test func heartbeatsOnlyQueueWhenIdleButRepliesAlways() {
        var m = machine()
        _ = m.enqueue(event(1), size: 10)
        guard case .none = m.enqueueExtra(.heartbeat, onlyIfIdle: true) else {
            Issue.record("heartbeat queued"); return
        }
        guard case .wake = m.enqueueExtra(.control(ByteBuffer(string: "pong")), onlyIfIdle: false) else {
            Issue.record("reply not queued"); return
        }
        #expect(m.queue.count == 2)
    }

    @Test func theFirstEndWinsAndQueuedItemsAreStillTakenFirst() {
        var m = machine()
        _ = m.enqueue(event(1), size: 10)
        do {
            let checked = m.end(.revoked).reason == .revoked
            #expect(checked)
        }
        do {
            let checked = m.end(.shuttingDown).reason == .revoked
            #expect(checked)
        }
        do {
            let checked = ids(m.take()) == [1]
            #expect(checked)
        }
        guard case .ended(.revoked) = m.take() else { Issue.record("not ended"); return }
        do {
            let checked = m.waitForEnd(3, cancelled: false) == .revoked
            #expect(checked)
        }
        #expect(m.whenEnded { _ in } == .revoked)
        do {
            let checked = !m.wait(4, cancelled: false)
            #expect(checked)
        }
    }

    @Test func cancelledWaitsResumeAtOnce() {
        var m = machine()
        do {
            let checked = !m.wait(1, cancelled: true)
            #expect(checked)
        }
        do {
            let checked = m.waitForEnd(2, cancelled: true) == .closed
            #expect(checked)
        }
        do {
            let checked = m.wait(3, cancelled: false)
            #expect(checked)
        }
        do {
            let checked = m.cancelWait() == 3
            #expect(checked)
        }
        do {
            let checked = m.cancelWait() == nil
            #expect(checked)
        }
        do {
            let checked = m.waitForEnd(4, cancelled: false) == nil
            #expect(checked)
        }
        do {
            let checked = m.cancelEndWait() == 4
            #expect(checked)
        }
    }
}
