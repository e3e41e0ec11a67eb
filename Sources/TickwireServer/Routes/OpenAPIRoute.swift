import Foundation
import Hummingbird
import NIOCore

/// Serves the OpenAPI 3.1 document of the REST API, the file `Resources/openapi.yaml` (a test keeps it true).
struct OpenAPIRoute {
    let document: ByteBuffer

    init() throws {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile)
        }
        self.document = ByteBuffer(bytes: try Data(contentsOf: url))
    }

    func register(on api: RouterGroup<TickwireRequestContext>) {
        let document = self.document
        api.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: document))
        }
    }
}
