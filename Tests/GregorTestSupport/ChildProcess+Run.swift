import Foundation

extension ChildProcess {
    /// What a finished command did: its exit status (see `ExitStatus`) and its stdout+stderr, interleaved.
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
    }

    /// Runs a short command to completion, e.g. the `gregor` CLI: output is collected in a temp file that is
    /// removed afterwards. If it has not ended after `timeout` it is killed and `FixtureError.timedOut` thrown.
    ///
    /// Prefer this to `Foundation.Process` in tests: see `Spawn` for why that one can hang beside long-lived
    /// children.
    public static func run(
        _ executable: URL, arguments: [String], environment: [String: String]? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> Result {
        let directory = try TemporaryDirectory.make(prefix: "run")
        defer { TemporaryDirectory.remove(directory) }
        let outputFile = directory.appendingPathComponent("output")
        let child = try launch(executable, arguments: arguments, outputFile: outputFile, environment: environment)
        do {
            let status = try await child.waitForExit(timeout: timeout)
            return Result(status: status, output: LogFile(url: outputFile).text())
        } catch {
            await child.stop(gracePeriod: .zero)
            throw error
        }
    }
}
