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
final class MalformedRequestResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Its name in the pipeline: an upgrade that leaves HTTP behind removes it with the parser.
    static let name = "tickwire.malformed-request"

    /// Puts a responder right after the request parser of `pipeline`.
    static func install(in pipeline: ChannelPipeline.SynchronousOperations) throws {
        let parser = try pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try pipeline.addHandler(MalformedRequestResponder(), name: name, position: .after(parser.handler))
    }

    private var requests = 0
    private var responses = 0
    private var refused: APIError?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { requests += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd = if case .end = unwrapOutboundIn(data) { true } else { false }
        context.write(data, promise: promise)
        if isEnd {
            responses += 1
            if let refused, responses == requests { answer(refused, context: context) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        guard refused == nil else { return }
        let answer =
            error == .headerOverflow
            ? APIError(
                .requestHeaderFieldsTooLarge, code: "headers_too_large", message: "the request head is too large")
            : APIError(.badRequest, code: "invalid_request", message: "malformed HTTP request (\(error))")
        refused = answer
        if responses == requests { self.answer(answer, context: context) }
    }

    private func answer(_ error: APIError, context: ChannelHandlerContext) {
        let body = ByteBuffer(string: error.jsonBody)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: error.status.code), headers: headers)
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
