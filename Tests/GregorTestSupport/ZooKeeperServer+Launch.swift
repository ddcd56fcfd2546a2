import Foundation

extension ZooKeeperServer {
    enum LaunchOutcome {
        case serving(ChildProcess)
        /// Another program holds the port; the JVM we started has been stopped.
        case portTaken
    }

    /// Starts one JVM for `config` on `port` and waits until it serves, polling every 50 ms.
    ///
    /// "Serving" means `srvr` says `Mode: standalone` *and* `conf` names our data directory: on a busy machine
    /// another test process's server may hold the port, and its answers must not pass for ours. Throws if the
    /// JVM dies for another reason or is not serving by `deadline` (the JVM is stopped then).
    static func launch(
        _ config: ZooKeeperConfig, port: Int, deadline: ContinuousClock.Instant
    ) async throws -> LaunchOutcome {
        let log = LogFile(url: config.logFile)
        let logStart = log.size()
        let (java, arguments) = config.command()
        let process = try ChildProcess.launch(java, arguments: arguments, outputFile: config.logFile)
        do {
            // Checked once more after the deadline: a test may wait that long for a thread when the whole unit
            // suite starts at once, and the server may have been serving for a while by then.
            while true {
                let pastDeadline = ContinuousClock.now >= deadline
                if let status = process.exitStatus {
                    if log.text(from: logStart).contains(bindFailure) { return .portTaken }
                    throw FixtureError.processExited(
                        executable: "ZooKeeper (java)", status: status, logTail: log.tail(from: logStart))
                }
                if log.text(from: logStart).contains(bindFailure) {
                    await process.stop()
                    return .portTaken
                }
                if let outcome = try await probe(process, config: config, port: port) { return outcome }
                if pastDeadline {
                    throw FixtureError.zooKeeperStartFailed(
                        reason: "not serving on port \(port) in time", logTail: log.tail(from: logStart))
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        } catch {
            await process.stop()
            throw error
        }
    }

    /// One readiness check: nil while the server is not (yet) serving.
    private static func probe(
        _ process: ChildProcess, config: ZooKeeperConfig, port: Int
    ) async throws -> LaunchOutcome? {
        guard let answer = try? await FourLetterWord.send("srvr", port: port, timeout: .seconds(1)),
            answer.contains("Mode: standalone")
        else { return nil }
        guard let conf = try? await FourLetterWord.send("conf", port: port, timeout: .seconds(1)) else {
            return nil
        }
        if conf.contains(config.dataDirectory.path) { return .serving(process) }
        await process.stop()
        return .portTaken
    }

    /// What the JVM logs (from `java.net.BindException`) when the client port is in use.
    private static let bindFailure = "Address already in use"
}
