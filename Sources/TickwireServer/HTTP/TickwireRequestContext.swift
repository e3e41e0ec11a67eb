import Hummingbird
import HummingbirdAuth
import HummingbirdWebSocket
import NIOCore
import Synchronization
import TickwireTransport

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
    /// Where the upgrade route records its decision (`WebSocketEndpoints.decide` sets it).
    var upgradeDecision: UpgradeDecision?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
    }
}

/// A route's decision on a WebSocket upgrade (see `TickwireWebSocketContext.upgradeDecision`).
final class UpgradeDecision: Sendable {
    /// Decisions alive, by server port (tests check that none outlives its upgrade).
    static let alive = AliveCount()

    private let decision = Mutex<Principal??>(nil)
    private let port: Int?

    init(port: Int?) {
        self.port = port
        if let port { Self.alive.add(port: port) }
    }

    deinit {
        if let port { Self.alive.remove(port: port) }
    }

    /// The route accepted the upgrade for `principal` (nil: no credentials yet; the socket must authenticate).
    func accept(_ principal: Principal?) {
        decision.withLock { $0 = .some(principal) }
    }

    /// Nil if the route did not accept; else who it accepted.
    var accepted: Principal?? { decision.withLock { $0 } }
}
