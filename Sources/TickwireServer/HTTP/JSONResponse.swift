import Hummingbird
import NIOCore
import TickwireModel

/// JSON responses, encoded with the same encoder as event payloads.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws
        -> Response
    {
        let data = try JSONCoding.encoder().encode(value)
        return make(bytes: ByteBuffer(bytes: data), status: status, headers: headers)
    }

    static func make(bytes: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: bytes))
    }
}

/// `{"data": [...], "next_cursor": "..."}` for paginated lists; `next_cursor` is null on the last page.
struct ListBody<Item: Encodable & Sendable>: Encodable {
    let data: [Item]
    let nextCursor: String?

    init(_ items: [Item]) {
        self.data = items
        self.nextCursor = nil
    }

    init(_ page: Page<Item>) {
        self.data = page.items
        self.nextCursor = page.nextCursor.map(String.init)
    }

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
        try container.encode(nextCursor, forKey: .nextCursor)  // explicit null rather than an absent key
    }
}
