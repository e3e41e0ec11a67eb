import NIOCore
import NIOHTTP1

/// Answers a request the HTTP parser refused (a malformed request line or header, a head too large) with the usual
/// JSON error, then closes the connection: nothing after such a request can be framed, and without this the
/// connection would get no answer at all and stay open.
///
/// It sits right after the request parser, where requests and responses are still NIOHTTP1 parts, and leaves with
/// the parser: when a stream takes the connection over or a WebSocket upgrade is accepted (it would otherwise see
/// frames). Requests read before the bad one are answered first: the error
/// waits for the end of their last response.
public final class MalformedRequestResponder: ChannelDuplexHandler, RemovableChannelHandler {
    /// The answer to a request the parser refused: a status and a JSON body, as the server answers errors.
    public struct Refusal: Sendable {
        public var status: HTTPResponseStatus
        public var json: String

        public init(status: HTTPResponseStatus, json: String) {
            self.status = status
            self.json = json
        }
    }

    /// How the server words a refusal: `headersTooLarge` for a head over the limit, else a malformed request.
    public typealias Refuse = @Sendable (_ error: HTTPParserError, _ headersTooLarge: Bool) -> Refusal

    public typealias InboundIn = HTTPServerRequestPart
    public typealias OutboundIn = HTTPServerResponsePart
    public typealias OutboundOut = HTTPServerResponsePart

    /// Its name in the pipeline: an upgrade that leaves HTTP behind removes it with the parser.
    public static let name = "tickwire.malformed-request"

    /// Puts a responder right after the request parser of `pipeline`.
    public static func install(in pipeline: ChannelPipeline.SynchronousOperations, refuse: @escaping Refuse) throws {
        let parser = try pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try pipeline.addHandler(MalformedRequestResponder(refuse: refuse), name: name, position: .after(parser.handler))
    }

    private let refuse: Refuse
    private var requests = 0
    private var responses = 0
    private var refused: Refusal?

    init(refuse: @escaping Refuse) {
        self.refuse = refuse
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { requests += 1 }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd = if case .end = unwrapOutboundIn(data) { true } else { false }
        context.write(data, promise: promise)
        if isEnd {
            responses += 1
            if let refused, responses == requests { answer(refused, context: context) }
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        guard refused == nil else { return }
        let answer = refuse(error, error == .headerOverflow)
        refused = answer
        if responses == requests { self.answer(answer, context: context) }
    }

    private func answer(_ refusal: Refusal, context: ChannelHandlerContext) {
        let body = ByteBuffer(string: refusal.json)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(
            version: .http1_1, status: refusal.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        // Nothing more is read: saying so first lets the handlers behind (a WebSocket upgrade still waiting for its
        // request) end quietly, instead of failing as if the connection had been torn down under them.
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            bound.value.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            bound.value.close(promise: nil)
        }
    }
}
