import CCRC32C
import NIOCore

/// CRC-32C (Castagnoli), the checksum of Kafka record batches v2, computed by the `CCRC32C` C target with the
/// SSE4.2 `crc32` instruction when the CPU has it and a slicing-by-8 table otherwise (decided once per process).
///
/// Standard semantics: `checksum(a)` is the CRC of `a`, and `extend(checksum(a), b) == checksum(a + b)`, so a
/// checksum can be computed over discontiguous pieces. Thread-safe; no allocation.
public enum CRC32C {
    /// The CRC-32C of `bytes` (0 for no bytes).
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        extend(0, bytes)
    }

    /// The CRC-32C of the bytes `crc` was computed over, followed by `bytes`.
    public static func extend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        ccrc32c_extend(crc, bytes.baseAddress, bytes.count)
    }

    /// The CRC-32C of an array of bytes.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// The CRC-32C of a buffer's readable bytes (the reader index does not move).
    public static func checksum(_ buffer: ByteBuffer) -> UInt32 {
        buffer.withUnsafeReadableBytes { checksum($0) }
    }

    /// Whether this process uses the CPU's CRC-32C instruction (worth logging once at startup).
    public static var isHardwareAccelerated: Bool {
        ccrc32c_is_hardware_accelerated() != 0
    }

    /// The table-driven path regardless of the CPU, so tests can check it against the hardware path.
    static func extendPortable(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        ccrc32c_extend_portable(crc, bytes.baseAddress, bytes.count)
    }
}
