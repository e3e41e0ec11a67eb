/// Waits until `condition` holds, checking every 10 ms. Tests run in parallel on few cores, so the deadline is
/// generous: it only turns a hang into a failure. Latency is measured by the benchmarks, never here.
///
/// Throws `TimedOut`, naming `what`, if the deadline passes: the caller's expectations never run on a state that
/// never came.
public func eventually(
    _ what: String, within seconds: Double = 20, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what, seconds: seconds) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A condition a test waited for did not come.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public let seconds: Double

    public var description: String { "timed out after \(seconds) s waiting for \(what)" }
}
