import Foundation
import Glibc
import Testing

@testable import GregorTestSupport

/// The fixtures everyone else's integration tests stand on: real ZooKeeper JVMs and real child processes.
@Suite struct ZooKeeperFixtureTests {
    @Test func startedServerAnswersSrvrAsStandalone() async throws {
        try await withZooKeeperServer { server in
            let srvr = try await server.fourLetterWord("srvr")
            #expect(srvr.contains("Mode: standalone"))
            #expect(server.connectString == "127.0.0.1:\(server.port)")
            #expect(FileManager.default.fileExists(atPath: server.directory.appendingPathComponent("zoo.cfg").path))
            #expect(try String(contentsOf: server.logFile, encoding: .utf8).contains("binding to port"))
            let conf = try await server.fourLetterWord("conf")
            #expect(conf.contains("tickTime=500"))
            #expect(conf.contains("minSessionTimeout=1000"))
        }
    }

    @Test func serversStartedAtOnceGetDifferentPortsAndDirectories() async throws {
        async let first = ZooKeeperServer.start()
        async let second = ZooKeeperServer.start()
        let servers = try await [first, second]
        #expect(servers[0].port != servers[1].port)
        #expect(servers[0].directory != servers[1].directory)
        for server in servers {
            #expect(try await server.fourLetterWord("srvr").contains("Mode: standalone"))
            await server.stop()
        }
    }

    @Test func stopEndsTheJVMClosesThePortAndRemovesTheDirectory() async throws {
        let server = try await ZooKeeperServer.start()
        let pid = try #require(server.pid)
        #expect(ChildRegistry.shared.livePids.contains(pid))
        await server.stop()
        #expect(Glibc.kill(pid, 0) == -1 && errno == ESRCH)
        #expect(!ChildRegistry.shared.livePids.contains(pid))
        #expect(await !LoopbackProbe.isListening(port: server.port))
        #expect(!FileManager.default.fileExists(atPath: server.directory.path))
        await server.stop()  // idempotent
    }

    @Test func killedServerRestartsOnTheSamePort() async throws {
        try await withZooKeeperServer { server in
            let firstPid = try #require(server.pid)
            server.kill()
            try await eventually(timeout: .seconds(10), "killed ZooKeeper to release its port") {
                await !LoopbackProbe.isListening(port: server.port, timeout: .milliseconds(200))
            }
            #expect(!server.isRunning)
            try await server.restart()
            #expect(try await server.fourLetterWord("srvr").contains("Mode: standalone"))
            let secondPid = try #require(server.pid)
            #expect(secondPid != firstPid)
            let log = try String(contentsOf: server.logFile, encoding: .utf8)
            #expect(log.components(separatedBy: "binding to port").count == 3)
        }
    }

    @Test func suspendedServerAnswersNothingUntilResumed() async throws {
        try await withZooKeeperServer { server in
            try await server.suspend()
            await #expect(throws: FixtureError.self) {
                _ = try await server.fourLetterWord("srvr", timeout: .milliseconds(300))
            }
            server.resume()
            try await eventually(timeout: .seconds(10), "resumed ZooKeeper to answer srvr") {
                try await server.fourLetterWord("srvr").contains("Mode: standalone")
            }
        }
    }

    @Test func aPortHeldByAnotherServerIsDetectedAsTaken() async throws {
        try await withZooKeeperServer { holder in
            let directory = try TemporaryDirectory.make(prefix: "zk-intruder")
            defer { TemporaryDirectory.remove(directory) }
            let config = ZooKeeperConfig(directory: directory, tickTimeMs: 500, maxSessionTimeoutMs: 60000)
            try config.write(port: holder.port)
            let outcome = try await ZooKeeperServer.launch(config, port: holder.port, deadline: .now + .seconds(30))
            guard case .portTaken = outcome else {
                Issue.record("a second server on port \(holder.port) was taken for ready")
                return
            }
            #expect(try await holder.fourLetterWord("srvr").contains("Mode: standalone"))
        }
    }

    @Test func aPortHeldByAnyListenerMakesTheJVMFailToBindAndIsDetected() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 && listen(fd, 16) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let directory = try TemporaryDirectory.make(prefix: "zk-blocked")
        defer { TemporaryDirectory.remove(directory) }
        let config = ZooKeeperConfig(directory: directory, tickTimeMs: 500, maxSessionTimeoutMs: 60000)
        try config.write(port: port)
        let outcome = try await ZooKeeperServer.launch(config, port: port, deadline: .now + .seconds(30))
        guard case .portTaken = outcome else {
            Issue.record("a server that could not bind port \(port) was taken for ready")
            return
        }
        #expect(LogFile(url: config.logFile).text().contains("Address already in use"))
    }

    @Test func scopedHelperStopsTheServerWhenTheBodyThrows() async throws {
        struct Boom: Error {}
        var seen: ZooKeeperServer?
        await #expect(throws: Boom.self) {
            try await withZooKeeperServer { server in
                seen = server
                throw Boom()
            }
        }
        let server = try #require(seen)
        #expect(!server.isRunning)
        #expect(!FileManager.default.fileExists(atPath: server.directory.path))
    }
}
