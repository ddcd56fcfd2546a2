import Foundation
import GregorTestSupport
import KafkaProtocol
import Storage
import Testing

/// Segment files take their descriptors from a `FileDescriptorBudget`: new logs stop at its headroom, rolls of
/// hosted logs at its capacity, and a refusal leaves the log as it was.
@Suite("FileDescriptorBudget")
struct FileDescriptorBudgetTests {
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("descriptor-budget")
    }

    @Test("new consumers stop at the headroom, existing ones at the capacity, loaded segments always count")
    func thresholds() {
        let budget = FileDescriptorBudget(.init(capacity: 4, headroom: 2))
        #expect(budget.ceiling(for: .newConsumer) == 2)
        #expect(budget.ceiling(for: .existingConsumer) == 4)
        #expect(budget.tryAcquire(.newConsumer))
        #expect(budget.tryAcquire(.newConsumer))
        #expect(!budget.tryAcquire(.newConsumer))
        #expect(budget.tryAcquire(.existingConsumer))
        #expect(budget.tryAcquire(.existingConsumer))
        #expect(!budget.tryAcquire(.existingConsumer))
        #expect(budget.tryAcquire(.loaded))
        #expect(budget.count == 5)
        for _ in 0..<4 { budget.release() }
        #expect(budget.count == 1)
        #expect(budget.tryAcquire(.newConsumer))
    }

    @Test("a process's budget keeps a twentieth of its limit, at least 128, free; headroom is a tenth")
    func processLimits() {
        #expect(FileDescriptorBudget.Limits.forProcess(limit: 1024, open: 24) == .init(capacity: 872, headroom: 87))
        #expect(FileDescriptorBudget.Limits.forProcess(limit: 100_000, open: 100) == .init(capacity: 94_900, headroom: 9_490))
        // A limit too small for the reserve leaves nothing, rather than a negative capacity.
        #expect(FileDescriptorBudget.Limits.forProcess(limit: 100, open: 20) == .init(capacity: 0, headroom: 0))
        #expect(FileDescriptorBudget.openDescriptorCount().map { $0 >= 3 } == true)
    }

    @Test("a new log past the budget is refused, leaving no directory; deleting a log makes room")
    func newLogs() async throws {
        let root = scratch.url
        let budget = FileDescriptorBudget(.init(capacity: 3, headroom: 1))
        var configuration = LogManager.Configuration(logDirs: [root.appendingPathComponent("logs").path], defaultConfig: LogConfig())
        configuration.descriptors = budget
        let manager = try await LogManager.load(configuration, logger: TestLogs.logger)
        _ = try manager.getOrCreateLog(TopicPartition("t", 0))
        _ = try manager.getOrCreateLog(TopicPartition("t", 1))
        #expect(budget.count == 2)
        do {
            _ = try manager.getOrCreateLog(TopicPartition("t", 2))
            Issue.record("a third log was created past the budget")
        } catch let error as StorageError {
            guard case .descriptorBudgetExhausted = error else { throw error }
            #expect(error.errorCode == .kafkaStorageError)
        }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("logs/t-2").path))
        #expect(budget.count == 2)

        try manager.deleteLog(TopicPartition("t", 1))
        #expect(budget.count == 1)
        _ = try manager.getOrCreateLog(TopicPartition("t", 2))
        #expect(budget.count == 2)
        try manager.shutdown()
    }

    @Test("logs with more segments than the budget allows refuse to load, saying so, before opening any")
    func loadingPastTheBudget() async throws {
        let dir = scratch.child("full")
        var configuration = LogManager.Configuration(logDirs: [dir], defaultConfig: LogConfig())
        let first = try await LogManager.load(configuration, logger: TestLogs.logger)
        for partition in Int32(0)..<3 { _ = try first.getOrCreateLog(TopicPartition("t", partition)) }
        try first.shutdown()

        let budget = FileDescriptorBudget(.init(capacity: 2, headroom: 0))
        configuration.descriptors = budget
        do {
            _ = try await LogManager.load(configuration, logger: TestLogs.logger)
            Issue.record("three segments loaded with room for two")
        } catch let error as StorageError {
            guard case .tooManySegments(count: 3, capacity: 2) = error else { throw error }
        }
        #expect(budget.count == 0)
        budget.configure(.init(capacity: 3, headroom: 0))
        let reloaded = try await LogManager.load(configuration, logger: TestLogs.logger)
        #expect(reloaded.allLogs.count == 3)
        #expect(budget.count == 3)
        try reloaded.shutdown()
    }

    @Test("a roll past the budget is refused and the active segment keeps taking appends")
    func rolls() throws {
        let budget = FileDescriptorBudget(.init(capacity: 2, headroom: 1))
        let log = try Log.open(
            directory: scratch.child("t-0"), topicPartition: TopicPartition("t", 0), config: LogConfig(),
            recoveryPoint: 0, logStartOffset: nil, hadCleanShutdown: true, newSegmentUse: .newConsumer,
            descriptors: budget, logger: TestLogs.logger)
        try TestLogs.append(log, counts: [2])
        try log.roll()  // the second descriptor: a roll may use the headroom
        #expect(log.numberOfSegments == 2)
        try TestLogs.append(log, counts: [2])
        #expect(throws: StorageError.self) { try log.roll() }
        #expect(log.numberOfSegments == 2)
        #expect(budget.count == 2)
        try TestLogs.append(log, counts: [3])
        #expect(log.logEndOffset == 7)
        let batches = try TestLogs.readBatches(log, from: 2, maxBytes: 1 << 20)
        #expect(batches.map(\.baseOffset) == [2, 4])
        try log.close()
    }
}
