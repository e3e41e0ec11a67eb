import CompressNIO
import Hummingbird
import NIOCore
import Synchronization
import TickwireModel
import TickwireService
import TickwireStore

/// `GET /api/v1/bots/page`: the bots-page bundle with an `ETag` and `304 Not Modified`.
///
/// Every change appends an event, so the event-log position is the bundle's version: the ETag changes exactly when
/// the data does. The encoded bundle (and its gzip form) is kept for the version it was read at and rebuilt, from
/// one read snapshot, as soon as the log has moved on. There is no time-based expiry: a request never sees data
/// older than the last committed change, and an unchanged bundle costs one indexed read (`MAX(id)`) to serve.
struct BotsPageRoute {
    let service: TradingService
    let view: BotsPageView

    func register(on api: RouterGroup<TickwireRequestContext>) {
        api.get("bots/page", use: page)
    }

    @Sendable func page(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        let current = try await service.reader.lastEventId()
        if let ifNoneMatch = request.headers[.ifNoneMatch], ETag.matches(ifNoneMatch, ETag.of(current)) {
            return Response(status: .notModified, headers: [.eTag: ETag.of(current)])
        }
        let snapshot = try await view.snapshot(atLeast: current, for: try context.principal().actor, service: service)
        var headers: HTTPFields = [.eTag: ETag.of(snapshot.eventId), .vary: "Accept-Encoding, Authorization, Cookie"]
        if snapshot.plain.readableBytes > 1024,
            CompressionMiddleware<TickwireRequestContext>.acceptsGzip(
                request.headers[.acceptEncoding])
        {
            headers[.contentEncoding] = "gzip"
            return JSONResponse.make(
                bytes: try view.gzipped(snapshot, for: try context.principal().actor), headers: headers)
        }
        return JSONResponse.make(bytes: snapshot.plain, headers: headers)
    }
}

/// The latest encoded bundle of each audience (each user; admins share the full one), keyed by the event-log
/// position it was read at.
final class BotsPageView: Sendable {
    /// Audiences kept at most; beyond it the kept bundles are dropped and rebuilt on demand.
    static let maxAudiences = 1024

    struct Snapshot: Sendable {
        var eventId: Int64
        var plain: ByteBuffer
        var gzipped: ByteBuffer?
    }

    /// Keyed by the owner filter: a user's id, or nil for the admins' bundle of every bot.
    private let latest = Mutex<[Int64?: Snapshot]>([:])

    /// A snapshot at `eventId` or newer for what `actor` may see: the kept one if it is current, else a fresh read.
    func snapshot(atLeast eventId: Int64, for actor: Actor, service: TradingService) async throws -> Snapshot {
        let audience = actor.ownerFilter
        if let kept = latest.withLock({ $0[audience] }), kept.eventId >= eventId { return kept }
        let page = try await service.botsPage(by: actor)
        let fresh = Snapshot(eventId: page.eventId, plain: ByteBuffer(bytes: try JSONCoding.encoder().encode(page)))
        return latest.withLock { kept in
            if let current = kept[audience], current.eventId >= fresh.eventId { return current }
            if kept.count >= Self.maxAudiences { kept.removeAll() }
            kept[audience] = fresh
            return fresh
        }
    }

    /// The gzip form of `snapshot`, compressed at most once per version.
    func gzipped(_ snapshot: Snapshot, for actor: Actor) throws -> ByteBuffer {
        if let gzipped = snapshot.gzipped { return gzipped }
        var plain = snapshot.plain
        let gzipped = try plain.compress(with: .gzip())
        let audience = actor.ownerFilter
        latest.withLock { kept in
            if kept[audience]?.eventId == snapshot.eventId { kept[audience]?.gzipped = gzipped }
        }
        return gzipped
    }
}

enum ETag {
    static func of(_ eventId: Int64) -> String { "\"e\(eventId)\"" }

    /// `If-None-Match` holds `*` or a list of (possibly weak) tags; weak comparison is right for a GET.
    static func matches(_ ifNoneMatch: String, _ tag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { candidate in
            var candidate = candidate.trimmingCharacters(in: .whitespaces)
            if candidate == "*" { return true }
            if candidate.hasPrefix("W/") { candidate.removeFirst(2) }
            return candidate == tag
        }
    }
}
