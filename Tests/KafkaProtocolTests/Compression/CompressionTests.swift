import KafkaProtocol
import Testing

/// A reproducible pseudo-random source (xorshift64*), so a failing fuzz case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}

enum CompressionSamples {
    static let codecs: [CompressionType] = [.gzip, .snappy, .lz4, .zstd]

    /// Text that compresses, with some noise so that no codec turns it into a handful of bytes.
    static func text(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
        var random = SeededGenerator(seed: seed)
        let words = ["kafka", "gregor", "record", "batch", "offset", "broker", "zookeeper", "leader", "fetch"]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 16)
        while bytes.count < count {
            bytes += Array(words[Int(random.next() % UInt64(words.count))].utf8)
            bytes.append(random.next() % 7 == 0 ? UInt8(truncatingIfNeeded: random.next()) : 0x20)
        }
        return Array(bytes.prefix(count))
    }

    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    static func kind(_ body: () throws(CompressionError) -> [UInt8]) -> CompressionError.Kind? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.kind
        }
    }
}

@Suite struct CompressionTests {
    /// Sizes around the codecs' internal block sizes (snappy-java's 32 KiB, LZ4's 64 KiB) and the output buffer's
    /// first growth (four times the input).
    @Test(arguments: CompressionSamples.codecs, [0, 1, 100, 32 << 10, (32 << 10) + 1, 200_000])
    func roundTrip(codec: CompressionType, size: Int) throws {
        let original = CompressionSamples.text(size)
        let compressed = try codec.compress(original)
        #expect(try codec.decompress(compressed) == original)
        let incompressible = CompressionSamples.random(size, seed: UInt64(size) + 1)
        #expect(try codec.decompress(try codec.compress(incompressible)) == incompressible)
    }

    @Test(arguments: CompressionSamples.codecs)
    func highlyCompressibleDataGrowsTheOutputManyTimes(codec: CompressionType) throws {
        // Sizes and arrays stay out of `#expect`, which would capture a multi-MiB array as a value.
        let size = 3 << 20
        let zeros = [UInt8](repeating: 0, count: size)
        let compressed = try codec.compress(zeros)
        let compressedCount = compressed.count
        #expect(compressedCount < size / 20)
        let decoded = try codec.decompress(compressed)
        let decodedCount = decoded.count
        let same = decoded == zeros
        #expect(same, "\(codec.name): \(compressedCount) bytes decoded to \(decodedCount), not the \(size) zeros")
    }

