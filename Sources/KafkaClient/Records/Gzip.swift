import CZlib
import NIOCore

/// Inflates the records section of a gzip-compressed batch (Kafka's gzip codec writes a plain gzip stream).
///
/// The output is capped at `maxInflatedBytes` so that a small hostile batch cannot expand into gigabytes (a
/// "zip bomb"); Kafka's own limit is the consumer's memory, Gregor's is explicit.
enum Gzip {
    /// 64 MiB: far above any batch a producer builds (`max.request.size` is 1 MiB by default).
    static let maxInflatedBytes = 64 << 20

    static func inflate(_ input: ByteBuffer, maxInflatedBytes: Int = maxInflatedBytes) throws(KafkaClientError) -> ByteBuffer {
        var output = ByteBuffer()
        var failure: KafkaClientError?
        var inputBytes = Array(input.readableBytesView)
        inputBytes.withUnsafeMutableBufferPointer { inputPointer in
            var stream = z_stream()
            guard czlib_inflate_init_gzip(&stream) == Z_OK else {
                failure = .corruptRecords(reason: "gzip: inflateInit2 failed")
                return
            }
            defer { inflateEnd(&stream) }
            stream.next_in = inputPointer.baseAddress
            stream.avail_in = UInt32(inputPointer.count)
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { chunkPointer -> Int32 in
                    stream.next_out = chunkPointer.baseAddress
                    stream.avail_out = UInt32(chunkPointer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.writeBytes(chunk[0..<produced])
                if output.readableBytes > maxInflatedBytes {
                    failure = .corruptRecords(reason: "gzip: batch inflates to more than \(maxInflatedBytes) bytes")
                    return
                }
                if status == Z_STREAM_END { return }
                guard status == Z_OK, produced > 0 || stream.avail_in > 0 else {
                    failure = .corruptRecords(reason: "gzip: inflate failed with status \(status)")
                    return
                }
            }
        }
        if let failure { throw failure }
        return output
    }
}
