import KafkaProtocol
import NIOCore

/// The leader's answer to a produce with acks 1 or all.
public struct ProduceResult: Sendable, Hashable {
    /// Offset of the batch's first record.
    public var baseOffset: Int64
    /// The broker's append time when the topic uses LogAppendTime, else -1.
    public var logAppendTimeMs: Int64
    /// The partition's log start offset (Produce v5+), else -1.
    public var logStartOffset: Int64
}

/// Records fetched from one partition, and where the partition's log stands.
public struct FetchResult: Sendable, Hashable {
    /// Records at or after the offset asked for, in offset order (control records skipped).
    public var records: [ConsumerRecord]
    /// The offset to fetch next: after the last whole batch returned, or the offset asked for if none was.
    public var nextOffset: Int64
    public var highWatermark: Int64
    /// -1 before Fetch v4.
    public var lastStableOffset: Int64
    /// -1 before Fetch v5.
    public var logStartOffset: Int64
}

/// The answer to a ListOffsets query for one partition.
public struct ListOffsetsResult: Sendable, Hashable {
    public var offset: Int64
    /// The timestamp of the record found for a timestamp query; -1 for earliest/latest.
    public var timestamp: Int64
    public var leaderEpoch: Int32
}

/// The special timestamps of ListOffsets.
public enum OffsetSpec {
    /// The log end offset: where the next record will go (Kafka's `LATEST_TIMESTAMP`).
    public static let latest: Int64 = -1
    /// The log start offset (Kafka's `EARLIEST_TIMESTAMP`).
    public static let earliest: Int64 = -2
}

extension KafkaClusterClient {
    /// Appends a batch built with `RecordBatchBuilder` to `topic`-`partition` on its leader.
    ///
    /// - Parameter acks: 0 (no answer; returns nil once written), 1 (the leader's append) or -1 (all in-sync replicas).
    public func produce(
        topic: String, partition: Int32, batch: RecordBatchBuilder, acks: Int16 = -1, timeout: Duration? = nil
    ) async throws(KafkaClientError) -> ProduceResult? {
        try await produce(topic: topic, partition: partition, records: ByteBuffer(bytes: batch.build()), acks: acks,
                          timeout: timeout)
    }

    /// Appends already encoded v2 record batches to `topic`-`partition` on its leader.
    public func produce(
        topic: String, partition: Int32, records: ByteBuffer, acks: Int16 = -1, timeout: Duration? = nil
    ) async throws(KafkaClientError) -> ProduceResult? {
        let requestTimeout = configuration.connection.requestTimeout
        return try await withRetries("Produce to \(topic)-\(partition)", timeout: timeout) {
            () async throws(KafkaClientError) -> ProduceResult? in
            let connection = try await leaderConnection(topic: topic, partition: partition)
            // v3 is the first version carrying v2 record batches.
            let version = try connection.negotiatedVersion(ProduceRequest.self)
            guard version >= 3 else { throw .unsupportedVersion(api: .produce, version: version) }
            var partitionData = ProduceRequest.PartitionProduceData()
            partitionData.index = partition
            partitionData.records = .bytes(records)
            var topicData = ProduceRequest.TopicProduceData()
            topicData.name = topic
            topicData.partitionData = [partitionData]
            var request = ProduceRequest()
            request.acks = acks
            request.timeoutMs = Int32(clamping: requestTimeout.milliseconds)
            request.topicData = [topicData]
            if acks == 0 {
                try await connection.sendWithoutResponse(request, version: version)
                return nil
            }
            // The broker may wait timeoutMs for replication before answering; give the answer time to arrive.
            let response = try await connection.send(request, version: version, timeout: requestTimeout * 2)
            let answer = response.responses.first { $0.name == topic }?.partitionResponses.first { $0.index == partition }
            guard let answer else {
                throw .decodingFailed(api: .produce, version: version, reason: "no answer for \(topic)-\(partition)")
            }
            let errorCode = ErrorCode(rawValue: answer.errorCode)
            guard errorCode == .noError else {
                throw .broker(errorCode, context: "Produce to \(topic)-\(partition)", message: answer.errorMessage)
            }
            return ProduceResult(
                baseOffset: answer.baseOffset, logAppendTimeMs: answer.logAppendTimeMs,
                logStartOffset: answer.logStartOffset)
        }
    }

