import TickwireModel

/// One parameter of a strategy: its type, bounds, default and meaning. The catalogue is what `Strategies.make`
/// validates a config with and what `GET /api/v1/strategies` publishes as JSON Schema, so the two cannot differ.
public struct StrategyParameter: Sendable {
    public enum Kind: Sendable {
        case integer(ClosedRange<Int>, default: Int)
        case number(ClosedRange<Double>, default: Double)
        case boolean(default: Bool)
    }

    public let name: String
    public let kind: Kind
    public let summary: String

    /// The parameter as a JSON Schema property.
    public var schema: JSONValue {
        var property: [String: JSONValue] = ["description": .string(summary)]
        switch kind {
        case .integer(let range, let value):
            property["type"] = "integer"
            property["minimum"] = .number(Double(range.lowerBound))
            property["maximum"] = .number(Double(range.upperBound))
            property["default"] = .number(Double(value))
        case .number(let range, let value):
            property["type"] = "number"
            property["minimum"] = .number(range.lowerBound)
            property["maximum"] = .number(range.upperBound)
            property["default"] = .number(value)
        case .boolean(let value):
            property["type"] = "boolean"
            property["default"] = .bool(value)
        }
        return .object(property)
    }
}

/// A strategy as the catalogue lists it.
public struct StrategyDescription: Sendable {
    public let name: String
    /// Other names `Strategies.make` accepts for it.
    public let aliases: [String]
    public let summary: String
    public let parameters: [StrategyParameter]

    /// The parameters as a JSON Schema object. Other keys are allowed: a bot's config also carries its order size.
    public var schema: JSONValue {
        .object([
            "type": "object",
            "properties": .object(Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.schema) })),
        ])
    }

    /// The config's values, each checked against its parameter (a missing one takes the default).
    func arguments(_ config: [String: JSONValue]) throws(ValidationError) -> StrategyArguments {
        var values: [String: JSONValue] = [:]
        for parameter in parameters {
            switch parameter.kind {
            case .integer(let range, let value):
                values[parameter.name] = .number(Double(try config.int(parameter.name, default: value, in: range)))
            case .number(let range, let value):
                values[parameter.name] = .number(try config.double(parameter.name, default: value, in: range))
            case .boolean(let value):
                values[parameter.name] = .bool(try config.bool(parameter.name, default: value))
            }
        }
        return StrategyArguments(values: values)
    }
}

/// A config's values once checked against the catalogue.
struct StrategyArguments {
    let values: [String: JSONValue]

    func int(_ name: String) -> Int {
        guard case .number(let value)? = values[name] else { return 0 }
        return Int(exactly: value) ?? 0
    }

    func double(_ name: String) -> Double {
        guard case .number(let value)? = values[name] else { return 0 }
        return value
    }

    func bool(_ name: String) -> Bool {
        guard case .bool(let value)? = values[name] else { return false }
        return value
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
