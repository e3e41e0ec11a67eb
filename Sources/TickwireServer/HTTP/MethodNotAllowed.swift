import Hummingbird

extension Router {
    /// Answers a known path asked with a method it does not serve with 405 and an `Allow` header, instead of the
    /// router's 404. Call it after every route is registered.
    func addMethodNotAllowedResponders() {
        var methodsByPath: [String: (path: RouterPath, methods: Set<HTTPRequest.Method>)] = [:]
        for route in routes {
            methodsByPath[route.path.description, default: (route.path, [])].methods.insert(route.method)
        }
        let candidates: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .options, .trace, .init("QUERY")!]
        for (_, entry) in methodsByPath {
            var allowed = entry.methods
            if allowed.contains(.get) { allowed.insert(.head) }
            let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            for method in candidates where !entry.methods.contains(method) {
                on(entry.path, method: method) { _, _ -> Response in
                    throw APIError(
                        .methodNotAllowed, code: "method_not_allowed",
                        message: "\(method.rawValue) is not allowed here; use \(allow)", headers: [.allow: allow])
                }
            }
        }
    }
}
