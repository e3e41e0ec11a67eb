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
    /// Who a route's `shouldUpgrade` accepted, shared by every copy of the context: how a socket served in the
    /// pipeline (`TasklessWebSockets`) learns who is connected.
    let acceptedPrincipal = AcceptedPrincipal()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
    }
}

/// The principal of an accepted WebSocket upgrade (see `TickwireWebSocketContext.acceptedPrincipal`).
final class AcceptedPrincipal: Sendable {
    private let principal = Mutex<Principal?>(nil)

    var value: Principal? {
        get { principal.withLock { $0 } }
        set { principal.withLock { $0 = newValue } }
    }
}
