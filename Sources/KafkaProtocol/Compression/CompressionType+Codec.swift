/// Compressing and decompressing the records section of a batch (everything after the 61-byte header) with
/// Kafka's codecs. The broker never calls these on the produce or fetch path; consumers of records do (the client,
/// ListOffsets by timestamp, tests).
///
/// Decompression takes untrusted bytes: its output is capped (`maxOutputBytes`), so a small batch that claims or
/// expands to gigabytes throws `.outputTooLarge` instead of exhausting memory, and every malformed input throws a
/// `CompressionError` naming the codec.
extension CompressionType {
    /// 64 MiB: far above any batch a producer builds (`batch.size` is 16 KiB and `max.request.size` 1 MiB by
    /// default; a batch holding one record of `message.max.bytes` stays below it for any sane setting).
    public static let maxDecompressedBytesDefault = 64 << 20

    /// The records section `input`, decompressed.
    ///
    /// - Throws: `CompressionError`; `.noCodec` for `.none`.
    public func decompress(
        _ input: UnsafeRawBufferPointer, maxOutputBytes: Int = maxDecompressedBytesDefault
    ) throws(CompressionError) -> [UInt8] {
        switch self {
        case .none: throw CompressionError(codec: self, kind: .noCodec)
        case .gzip: return try GzipDecompressor().decompressAll(input, maxOutputBytes: maxOutputBytes)
        case .snappy: return try SnappyCodec.decompress(input, maxOutputBytes: maxOutputBytes)
        case .lz4: return try LZ4Decompressor().decompressAll(input, maxOutputBytes: maxOutputBytes)
        case .zstd: return try ZstdDecompressor().decompressAll(input, maxOutputBytes: maxOutputBytes)
        }
    }

    /// `input` compressed the way Kafka's Java producer does it at its default level: gzip level 6, xerial-framed
    /// snappy, an LZ4 frame of 64 KiB independent blocks, zstd level 3.
    ///
    /// - Throws: `CompressionError`; `.noCodec` for `.none`.
    public func compress(_ input: UnsafeRawBufferPointer) throws(CompressionError) -> [UInt8] {
        switch self {
        case .none: throw CompressionError(codec: self, kind: .noCodec)
        case .gzip: return try GzipCompressor.compress(input)
        case .snappy: return try SnappyCodec.compress(input)
        case .lz4: return try LZ4Compressor.compress(input)
        case .zstd: return try ZstdCompressor.compress(input)
        }
    }

    /// `decompress` over an array.
    public func decompress(
        _ input: [UInt8], maxOutputBytes: Int = maxDecompressedBytesDefault
    ) throws(CompressionError) -> [UInt8] {
        try input.withUnsafeBytes { bytes in
            Result { () throws(CompressionError) in try decompress(bytes, maxOutputBytes: maxOutputBytes) }
        }.get()
    }

    /// `compress` over an array.
    public func compress(_ input: [UInt8]) throws(CompressionError) -> [UInt8] {
        try input.withUnsafeBytes { bytes in Result { () throws(CompressionError) in try compress(bytes) } }.get()
    }
}
