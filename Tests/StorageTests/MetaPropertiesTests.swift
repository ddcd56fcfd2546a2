import KafkaProtocol
import Foundation
import Testing

@testable import Storage

/// A fresh directory under the system temp dir, removed when the test's scope ends.
private final class TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("gregor-meta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func child(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct MetaPropertiesTests {
    private let kafkaWritten = """
        #
        #Tue Nov 24 11:38:55 UTC 2026
        cluster.id=WZEKwK-bS62oT3ZOSU0dgw
        version=0
        broker.id=0

        """

    private func writeFile(_ text: String, in dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: MetaProperties.path(logDir: dir), atomically: false, encoding: .utf8)
    }

    @Test func parsesKafkaWrittenFile() throws {
        let meta = try MetaProperties(parsing: kafkaWritten, path: "meta.properties")
        #expect(meta == MetaProperties(brokerId: 0, clusterId: "WZEKwK-bS62oT3ZOSU0dgw", version: 0))
    }

    @Test func missingVersionMeansZeroAndMissingClusterIdIsAllowed() throws {
        let meta = try MetaProperties(parsing: "broker.id=7\n", path: "p")
        #expect(meta == MetaProperties(brokerId: 7, clusterId: nil))
    }

    @Test func renderedTextHasKafkaLayout() {
        let meta = MetaProperties(brokerId: 0, clusterId: "WZEKwK-bS62oT3ZOSU0dgw")
        #expect(meta.rendered(date: Date(timeIntervalSince1970: 1_795_520_335)) == kafkaWritten)
    }

    @Test func readOfMissingFileIsNil() throws {
        let dir = try TemporaryDirectory()
        #expect(try MetaProperties.read(logDir: dir.path) == nil)
        #expect(try MetaProperties.read(logDir: dir.child("does-not-exist")) == nil)
    }

    @Test func writeThenReadRoundTripsAndLeavesNoTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        let logDir = dir.child("nested/kafka-logs")  // write creates missing directories
        let meta = MetaProperties(brokerId: 42, clusterId: "abcdefghijklmnopqrstuv")
        try meta.write(logDir: logDir)
        #expect(try MetaProperties.read(logDir: logDir) == meta)
        #expect(try FileManager.default.contentsOfDirectory(atPath: logDir) == ["meta.properties"])

        let replacement = MetaProperties(brokerId: 43, clusterId: "abcdefghijklmnopqrstuv")
        try replacement.write(logDir: logDir)
        #expect(try MetaProperties.read(logDir: logDir) == replacement)
        #expect(try FileManager.default.contentsOfDirectory(atPath: logDir) == ["meta.properties"])
    }

    @Test func readRemovesTemporaryFileLeftByACrash() throws {
        let dir = try TemporaryDirectory()
        try writeFile(kafkaWritten, in: dir.path)
        try "torn".write(toFile: MetaProperties.path(logDir: dir.path) + ".tmp", atomically: false, encoding: .utf8)
        #expect(try MetaProperties.read(logDir: dir.path)?.brokerId == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["meta.properties"])
    }

    @Test func malformedContentNamesTheFile() throws {
        let dir = try TemporaryDirectory()
        let path = MetaProperties.path(logDir: dir.path)
        try writeFile("version=0\nbroker.id=abc\n", in: dir.path)
        let error = #expect(throws: MetaPropertiesError.self) { try MetaProperties.read(logDir: dir.path) }
        #expect(error == .malformed(path: path, reason: "broker.id 'abc' is not a number"))
        #expect(error?.description.contains(path) == true)

        try writeFile("version=0\ncluster.id=x\n", in: dir.path)
        #expect(throws: MetaPropertiesError.malformed(path: path, reason: "broker.id is missing")) {
            try MetaProperties.read(logDir: dir.path)
        }
    }

    @Test func kraftVersionIsRejected() throws {
        let dir = try TemporaryDirectory()
        try writeFile("version=1\nnode.id=1\ncluster.id=x\n", in: dir.path)
        let error = #expect(throws: MetaPropertiesError.self) { try MetaProperties.read(logDir: dir.path) }
        #expect(error == .unsupportedVersion(path: MetaProperties.path(logDir: dir.path), version: 1))
        #expect(error?.description.contains("Zk-based brokers only support version 0") == true)
    }

    @Test func unreadableFileIsAnIOError() throws {
        let dir = try TemporaryDirectory()
        // A directory where the file should be: open succeeds on Linux but read fails with EISDIR.
        try FileManager.default.createDirectory(
            atPath: MetaProperties.path(logDir: dir.path), withIntermediateDirectories: true)
        let error = #expect(throws: MetaPropertiesError.self) { try MetaProperties.read(logDir: dir.path) }
        guard case .io(_, let path, _) = error else {
            Issue.record("expected an I/O error, got \(String(describing: error))")
            return
        }
        #expect(path == MetaProperties.path(logDir: dir.path))
    }
}

@Suite struct MetaPropertiesReconcileTests {
    private let clusterId = "WZEKwK-bS62oT3ZOSU0dgw"

