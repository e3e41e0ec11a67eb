import Logging
import ServiceLifecycle
import Synchronization
import TickwireModel
import TickwireService
import TickwireStore

/// Runs the engine on one node of a cluster at a time, while that node holds the database's `EngineLease`; the other
/// nodes wait to take over. Model sessions are started and stopped on the node whose engine runs; elsewhere the
/// routes answer 503 `engine_elsewhere`.
///
/// Each term of leadership runs a fresh `Engine` (`makeEngine`), so a node that lost the lease and wins it back
/// starts from the database like any other: interrupted sessions are closed and active bots resumed.
public final class EngineLeader: Service, ModelSessionControl {
    private let lease: any EngineLease
    private let retry: Duration
    private let makeEngine: @Sendable () throws -> Engine
    private let logger: Logger
    /// The engine of the current term and the term (which fences its writes), if this node leads.
    private let current: Mutex<(engine: Engine, term: LeaseTerm?)?>
    /// The engine made up front (its configuration checked before serving), used for the first term.
    private let first: Mutex<Engine?>

    /// `first` is the engine of the first term; later terms get `makeEngine()`. Without contention (an embedded
    /// database) `first` takes requests at once, before `run` starts it.
    public init(
        lease: any EngineLease, first: Engine, retry: Duration = .seconds(2), logger: Logger,
        makeEngine: @escaping @Sendable () throws -> Engine
    ) {
        self.lease = lease
        self.retry = retry
        self.makeEngine = makeEngine
        self.logger = logger
        self.first = Mutex(first)
        self.current = Mutex(lease.isContended ? nil : (first, nil))
    }

    /// The engine running on this node now, if it leads.
    public var engine: Engine? { current.withLock { $0?.engine } }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.lease.whileLeading(retry: self.retry) {
                await self.runTerm()
            }
        }
    }

    private func runTerm() async {
        let engine: Engine
        do {
            engine = try first.withLock { $0.take() } ?? makeEngine()
        } catch {
            return logger.error("could not start the trading engine", metadata: ["error": "\(error)"])
        }
        // Requests that reach this engine (session starts) write for its term, like the engine's own tasks.
        current.withLock { $0 = (engine, LeaseTerm.current) }
        // A term that is cancelled (the lease was lost) stops taking session requests at once, not once its engine
        // has wound down: another node may already lead.
        await withTaskCancellationHandler {
            do { try await engine.run() } catch {
                logger.error("the trading engine stopped", metadata: ["error": "\(error)"])
            }
        } onCancel: {
            current.withLock { $0 = nil }
        }
        current.withLock { $0 = nil }
    }

    public func startSession(modelId: Int64, by actor: Actor) async throws -> ModelSession {
        guard let (engine, term) = current.withLock({ $0 }) else { throw EngineElsewhere() }
        return try await LeaseTerm.$current.withValue(term) {
            try await engine.startSession(modelId: modelId, by: actor)
        }
    }

    public func stopSession(modelId: Int64, by actor: Actor) async throws -> ModelSession {
        guard let (engine, term) = current.withLock({ $0 }) else { throw EngineElsewhere() }
        return try await LeaseTerm.$current.withValue(term) {
            try await engine.stopSession(modelId: modelId, by: actor)
        }
    }
}
