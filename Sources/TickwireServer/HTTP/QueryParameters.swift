import Hummingbird
import TickwireModel

/// Typed access to query parameters. An unparseable value is a 400 naming the parameter, never a silent default.
struct QueryParameters {
    let parameters: [String: String]

    init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            parameters[String(key)] = String(value)
        }
        self.parameters = parameters
    }

    func string(_ name: String) throws(APIError) -> String? {
        guard let value = parameters[name] else { return nil }
        guard !value.isEmpty else { throw .invalidParameter(name, "must not be empty") }
        return value
    }

    func int64(_ name: String) throws(APIError) -> Int64? {
        guard let text = try string(name) else { return nil }
        guard let value = Int64(text) else { throw .invalidParameter(name, "must be an integer, got '\(text)'") }
        return value
    }

    /// A finite number greater than zero.
    func positiveNumber(_ name: String) throws(APIError) -> Double? {
        guard let text = try string(name) else { return nil }
        guard let value = Double(text), value.isFinite, value > 0 else {
            throw .invalidParameter(name, "must be a number greater than 0, got '\(text)'")
        }
        return value
    }

    func bool(_ name: String) throws(APIError) -> Bool? {
        guard let text = try string(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw .invalidParameter(name, "must be true or false, got '\(text)'")
        }
    }

    /// An id filter such as `bot_id`: a positive integer.
    func id(_ name: String) throws(APIError) -> Int64? {
        guard let value = try int64(name) else { return nil }
        guard value > 0 else { throw .invalidParameter(name, "must be a positive integer") }
        return value
    }

    func enumeration<Value: RawRepresentable & CaseIterable>(_ name: String, _ type: Value.Type) throws(APIError)
        -> Value? where Value.RawValue == String
    {
        guard let text = try string(name) else { return nil }
        guard let value = Value(rawValue: text) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidParameter(name, "must be one of \(allowed), got '\(text)'")
        }
        return value
    }

    func timestamp(_ name: String) throws(APIError) -> Timestamp? {
        guard let text = try string(name) else { return nil }
        guard let value = Timestamp(iso8601: text) else {
            throw .invalidParameter(name, "must be an ISO 8601 timestamp with an offset, got '\(text)'")
        }
        return value
    }

    /// `limit` and `cursor`, bounded by `PageRequest.maxLimit`.
    func page() throws(APIError) -> PageRequest {
        var page = PageRequest()
        if let limit = try int64("limit") {
            guard limit >= 1, limit <= PageRequest.maxLimit else {
                throw .invalidParameter("limit", "must be between 1 and \(PageRequest.maxLimit)")
            }
            page.limit = Int(limit)
        }
        if let cursor = try string("cursor") {
            guard let before = Int64(cursor), before > 0 else {
                throw .invalidParameter("cursor", "is not a cursor this API returned")
            }
            page.before = before
        }
        return page
    }
}

extension Parameters {
    /// A path id. One that is not a positive integer cannot name anything, so it is a 404 like any unknown id.
    func id(_ name: String = "id", entity: String) throws(APIError) -> Int64 {
        guard let text = self.get(name), let id = Int64(text), id > 0 else {
            throw .notFound("\(entity) \(self.get(name) ?? "") not found")
        }
        return id
    }
}
