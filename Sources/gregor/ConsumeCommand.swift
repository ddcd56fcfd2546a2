import ArgumentParser
import Foundation
import KafkaClient
import KafkaProtocol
import Synchronization

/// `gregor consume`: print a topic's records, like `kafka-console-consumer.sh` without a consumer group.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print records of a topic (like kafka-console-consumer.sh, without a consumer group).",
        discussion: """
            Starts at the end of each partition unless told otherwise, and runs until --max-messages records were
            printed, no record arrived for --timeout-ms, or it is interrupted. Formats:
              plain  the value (with --print-key: key<TAB>value); null prints as "null"
              kv     CreateTime:<ms><TAB>Partition:<p><TAB>Offset:<o><TAB><headers or NO_HEADERS><TAB><key><TAB><value>
              json   one object per line: topic, partition, offset, timestamp, timestampType, key, value, headers
            Batches compressed with any of Kafka's codecs (gzip, snappy, lz4, zstd) are decompressed.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case plain, json, kv
    }

    @OptionGroup var bootstrap: BootstrapOptions

    @Option(help: "The topic to read.") var topic: String
    @Option(help: "Read only this partition (default: all).") var partition: Int32?
    @Flag(name: .customLong("from-beginning"), help: "Start at the earliest offset.") var fromBeginning = false
    @Option(help: "Start at this offset (needs --partition).") var offset: Int64?
    @Option(help: "Start at the first record with a timestamp at or after this time (ms since the epoch).")
    var timestamp: Int64?
    @Option(name: .customLong("max-messages"), help: "Stop after this many records.") var maxMessages: Int?
    @Option(name: .customLong("timeout-ms"), help: "Stop when no record arrived for this long.") var timeoutMs: Int?
    @Option(help: "Output format: plain, json or kv.") var format: Format = .plain
    @Flag(name: .customLong("print-key"), help: "With --format plain: print the key and a tab before the value.")
    var printKey = false
    @Option(name: .customLong("max-bytes"), help: "Most bytes fetched per partition and request.")
    var maxBytes: Int32 = 1 << 20
    @Option(help: "Join this consumer group: read its partitions from the committed offsets and commit on exit.")
    var group: String?
    @Option(
        name: .customLong("isolation-level"),
        help: "read_uncommitted (default): every record up to the high watermark; read_committed: only committed transactions, up to the last stable offset.")
    var isolationLevel: IsolationLevelArgument = .readUncommitted
    @Flag(help: "Report records and MB consumed so far, and the rates, on stderr about every 500 ms, and a summary at the end.")
    var progress = false

    func validate() throws {
        let starts = [fromBeginning, offset != nil, timestamp != nil].filter { $0 }.count
        guard starts <= 1 else { throw ValidationError("use at most one of --from-beginning, --offset, --timestamp") }
        if offset != nil, partition == nil { throw ValidationError("--offset needs --partition") }
        if let offset, offset < 0 { throw ValidationError("--offset must not be negative") }
        if group != nil, partition != nil || offset != nil {
            throw ValidationError("--group reads the partitions the group assigns: it excludes --partition and --offset")
        }
        if let maxMessages, maxMessages < 1 { throw ValidationError("--max-messages must be at least 1") }
        if let timeoutMs, timeoutMs < 0 { throw ValidationError("--timeout-ms must not be negative") }
        guard maxBytes > 0 else { throw ValidationError("--max-bytes must be positive") }
    }

    func run() async throws {
        let printed = Counter(progress: progress ? ProgressReporter(label: "consume") : nil)
        defer { printed.progress?.finish() }
        try await reportingFailures {
            do {
                try await withClient(bootstrap) { client in
                    if let group { return try await consumeInGroup(client, group: group, printed: printed) }
                    let partitions = try await partitionsToRead(client)
                    var positions: [Int32: Int64] = [:]
                    for partition in partitions { positions[partition] = try await startOffset(client, partition: partition) }
                    try await consume(client, positions: positions, printed: printed)
                }
            } catch let error as KafkaClientError {
                printError("Processed a total of \(printed.value) messages")
                throw CommandFailure("Error consuming from topic \(topic): \(error)")
            }
        }
        printError("Processed a total of \(printed.value) messages")
    }

    /// Records printed so far, readable after a failure too, and the --progress reporter they are counted in.
    final class Counter {
        var value = 0
        let progress: ProgressReporter?

        init(progress: ProgressReporter?) { self.progress = progress }

        func count(_ record: ConsumerRecord) {
            value += 1
            progress?.add(records: 1, bytes: (record.key?.count ?? 0) + (record.value?.count ?? 0))
        }
    }

    /// As a member of `group`: join, read the assigned partitions from their committed offsets (else by the
    /// --from-beginning rule), heartbeat every 3 s, and on a rebalance commit, rejoin and go on; commit and leave
    /// at the end.
    private func consumeInGroup(_ client: KafkaClusterClient, group: String, printed: Counter) async throws {
        let partitionCount = Int32(try await partitionsToRead(client).count)
        let member = GroupMember(client: client, group: group, topic: topic)
        let rejoin = Mutex(false)
        let heartbeats = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(3))
                if let error = try? await member.heartbeat(), error != .noError { rejoin.withLock { $0 = true } }
            }
        }
        defer { heartbeats.cancel() }
        while true {
            rejoin.withLock { $0 = false }
            let assignment = try await member.join(partitionCount: partitionCount)
            let committed = try await client.committedOffsets(group: group)[topic] ?? [:]
            var positions: [Int32: Int64] = [:]
            for partition in assignment.partitions {
                if let offset = committed[partition]?.offset {
                    positions[partition] = offset
                } else {
                    positions[partition] = try await startOffset(client, partition: partition)
                }
            }
            let (reached, finished) = try await consume(client, positions: positions, printed: printed) {
                rejoin.withLock { $0 }
            }
            if !reached.isEmpty { try? await member.commit(reached) }
            if finished { break }
        }
        await member.leave()
    }

    private func partitionsToRead(_ client: KafkaClusterClient) async throws -> [Int32] {
        let metadata = try await client.metadata(topics: [topic])
        guard let topicMetadata = metadata.topic(topic), topicMetadata.errorCode != .unknownTopicOrPartition else {
            throw CommandFailure("Topic \(topic) does not exist")
        }
        let all = topicMetadata.partitions.map(\.partition)
        guard let partition else { return all }
        guard all.contains(partition) else {
            throw CommandFailure("partition \(partition) does not exist: \(topic) has \(all.count) partitions")
        }
        return [partition]
    }

    private func startOffset(_ client: KafkaClusterClient, partition: Int32) async throws -> Int64 {
        if let offset { return offset }
        if fromBeginning {
            return try await client.listOffsets(topic: topic, partition: partition, timestamp: OffsetSpec.earliest).offset
        }
        if let timestamp {
            let found = try await client.listOffsets(topic: topic, partition: partition, timestamp: timestamp).offset
            if found >= 0 { return found }
        }
        return try await client.listOffsets(
            topic: topic, partition: partition, timestamp: OffsetSpec.latest, isolationLevel: isolationLevel.level).offset
    }

    /// Fetches every partition concurrently, round after round, printing each round's records partition by
    /// partition, until a stop condition holds, counting them in `printed`.
    @discardableResult
    func consume(
        _ client: KafkaClusterClient, positions start: [Int32: Int64], printed: Counter,
        interrupted: @escaping @Sendable () -> Bool = { false }
    ) async throws -> (positions: [Int32: Int64], finished: Bool) {
        var positions = start
        let clock = ContinuousClock()
        var lastRecordAt = clock.now
        let maxWait = Duration.milliseconds(min(500, max(timeoutMs ?? 500, 10)))
        let (topic, maxBytes, isolation) = (self.topic, self.maxBytes, self.isolationLevel.level)
        while true {
            let results = try await withThrowingTaskGroup(of: (Int32, FetchResult).self) { group in
                for (partition, offset) in positions {
                    group.addTask {
                        (partition, try await client.fetch(
                            topic: topic, partition: partition, offset: offset, maxBytes: maxBytes, maxWait: maxWait,
                            isolationLevel: isolation))
                    }
                }
                var results: [(Int32, FetchResult)] = []
                for try await result in group { results.append(result) }
                return results.sorted { $0.0 < $1.0 }
            }
            for (partition, result) in results {
                positions[partition] = result.nextOffset
                for record in result.records {
                    print(RecordFormatter.format(record, topic: topic, format: format, printKey: printKey))
                    printed.count(record)
                    lastRecordAt = clock.now
                    if let maxMessages, printed.value >= maxMessages {
                        fflush(nil)
                        positions[partition] = record.offset + 1
                        return (positions, true)
                    }
                }
            }
            fflush(nil)
            if let timeoutMs, clock.now - lastRecordAt >= .milliseconds(timeoutMs) { return (positions, true) }
            if interrupted() { return (positions, false) }
            if positions.isEmpty { try await Task.sleep(for: maxWait) }
        }
    }
}

/// How `gregor consume` prints one record in each `--format`.
enum RecordFormatter {
    static func format(_ record: ConsumerRecord, topic: String, format: ConsumeCommand.Format, printKey: Bool) -> String {
        switch format {
        case .plain:
            return printKey ? "\(text(record.key))\t\(text(record.value))" : text(record.value)
        case .kv:
            let type = record.timestampType == .logAppendTime ? "LogAppendTime" : "CreateTime"
            let headers = record.headers.isEmpty
                ? "NO_HEADERS" : record.headers.map { "\($0.key):\(text($0.value))" }.joined(separator: ",")
            return "\(type):\(record.timestamp)\tPartition:\(record.partition)\tOffset:\(record.offset)\t\(headers)\t"
                + "\(text(record.key))\t\(text(record.value))"
        case .json:
            return json(record, topic: topic)
        }
    }

    /// UTF-8 text of the bytes (invalid sequences replaced), or "null".
    static func text(_ bytes: [UInt8]?) -> String {
        bytes.map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    private struct JSONRecord: Encodable {
        struct Header: Encodable {
            var key: String
            var value: String?
        }

        var topic: String
        var partition: Int32
        var offset: Int64
        var timestamp: Int64
        var timestampType: String
        var key: String?
        var value: String?
        var headers: [Header]
    }

    static func json(_ record: ConsumerRecord, topic: String) -> String {
        let object = JSONRecord(
            topic: topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp,
            timestampType: record.timestampType == .logAppendTime ? "LogAppendTime" : "CreateTime",
            key: record.key.map { String(decoding: $0, as: UTF8.self) },
            value: record.value.map { String(decoding: $0, as: UTF8.self) },
            headers: record.headers.map { .init(key: $0.key, value: $0.value.map { String(decoding: $0, as: UTF8.self) }) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(object) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// `--isolation-level`, spelled as Kafka's `isolation.level` values.
enum IsolationLevelArgument: String, ExpressibleByArgument, CaseIterable {
    case readUncommitted = "read_uncommitted"
    case readCommitted = "read_committed"

    var level: IsolationLevel { self == .readCommitted ? .readCommitted : .readUncommitted }
}
