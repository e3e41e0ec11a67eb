import HTTPTypes
import Hummingbird
import Logging
import TickwireTransport

extension StreamConnectionHandler {
    /// A handler for each new connection, taking over `GET streamPath` and answering it with `router`.
    static func factory(router: Router<TickwireRequestContext>, streamPath: String, logger: Logger)
        -> @Sendable () -> StreamConnectionHandler
    {
        let responder = router.buildResponder()
        let respond: Respond = { request, channel in
            var logger = logger
            logger[metadataKey: "hb.request.id"] = .stringConvertible(RequestID())
            let context = TickwireRequestContext(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch {
                response = Response(status: .internalServerError)
            }
            response.headers[.server] = "Tickwire"
            return response
        }
        let takesOver: @Sendable (HTTPRequest) -> Bool = { head in
            guard head.method == .get, head.headerFields[.upgrade] == nil, let path = head.path else { return false }
            return path == streamPath || path.hasPrefix(streamPath + "?")
        }
        return { StreamConnectionHandler(respond: respond, takesOver: takesOver) }
    }
}
