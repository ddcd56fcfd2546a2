import CSnappy

/// Kafka's snappy codec, in both shapes found inside record batches:
///
/// - **xerial framing**, what Kafka's Java client (snappy-java's `SnappyOutputStream`) and kafka-python write:
///
///   ```
///   offset  size  field
///        0     8  magic               82 'S' 'N' 'A' 'P' 'P' 'Y' 00
///        8     4  version             int32 big-endian (1)
///       12     4  compatibleVersion   int32 big-endian (1)
///       16        blocks, each: int32 big-endian compressed length, then that many bytes of raw snappy
///   ```
/// - **raw snappy**: one block, what librdkafka may send. snappy-java's reader takes it too when the magic is
///   absent, and so does this one.
///
/// Raw snappy states its decompressed length first, so the output cap is checked before anything is allocated.
enum SnappyCodec {
    static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]
    static let xerialHeaderSize = 16
    /// snappy-java's default block size: how much uncompressed input one framed block holds.
    static let xerialBlockSize = 32 << 10

    static func decompress(_ input: UnsafeRawBufferPointer, maxOutputBytes: Int) throws(CompressionError) -> [UInt8] {
        var output = DecompressionOutput(codec: .snappy, limit: maxOutputBytes, inputCount: input.count)
        guard isXerialFramed(input) else {
            try appendRawBlock(input, to: &output)
            return output.finish()
        }
        var position = xerialHeaderSize
        while position < input.count {
            guard input.count - position >= 4 else { throw CompressionError(codec: .snappy, kind: .truncated) }
            let length = Int32(bigEndian: input.loadUnaligned(fromByteOffset: position, as: Int32.self))
            position += 4
            guard length >= 0 else {
                throw CompressionError(codec: .snappy, kind: .corrupt(reason: "negative block length \(length)"))
            }
            guard Int(length) <= input.count - position else { throw CompressionError(codec: .snappy, kind: .truncated) }
            try appendRawBlock(UnsafeRawBufferPointer(rebasing: input[position..<(position + Int(length))]), to: &output)
            position += Int(length)
        }
        return output.finish()
    }

    /// Whether `input` starts with snappy-java's stream header (magic, then version and compatible version).
    static func isXerialFramed(_ input: UnsafeRawBufferPointer) -> Bool {
        input.count >= xerialHeaderSize && input.prefix(xerialMagic.count).elementsEqual(xerialMagic)
    }

    private static func appendRawBlock(
        _ block: UnsafeRawBufferPointer, to output: inout DecompressionOutput
    ) throws(CompressionError) {
        let compressed = block.baseAddress?.assumingMemoryBound(to: CChar.self)
        var length = 0
        guard snappy_uncompressed_length(compressed, block.count, &length) == SNAPPY_OK else {
            throw CompressionError(codec: .snappy, kind: .corrupt(reason: "invalid length preamble"))
        }
        try output.reserve(exactly: length)
        guard length > 0 else {
            // An empty block is its one-byte preamble; anything more is not snappy.
            guard block.count == 1 else { throw CompressionError(codec: .snappy, kind: .corrupt(reason: "invalid block")) }
            return
        }
        let status = try output.write { free -> (snappy_status, Int) in
            var written = free.count
            let status = snappy_uncompress(compressed, block.count, free.baseAddress?.assumingMemoryBound(to: CChar.self), &written)
            // snappy writes exactly the length its preamble states or fails; anything else counts as a failure.
            guard status == SNAPPY_OK, written == length else { return (status == SNAPPY_OK ? SNAPPY_INVALID_INPUT : status, 0) }
            return (status, length)
        }
        guard status == SNAPPY_OK else {
            throw CompressionError(codec: .snappy, kind: .corrupt(reason: "snappy_uncompress failed (status \(status.rawValue))"))
        }
    }

    /// xerial-framed, as Kafka's Java producer writes it (the shape every Kafka consumer reads).
    static func compress(_ input: UnsafeRawBufferPointer) throws(CompressionError) -> [UInt8] {
        var output = xerialMagic
        appendBigEndian(Int32(1), to: &output)  // version
        appendBigEndian(Int32(1), to: &output)  // compatible version
        var position = 0
        repeat {
            let block = UnsafeRawBufferPointer(rebasing: input[position..<min(input.count, position + xerialBlockSize)])
            var compressed = [UInt8](repeating: 0, count: snappy_max_compressed_length(block.count))
            let (status, written) = compressed.withUnsafeMutableBytes { out -> (snappy_status, Int) in
                var written = out.count
                let status = snappy_compress(
                    block.baseAddress?.assumingMemoryBound(to: CChar.self), block.count,
                    out.baseAddress?.assumingMemoryBound(to: CChar.self), &written)
                return (status, written)
            }
            guard status == SNAPPY_OK else {
                throw CompressionError(codec: .snappy, kind: .libraryFailure(reason: "snappy_compress failed (\(status.rawValue))"))
            }
            appendBigEndian(Int32(written), to: &output)
            output += compressed[..<written]
            position += block.count
        } while position < input.count
        return output
    }

    private static func appendBigEndian(_ value: Int32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
