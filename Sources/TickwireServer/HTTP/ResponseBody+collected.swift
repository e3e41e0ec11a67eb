import Hummingbird

extension ResponseBody {
    /// The whole body in one buffer: only for bodies of known, bounded length (JSON answers, error bodies).
    consuming func collected() async throws -> ByteBuffer {
        let collector = CollectingWriter()
        try await write(collector)
        return collector.storage.buffer
    }
}

/// Gathers a body into one buffer.
private struct CollectingWriter: ResponseBodyWriter {
    final class Storage: @unchecked Sendable {
        var buffer = ByteBuffer()
    }
    let storage = Storage()

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        storage.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
