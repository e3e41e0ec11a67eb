import Hummingbird

/// The per-request context of every Tickwire route.
public struct TickwireRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
