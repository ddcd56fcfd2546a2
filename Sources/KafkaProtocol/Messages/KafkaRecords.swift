import NIOCore

/// The `records` field of Produce and Fetch: record batches that the codec carries as opaque bytes.
///
/// Decoding always yields `.bytes`, a slice of the request buffer (no copy). A broker answering a fetch may instead
/// put a `.region`: bytes that live elsewhere (a segment file) and that the network layer sends with `sendfile`.
/// `KafkaWriter` writes the length prefix for a region and records where its bytes belong
/// (`KafkaWriter.deferredRegions`), so the codec stays free of files and sockets.
public enum KafkaRecords: Sendable {
    case bytes(ByteBuffer)
    case region(any RecordsRegion)

    public var byteCount: Int {
        switch self {
        case .bytes(let buffer): buffer.readableBytes
        case .region(let region): region.byteCount
        }
    }

    /// The bytes, when they are in memory.
    public var buffer: ByteBuffer? {
        if case .bytes(let buffer) = self { return buffer }
        return nil
    }
}

extension KafkaRecords: Equatable {
    /// In-memory records compare by content; regions only compare equal by identity of their bytes' source, which
    /// the codec cannot see, so they never do.
    public static func == (lhs: KafkaRecords, rhs: KafkaRecords) -> Bool {
        switch (lhs, rhs) {
        case (.bytes(let l), .bytes(let r)): l == r
        default: false
        }
    }
}

/// Record bytes outside memory, sent by the network layer after the encoded bytes that precede them.
public protocol RecordsRegion: Sendable {
    var byteCount: Int { get }
}

/// Where a `RecordsRegion` goes in an encoded message: its bytes follow `buffer`'s first `position` bytes.
public struct DeferredRegion: Sendable {
    public var position: Int
    public var region: any RecordsRegion

    public init(position: Int, region: any RecordsRegion) {
        self.position = position
        self.region = region
    }
}
