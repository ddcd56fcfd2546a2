/// The codec of a batch's records (attributes bits 0-2), with Kafka's ids. The broker stores compressed batches as
/// they came and never needs to decompress them to validate or assign offsets.
public enum CompressionType: Int8, Sendable, Hashable, CaseIterable {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4

    /// Kafka's name, as in the `compression.type` config.
    public var name: String {
        switch self {
        case .none: "none"
        case .gzip: "gzip"
        case .snappy: "snappy"
        case .lz4: "lz4"
        case .zstd: "zstd"
        }
    }
}

/// Which clock the batch's timestamps come from (attributes bit 3).
public enum TimestampType: Sendable, Hashable {
    /// The producer's timestamps (`message.timestamp.type=CreateTime`).
    case createTime
    /// The broker's clock at append; the broker writes it into `maxTimestamp` (`LogAppendTime`).
    case logAppendTime
}
