import ArgumentParser
import Foundation
import KafkaClient
import KafkaProtocol
import NIOCore

/// `gregor produce`: one record per line of standard input, batched per partition, like
/// `kafka-console-producer.sh`.
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Send lines from standard input as records (like kafka-console-producer.sh).",
        discussion: """
            Each line becomes one record (its value; with --key-separator, the text before the first separator is
            the key). Lines are batched per partition and sent when a batch is full or no more input is waiting.
            Without --partition, keyed records go to Kafka's murmur2 partition for their key and unkeyed records to
            one partition per batch. Example:
              printf 'k1:hello\\nk2:world\\n' | gregor produce --topic orders --key-separator : --header source=cli
            """)

    @OptionGroup var bootstrap: BootstrapOptions

    @Option(help: "The topic to write to.") var topic: String
    @Option(help: "Write every record to this partition.") var partition: Int32?
    @Option(help: "Acknowledgement: 0 (none), 1 (the leader), all or -1 (every in-sync replica).") var acks = "1"
    @Option(name: .customLong("key-separator"), help: "Split each line into key and value at the first SEP.")
    var keySeparator: String?
    @Option(name: .customLong("header"), help: "A header key=value added to every record; repeatable.")
    var headers: [String] = []
    @Option(name: .customLong("batch-size"), help: "Bytes of records per partition batch before it is sent.")
    var batchSize = 16_384
    @Option(name: .customLong("max-line-bytes"), help: "Longest line accepted (Kafka's max.request.size default).")
    var maxLineBytes = 1_048_576
    @Option(
        name: .customLong("compression-type"),
        help: "Compress each batch with none, gzip, snappy, lz4 or zstd (the producer's compression.type).")
    var compressionType = "none"
    @Flag(help: "Report records and MB sent so far, and the rates, on stderr about every 500 ms, and a summary at the end.")
    var progress = false

    func validate() throws {
        guard parsedAcks != nil else { throw ValidationError("--acks must be 0, 1, all or -1") }
        if let keySeparator, keySeparator.isEmpty { throw ValidationError("--key-separator must not be empty") }
        if let partition, partition < 0 { throw ValidationError("--partition must not be negative") }
        guard batchSize > 0, maxLineBytes > 0 else { throw ValidationError("sizes must be positive") }
        guard compression != nil else {
            throw ValidationError("--compression-type must be one of none, gzip, snappy, lz4, zstd")
        }
        _ = try parseKeyValues(headers, option: "--header")
    }

    private var compression: CompressionType? {
        CompressionType.allCases.first { $0.name == compressionType }
    }

    private var parsedAcks: Int16? {
        switch acks {
        case "0": 0
        case "1": 1
        case "all", "-1": -1
        default: nil
        }
    }

    func run() async throws {
        let recordHeaders = try parseKeyValues(headers, option: "--header").map {
            RecordHeader(key: $0.key, value: Array($0.value.utf8))
        }
        let reporter = progress ? ProgressReporter(label: "produce") : nil
        defer { reporter?.finish() }
        try await reportingFailures {
            do {
                try await withClient(bootstrap, allowAutoTopicCreation: true) { client in
                    let partitionCount = try await Self.partitionCount(of: topic, client: client)
                    if let partition, partition >= partitionCount {
                        throw CommandFailure("partition \(partition) does not exist: \(topic) has \(partitionCount) partitions")
                    }
                    var producer = BatchingProducer(
                        client: client, topic: topic, acks: parsedAcks ?? 1, compression: compression ?? .none,
                        batchSize: batchSize, partitionCount: partitionCount, fixedPartition: partition)
                    let input = StandardInputLines(maxLineBytes: maxLineBytes)
                    var lineNumber = 0
                    while let lines = try await input.next() {
                        for line in lines {
                            lineNumber += 1
                            let (key, value) = try split(line, lineNumber: lineNumber)
                            try await producer.append(key: key, value: value, headers: recordHeaders)
                            reporter?.add(records: 1, bytes: (key?.count ?? 0) + value.count)
                        }
                        if !input.hasPendingInput { try await producer.flush() }
                    }
                    try await producer.flush()
                }
            } catch let error as KafkaClientError {
                throw CommandFailure("Error when sending records to topic \(topic): \(error)")
            }
        }
    }

    private func split(_ line: [UInt8], lineNumber: Int) throws -> (key: [UInt8]?, value: [UInt8]) {
        guard let keySeparator else { return (nil, line) }
        let separator = Array(keySeparator.utf8)
        guard let range = firstRange(of: separator, in: line) else {
            throw CommandFailure("No key found on line \(lineNumber): \(String(decoding: line, as: UTF8.self))")
        }
        return (Array(line[..<range.lowerBound]), Array(line[range.upperBound...]))
    }

    private func firstRange(of separator: [UInt8], in line: [UInt8]) -> Range<Int>? {
        guard separator.count <= line.count else { return nil }
        for start in 0...(line.count - separator.count) where line[start..<(start + separator.count)].elementsEqual(separator) {
            return start..<(start + separator.count)
        }
        return nil
    }

    /// The topic's partition count; waits (within the request timeout) while a just auto-created topic has no
    /// leaders yet.
    static func partitionCount(of topic: String, client: KafkaClusterClient) async throws -> Int32 {
        let clock = ContinuousClock()
        let deadline = clock.now + client.configuration.operationTimeout
        while true {
            let metadata = try await client.metadata(topics: [topic])
            guard let topicMetadata = metadata.topic(topic), topicMetadata.errorCode != .unknownTopicOrPartition else {
                throw CommandFailure("Topic \(topic) does not exist")
            }
            if topicMetadata.errorCode == .noError, !topicMetadata.partitions.isEmpty {
                return Int32(topicMetadata.partitions.count)
            }
            guard topicMetadata.errorCode.isRetriable || topicMetadata.errorCode == .noError, clock.now < deadline else {
                throw CommandFailure("Topic \(topic) is not available: \(topicMetadata.errorCode)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// Per-partition `RecordBatchBuilder`s, sent when full or on `flush`, compressed with `compression` (as a Kafka
/// producer does, `batchSize` counts the records before compression).
struct BatchingProducer {
    let client: KafkaClusterClient
    let topic: String
    let acks: Int16
    let compression: CompressionType
    let batchSize: Int
    let partitionCount: Int32
    let fixedPartition: Int32?
    private var batches: [Int32: RecordBatchBuilder] = [:]
    /// Where unkeyed records go until the next flush (Kafka's sticky partitioner, simplified).
    private var stickyPartition: Int32

    init(
        client: KafkaClusterClient, topic: String, acks: Int16, compression: CompressionType = .none, batchSize: Int,
        partitionCount: Int32, fixedPartition: Int32?
    ) {
        self.client = client
        self.topic = topic
        self.acks = acks
        self.compression = compression
        self.batchSize = batchSize
        self.partitionCount = partitionCount
        self.fixedPartition = fixedPartition
        self.stickyPartition = Int32.random(in: 0..<partitionCount)
    }

    mutating func append(key: [UInt8]?, value: [UInt8], headers: [RecordHeader]) async throws {
        let partition = fixedPartition
            ?? key.map { Partitioner.partition(forKey: $0, partitionCount: partitionCount) } ?? stickyPartition
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var batch = batches[partition] ?? RecordBatchBuilder(baseTimestamp: now)
        batch.append(key: key, value: value, headers: headers, timestamp: now)
        batches[partition] = batch
        if batch.recordBytes >= batchSize { try await send(partition) }
    }

    mutating func flush() async throws {
        for partition in batches.keys.sorted() { try await send(partition) }
        stickyPartition = Int32.random(in: 0..<partitionCount)
    }

    private mutating func send(_ partition: Int32) async throws {
        guard let batch = batches.removeValue(forKey: partition), batch.recordCount > 0 else { return }
        let records: [UInt8]
        do {
            records = try batch.build(compression: compression)
        } catch {
            throw CommandFailure("Cannot compress a batch for \(topic)-\(partition): \(error)")
        }
        _ = try await client.produce(topic: topic, partition: partition, records: ByteBuffer(bytes: records), acks: acks)
    }
}
