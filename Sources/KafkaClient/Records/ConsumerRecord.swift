import KafkaProtocol

/// A record header: a string key and an optional value, as in a v2 record.
public typealias RecordHeader = RecordBatchBuilder.Header

/// One record as a consumer sees it, decoded from a fetched v2 batch.
public struct ConsumerRecord: Sendable, Hashable {
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since the epoch: the producer's time (`CreateTime`) or the leader's (`LogAppendTime`).
    public var timestamp: Int64
    public var timestampType: TimestampType
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]

    public init(
        partition: Int32, offset: Int64, timestamp: Int64, timestampType: TimestampType = .createTime,
        key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader] = []
    ) {
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.timestampType = timestampType
        self.key = key
        self.value = value
        self.headers = headers
    }
}
