import HTTPTypes
import Hummingbird

/// Whether a request comes from the server's own pages. `SameSite=Strict` keeps the session cookie from other
/// sites, but not from another port or subdomain of the same site, which may post forms to us; browsers name the
/// page a request comes from in `Origin` (and `Sec-Fetch-Site`), which a page cannot forge.
enum CrossOrigin {
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// True when the request names no other origin: `Origin` matches `Host`, or there is no `Origin` and
    /// `Sec-Fetch-Site` is absent (not a browser) or `same-origin`.
    static func isSameOrigin(_ request: Request) -> Bool {
        if let origin = request.headers[.origin] {
            guard let host = request.head.authority else { return false }
            return authority(of: origin) == host.lowercased()
        }
        guard let site = request.headers[secFetchSite] else { return true }
        return site == "same-origin" || site == "none"
    }

    /// `http://Host:8080` → `host:8080` (an opaque `null` origin matches nothing).
    static func authority(of origin: String) -> String? {
        guard let range = origin.range(of: "://") else { return nil }
        let rest = origin[range.upperBound...]
        guard !rest.isEmpty, !rest.contains("/") else { return nil }
        return rest.lowercased()
    }
}
