/// Why a codec could not compress or decompress a records block, and which codec it was.
///
/// Decompression reads bytes a producer (or a corrupted disk) wrote, so every failure of the C library on its
/// input comes back as one of these rather than a crash or an unbounded allocation.
public struct CompressionError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The output would exceed the caller's cap (`maxOutputBytes`): a decompression bomb, or a batch larger
        /// than anything the caller is prepared to hold.
        case outputTooLarge(limit: Int)
        /// The input ended inside a compressed stream (a frame, a gzip member, a snappy block).
        case truncated
        /// The input is not valid for the codec; `reason` is the library's own message where it gives one.
        case corrupt(reason: String)
        /// Bytes follow the end of the compressed stream that do not start another one.
        case trailingBytes(count: Int)
        /// The library could not start (allocation failure) or failed compressing.
        case libraryFailure(reason: String)
        /// `CompressionType.none` has no codec to run.
        case noCodec
    }

    public let codec: CompressionType
    public let kind: Kind

    public init(codec: CompressionType, kind: Kind) {
        self.codec = codec
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .outputTooLarge(let limit):
            return "\(codec.name): decompresses to more than \(limit) bytes"
        case .truncated:
            return "\(codec.name): compressed data ends too early"
        case .corrupt(let reason):
            return "\(codec.name): corrupt compressed data (\(reason))"
        case .trailingBytes(let count):
            return "\(codec.name): \(count) bytes follow the end of the compressed data"
        case .libraryFailure(let reason):
            return "\(codec.name): \(reason)"
        case .noCodec:
            return "no compression codec for \(codec.name)"
        }
    }
}
