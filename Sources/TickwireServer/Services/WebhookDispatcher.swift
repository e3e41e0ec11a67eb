import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import TickwireHub
import TickwireModel
import TickwireService

/// Delivers webhooks: every event a user's webhook takes becomes a pending delivery (on every node; the store keeps
/// one per webhook and event), and due deliveries are claimed (one node sends each), POSTed signed, and recorded.
/// A failed attempt is tried again after 1, 2, 4, 8 and 16 s (`DeliveryAttempts`), then given up.
///
/// The request: the event as streams carry it (`{"id","topic","type","timestamp","data"}`), with
/// `X-Tickwire-Event`, `X-Tickwire-Delivery`, `X-Tickwire-Timestamp` (Unix seconds) and
/// `X-Tickwire-Signature: sha256=` the hex HMAC-SHA256 of `"{timestamp}.{body}"` keyed with the webhook's secret.
struct WebhookDispatcher: Service {
    let service: TradingService
    let hub: Hub
    let logger: Logger
    /// A claimed delivery another node may take over if this one has not recorded it by then.
    var claimLease: Duration = .seconds(30)
    var requestTimeout: Duration = .seconds(5)

    func run() async throws {
        let wake = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let subscription = try hub.subscribe(Interest(topics: [.orders, .logs, .bots]))
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { subscription.cancel() }
                    while let items = try? await subscription.next() {
                        var queued = 0
                        for case .event(let shared) in items {
                            queued += (try? await service.enqueueWebhookDeliveries(of: shared.event)) ?? 0
                        }
                        if queued > 0 { wake.continuation.yield() }
                    }
                    wake.continuation.finish()
                }
                group.addTask {
                    wake.continuation.yield()  // whatever was pending before this process started
                    var timer: Task<Void, Never>?
                    for await _ in wake.stream {
                        await deliverDue()
                        // Woken again when something new is queued, or when the next retry is due.
                        let wait = await untilNextDue()
                        timer?.cancel()
                        timer = Task {
                            if (try? await Task.sleep(for: wait)) != nil { wake.continuation.yield() }
                        }
                    }
                    timer?.cancel()
                }
                await group.waitForAll()
            }
        }
    }

    private func untilNextDue() async -> Duration {
        guard let due = try? await service.nextDeliveryDue() else { return .seconds(60) }
        let waitMs = due.milliseconds - WallClock.now().milliseconds
        return .milliseconds(min(60_000, max(50, waitMs)))
    }

    private func deliverDue() async {
        while let due = try? await service.claimDueDeliveries(lease: claimLease, limit: 32), !due.isEmpty {
            await withTaskGroup(of: Void.self) { group in
                for (delivery, body) in due {
                    group.addTask { await attempt(delivery, body: body) }
                }
            }
        }
    }

    private func attempt(_ delivery: WebhookDelivery, body: String) async {
        guard let webhook = try? await service.webhook(id: delivery.webhookId) else { return }
        var status: Int?
        var failure: String?
        do {
            var request = HTTPClientRequest(url: webhook.url)
            request.method = .POST
            let timestamp = String(WallClock.now().milliseconds / 1000)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Tickwire-Webhooks")
            request.headers.add(name: "X-Tickwire-Event", value: delivery.eventType)
            request.headers.add(name: "X-Tickwire-Delivery", value: String(delivery.id))
            request.headers.add(name: "X-Tickwire-Timestamp", value: timestamp)
            request.headers.add(
                name: "X-Tickwire-Signature",
                value: "sha256=" + Self.signature(secret: webhook.secret, timestamp: timestamp, body: body))
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(
                request, timeout: .milliseconds(requestTimeout.milliseconds))
            status = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 64 << 10)
        } catch {
            failure = String(describing: error).prefix(500).description
        }
        do {
            let recorded = try await service.recordDeliveryAttempt(delivery, responseStatus: status, error: failure)
            if recorded.status == .failed {
                logger.warning(
                    "webhook delivery given up", metadata: ["delivery": "\(delivery.id)", "url": "\(webhook.url)"])
            }
        } catch {
            logger.warning("webhook attempt not recorded", metadata: ["error": "\(error)"])
        }
    }

    /// The hex HMAC-SHA256 of `"{timestamp}.{body}"` keyed with `secret`.
    static func signature(secret: String, timestamp: String, body: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}
