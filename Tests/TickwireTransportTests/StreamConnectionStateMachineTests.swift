import Testing
import TickwireHub

@testable import TickwireTransport

/// Which requests of a connection the stream handler answers itself, as a value: parts are strings, the task a
/// number, the subscription an object and its end handler a string.
@Suite struct StreamConnectionStateMachineTests {
    final class Watched {}
    typealias Machine = StreamConnectionHandler.StateMachine<String, Int, Watched, String>

    func machine() -> Machine { Machine(maxHeldBytes: 100, maxHeldParts: 3) }

    func stream(_ m: inout Machine, closeWhenDone: Bool = false) -> Watched {
        _ = m.received("GET /stream", .head(takesOver: true, closeWhenDone: closeWhenDone))
        m.started(1)
        _ = m.received("end", .end)
        let watched = Watched()
        m.watch(watched)
        return watched
    }

    @Test func theFirstStreamRequestIsTakenOverAndItsPartsGoNoFurther() {
        var m = machine()
        let first = m.received("GET /stream", .head(takesOver: true, closeWhenDone: false))
        guard case .serve(firstRequest: true, closeWhenDone: false) = first else {
            Issue.record("not served: \(first)")
            return
        }
        guard case .drop = m.received("body", .body(bytes: 3)), case .drop = m.received("end", .end) else {
            Issue.record("request parts passed on")
            return
        }
        #expect(m.isServing)
    }

    @Test func otherRequestsGoToHummingbirdAndBlockATakeoverUntilAnswered() {
        var m = machine()
        guard case .passOn(firstRequest: true) = m.received("GET /bots", .head(takesOver: false, closeWhenDone: false))
        else {
            Issue.record("first request not passed on")
            return
        }
        guard case .passOn(firstRequest: false) = m.received("end", .end) else {
            Issue.record("end not passed on")
            return
        }
        // Pipelined behind an unanswered request: Hummingbird answers the stream too, in order.
        guard
            case .passOn(firstRequest: false) = m.received(
                "GET /stream", .head(takesOver: true, closeWhenDone: false))
        else {
            Issue.record("stream taken over while a response was pending")
            return
        }
        m.responseEnded()
        m.responseEnded()
        guard
            case .serve(firstRequest: false, _) = m.received(
                "GET /stream", .head(takesOver: true, closeWhenDone: false))
        else {
            Issue.record("stream not taken over once all was answered")
            return
        }
    }

    @Test func requestsPipelinedBehindAStreamWaitAndResumeInOrder() {
        var m = machine()
        _ = stream(&m)
        guard case .held = m.received("GET /bots", .head(takesOver: false, closeWhenDone: false)),
            case .held = m.received("end", .end)
        else {
            Issue.record("not held")
            return
        }
        guard case .resume(let parts) = m.finished() else {
            Issue.record("nothing resumed")
            return
        }
        #expect(parts == ["GET /bots", "end"])
        #expect(!m.isServing)
    }

    @Test func tooMuchPipelinedBehindAStreamClosesTheConnection() {
        var bytes = machine()
        _ = stream(&bytes)
        guard case .closeConnection = bytes.received("body", .body(bytes: 101)) else {
            Issue.record("byte bound not enforced")
            return
        }
        var parts = machine()
        _ = stream(&parts)
        for _ in 0..<3 { _ = parts.received("end", .end) }
        guard case .closeConnection = parts.received("end", .end) else {
            Issue.record("part bound not enforced")
            return
        }
    }

    @Test func aHandedOverStreamEndsWhenItsSubscriptionEnds() {
        var m = machine()
        let watched = stream(&m)
        guard case .releaseParser = m.detached(onEnd: "last words", channelActive: true, ended: nil) else {
            Issue.record("parser kept")
            return
        }
        guard case .none = m.subscriptionEnded(.closed, of: Watched()) else {
            Issue.record("another subscription's end counted")
            return
        }
        guard case .finish("last words") = m.subscriptionEnded(.revoked, of: watched) else {
            Issue.record("not finished")
            return
        }
        #expect(!m.isServing)
    }

    @Test func handingOverAfterTheEndOrTheCloseActsAtOnce() {
        var ended = machine()
        _ = stream(&ended)
        guard case .ended(.shuttingDown) = ended.detached(onEnd: "x", channelActive: true, ended: .shuttingDown) else {
            Issue.record("end missed")
            return
        }
        var closed = machine()
        let watched = stream(&closed)
        guard case .cancel(let cancelled) = closed.detached(onEnd: "x", channelActive: false, ended: nil),
            cancelled === watched
        else {
            Issue.record("subscription of a closed connection not cancelled")
            return
        }
    }

    @Test func aSlowConsumerWhileTheTaskStillWritesClosesTheConnection() {
        var m = machine()
        let watched = stream(&m)
        guard case .closeConnection = m.subscriptionEnded(.slowConsumer, of: watched) else {
            Issue.record("blocked task not freed")
            return
        }
        guard case .none = m.subscriptionEnded(.closed, of: watched) else {
            Issue.record("the task learns other ends itself")
            return
        }
    }

    @Test func connectionCloseAfterTheResponseClosesAndTheClosedConnectionCancelsAll() {
        var m = machine()
        _ = stream(&m, closeWhenDone: true)
        #expect(m.inputClosed())
        let (work, watched) = m.channelInactive()
        #expect(work == 1)
        #expect(watched != nil)
        guard case .closeConnection = m.finished() else {
            Issue.record("Connection: close ignored")
            return
        }
        #expect(!m.inputClosed())
    }
}