    /// Fetches from `topic`-`partition` at `offset` on its leader and decodes the records.
    ///
    /// - Parameters:
    ///   - maxBytes: cap on the response's records (the first batch is returned whole even if larger, KIP-74).
    ///   - maxWait: how long the broker may wait for `minBytes` to arrive before answering.
    /// - Throws: `.broker(.offsetOutOfRange, ...)` when `offset` is outside the log; `.corruptRecords` for batches
    ///   that fail their CRC, do not decompress or hold malformed records.
    ///   - isolationLevel: `.readCommitted` reads up to the last stable offset and drops the records of aborted
    ///     transactions, as Kafka's consumer does.
    public func fetch(
        topic: String, partition: Int32, offset: Int64, maxBytes: Int32 = 1 << 20, maxWait: Duration = .milliseconds(500),
        minBytes: Int32 = 1, isolationLevel: IsolationLevel = .readUncommitted, timeout: Duration? = nil
    ) async throws(KafkaClientError) -> FetchResult {
        let requestTimeout = configuration.connection.requestTimeout + maxWait
        return try await withRetries("Fetch from \(topic)-\(partition)", timeout: timeout) {
            () async throws(KafkaClientError) -> FetchResult in
            let connection = try await leaderConnection(topic: topic, partition: partition)
            // v4 is the first version whose records are always v2 batches (no down-conversion to magic 0/1).
            let version = try connection.negotiatedVersion(FetchRequest.self)
            guard version >= 4 else { throw .unsupportedVersion(api: .fetch, version: version) }
            var fetchPartition = FetchRequest.FetchPartition()
            fetchPartition.partition = partition
            fetchPartition.fetchOffset = offset
            fetchPartition.partitionMaxBytes = maxBytes
            var fetchTopic = FetchRequest.FetchTopic()
            fetchTopic.topic = topic
            fetchTopic.partitions = [fetchPartition]
            var request = FetchRequest()
            request.replicaId = -1
            request.isolationLevel = isolationLevel.rawValue
            request.maxWaitMs = Int32(clamping: maxWait.milliseconds)
            request.minBytes = minBytes
            request.maxBytes = maxBytes
            request.sessionEpoch = -1  // a full fetch outside any fetch session
            request.topics = [fetchTopic]
            let response = try await connection.send(request, version: version, timeout: requestTimeout)
            if response.errorCode != 0 {
                throw .broker(ErrorCode(rawValue: response.errorCode), context: "Fetch", message: nil)
            }
            let answer = response.responses.first { $0.topic == topic }?.partitions.first { $0.partitionIndex == partition }
            guard let answer else {
                throw .decodingFailed(api: .fetch, version: version, reason: "no answer for \(topic)-\(partition)")
            }
            let errorCode = ErrorCode(rawValue: answer.errorCode)
            guard errorCode == .noError else {
                throw .broker(errorCode, context: "Fetch from \(topic)-\(partition) at offset \(offset)", message: nil)
            }
            let aborted = isolationLevel == .readCommitted
                ? (answer.abortedTransactions ?? []).map { (producerId: $0.producerId, firstOffset: $0.firstOffset) } : nil
            let decoded = try RecordDecoder.decode(
                answer.records?.buffer ?? ByteBuffer(), partition: partition, fromOffset: offset,
                abortedTransactions: aborted)
            return FetchResult(
                records: decoded.records, nextOffset: max(offset, decoded.nextOffset ?? offset),
                highWatermark: answer.highWatermark, lastStableOffset: answer.lastStableOffset,
                logStartOffset: answer.logStartOffset)
        }
    }

    /// The offset for `timestamp` in `topic`-`partition`: `OffsetSpec.earliest`, `OffsetSpec.latest`, or the first
    /// offset whose record timestamp is at or after a time in milliseconds (offset -1 if there is none).
    /// With `.readCommitted`, latest is the last stable offset.
    public func listOffsets(
        topic: String, partition: Int32, timestamp: Int64, isolationLevel: IsolationLevel = .readUncommitted,
        timeout: Duration? = nil
    ) async throws(KafkaClientError) -> ListOffsetsResult {
        try await withRetries("ListOffsets for \(topic)-\(partition)", timeout: timeout) {
            () async throws(KafkaClientError) -> ListOffsetsResult in
            let connection = try await leaderConnection(topic: topic, partition: partition)
            // v1 is the first version answering with one offset (v0 returns a list).
            let version = try connection.negotiatedVersion(ListOffsetsRequest.self)
            guard version >= 1 else { throw .unsupportedVersion(api: .listOffsets, version: version) }
            var listPartition = ListOffsetsRequest.ListOffsetsPartition()
            listPartition.partitionIndex = partition
            listPartition.timestamp = timestamp
            listPartition.currentLeaderEpoch = -1
            var listTopic = ListOffsetsRequest.ListOffsetsTopic()
            listTopic.name = topic
            listTopic.partitions = [listPartition]
            var request = ListOffsetsRequest()
            request.replicaId = -1
            // v2 is the first with an isolation level; v1 brokers answer the high watermark.
            request.isolationLevel = version >= 2 ? isolationLevel.rawValue : 0
            request.topics = [listTopic]
            let response = try await connection.send(request, version: version)
            let answer = response.topics.first { $0.name == topic }?.partitions.first { $0.partitionIndex == partition }
            guard let answer else {
                throw .decodingFailed(api: .listOffsets, version: version, reason: "no answer for \(topic)-\(partition)")
            }
            let errorCode = ErrorCode(rawValue: answer.errorCode)
            guard errorCode == .noError else {
                throw .broker(errorCode, context: "ListOffsets for \(topic)-\(partition)", message: nil)
            }
            return ListOffsetsResult(offset: answer.offset, timestamp: answer.timestamp, leaderEpoch: answer.leaderEpoch)
        }
    }
}

/// A consumer's `isolation.level`: what it may read of transactional records.
public enum IsolationLevel: Int8, Sendable, Hashable, CaseIterable {
    /// Everything up to the high watermark, open and aborted transactions included.
    case readUncommitted = 0
    /// Up to the last stable offset, without the records of aborted transactions.
    case readCommitted = 1
}
