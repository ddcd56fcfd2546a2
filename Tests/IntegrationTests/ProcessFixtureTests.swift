import Foundation
import Glibc
import Testing

@testable import GregorTestSupport

/// `BrokerProcess` and `ChildProcess` against stand-in executables: small shell scripts that ignore the
/// properties-file argument and exit, sleep or print on cue.
@Suite struct ProcessFixtureTests {
    /// A script in a fresh temp dir that runs `body` (after echoing its arguments).
    private func script(_ body: String) throws -> URL {
        let file = try TemporaryDirectory.make(prefix: "script").appendingPathComponent("fake-broker")
        try "#!/bin/sh\necho \"args: $*\"\n\(body)\n".write(to: file, atomically: true, encoding: .utf8)
        guard chmod(file.path, 0o755) == 0 else { throw FixtureError.systemCall("chmod", errno: errno) }
        return file
    }

    @Test func normalExitStatusAndArguments() async throws {
        let broker = try BrokerProcess.start(
            executable: script("exit 7"), properties: ["zookeeper.connect": "127.0.0.1:2181", "broker.id": "3"],
            overrides: ["log.dirs": "/tmp/x", "a.b": "c"])
        #expect(try await broker.waitForExit(timeout: .seconds(10)) == 7)
        #expect(!broker.isRunning)
        let path = broker.propertiesFile.path
        #expect(broker.log().contains("args: \(path) --override a.b=c --override log.dirs=/tmp/x"))
        let properties = try String(contentsOf: broker.propertiesFile, encoding: .utf8)
        #expect(properties == "broker.id=3\nzookeeper.connect=127.0.0.1\\:2181\n")
    }

    @Test func deathBySignalIsReportedAs128PlusSignal() async throws {
        let executable = try script("exec sleep 30")
        let terminated = try BrokerProcess.start(executable: executable, properties: [:])
        try await terminated.waitForLog(containing: "args:", timeout: .seconds(10))
        #expect(terminated.isRunning)
        terminated.terminate()
        #expect(try await terminated.waitForExit(timeout: .seconds(10)) == 128 + SIGTERM)

        let killed = try BrokerProcess.start(executable: executable, properties: [:])
        killed.kill()
        #expect(try await killed.waitForExit(timeout: .seconds(10)) == ExitStatus.killed(by: SIGKILL))
        #expect(!ChildRegistry.shared.livePids.contains(killed.pid))
    }

    @Test func suspendedProcessTakesSignalsOnlyOnceResumed() async throws {
        let broker = try BrokerProcess.start(executable: script("exec sleep 30"), properties: [:])
        try await broker.waitForLog(containing: "args:", timeout: .seconds(10))
        try await broker.suspend()
        broker.terminate()
        await #expect(throws: FixtureError.self) { _ = try await broker.waitForExit(timeout: .milliseconds(200)) }
        broker.resume()
        #expect(try await broker.waitForExit(timeout: .seconds(10)) == 128 + SIGTERM)
    }

    @Test func stopEscalatesToSIGKILLWhenSIGTERMIsIgnored() async throws {
        let broker = try BrokerProcess.start(executable: script("trap '' TERM\nexec sleep 30"), properties: [:])
        try await broker.waitForLog(containing: "args:", timeout: .seconds(10))
        await #expect(throws: FixtureError.self) { _ = try await broker.waitForExit(timeout: .milliseconds(100)) }
        #expect(await broker.stop(gracePeriod: .milliseconds(300)) == 128 + SIGKILL)
    }

    @Test func waitForLogFailsEarlyWhenTheProcessExits() async throws {
        let broker = try BrokerProcess.start(executable: script("echo bye; exit 2"), properties: [:])
        let start = ContinuousClock.now
        await #expect(throws: FixtureError.self) {
            try await broker.waitForLog(containing: "never printed", timeout: .seconds(30))
        }
        #expect(ContinuousClock.now - start < .seconds(10))
        try await broker.waitForLog(containing: "bye", timeout: .seconds(1))
    }

    @Test func aRestartInTheSameDirectorySeesOnlyItsOwnLog() async throws {
        let directory = try TemporaryDirectory.make(prefix: "restart")
        defer { TemporaryDirectory.remove(directory) }
        let executable = try script("echo \"run $1\"")
        let first = try BrokerProcess.start(executable: executable, properties: ["n": "1"], directory: directory)
        #expect(try await first.waitForExit(timeout: .seconds(10)) == 0)
        let second = try BrokerProcess.start(executable: executable, properties: ["n": "2"], directory: directory)
        #expect(try await second.waitForExit(timeout: .seconds(10)) == 0)
        #expect(second.log().components(separatedBy: "run ").count == 2)
        #expect(try String(contentsOf: second.logFile, encoding: .utf8).components(separatedBy: "run ").count == 3)
    }

    @Test func propertiesAreEscapedLikeJava() {
        let text = PropertiesText.render(["k y": " v:a=l\\ ", "u": "é"])
        #expect(text == "k\\ y=\\ v\\:a\\=l\\\\\\ \nu=\\u00E9\n")
    }
}

@Suite struct SupportFixtureTests {
    @Test func freePortsAreDistinctAndBindable() {
        let ports = (0..<50).map { _ in FreePort.next() }
        #expect(Set(ports).count == ports.count)
        #expect(ports.allSatisfy { $0 > 0 && $0 < 65536 })
    }

    @Test func eventuallyNamesWhatItWaitedFor() async throws {
        var calls = 0
        try await eventually(timeout: .seconds(120), poll: .milliseconds(1), "third call") {  // generous: a loaded machine stalls tasks for seconds
            calls += 1
            return calls >= 3
        }
        #expect(calls == 3)
        do {
            try await eventually(timeout: .milliseconds(100), "the impossible") { false }
            Issue.record("eventually returned for a condition that is never true")
        } catch let error as FixtureError {
            #expect(error.description.contains("the impossible"))
        }
    }

    @Test func builtBinariesAreFoundAndMissingOnesNamed() throws {
        let server = try GregorBinaries.url(of: "gregor-server")
        #expect(FileManager.default.isExecutableFile(atPath: server.path))
        #expect(throws: FixtureError.self) { try GregorBinaries.url(of: "no-such-gregor-binary") }
    }

    @Test func runCollectsStatusAndOutput() async throws {
        let result = try await ChildProcess.run(
            URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.output == "out\nerr\n")
        await #expect(throws: FixtureError.self) {
            _ = try await ChildProcess.run(
                URL(fileURLWithPath: "/bin/sleep"), arguments: ["30"], timeout: .milliseconds(200))
        }
    }

    @Test func childProcessRecordsAndForgetsItsPid() async throws {
        let output = try TemporaryDirectory.make(prefix: "child").appendingPathComponent("out")
        let child = try ChildProcess.launch(
            URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "echo hi; exit 4"], outputFile: output)
        #expect(try await child.waitForExit(timeout: .seconds(10)) == 4)
        #expect(!ChildRegistry.shared.livePids.contains(child.pid))
        #expect(try String(contentsOf: output, encoding: .utf8) == "hi\n")
    }
}
