import KafkaProtocol
import Foundation
import GregorTestSupport
import NIOCore
import Storage
import Testing

@Suite("A closed log")
struct LogClosedTests {
    @Test func refusesAppendsWithAStorageErrorAndKeepsItsData() throws {
        let directory = try TemporaryDirectory.make(prefix: "log-closed")
        defer { TemporaryDirectory.remove(directory) }
        let log = try TestLogs.open(directory.path)
        try TestLogs.append(log, counts: [3])
        try log.close()
        var buffer = ByteBuffer(bytes: TestBatches.selfDescribing(firstOffset: 3, count: 2))
        #expect(throws: StorageError.self) { try log.appendAsLeader(&buffer, leaderEpoch: 0) }
        #expect(log.logEndOffset == 3)
        let reopened = try TestLogs.open(directory.path)
        #expect(reopened.logEndOffset == 3)
        try LogConsistency.check(reopened)
    }
}
