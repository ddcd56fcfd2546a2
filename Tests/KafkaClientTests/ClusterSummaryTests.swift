import KafkaProtocol
import Testing

@testable import KafkaClient

/// `gregor cluster`'s screen from snapshots built by hand: no ZooKeeper, no broker.
@Suite struct ClusterSummaryTests {
    private static let brokers: [ClusterSummary.Broker] = [
        .init(id: 2, endpoints: ["PLAINTEXT://127.0.0.1:9094"]),
        .init(id: 0, endpoints: ["PLAINTEXT://127.0.0.1:9092"], rack: "r1"),
        .init(id: 1, endpoints: ["PLAINTEXT://127.0.0.1:9093", "INTERNAL://10.0.0.1:9193"]),
    ]

    private static func summary(topics: [TopicMetadata], groups: [GroupLag] = [], epoch: Int32? = 7) -> ClusterSummary {
        ClusterSummary(
            source: "ZooKeeper 127.0.0.1:2181", clusterId: "c59k-JoLQ8yI2pIAvXhesA", brokers: brokers, controllerId: 0,
            controllerEpoch: epoch, topics: topics, groups: groups)
    }

    @Test func healthyClusterKeepsTheFormerHeaderLines() {
        let topics = [
            TopicMetadata(name: "orders", partitions: [
                PartitionMetadata(partition: 0, leader: 0, replicas: [0, 1, 2], isr: [0, 1, 2]),
                PartitionMetadata(partition: 1, leader: 1, replicas: [1, 2, 0], isr: [1, 2, 0]),
            ]),
            TopicMetadata(name: "audit", partitions: [PartitionMetadata(partition: 0, leader: 2, replicas: [2], isr: [2])]),
        ]
        let text = Self.summary(topics: topics, groups: [GroupLag(group: "billing", state: "Stable", partitions: 2, lag: 0)]).text()
        #expect(text == """
            Cluster id: c59k-JoLQ8yI2pIAvXhesA
            Controller: broker 0
            Controller epoch: 7
            Brokers (3):
              0  PLAINTEXT://127.0.0.1:9092  rack=r1  (controller)
              1  PLAINTEXT://127.0.0.1:9093,INTERNAL://10.0.0.1:9193
              2  PLAINTEXT://127.0.0.1:9094
            Topics: 2  Partitions: 3
            Under-replicated partitions: 0
            Offline partitions: 0
            Consumer groups: 1
              GROUP   STATE  PARTITIONS LAG
              billing Stable 2          0
            """)
    }

    @Test func underReplicatedAndOfflinePartitionsAreListed() throws {
        let topics = [
            TopicMetadata(name: "orders", partitions: [
                PartitionMetadata(partition: 0, leader: 0, replicas: [0, 1, 2], isr: [0, 2]),
                PartitionMetadata(partition: 1, leader: nil, replicas: [1], isr: []),
                // Led by broker 5, which is not live: offline although its ISR is complete.
                PartitionMetadata(partition: 2, leader: 5, replicas: [5], isr: [5]),
            ])
        ]
        let summary = Self.summary(topics: topics, epoch: nil)
        #expect(summary.underReplicated.map(\.partition.partition) == [0, 1])
        #expect(summary.offline.map(\.partition.partition) == [1, 2])
        let lines = summary.text().split(separator: "\n").map(String.init)
        #expect(lines[2] == "Controller epoch: unknown (only ZooKeeper has it: use --zookeeper)")
        let under = try #require(lines.firstIndex(of: "Under-replicated partitions: 2"), "\(lines)")
        let offline = try #require(lines.firstIndex(of: "Offline partitions: 2"), "\(lines)")
        #expect(Array(lines[(under + 1)...(under + 3)]) == [
            "  TOPIC  PARTITION LEADER REPLICAS ISR",
            "  orders 0         0      0,1,2    0,2",
            "  orders 1         none   1        -",
        ])
        #expect(Array(lines[(offline + 1)...(offline + 3)]) == [
            "  TOPIC  PARTITION LEADER REPLICAS ISR",
            "  orders 1         none   1        -",
            "  orders 2         5      5        5",
        ])
    }

    @Test func longListsAreCutWithACount() {
        let partitions = (0..<25).map { PartitionMetadata(partition: Int32($0), leader: 0, replicas: [0, 1], isr: [0]) }
        let text = Self.summary(topics: [TopicMetadata(name: "big", partitions: partitions)]).text(listLimit: 20)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("Under-replicated partitions: 25"))
        #expect(lines.filter { $0.hasPrefix("  big ") }.count == 20)
        #expect(lines.contains("  ... and 5 more"))
        #expect(!lines.contains("  big 20        0      0,1      0"))
    }

    @Test func groupsShowStateLagAndUnknownPartitions() {
        let groups = [
            GroupLag(group: "zk-only", committed: [TopicPartition("t", 0): 3, TopicPartition("t", 1): 5],
                     endOffsets: [TopicPartition("t", 0): 10]),
            GroupLag(group: "app", state: "Empty", committed: [TopicPartition("t", 0): 4], endOffsets: [TopicPartition("t", 0): 10]),
        ]
        let text = Self.summary(topics: [], groups: groups).text()
        #expect(text.hasSuffix("""
            Consumer groups: 2
              GROUP   STATE PARTITIONS LAG
              app     Empty 1          6
              zk-only -     2          >=7 (1 partition without an end offset)
            """))
    }

    @Test func groupsThatCouldNotBeReadSaySo() {
        var summary = Self.summary(topics: [])
        summary.groupsError = "connection refused"
        #expect(summary.text().hasSuffix("Consumer groups: 0 (could not read them all: connection refused)"))
    }
}

@Suite struct GroupLagTests {
    @Test func lagIsEndMinusCommittedNeverNegative() {
        #expect(GroupLag.lag(committed: 4, end: 10) == 6)
        #expect(GroupLag.lag(committed: 10, end: 10) == 0)
        // Committed beyond the end: the log was truncated or deleted under the group.
        #expect(GroupLag.lag(committed: 12, end: 10) == 0)
        #expect(GroupLag.lag(committed: -5, end: .max) == 0)
    }

    @Test func sumsOverPartitionsAndCountsTheUnknown() {
        let lag = GroupLag(
            group: "g", committed: [TopicPartition("a", 0): 1, TopicPartition("a", 1): 2, TopicPartition("b", 0): 0],
            endOffsets: [TopicPartition("a", 0): 11, TopicPartition("a", 1): 2, TopicPartition("c", 0): 100])
        #expect(lag.partitions == 3)
        #expect(lag.lag == 10)
        #expect(lag.partitionsWithoutEndOffset == 1)
    }

    @Test func aSumThatWouldOverflowSaturates() {
        let lag = GroupLag(
            group: "g", committed: [TopicPartition("a", 0): 0, TopicPartition("a", 1): 0],
            endOffsets: [TopicPartition("a", 0): .max, TopicPartition("a", 1): .max])
        #expect(lag.lag == .max)
    }
}

@Suite struct TransferProgressTests {
    @Test func progressLineAndSummary() {
        let progress = TransferProgress(label: "produce", records: 12_345, bytes: 12_345_678, elapsed: .seconds(2))
        #expect(progress.line == "produce: 12345 records, 12.3 MB; 6172.5 records/s, 6.2 MB/s")
        #expect(progress.summary == "produce: done, 12345 records, 12.3 MB in 2.0 s; 6172.5 records/s, 6.2 MB/s")
    }

    @Test func noRateBeforeAnyTimePassed() {
        let progress = TransferProgress(label: "consume", records: 0, bytes: 0, elapsed: .zero)
        #expect(progress.line == "consume: 0 records, 0.0 MB; - records/s, - MB/s")
    }

    @Test func terminalOutputRewritesTheLineAndOtherOutputAddsLines() {
        let progress = TransferProgress(label: "consume", records: 10, bytes: 1_000_000, elapsed: .milliseconds(500))
        #expect(progress.output(terminal: true, final: false) == "\rconsume: 10 records, 1.0 MB; 20.0 records/s, 2.0 MB/s\u{1B}[K")
        #expect(progress.output(terminal: false, final: false) == "consume: 10 records, 1.0 MB; 20.0 records/s, 2.0 MB/s\n")
        #expect(progress.output(terminal: true, final: true)
            == "\rconsume: done, 10 records, 1.0 MB in 0.5 s; 20.0 records/s, 2.0 MB/s\u{1B}[K\n")
    }

    @Test func tenthsRoundHalfAwayFromZero() {
        #expect(TransferProgress.tenths(0.05) == "0.1")
        #expect(TransferProgress.tenths(1234.04) == "1234.0")
        #expect(TransferProgress.tenths(.infinity) == "-")
    }

    @Test func throttleReportsOncePerIntervalWithoutBursts() {
        let start = ContinuousClock.now
        var throttle = ProgressThrottle(interval: .milliseconds(500), start: start)
        let due = [499, 500, 900, 5_000, 5_400, 5_500].map { throttle.isDue(at: start + .milliseconds($0)) }
        // A stall of several intervals gives one line, and the next is one interval after it.
        #expect(due == [false, true, false, true, false, true])
    }
}
