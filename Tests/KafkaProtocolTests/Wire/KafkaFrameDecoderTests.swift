import NIOCore
import NIOEmbedded
import Testing

@testable import KafkaProtocol

/// A frame on the wire: int32 size, then the payload.
private func wire(_ payload: [UInt8]) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeInteger(Int32(payload.count))
    buffer.writeBytes(payload)
    return buffer
}

private func bytes(_ values: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: values) }

/// The next `count` bytes of `buffer` (which holds at least that many).
private func take(_ count: Int, from buffer: inout ByteBuffer) -> ByteBuffer {
    precondition(buffer.readableBytes >= count)
    return buffer.readSlice(length: count)!
}

private func decoderChannel(maxFrameBytes: Int = KafkaFrameDecoder.defaultMaxFrameBytes) throws -> EmbeddedChannel {
    let channel = EmbeddedChannel()
    try channel.pipeline.syncOperations.addHandler(KafkaFrameDecoder(maxFrameBytes: maxFrameBytes))
    return channel
}

/// The error `input` is rejected with when written to a fresh decoder, or nil when it is accepted.
private func rejection(_ input: [UInt8], maxFrameBytes: Int = KafkaFrameDecoder.defaultMaxFrameBytes) throws -> KafkaFrameError? {
    let channel = try decoderChannel(maxFrameBytes: maxFrameBytes)
    defer { _ = try? channel.finish() }
    do {
        try channel.writeInbound(bytes(input))
        return nil
    } catch let error as KafkaFrameError {
        return error
    }
}

@Suite struct KafkaFrameDecoderTests {
    @Test func framesComeOutWholeHoweverTheBytesAreSplit() throws {
        let payloads: [[UInt8]] = [[0, 18, 0, 3, 0, 0, 0, 1], [], [7], Array(repeating: 0xAB, count: 300), (0..<255).map { UInt8($0) }]
        var stream = ByteBuffer()
        for payload in payloads { var frame = wire(payload); stream.writeBuffer(&frame) }
        let all = Array(stream.readableBytesView)
        // All at once, byte by byte, and in chunks that cut prefixes and payloads at every kind of place.
        for chunkSize in [all.count, 1, 2, 3, 5, 7, 64, 299] {
            let channel = try decoderChannel(maxFrameBytes: 1024)
            var position = 0
            while position < all.count {
                let end = min(all.count, position + chunkSize)
                try channel.writeInbound(bytes(Array(all[position..<end])))
                position = end
            }
            for payload in payloads {
                #expect(try channel.readInbound(as: ByteBuffer.self) == bytes(payload), "chunk size \(chunkSize)")
            }
            #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
            #expect(try channel.finish().isClean)
        }
    }

    @Test func aLargeFrameSpreadOverManyReadsComesOutWholeAndAlone() throws {
        let channel = try decoderChannel()
        let payload = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let input = Array(wire(payload).readableBytesView)
        for start in stride(from: 0, to: input.count, by: 1000) {
            try channel.writeInbound(bytes(Array(input[start..<min(input.count, start + 1000)])))
        }
        let frame = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(frame == bytes(payload))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(try channel.finish().isClean)
    }

