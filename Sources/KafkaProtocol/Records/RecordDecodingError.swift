/// Why the records of a batch could not be read: the batch is not whole, its records do not decompress, or a
/// record is malformed. What a Kafka broker or consumer reports as a corrupt record (`CORRUPT_MESSAGE`).
public struct RecordDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The bytes do not hold one whole batch with a valid header.
        case batch(RecordBatchError)
        case decompression(CompressionError)
        /// `recordsCount` is negative (Kafka: "Found invalid record count").
        case invalidRecordCount(Int32)
        /// Record number `index` (0-based) is malformed: a field runs past the record or the records section, a
        /// length is invalid, or the record's fields do not fill exactly its declared length.
        case malformedRecord(index: Int, ProtocolDecodingError)
        /// Bytes remain after the last of `recordsCount` records (Kafka: "Incorrect declared batch size, records
        /// still remaining in file").
        case bytesAfterLastRecord(count: Int)
    }

    /// The batch's base offset (the first offset the error concerns).
    public let baseOffset: Int64
    public let kind: Kind

    public init(baseOffset: Int64, kind: Kind) {
        self.baseOffset = baseOffset
        self.kind = kind
    }

    public var description: String {
        let prefix = "batch at offset \(baseOffset): "
        switch kind {
        case .batch(let error):
            return "\(error)"
        case .decompression(let error):
            return prefix + "\(error)"
        case .invalidRecordCount(let count):
            return prefix + "invalid record count \(count)"
        case .malformedRecord(let index, let error):
            return prefix + "record \(index): \(error)"
        case .bytesAfterLastRecord(let count):
            return prefix + "\(count) bytes remain after the last record"
        }
    }
}
