import TickwireHub

extension StreamConnectionHandler {
    /// Which requests of a connection the handler answers itself, as a value: request parts and the response's
    /// progress go in, and what the handler must do comes out. Generic over the parts, the task, the subscription
    /// and its end handler, so that tests drive it without a channel.
    struct StateMachine<Part, Work, Watched: AnyObject, OnEnd> {
        /// What kind of request part arrived.
        enum Kind {
            /// `takesOver`: a stream request this handler can answer; `closeWhenDone`: it asked for
            /// `Connection: close`.
            case head(takesOver: Bool, closeWhenDone: Bool)
            case body(bytes: Int)
            case end
        }

        struct Serving {
            /// The task answering the request, until the response is handed over.
            var work: Work?
            /// The subscription the response streams.
            var watched: Watched?
            /// Set once the response has been handed over: what to call when the subscription ends.
            var onEnd: OnEnd?
            var closeWhenDone: Bool
            /// Parts of requests pipelined behind the one being served, passed on once it is answered.
            var held: [Part] = []
            var heldBytes = 0
        }

        enum State {
            /// Requests go to Hummingbird; `unanswered` of them have no complete response yet.
            case passing(unanswered: Int)
            /// A stream request is answered here.
            case serving(Serving)

            /// The subscription the served response streams, if any.
            var watched: Watched? {
                if case .serving(let serving) = self { return serving.watched }
                return nil
            }
        }

        enum Received {
            /// A part of the request being served: it goes no further.
            case drop
            /// Kept until the served response is over.
            case held
            /// Too much was pipelined behind a stream: the client abuses the connection.
            case closeConnection
            /// Hummingbird's; `firstRequest`: tell `FirstRequestSignal` it was not taken over.
            case passOn(firstRequest: Bool)
            /// Answer it here (then report the task with `started`); `firstRequest`: Hummingbird's task for the
            /// connection waits until this response is over.
            case serve(firstRequest: Bool, closeWhenDone: Bool)
        }

        enum Detached {
            case none
            /// The connection closed while the task handed over: nothing else would cancel the subscription.
            case cancel(Watched)
            /// The subscription ended meanwhile: end the response now.
            case ended(Subscription.EndReason)
            /// The response lives on without its task: the request parser can go.
            case releaseParser
        }

        enum Ended {
            case none
            /// The task still writes, blocked behind a client that stopped reading: only closing frees it.
            case closeConnection
            /// Write what `onEnd` returns, end the response and close the connection.
            case finish(OnEnd)
        }

        enum Finished {
            case none
            case closeConnection
            /// Serve these parts, which waited behind the response, in order.
            case resume([Part])
        }

        let maxHeldBytes: Int
        let maxHeldParts: Int
        private(set) var state: State = .passing(unanswered: 0)
        private var sawRequest = false
        /// From the head of a served request until its end: its parts are not passed on. (It outlives `serving`
        /// when the answer comes before the whole request.)
        private var readingServedRequest = false

        init(maxHeldBytes: Int, maxHeldParts: Int) {
            self.maxHeldBytes = maxHeldBytes
            self.maxHeldParts = maxHeldParts
        }

        var isServing: Bool {
            if case .serving = state { return true }
            return false
        }

        mutating func received(_ part: Part, _ kind: Kind) -> Received {
            if readingServedRequest {
                if case .end = kind { readingServedRequest = false }
                return .drop
            }
            switch state {
            case .serving(var serving):
                if case .body(let bytes) = kind { serving.heldBytes += bytes }
                serving.held.append(part)
                let abusive = serving.heldBytes > maxHeldBytes || serving.held.count > maxHeldParts
                state = .serving(serving)
                return abusive ? .closeConnection : .held
            case .passing(let unanswered):
                guard case .head(let takesOver, let closeWhenDone) = kind else { return .passOn(firstRequest: false) }
                let first = !sawRequest
                sawRequest = true
                guard takesOver, unanswered == 0 else {
                    state = .passing(unanswered: unanswered + 1)
                    return .passOn(firstRequest: first)
                }
                readingServedRequest = true
                state = .serving(Serving(closeWhenDone: closeWhenDone))
                return .serve(firstRequest: first, closeWhenDone: closeWhenDone)
            }
        }

        /// Hummingbird wrote the end of a response.
        mutating func responseEnded() {
            if case .passing(let unanswered) = state { state = .passing(unanswered: max(0, unanswered - 1)) }
        }

        mutating func started(_ work: Work) {
            update { $0.work = work }
        }

        mutating func watch(_ watched: Watched) {
            update { $0.watched = watched }
        }

        /// The client closed its side: while a stream is served, that means it has gone.
        func inputClosed() -> Bool { isServing }

        /// The connection is gone: cancel what still runs for it.
        mutating func channelInactive() -> (work: Work?, watched: Watched?) {
            guard case .serving(let serving) = state else { return (nil, nil) }
            return (serving.work, serving.watched)
        }

        /// The response handed itself over; `ended` is the subscription's end if it has already come.
        mutating func detached(onEnd: OnEnd, channelActive: Bool, ended: Subscription.EndReason?) -> Detached {
            guard case .serving(var serving) = state, let watched = serving.watched else { return .none }
            serving.work = nil
            serving.onEnd = onEnd
            state = .serving(serving)
            if !channelActive { return .cancel(watched) }
            if let ended { return .ended(ended) }
            return .releaseParser
        }

        /// The subscription `watched` ended (a response that ended without being handed over may have been followed
        /// by another stream on the connection: only the current one counts).
        mutating func subscriptionEnded(_ reason: Subscription.EndReason, of watched: Watched) -> Ended {
            guard case .serving(let serving) = state, serving.watched === watched else { return .none }
            guard let onEnd = serving.onEnd else { return reason == .slowConsumer ? .closeConnection : .none }
            state = .passing(unanswered: 0)
            return .finish(onEnd)
        }

        /// The response ended without being handed over: later requests are served again.
        mutating func finished() -> Finished {
            guard case .serving(let serving) = state else { return .none }
            state = .passing(unanswered: 0)
            if serving.closeWhenDone { return .closeConnection }
            return .resume(serving.held)
        }

        private mutating func update(_ change: (inout Serving) -> Void) {
            guard case .serving(var serving) = state else { return }
            change(&serving)
            state = .serving(serving)
        }
    }
}
