import Synchronization

/// Client messages of one socket, handled one at a time and in order by a task that exists only while messages are
/// waiting. At most `maxPending` may wait: a client that sends faster than it is answered is closed with 1008
/// `too_many_messages`.
final class SerialInbox: Sendable {
    static let maxPending = 64

    typealias Handle = @Sendable (String?) async throws(WebSocketCloseReason) -> Void
    private let handle: Handle
    private let fail: @Sendable (WebSocketCloseReason) -> Void
    private let state = Mutex<State>(State())

    private struct State {
        var pending: [String?] = []
        var running = false
        var stopped = false
    }

    init(handle: @escaping Handle, fail: @escaping @Sendable (WebSocketCloseReason) -> Void) {
        self.handle = handle
        self.fail = fail
    }

    /// Queues a message (nil: a binary one).
    func push(_ message: String?) {
        enum Outcome { case queued, start, overflow }
        let outcome: Outcome = state.withLock { state in
            guard !state.stopped else { return .queued }
            guard state.pending.count < Self.maxPending else {
                state.stopped = true
                state.pending = []
                return .overflow
            }
            state.pending.append(message)
            if state.running { return .queued }
            state.running = true
            return .start
        }
        switch outcome {
        case .queued: break
        case .start: Task { await run() }
        case .overflow: fail(WebSocketCloseReason(code: .policyViolation, reason: "too_many_messages"))
        }
    }

    /// No more messages are handled (the socket closed).
    func stop() {
        state.withLock { state in
            state.stopped = true
            state.pending = []
        }
    }

    private func run() async {
        while let message = next() {
            do throws(WebSocketCloseReason) {
                try await handle(message)
            } catch {
                stop()
                fail(error)
            }
        }
    }

    /// The next message, or nil (the task then ends).
    private func next() -> String?? {
        state.withLock { state in
            if state.stopped || state.pending.isEmpty {
                state.running = false
                return nil
            }
            return .some(state.pending.removeFirst())
        }
    }
}