    /// A whole frame inside one read goes on as a slice of that read (no copy) when it is large beside the read's
    /// buffer, and as a copy of its own when small, so it does not keep the read's buffer alive.
    @Test func wholeLargeFramesAreSlicesOfTheReadAndSmallOnesCopies() throws {
        let channel = try decoderChannel()
        var read = ByteBuffer()
        read.reserveCapacity(64 * 1024)
        var small = wire(Array(repeating: 1, count: 100))
        var large = wire((0..<20_000).map { UInt8(truncatingIfNeeded: $0) })
        read.writeBuffer(&small)
        read.writeBuffer(&large)
        let storage = read.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress!)..<UInt(bitPattern: $0.baseAddress! + $0.count) }
        try channel.writeInbound(read)
        let first = try #require(try channel.readInbound(as: ByteBuffer.self))
        let second = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(first == bytes(Array(repeating: 1, count: 100)))
        #expect(second == bytes((0..<20_000).map { UInt8(truncatingIfNeeded: $0) }))
        let address = { (frame: ByteBuffer) in frame.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress!) } }
        #expect(!storage.contains(address(first)), "a 100-byte frame must not pin a 64 KiB read buffer")
        #expect(storage.contains(address(second)), "a 20 KB frame in a 64 KiB read goes on uncopied")
        #expect(try channel.finish().isClean)
    }

    @Test func lowWatermarkIsTheMissingBytesOfALargeFrameAndOneOtherwise() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(KafkaFrameDecoder(waitsForWholeFrames: true))
        let lowWatermark = { try channel.getOption(ChannelOptions.socketOption(.so_rcvlowat)).wait() }
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0) }
        var frame = wire(payload)
        // The prefix and 1,000 bytes: 299,000 missing, so the next wake is for the whole rest.
        try channel.writeInbound(take(1_004, from: &frame))
        #expect(try lowWatermark() == 299_000)
        // 60,000 missing, under the minimum: back to any byte.
        try channel.writeInbound(take(239_000, from: &frame))
        #expect(try lowWatermark() == 1)
        // The rest of it, and the start of a second large frame in the same read.
        var next = wire(payload)
        frame.writeBuffer(&next)
        try channel.writeInbound(take(60_000 + 4 + 100_000, from: &frame))
        #expect(try channel.readInbound(as: ByteBuffer.self) == bytes(payload))
        #expect(try lowWatermark() == 200_000)
        try channel.writeInbound(frame)
        #expect(try channel.readInbound(as: ByteBuffer.self) == bytes(payload))
        #expect(try lowWatermark() == 1)
        // Small frames never set it.
        var small = wire([1, 2, 3])
        try channel.writeInbound(take(5, from: &small))
        #expect(try lowWatermark() == 1)
        #expect(throws: KafkaFrameError.self) { try channel.finish() }
    }

    @Test func frameAtTheLimitIsAccepted() throws {
        let channel = try decoderChannel(maxFrameBytes: 16)
        try channel.writeInbound(wire(Array(repeating: 1, count: 16)))
        #expect(try channel.readInbound(as: ByteBuffer.self) == bytes(Array(repeating: 1, count: 16)))
        #expect(try channel.finish().isClean)
    }

    @Test func oversizedPrefixIsRejectedOnItsFourBytesAlone() throws {
        let channel = try decoderChannel(maxFrameBytes: 16)
        // Three bytes: not yet a size, nothing to reject.
        try channel.writeInbound(bytes([0, 0, 0]))
        // The fourth byte completes size 17; the decoder must not wait for the 17 payload bytes.
        #expect(throws: KafkaFrameError.frameTooLarge(size: 17, limit: 16)) {
            try channel.writeInbound(bytes([17]))
        }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        // Anything after the error is dropped rather than buffered or parsed.
        try channel.writeInbound(wire([1, 2, 3]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }

    @Test func defaultLimitIsKafkas() throws {
        #expect(KafkaFrameDecoder().maxFrameBytes == 104_857_600)
        #expect(try rejection([0x06, 0x40, 0x00, 0x01]) == .frameTooLarge(size: 104_857_601, limit: 104_857_600))
        #expect(try rejection([0x06, 0x40, 0x00, 0x00]) == nil)
    }

    @Test func negativeAndTwoGiBSizesAreRejected() throws {
        #expect(try rejection([0xFF, 0xFF, 0xFF, 0xFF]) == .negativeSize(-1))
        #expect(try rejection([0x80, 0, 0, 0]) == .negativeSize(Int(Int32.min)))
        #expect(try rejection([0x7F, 0xFF, 0xFF, 0xFF]) == .frameTooLarge(size: Int(Int32.max), limit: 104_857_600))
    }

    @Test func zeroSizeYieldsAnEmptyFrameAsKafkasNetworkReceiveDoes() throws {
        let channel = try decoderChannel()
        try channel.writeInbound(bytes([0, 0, 0, 0]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer())
        #expect(try channel.finish().isClean)
    }

    @Test func errorDescriptionsMirrorKafka() {
        #expect(KafkaFrameError.frameTooLarge(size: 200, limit: 100).description == "Invalid receive (size = 200 larger than 100)")
        #expect(KafkaFrameError.negativeSize(-1).description == "Invalid receive (size = -1)")
    }

    @Test func partialFrameAtEndOfStreamIsTruncated() throws {
        let channel = try decoderChannel()
        var input = wire([1, 2, 3])
        input.writeBytes([0, 0, 0, 9, 1, 2])
        try channel.writeInbound(input)
        #expect(try channel.readInbound(as: ByteBuffer.self) == bytes([1, 2, 3]))
        #expect(throws: KafkaFrameError.truncatedFrame(bufferedBytes: 6, declaredSize: 9)) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            try channel.throwIfErrorCaught()
        }
        _ = try? channel.finish()
    }

    @Test func partialPrefixAtEndOfStreamIsTruncated() throws {
        let channel = try decoderChannel()
        try channel.writeInbound(bytes([0, 0]))
        #expect(throws: KafkaFrameError.truncatedFrame(bufferedBytes: 2, declaredSize: nil)) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            try channel.throwIfErrorCaught()
        }
        _ = try? channel.finish()
    }

    @Test func randomBytesYieldBoundedFramesOrAnErrorNeverACrash() throws {
        var random = SplitMix64(seed: 0x6772_6567_6f72)
        let limit = 64
        for _ in 0..<500 {
            let channel = try decoderChannel(maxFrameBytes: limit)
            let length = Int(random.next() % 256)
            var input: [UInt8] = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            // Bias some sizes into range so that frames are produced too.
            if length >= 4 && random.next() % 2 == 0 { input[0] = 0; input[1] = 0; input[2] = 0 }
            var position = 0
            var failed = false
            while position < input.count && !failed {
                let chunk = min(input.count - position, 1 + Int(random.next() % 16))
                do {
                    try channel.writeInbound(bytes(Array(input[position..<position + chunk])))
                } catch {
                    failed = true
                }
                position += chunk
                while let frame = try channel.readInbound(as: ByteBuffer.self) {
                    #expect(frame.readableBytes <= limit)
                }
            }
            _ = try? channel.finish()
        }
    }
}
