import KafkaProtocol
import Testing

@testable import Storage

@Suite struct LogFileNamesTests {
    @Test func filenamePrefixIsTwentyDigits() {
        #expect(LogFileNames.filenamePrefix(offset: 0) == "00000000000000000000")
        #expect(LogFileNames.filenamePrefix(offset: 368_769) == "00000000000000368769")
        #expect(LogFileNames.filenamePrefix(offset: .max) == "09223372036854775807")
    }

    @Test func segmentFilePaths() {
        #expect(LogFileNames.logFile(dir: "/data/t-0", offset: 5) == "/data/t-0/00000000000000000005.log")
        #expect(LogFileNames.offsetIndexFile(dir: "/data/t-0", offset: 5) == "/data/t-0/00000000000000000005.index")
        #expect(
            LogFileNames.timeIndexFile(dir: "/data/t-0", offset: 5, suffix: LogFileNames.swapSuffix)
                == "/data/t-0/00000000000000000005.timeindex.swap")
        #expect(
            LogFileNames.logFile(dir: "d", offset: 7, suffix: LogFileNames.deletedSuffix)
                == "d/00000000000000000007.log.deleted")
    }

    @Test func baseOffsetFromFileName() {
        #expect(LogFileNames.offset(fromFileName: "00000000000000000042.index") == 42)
        #expect(LogFileNames.offset(fromFileName: "00000000000000368769.log.deleted") == 368_769)
        #expect(LogFileNames.offset(fromFileName: "09223372036854775807.timeindex") == .max)
        #expect(LogFileNames.offset(fromFileName: "leader-epoch-checkpoint") == nil)
        #expect(LogFileNames.offset(fromFileName: "abc.log") == nil)
        #expect(LogFileNames.offset(fromFileName: ".log") == nil)
    }
}

@Suite struct TopicPartitionTests {
    @Test func directoryNameSplitsAtTheLastDash() {
        #expect(TopicPartition(directoryName: "my-topic-12") == TopicPartition(topic: "my-topic", partition: 12))
        #expect(TopicPartition(directoryName: "t-0") == TopicPartition(topic: "t", partition: 0))
        #expect(TopicPartition(directoryName: "a.b_c-3") == TopicPartition(topic: "a.b_c", partition: 3))
        #expect(TopicPartition(directoryName: "--1") == TopicPartition(topic: "-", partition: 1))
    }

    @Test func deleteAndFutureDirectories() {
        let expected = TopicPartition(topic: "my-topic", partition: 12)
        #expect(TopicPartition(directoryName: "my-topic-12.8d1a6c1f1f0d4a6f9e2b3c4d5e6f7a8b-delete") == expected)
        #expect(TopicPartition(directoryName: "my-topic-12.8d1a6c1f1f0d4a6f9e2b3c4d5e6f7a8b-future") == expected)
        #expect(TopicPartition(directoryName: "my-topic-12-delete") == nil)
    }

    @Test func rejectsNamesThatAreNotPartitions() {
        for name in ["", "nodash", "-3", "topic-", "topic-x", "topic-99999999999", "lost+found", "meta.properties"] {
            #expect(TopicPartition(directoryName: name) == nil, "\(name)")
        }
    }

    @Test func descriptionAndDirectoryNameRoundTrip() {
        let partition = TopicPartition(topic: "my-topic", partition: 12)
        #expect(partition.description == "my-topic-12")
        #expect(partition.directoryName == "my-topic-12")
        #expect(TopicPartition(directoryName: partition.directoryName) == partition)
    }

    @Test func ordersByTopicThenPartition() {
        let unsorted = [
            TopicPartition(topic: "b", partition: 0), TopicPartition(topic: "a", partition: 10),
            TopicPartition(topic: "a", partition: 2),
        ]
        #expect(unsorted.sorted().map(\.description) == ["a-2", "a-10", "b-0"])
    }
}
