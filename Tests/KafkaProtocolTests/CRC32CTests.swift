import NIOCore
import Testing

@testable import KafkaProtocol

@Suite struct CRC32CTests {
    /// RFC 3720 (iSCSI), appendix B.4.
    @Test func rfc3720Vectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func portablePathMatchesTheVectors() {
        let check = Array("123456789".utf8)
        #expect(check.withUnsafeBytes { CRC32C.extendPortable(0, $0) } == 0xE306_9283)
        let zeros = [UInt8](repeating: 0, count: 32)
        #expect(zeros.withUnsafeBytes { CRC32C.extendPortable(0, $0) } == 0x8A91_36AA)
    }

    @Test func emptyInputLeavesTheChecksumUnchanged() {
        #expect(CRC32C.checksum([]) == 0)
        #expect(CRC32C.extend(0xDEAD_BEEF, UnsafeRawBufferPointer(start: nil, count: 0)) == 0xDEAD_BEEF)
        #expect(CRC32C.extendPortable(0xDEAD_BEEF, UnsafeRawBufferPointer(start: nil, count: 0)) == 0xDEAD_BEEF)
    }

    @Test func extendingPiecesEqualsOneShotAtEverySplit() {
        var generator = SplitMix64(seed: 7)
        let bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = CRC32C.checksum(bytes)
        bytes.withUnsafeBytes { buffer in
            for split in 0...buffer.count {
                let head = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[..<split]))
                #expect(CRC32C.extend(head, UnsafeRawBufferPointer(rebasing: buffer[split...])) == whole)
            }
        }
    }

    /// Every length up to 4 KiB at every alignment, plus 1 MiB: the SSE4.2 path (head bytes to alignment, 8-byte
    /// words, tail bytes) must agree with the slicing-by-8 tables on each of its branches.
    @Test func hardwarePathMatchesTablePathOnRandomData() {
        var generator = SplitMix64(seed: 42)
        let bytes = (0..<(1 << 20) + 8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes.withUnsafeBytes { buffer in
            for start in 0..<8 {
                for length in stride(from: 0, through: 4096, by: 1) where length < 64 || length % 37 == 0 {
                    let slice = UnsafeRawBufferPointer(rebasing: buffer[start..<(start + length)])
                    let expected = CRC32C.extendPortable(0, slice)
                    #expect(CRC32C.checksum(slice) == expected, "start \(start) length \(length)")
                }
            }
            let large = UnsafeRawBufferPointer(rebasing: buffer[3..<(3 + (1 << 20))])
            #expect(CRC32C.checksum(large) == CRC32C.extendPortable(0, large))
            #expect(CRC32C.extend(0x1234_5678, large) == CRC32C.extendPortable(0x1234_5678, large))
        }
    }

    #if arch(x86_64)
    /// Without this the comparison above could silently compare the table path with itself.
    @Test func x86UsesTheSSE42Instruction() {
        #expect(CRC32C.isHardwareAccelerated)
    }
    #endif

    @Test func byteBufferConvenienceChecksumsTheReadableBytes() {
        var buffer = ByteBuffer(bytes: Array("xx123456789".utf8))
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(CRC32C.checksum(buffer) == 0xE306_9283)
        #expect(buffer.readerIndex == 2)
    }
}

/// A seeded generator so random-data tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