    private func logDirs(_ root: TemporaryDirectory, _ count: Int) -> [String] {
        (0..<count).map { root.child("data\($0)") }
    }

    @Test func newBrokerHasNoStoredId() throws {
        let root = try TemporaryDirectory()
        let dirs = logDirs(root, 2)
        #expect(try MetaProperties.reconcile(logDirs: dirs, configuredBrokerId: 3, clusterId: clusterId) == nil)
        #expect(try MetaProperties.reconcile(logDirs: dirs, configuredBrokerId: nil, clusterId: clusterId) == nil)
    }

    @Test func storedIdIsReturnedAndNewDirectoriesAreIgnored() throws {
        let root = try TemporaryDirectory()
        let dirs = logDirs(root, 3)
        let meta = MetaProperties(brokerId: 5, clusterId: clusterId)
        try meta.writeAll(logDirs: Array(dirs.prefix(2)))
        #expect(try MetaProperties.reconcile(logDirs: dirs, configuredBrokerId: 5, clusterId: clusterId) == 5)
        #expect(try MetaProperties.reconcile(logDirs: dirs, configuredBrokerId: nil, clusterId: clusterId) == 5)
        #expect(try MetaProperties.reconcile(logDirs: dirs, configuredBrokerId: -1, clusterId: clusterId) == 5)

        try meta.writeAll(logDirs: dirs)
        for dir in dirs {
            #expect(try MetaProperties.read(logDir: dir) == meta)
        }
    }

    @Test func fileWithoutClusterIdMatchesAnyCluster() throws {
        let root = try TemporaryDirectory()
        let dirs = logDirs(root, 1)
        try MetaProperties(brokerId: 1, clusterId: nil).write(logDir: dirs[0])
        #expect(try MetaProperties.reconcile(logDirs: dirs, configuredBrokerId: 1, clusterId: clusterId) == 1)
    }

    @Test func wrongClusterIsRejectedWithKafkasWording() throws {
        let root = try TemporaryDirectory()
        let dirs = logDirs(root, 1)
        try MetaProperties(brokerId: 1, clusterId: "stored-cluster-id-0000").write(logDir: dirs[0])
        let error = #expect(throws: MetaPropertiesError.self) {
            try MetaProperties.reconcile(logDirs: dirs, configuredBrokerId: 1, clusterId: clusterId)
        }
        #expect(error == .clusterIdMismatch(expected: clusterId, stored: "stored-cluster-id-0000"))
        #expect(error?.description == "The Cluster ID \(clusterId) doesn't match stored clusterId "
            + "stored-cluster-id-0000 in meta.properties. The broker is trying to join the wrong cluster. "
            + "Configured zookeeper.connect may be wrong.")
    }

    @Test func wrongBrokerIdIsRejectedWithKafkasWording() throws {
        let root = try TemporaryDirectory()
        let dirs = logDirs(root, 1)
        try MetaProperties(brokerId: 1, clusterId: clusterId).write(logDir: dirs[0])
        let error = #expect(throws: MetaPropertiesError.self) {
            try MetaProperties.reconcile(logDirs: dirs, configuredBrokerId: 2, clusterId: clusterId)
        }
        #expect(error == .brokerIdMismatch(configured: 2, stored: 1))
        #expect(error?.description == "Configured broker.id 2 doesn't match stored broker.id 1 in meta.properties. "
            + "If you moved your data, make sure your configured broker.id matches. If you intend to create a new "
            + "broker, you should remove all data in your data directories (log.dirs).")
    }

    @Test func directoriesThatDisagreeAreRejected() throws {
        let root = try TemporaryDirectory()
        let dirs = logDirs(root, 2)
        try MetaProperties(brokerId: 1, clusterId: clusterId).write(logDir: dirs[0])
        try MetaProperties(brokerId: 2, clusterId: clusterId).write(logDir: dirs[1])
        let error = #expect(throws: MetaPropertiesError.self) {
            try MetaProperties.reconcile(logDirs: dirs, configuredBrokerId: nil, clusterId: clusterId)
        }
        guard case .inconsistentLogDirs(let stored) = error else {
            Issue.record("expected inconsistentLogDirs, got \(String(describing: error))")
            return
        }
        #expect(stored.keys.sorted() == dirs)
        let description = error?.description ?? ""
        #expect(description.hasPrefix("BrokerMetadata is not consistent across log.dirs."))
        #expect(description.contains("- \(dirs[0]) -> {cluster.id=\(clusterId), version=0, broker.id=1}"))
        #expect(description.contains("- \(dirs[1]) -> {cluster.id=\(clusterId), version=0, broker.id=2}"))
    }

    @Test func directoriesWithDifferentClustersAreRejected() throws {
        let root = try TemporaryDirectory()
        let dirs = logDirs(root, 2)
        try MetaProperties(brokerId: 1, clusterId: clusterId).write(logDir: dirs[0])
        try MetaProperties(brokerId: 1, clusterId: "other-cluster-id-00000").write(logDir: dirs[1])
        #expect(throws: MetaPropertiesError.self) {
            try MetaProperties.readAll(logDirs: dirs)
        }
    }
}
