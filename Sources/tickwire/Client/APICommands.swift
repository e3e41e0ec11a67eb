import ArgumentParser
import Foundation
import TickwireClient
import TickwireModel

/// Where the API commands connect: `--url` / `--token`, else `TICKWIRE_URL` / `TICKWIRE_TOKEN`.
struct ServerOptions: ParsableArguments {
    @Option(help: "The server (env TICKWIRE_URL, default http://127.0.0.1:8080).")
    var url: String?

    @Option(help: "An API key or access token (env TICKWIRE_TOKEN).")
    var token: String?

    var client: TickwireClient {
        let environment = ProcessInfo.processInfo.environment
        return TickwireClient(
            url: url ?? environment["TICKWIRE_URL"] ?? "http://127.0.0.1:8080",
            credential: (token ?? environment["TICKWIRE_TOKEN"]).map(TickwireClient.Credential.apiKey))
    }
}

/// A member of a JSON object, if `value` is one and has it.
func member(_ value: JSONValue, _ key: String) -> JSONValue? {
    guard case .object(let object) = value else { return nil }
    return object[key]
}

func printJSON(_ value: JSONValue) {
    FileHandle.standardOutput.write(Data((JSONCoding.encodeToString(value) + "\n").utf8))
}

/// `tickwire datasets`: a server's OHLCV datasets (the API's `/api/v1/datasets`).
struct DatasetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets", abstract: "List, upload and delete a server's datasets.",
        subcommands: [List.self, Upload.self, Delete.self])

    struct List: AsyncParsableCommand {
        @OptionGroup var server: ServerOptions
        func run() async throws {
            printJSON(try await server.client.request(.GET, "/api/v1/datasets", as: JSONValue.self))
        }
    }

    struct Upload: AsyncParsableCommand {
        @OptionGroup var server: ServerOptions
        @Option(help: "The dataset's name.") var name: String
        @Option(help: "Its ticker.") var ticker: String
        @Argument(help: "An OHLCV CSV file.") var file: String
        func run() async throws {
            let csv = try Data(contentsOf: URL(fileURLWithPath: file))
            printJSON(
                try await server.client.send(
                    .POST, "/api/v1/datasets", query: ["name": name, "ticker": ticker], body: csv,
                    contentType: "text/csv"))
        }
    }

    struct Delete: AsyncParsableCommand {
        @OptionGroup var server: ServerOptions
        @Argument var id: Int64
        func run() async throws { try await server.client.send(.DELETE, "/api/v1/datasets/\(id)") }
    }
}

/// `tickwire backtests`: runs on a server's backtest service (`/api/v1/backtests`), not on this machine (that is
/// `tickwire backtest`).
struct BacktestsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtests", abstract: "Submit, follow and list backtests on a server.",
        subcommands: [Submit.self, Get.self, List.self, Cancel.self])

    struct Submit: AsyncParsableCommand {
        @OptionGroup var server: ServerOptions
        @Option(help: "The dataset's id.") var dataset: Int64
        @Option(help: "A strategy of GET /api/v1/strategies.") var strategy: String
        @Option(help: "A parameter as name=number (repeatable).") var param: [String] = []
        @Option(help: "Starting cash.") var cash: Double?
        @Option(help: "Commission per trade, as a fraction.") var commission: Double?
        @Flag(help: "Wait for the result (followed as the server pushes it) and print the run.") var wait = false

        func run() async throws {
            var parameters: [String: JSONValue] = [:]
            for pair in param {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let value = Double(parts[1]) else {
                    throw ValidationError("--param must be name=number, got '\(pair)'")
                }
                parameters[parts[0]] = .number(value)
            }
            var body: [String: JSONValue] = [
                "dataset_id": .number(Double(dataset)), "strategy": .string(strategy), "params": .object(parameters),
            ]
            if let cash { body["cash"] = .number(cash) }
            if let commission { body["commission"] = .number(commission) }
            let client = server.client
            let run = try await client.request(.POST, "/api/v1/backtests", body: body, as: JSONValue.self)
            guard wait, case .number(let id)? = member(run, "id"), let runId = Int64(exactly: id) else {
                return printJSON(run)
            }
            _ = try await client.waitForBacktest(id: runId)
            printJSON(try await client.request(.GET, "/api/v1/backtests/\(runId)", as: JSONValue.self))
        }
    }

    struct Get: AsyncParsableCommand {
        @OptionGroup var server: ServerOptions
        @Argument var id: Int64
        func run() async throws {
            printJSON(try await server.client.request(.GET, "/api/v1/backtests/\(id)", as: JSONValue.self))
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var server: ServerOptions
        func run() async throws {
            printJSON(try await server.client.request(.GET, "/api/v1/backtests", as: JSONValue.self))
        }
    }

    struct Cancel: AsyncParsableCommand {
        @OptionGroup var server: ServerOptions
        @Argument var id: Int64
        func run() async throws {
            printJSON(try await server.client.request(.DELETE, "/api/v1/backtests/\(id)", as: JSONValue.self))
        }
    }
}
