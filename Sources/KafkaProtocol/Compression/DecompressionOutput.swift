/// The growing output of one decompression, never more than `limit + 1` bytes: a decoder is offered room up to one
/// byte past the cap, so "it wrote that byte" is exactly "the data decompresses to more than the cap". Memory stays
/// bounded whatever the input claims.
///
/// Decoders write straight into the buffer's free tail (no intermediate chunks); the buffer starts at four times
/// the input (Kafka batches compress 2-10x) and doubles.
struct DecompressionOutput {
    let codec: CompressionType
    let limit: Int
    private var bytes: [UInt8]
    private(set) var count = 0

    init(codec: CompressionType, limit: Int, inputCount: Int) {
        precondition(limit >= 0 && limit < Int.max, "the output cap must be a size")
        self.codec = codec
        self.limit = limit
        let estimate = inputCount > Int.max / 4 ? Int.max : max(4 << 10, inputCount * 4)
        bytes = [UInt8](repeating: 0, count: min(limit + 1, estimate))
    }

    /// Offers `body` the free tail (at least one byte, growing the buffer first if it is full) and counts the bytes
    /// it says it wrote there.
    ///
    /// - Throws: `.outputTooLarge` once the output passes `limit`.
    mutating func write<Step>(
        _ body: (UnsafeMutableRawBufferPointer) -> (step: Step, written: Int)
    ) throws(CompressionError) -> Step {
        if count == bytes.count { try grow(toAtLeast: count + 1) }
        let start = count
        let (step, written) = bytes.withUnsafeMutableBytes { body(UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
        precondition(written >= 0 && written <= bytes.count - start, "a decoder wrote outside the space it was given")
        count += written
        guard count <= limit else { throw CompressionError(codec: codec, kind: .outputTooLarge(limit: limit)) }
        return step
    }

    /// Makes room for exactly `size` more bytes, for codecs that state the decompressed size up front (snappy):
    /// the cap is checked against the claim before anything is allocated.
    mutating func reserve(exactly size: Int) throws(CompressionError) {
        guard size >= 0, size <= limit - count else {
            throw CompressionError(codec: codec, kind: .outputTooLarge(limit: limit))
        }
        if bytes.count - count < size { try grow(toAtLeast: count + size) }
    }

    /// The bytes written so far.
    consuming func finish() -> [UInt8] {
        bytes.removeSubrange(count...)
        return bytes
    }

    private mutating func grow(toAtLeast needed: Int) throws(CompressionError) {
        let ceiling = limit + 1
        guard needed <= ceiling else { throw CompressionError(codec: codec, kind: .outputTooLarge(limit: limit)) }
        let doubled = bytes.count > ceiling / 2 ? ceiling : max(bytes.count * 2, 4 << 10)
        let newCount = min(ceiling, max(needed, doubled))
        // A zeroed buffer and one copy of the old bytes. Appending a `repeatElement` went element by element through
        // generic iterators wherever it was not specialized: in debug builds, seconds per few MiB.
        var grown = [UInt8](repeating: 0, count: newCount)
        grown.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { target.copyMemory(from: $0) }
        }
        bytes = grown
    }
}
