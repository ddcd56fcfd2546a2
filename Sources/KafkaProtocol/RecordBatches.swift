/// Shallow iteration over a buffer of concatenated v2 record batches (a produce payload, a fetch response's
/// records, a segment file read into memory), yielding each batch's header and byte range. Records are never decoded.
///
/// Iteration stops at the first byte that does not start a whole, well-formed batch. The iterator then tells how
/// far the valid batches reach (`validByteCount`) and why it stopped (`stopReason`): nil when the buffer ended
/// exactly at a batch boundary, an error with `isIncompleteBatch` for a trailing partial batch (a torn write),
/// any other error for bytes that are there but wrong. Log recovery truncates a segment to `validByteCount`.
///
/// With `verifyingChecksums` each batch's CRC-32C is checked before it is yielded, as recovery needs; without it
/// only the header is read, as a fetch path that trusts its own log does.
///
/// The sequence borrows `bytes`: use it only while the memory behind them is alive, e.g. inside
/// `ByteBuffer.withUnsafeReadableBytes`. Iteration allocates nothing.
public struct RecordBatches: Sequence {
    public typealias Element = (header: RecordBatchHeader, range: Range<Int>)

    public let bytes: UnsafeRawBufferPointer
    public let verifiesChecksums: Bool

    public init(_ bytes: UnsafeRawBufferPointer, verifyingChecksums: Bool = false) {
        self.bytes = bytes
        self.verifiesChecksums = verifyingChecksums
    }

    public func makeIterator() -> Iterator {
        Iterator(bytes: bytes, verifiesChecksums: verifiesChecksums)
    }

    /// Walks the whole buffer: how many whole valid batches it starts with, how many bytes they cover, and why
    /// the walk stopped before the end (nil if it did not).
    public func validPrefix() -> (batchCount: Int, validByteCount: Int, stopReason: RecordBatchError?) {
        var iterator = makeIterator()
        var batchCount = 0
        while iterator.next() != nil {
            batchCount += 1
        }
        return (batchCount, iterator.validByteCount, iterator.stopReason)
    }

    public struct Iterator: IteratorProtocol {
        private let bytes: UnsafeRawBufferPointer
        private let verifiesChecksums: Bool
        /// Bytes covered by the batches yielded so far; after the end, the length of the valid prefix.
        public private(set) var validByteCount = 0
        /// Why iteration stopped before the end of the buffer; nil while iterating and after a clean end.
        public private(set) var stopReason: RecordBatchError?

        init(bytes: UnsafeRawBufferPointer, verifiesChecksums: Bool) {
            self.bytes = bytes
            self.verifiesChecksums = verifiesChecksums
        }

        /// Bytes after the valid prefix: a partial or corrupt batch and everything behind it.
        public var trailingByteCount: Int {
            bytes.count - validByteCount
        }

        public mutating func next() -> Element? {
            let position = validByteCount
            guard stopReason == nil, position < bytes.count else { return nil }
            do {
                let header = try RecordBatch.frame(bytes, at: position)
                if verifiesChecksums {
                    try RecordBatch.verifyChecksum(of: header, in: bytes, at: position)
                }
                validByteCount = position + header.sizeInBytes
                return (header, position..<validByteCount)
            } catch {
                stopReason = error
                return nil
            }
        }
    }
}

extension RecordBatch {
    /// Finds the batch starting at `position`: the size prefix must be there, `batchLength` must cover a header,
    /// the whole batch must be in `bytes`, and its header must parse. Does not check the CRC.
    @inline(__always)
    static func frame(_ bytes: UnsafeRawBufferPointer, at position: Int) throws(RecordBatchError) -> RecordBatchHeader {
        let available = bytes.count - position
        guard available >= logOverhead else {
            throw RecordBatchError(position: position, kind: .truncated(needed: logOverhead, available: available))
        }
        let batchLength: Int32 = bytes.loadBigEndian(at: position + Field.batchLength)
        guard batchLength >= minimumBatchLength else {
            throw RecordBatchError(position: position, kind: .batchLengthTooSmall(batchLength))
        }
        let size = Int(batchLength) + logOverhead
        guard available >= size else {
            throw RecordBatchError(position: position, kind: .truncated(needed: size, available: available))
        }
        return try RecordBatchHeader(parsing: bytes, at: position)
    }

    /// Checks the stored CRC against the CRC-32C of attributes..end of a batch already framed at `position`.
    @inline(__always)
    static func verifyChecksum(
        of header: RecordBatchHeader, in bytes: UnsafeRawBufferPointer, at position: Int
    ) throws(RecordBatchError) {
        let covered = UnsafeRawBufferPointer(
            rebasing: bytes[(position + Field.attributes)..<(position + header.sizeInBytes)])
        let computed = CRC32C.checksum(covered)
        guard computed == header.crc else {
            throw RecordBatchError(position: position, kind: .checksumMismatch(stored: header.crc, computed: computed))
        }
    }
}
