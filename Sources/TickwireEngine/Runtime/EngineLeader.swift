import Logging
import ServiceLifecycle
import Synchronization
import TickwireModel
import TickwireService
import TickwireStore

/// Runs the engine on one node of a cluster at a time, while that node holds the database's `EngineLease`; the other
/// nodes wait to take over. Every node takes session starts and stops (`ModelSessions`): they are writes, and the
/// engine, wherever it runs, learns of them through the hub.
///
/// Each term of leadership runs a fresh `Engine` (`makeEngine`), so a node that lost the lease and wins it back
/// starts from the database like any other: running sessions are resumed and active bots started.
public final class EngineLeader: Service {
    private let lease: any EngineLease
    private let retry: Duration
    private let makeEngine: @Sendable () throws -> Engine
    private let logger: Logger
    /// The engine of the current term, if this node leads.
    private let current = Mutex<Engine?>(nil)
    /// The engine made up front (its configuration checked before serving), used for the first term.
    private let first: Mutex<Engine?>

    /// `first` is the engine of the first term; later terms get `makeEngine()`.
    public init(
        lease: any EngineLease, first: Engine, retry: Duration = .seconds(2), logger: Logger,
        makeEngine: @escaping @Sendable () throws -> Engine
    ) {
        self.lease = lease
        self.retry = retry
        self.makeEngine = makeEngine
        self.logger = logger
        self.first = Mutex(first)
    }

    /// The engine running on this node now, if it leads.
    public var engine: Engine? { current.withLock { $0 } }

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
        current.withLock { $0 = engine }
        do { try await engine.run() } catch {
            logger.error("the trading engine stopped", metadata: ["error": "\(error)"])
        }
        current.withLock { $0 = nil }
        // The term is over (the lease was lost, or the server stops): agents connected here would wait for
        // requests that now go to another node.
        await engine.agents.dismissAll(reason: "engine_moved")
    }
}
