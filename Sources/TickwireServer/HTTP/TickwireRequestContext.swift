import Hummingbird
import HummingbirdAuth
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// What the authentication middleware leaves on every request context.
protocol AuthenticatedContext: AuthRequestContext where Identity == Principal {
    /// Why credentials that were presented were refused (nil if none were presented or they were valid). Public
    /// routes ignore it; protected routes answer 401 with it.
    var authFailure: APIError? { get set }
    /// The peer's IP address, for per-address login limits.
    var remoteAddress: String? { get }
}

/// The per-request context of every Tickwire route.
public struct TickwireRequestContext: AuthenticatedContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Principal?
    var authFailure: APIError?
    let remoteAddress: String?
    /// The connection, for streams that the hub writes to directly (`SSEChannelSink`).
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
    }
}

/// The context of the WebSocket router: the same authentication, before the upgrade.
public struct TickwireWebSocketContext: AuthenticatedContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    public var identity: Principal?
    var authFailure: APIError?
    let remoteAddress: String?
    /// The connection, for sockets that the hub writes to directly (`WebSocketChannelSink`).
    let channel: any Channel
    /// Set when the upgrade is to be served in the pipeline (`TasklessWebSockets`): the route records its decision
    /// here instead of handing hummingbird-websocket a handler (see `WebSocketRoutes.accept`).
    var pipelineUpgrade: PipelineUpgrade?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
    }
}

/// A route's decision on an upgrade served in the pipeline (see `TickwireWebSocketContext.pipelineUpgrade`).
final class PipelineUpgrade: Sendable {
    private let decision = Mutex<Principal??>(nil)

    /// The route accepted the upgrade for `principal` (nil: no credentials yet; the socket must authenticate).
    func accept(_ principal: Principal?) {
        decision.withLock { $0 = .some(principal) }
    }

    /// Nil if the route did not accept; else who it accepted.
    var accepted: Principal?? { decision.withLock { $0 } }
}
