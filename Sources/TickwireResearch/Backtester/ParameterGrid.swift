import TickwireModel

/// A parameter sweep: every combination of the grids' values that passes the constraints, each backtested, ranked
/// by one statistic (backtesting.py's `optimize`).
public struct ParameterGrid: Sendable {
    public struct Axis: Sendable, Equatable {
        public var name: String
        public var values: [Double]
        public init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }

        /// `KEY=FROM..TO[:STEP]` (step 1 by default), at most 10,000 values.
        public init(parsing text: String) throws(ValidationError) {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("grid", "'\(text)' is not KEY=FROM..TO[:STEP]")
            }
            let rangeAndStep = parts[1].split(separator: ":", maxSplits: 1).map(String.init)
            let bounds = rangeAndStep[0].split(separator: "..", omittingEmptySubsequences: false).map(String.init)
            guard bounds.count == 2, let from = Double(bounds[0]), let to = Double(bounds[1]), from.isFinite,
                to.isFinite, from <= to
            else { throw ValidationError("grid", "'\(text)' is not KEY=FROM..TO[:STEP]") }
            let step = rangeAndStep.count == 2 ? Double(rangeAndStep[1]) : 1
            guard let step, step.isFinite, step > 0, (to - from) / step < 10_000 else {
                throw ValidationError("grid", "'\(text)': the step must be positive and give at most 10,000 values")
            }
            var values: [Double] = []
            var index = 0.0
            while from + index * step <= to + 1e-9 {
                values.append(from + index * step)
                index += 1
            }
            self.init(name: parts[0], values: values)
        }
    }

    /// `a<b`, `a<=b`, `a>b`, `a>=b` between two parameters (or a parameter and a number).
    public struct Constraint: Sendable, Equatable {
        public var left: String
        public var relation: String
        public var right: String

        public init(parsing text: String) throws(ValidationError) {
            for relation in ["<=", ">=", "<", ">"] {
                let parts = text.split(separator: relation, omittingEmptySubsequences: false).map(String.init)
                if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty {
                    left = parts[0].trimmingCharacters()
                    self.relation = relation
                    right = parts[1].trimmingCharacters()
                    return
                }
            }
            throw ValidationError("constraint", "'\(text)' is not like fast<slow")
        }

        func holds(_ values: [String: Double]) -> Bool {
            guard let a = values[left] ?? Double(left), let b = values[right] ?? Double(right) else { return false }
            switch relation {
            case "<": return a < b
            case "<=": return a <= b
            case ">": return a > b
            default: return a >= b
            }
        }
    }

    public var axes: [Axis]
    public var constraints: [Constraint]

    public init(axes: [Axis], constraints: [Constraint] = []) {
        self.axes = axes
        self.constraints = constraints
    }

    /// Every combination that passes the constraints, in grid order.
    public var combinations: [[String: Double]] {
        var all: [[String: Double]] = [[:]]
        for axis in axes {
            all = all.flatMap { partial in axis.values.map { partial.merging([axis.name: $0]) { $1 } } }
        }
        return all.filter { combination in constraints.allSatisfy { $0.holds(combination) } }
    }
}

extension String {
    func trimmingCharacters() -> String { String(trimmingWhitespace) }
}
