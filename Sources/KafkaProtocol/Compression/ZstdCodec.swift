import CZstd

/// Kafka's zstd codec: standard zstd frames. Decoded as a stream, since producers (zstd-jni's `ZstdOutputStream`,
/// librdkafka) need not put the content size in the frame header. The decoder's window is bounded by libzstd's
/// default (`ZSTD_WINDOWLOG_LIMIT_DEFAULT`, 128 MiB), so a hostile header cannot make it reserve more than that.
final class ZstdDecompressor: StreamingDecompressor {
    static let codec = CompressionType.zstd
    private let context: OpaquePointer

    init() throws(CompressionError) {
        guard let context = ZSTD_createDCtx() else {
            throw CompressionError(codec: .zstd, kind: .libraryFailure(reason: "cannot create a zstd context"))
        }
        self.context = context
    }

    deinit {
        ZSTD_freeDCtx(context)
    }

    func step(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) -> DecompressionStep {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        // Returns 0 once a frame is fully decoded and flushed, else a hint of the input it wants next.
        let result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
        if ZSTD_isError(result) != 0 {
            let reason = String(cString: ZSTD_getErrorName(result))
            return DecompressionStep(consumed: inBuffer.pos, produced: outBuffer.pos, status: .failed(.corrupt(reason: reason)))
        }
        return DecompressionStep(
            consumed: inBuffer.pos, produced: outBuffer.pos, status: result == 0 ? .streamEnded : .inProgress)
    }

    func startNextStream(_ input: UnsafeRawBufferPointer) -> Bool {
        // The context starts a new frame by itself; accept only what starts one (a frame or a skippable frame).
        guard input.count >= 4 else { return false }
        let magic = UInt32(input[0]) | UInt32(input[1]) << 8 | UInt32(input[2]) << 16 | UInt32(input[3]) << 24
        return magic == ZSTD_MAGICNUMBER || magic & 0xFFFF_FFF0 == ZSTD_MAGIC_SKIPPABLE_START
    }
}

enum ZstdCompressor {
    /// One frame at zstd's default level (3), the level Kafka's Java producer uses by default.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = ZSTD_CLEVEL_DEFAULT) throws(CompressionError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_compress(out.baseAddress, out.count, input.baseAddress, input.count, level)
        }
        guard ZSTD_isError(written) == 0 else {
            throw CompressionError(codec: .zstd, kind: .libraryFailure(reason: String(cString: ZSTD_getErrorName(written))))
        }
        output.removeSubrange(written...)
        return output
    }
}
