import CZlib

/// Kafka's gzip codec: a plain gzip stream (RFC 1952), what `java.util.zip.GZIPOutputStream` and librdkafka write.
/// Like Java's `GZIPInputStream`, concatenated gzip members decode as one stream.
final class GzipDecompressor: StreamingDecompressor {
    static let codec = CompressionType.gzip
    /// On the heap: zlib's state points back at its `z_stream` and refuses one that moved.
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws(CompressionError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = czlib_inflate_init_gzip(stream)
        guard status == Z_OK else {
            stream.deallocate()
            throw CompressionError(codec: .gzip, kind: .libraryFailure(reason: "inflateInit2 failed with \(status)"))
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func step(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) -> DecompressionStep {
        // zlib counts in UInt32; a step may use less than all of a larger buffer and the caller loops.
        let inputCount = min(input.count, Int(UInt32.max))
        let outputCount = min(output.count, Int(UInt32.max))
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(inputCount)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(outputCount)
        let status = inflate(stream, Z_NO_FLUSH)
        let consumed = inputCount - Int(stream.pointee.avail_in)
        let produced = outputCount - Int(stream.pointee.avail_out)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        switch status {
        case Z_STREAM_END:
            return DecompressionStep(consumed: consumed, produced: produced, status: .streamEnded)
        case Z_OK, Z_BUF_ERROR:
            // Z_BUF_ERROR: no progress was possible, which the caller sees as nothing consumed or produced.
            return DecompressionStep(consumed: consumed, produced: produced, status: .inProgress)
        case Z_NEED_DICT:
            return DecompressionStep(consumed: consumed, produced: produced, status: .failed(.corrupt(reason: "needs a preset dictionary")))
        case Z_MEM_ERROR:
            return DecompressionStep(consumed: consumed, produced: produced, status: .failed(.libraryFailure(reason: "zlib is out of memory")))
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "inflate returned \(status)"
            return DecompressionStep(consumed: consumed, produced: produced, status: .failed(.corrupt(reason: message)))
        }
    }

    func startNextStream(_ input: UnsafeRawBufferPointer) -> Bool {
        // The gzip magic (1f 8b) starts another member; anything else is trailing garbage.
        guard input.count >= 2, input[0] == 0x1F, input[1] == 0x8B else { return false }
        return inflateReset(stream) == Z_OK
    }
}

enum GzipCompressor {
    /// zlib's default level (6), what Kafka's Java producer uses when `compression.gzip.level` is not set.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = Z_DEFAULT_COMPRESSION) throws(CompressionError) -> [UInt8] {
        guard input.count <= Int(UInt32.max) else {
            throw CompressionError(codec: .gzip, kind: .libraryFailure(reason: "input above 4 GiB"))
        }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        guard czlib_deflate_init_gzip(stream, level) == Z_OK else {
            throw CompressionError(codec: .gzip, kind: .libraryFailure(reason: "deflateInit2 failed"))
        }
        defer { deflateEnd(stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, UInt(input.count))))
        let (status, written) = output.withUnsafeMutableBytes { out -> (Int32, Int) in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = UInt32(input.count)
            stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(out.count)
            // One call with Z_FINISH suffices when the output has room for deflateBound bytes.
            let status = deflate(stream, Z_FINISH)
            return (status, out.count - Int(stream.pointee.avail_out))
        }
        guard status == Z_STREAM_END else {
            throw CompressionError(codec: .gzip, kind: .libraryFailure(reason: "deflate returned \(status)"))
        }
        output.removeSubrange(written...)
        return output
    }
}
