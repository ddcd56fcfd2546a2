import Foundation
import GregorTestSupport
import Testing

/// How `gregor-server` fails: once, clearly, with a non-zero exit.
@Suite("Broker startup failures")
struct BrokerStartupTests {
    @Test func unreachableZooKeeperFailsAfterTheConnectionTimeout() async throws {
        let directory = try TemporaryDirectory.make(prefix: "gregor-nozk")
        defer { try? FileManager.default.removeItem(at: directory) }
        let broker = try BrokerProcess.start(
            executable: GregorBinaries.url(of: "gregor-server"),
            properties: [
                "broker.id": "0",
                "listeners": "PLAINTEXT://127.0.0.1:\(FreePort.next())",
                "log.dirs": directory.appendingPathComponent("logs").path,
                "zookeeper.connect": "127.0.0.1:\(FreePort.next())",
                "zookeeper.connection.timeout.ms": "1500",
            ])
        let started = ContinuousClock.now
        let status = try await broker.waitForExit(timeout: .seconds(30))
        #expect(status == 1)
        #expect(ContinuousClock.now - started >= .milliseconds(1400))
        let fatal = broker.log().split(separator: "\n").filter { $0.contains("critical") }
        #expect(fatal.count == 1)
        #expect(fatal.first?.contains("zookeeper.connection.timeout.ms") == true)
    }

    @Test func malformedValuesAreRejectedWithTheKeyName() async throws {
        let broker = try BrokerProcess.start(
            executable: GregorBinaries.url(of: "gregor-server"),
            properties: ["broker.id": "zero", "zookeeper.connect": "127.0.0.1:2181"])
        #expect(try await broker.waitForExit(timeout: .seconds(30)) == 1)
        #expect(broker.log().contains("'broker.id'"))
    }

    @Test func overridesReplaceFileValuesAndUnknownKeysAreWarned() async throws {
        let broker = try BrokerProcess.start(
            executable: GregorBinaries.url(of: "gregor-server"),
            properties: [
                "broker.id": "0", "zookeeper.connect": "127.0.0.1:\(FreePort.next())", "no.such.key": "1",
                "zookeeper.connection.timeout.ms": "60000",
            ],
            overrides: ["zookeeper.connection.timeout.ms": "1000"])
        #expect(try await broker.waitForExit(timeout: .seconds(30)) == 1)
        let log = broker.log()
        #expect(log.contains("no.such.key"))
        #expect(log.contains("within 1000 ms"))
    }
}