    @Test(arguments: CompressionSamples.codecs)
    func outputCapStopsABomb(codec: CompressionType) throws {
        // Sizes and arrays stay out of `#expect`, which would capture a multi-MiB array as a value.
        let size = 4 << 20
        let compressed = try codec.compress([UInt8](repeating: 0, count: size))
        #expect(CompressionSamples.kind { () throws(CompressionError) in
            try codec.decompress(compressed, maxOutputBytes: 1 << 20)
        } == .outputTooLarge(limit: 1 << 20))
        // The cap is inclusive: exactly the cap decodes, one byte less does not.
        let decodedCount = try codec.decompress(compressed, maxOutputBytes: size).count
        #expect(decodedCount == size)
        #expect(CompressionSamples.kind { () throws(CompressionError) in
            try codec.decompress(compressed, maxOutputBytes: size - 1)
        } == .outputTooLarge(limit: size - 1))
    }

    @Test func snappyLengthClaimIsCheckedBeforeAllocating() {
        // A raw snappy block whose preamble claims 2^32 - 1 bytes and holds nothing.
        let claim: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
        #expect(CompressionSamples.kind { () throws(CompressionError) in try CompressionType.snappy.decompress(claim) }
            == .outputTooLarge(limit: CompressionType.maxDecompressedBytesDefault))
        // The same claim inside a xerial frame.
        let framed = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 5] + claim
        #expect(CompressionSamples.kind { () throws(CompressionError) in try CompressionType.snappy.decompress(framed) }
            == .outputTooLarge(limit: CompressionType.maxDecompressedBytesDefault))
    }

    /// Every proper prefix of a compressed stream throws, except that snappy's xerial framing has no end marker:
    /// a prefix ending on a block boundary is a valid shorter stream (Kafka's reader cannot tell either).
    @Test(arguments: CompressionSamples.codecs)
    func truncatedInputThrows(codec: CompressionType) throws {
        let original = CompressionSamples.text(70_000)
        let compressed = try codec.compress(original)
        var cuts = Array(0..<min(compressed.count, 64))
        cuts += stride(from: 64, to: compressed.count, by: 97)
        cuts += (max(0, compressed.count - 64)..<compressed.count)
        for cut in cuts {
            let prefix = Array(compressed.prefix(cut))
            do {
                let decoded = try codec.decompress(prefix)
                #expect(codec == .snappy && decoded.count < original.count && original.starts(with: decoded),
                    "\(codec.name): a \(cut)-byte prefix of \(compressed.count) decoded to \(decoded.count) bytes")
            } catch {
                #expect(error.codec == codec)
            }
        }
        if codec != .snappy {
            #expect(CompressionSamples.kind { () throws(CompressionError) in
                try codec.decompress(Array(compressed.dropLast()))
            } == .truncated)
        }
    }

    @Test(arguments: [CompressionType.gzip, .lz4, .zstd])
    func garbageAfterTheStreamThrows(codec: CompressionType) throws {
        let compressed = try codec.compress(CompressionSamples.text(1_000))
        #expect(CompressionSamples.kind { () throws(CompressionError) in
            try codec.decompress(compressed + [1, 2, 3])
        } == .trailingBytes(count: 3))
    }

    /// Java's GZIPInputStream reads concatenated members as one stream; so do LZ4 and zstd readers with frames.
    @Test(arguments: [CompressionType.gzip, .lz4, .zstd])
    func concatenatedStreamsDecodeAsOne(codec: CompressionType) throws {
        let first = CompressionSamples.text(5_000, seed: 1)
        let second = CompressionSamples.text(7_000, seed: 2)
        let joined = try codec.compress(first) + codec.compress(second)
        #expect(try codec.decompress(joined) == first + second)
    }

    @Test func snappyReadsRawBlocksAsWellAsXerialFrames() throws {
        let original = CompressionSamples.text(20_000)
        let framed = try CompressionType.snappy.compress(original)
        #expect(Array(framed.prefix(8)) == [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00])
        // One block (below snappy-java's 32 KiB): header (16) + length (4) + the raw block.
        let length = Int(framed[16]) << 24 | Int(framed[17]) << 16 | Int(framed[18]) << 8 | Int(framed[19])
        #expect(framed.count == 20 + length)
        let raw = Array(framed[20...])
        #expect(try CompressionType.snappy.decompress(raw) == original)
    }

    @Test(arguments: CompressionSamples.codecs)
    func wrongCodecOrGarbageThrows(codec: CompressionType) throws {
        let other = codec == .zstd ? CompressionType.gzip : .zstd
        let compressed = try other.compress(CompressionSamples.text(2_000))
        #expect(throws: CompressionError.self) { try codec.decompress(compressed) }
        #expect(throws: CompressionError.self) { try codec.decompress([]) }
    }

    /// Random bytes, and compressed streams with random bytes changed, never crash a decoder or pass the cap.
    @Test(arguments: CompressionSamples.codecs)
    func fuzzedInputNeverCrashes(codec: CompressionType) throws {
        var random = SeededGenerator(seed: 42 &+ UInt64(codec.rawValue))
        let valid = try codec.compress(CompressionSamples.text(10_000))
        for round in 0..<400 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = CompressionSamples.random(Int(random.next() % 300), seed: random.next())
            } else {
                input = valid
                for _ in 0..<(1 + random.next() % 4) {
                    input[Int(random.next() % UInt64(input.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            if let decoded = try? codec.decompress(input, maxOutputBytes: 1 << 20) {
                #expect(decoded.count <= 1 << 20)
            }
        }
    }

    @Test func noneHasNoCodec() {
        #expect(CompressionSamples.kind { () throws(CompressionError) in try CompressionType.none.decompress([1]) } == .noCodec)
        #expect(CompressionSamples.kind { () throws(CompressionError) in try CompressionType.none.compress([1]) } == .noCodec)
    }
}
