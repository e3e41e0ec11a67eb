import Logging
import ServiceLifecycle
import TickwireHub
import TickwireModel
import TickwireService
import TickwireStore

/// Keeps the hub running: SSE heartbeats on one timer for all connections, event-log retention, the bots' liveness
/// (a silent process is only noticed by a clock), and on graceful shutdown the end of every stream (`shutting_down`),
/// so open connections do not hold the process.
struct HubService: Service {
    let hub: Hub
    let service: TradingService
    let configuration: ServerConfiguration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await heartbeats() }
                group.addTask { await retention() }
                group.addTask { await liveness() }
                await group.waitForAll()
            }
        }
        hub.close()
    }

    private func heartbeats() async {
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: configuration.heartbeatInterval)) != nil else { return }
            hub.heartbeat()
        }
    }

    private func liveness() async {
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: configuration.livenessInterval)) != nil else { return }
            do {
                let changed = try await service.sweepLiveness()
                for bot in changed {
                    logger.info("bot liveness", metadata: ["bot": "\(bot.botId)", "stale": "\(bot.stale)"])
                }
            } catch {
                logger.warning("liveness sweep failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func retention() async {
        while !Task.isCancelled {
            do {
                let removed = try await service.pruneEvents(
                    keepingLast: configuration.retentionCount, olderThan: configuration.retentionAge)
                if removed > 0 { logger.info("event log retention", metadata: ["removed": "\(removed)"]) }
                let runs =
                    try await service.pruneBacktests(olderThan: configuration.backtestRetention)
                    + service.evictBacktests(keepingResultBytes: configuration.backtestCacheBytes)
                if runs > 0 { logger.info("backtest cache retention", metadata: ["removed": "\(runs)"]) }
                let points = try await service.pruneEquity(olderThan: configuration.equityRetention)
                if points > 0 { logger.info("equity history retention", metadata: ["removed": "\(points)"]) }
            } catch {
                logger.warning("event log retention failed", metadata: ["error": "\(error)"])
            }
            guard (try? await Task.sleep(for: .seconds(60))) != nil else { return }
        }
    }
}
