import Foundation
import TickwireModel

/// A backtest request as a JSON column: what was asked is kept exactly as it was validated.
enum BacktestRequestColumn {
    static func encode(_ request: BacktestRequest) -> String { JSONCoding.encodeToString(request) }

    static func decode(_ text: String, job id: Int64) throws -> BacktestRequest {
        do {
            return try JSONDecoder().decode(BacktestRequest.self, from: Data(text.utf8))
        } catch {
            throw StoreError.unavailable("backtest \(id) has a request the store cannot read")
        }
    }
}
