import CLZ4

/// Kafka's lz4 codec: the standard LZ4 frame format (magic 04 22 4d 18), as Kafka's `KafkaLZ4BlockOutputStream`,
/// librdkafka and python-lz4 write it. Concatenated frames decode as one stream.
final class LZ4Decompressor: StreamingDecompressor {
    static let codec = CompressionType.lz4
    private let context: OpaquePointer

    init() throws(CompressionError) {
        var context: OpaquePointer?
        let result = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(result) == 0, let context else {
            throw CompressionError(codec: .lz4, kind: .libraryFailure(reason: "cannot create an LZ4F context"))
        }
        self.context = context
    }

    deinit {
        LZ4F_freeDecompressionContext(context)
    }

    func step(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) -> DecompressionStep {
        var consumed = input.count
        var produced = output.count
        // LZ4F_decompress returns a hint of the input it wants next, 0 once a frame is complete and flushed.
        let hint = LZ4F_decompress(context, output.baseAddress, &produced, input.baseAddress, &consumed, nil)
        if LZ4F_isError(hint) != 0 {
            let reason = String(cString: LZ4F_getErrorName(hint))
            return DecompressionStep(consumed: consumed, produced: produced, status: .failed(.corrupt(reason: reason)))
        }
        return DecompressionStep(consumed: consumed, produced: produced, status: hint == 0 ? .streamEnded : .inProgress)
    }

    func startNextStream(_ input: UnsafeRawBufferPointer) -> Bool {
        // After a complete frame the context is ready for the next; only bytes that start one are accepted.
        // 184d2204 is the frame magic, 184d2a50...5f the skippable frames (all little-endian).
        guard input.count >= 4 else { return false }
        let magic = UInt32(input[0]) | UInt32(input[1]) << 8 | UInt32(input[2]) << 16 | UInt32(input[3]) << 24
        return magic == 0x184D_2204 || magic & 0xFFFF_FFF0 == 0x184D_2A50
    }
}

enum LZ4Compressor {
    /// One frame the way Kafka's Java client writes it (`KafkaLZ4BlockOutputStream`): 64 KiB independent blocks,
    /// no checksums beyond the header's. Java's reader rejects linked blocks, so independence is not optional.
    static func compress(_ input: UnsafeRawBufferPointer) throws(CompressionError) -> [UInt8] {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        let bound = LZ4F_compressFrameBound(input.count, &preferences)
        guard LZ4F_isError(bound) == 0 else {
            throw CompressionError(codec: .lz4, kind: .libraryFailure(reason: String(cString: LZ4F_getErrorName(bound))))
        }
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            LZ4F_compressFrame(out.baseAddress, out.count, input.baseAddress, input.count, &preferences)
        }
        guard LZ4F_isError(written) == 0 else {
            throw CompressionError(codec: .lz4, kind: .libraryFailure(reason: String(cString: LZ4F_getErrorName(written))))
        }
        output.removeSubrange(written...)
        return output
    }
}
