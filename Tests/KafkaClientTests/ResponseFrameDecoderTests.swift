import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import KafkaClient

private func wire(_ payload: [UInt8]) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeInteger(Int32(payload.count))
    buffer.writeBytes(payload)
    return buffer
}

@Suite struct ResponseFrameDecoderTests {
    @Test func framesSplitByteByByteAllAtOnceAndSeveralPerRead() throws {
        let payloads: [[UInt8]] = [[0, 0, 0, 1, 9], [], [7], Array(repeating: 0xAB, count: 300)]
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: payloads.map { (wire($0), [ByteBuffer(bytes: $0)]) },
            decoderFactory: { ResponseFrameDecoder(maxFrameBytes: 1024) })
    }

    @Test func sizeAboveTheLimitOrNegativeIsRejectedOnThePrefixAlone() throws {
        for (prefix, size) in [([UInt8]([0, 0, 0, 17]), 17), ([0xFF, 0xFF, 0xFF, 0xFF], -1)] {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(ResponseFrameDecoder(maxFrameBytes: 16)))
            #expect(throws: KafkaClientError.responseTooLarge(size: size, limit: 16)) {
                try channel.writeInbound(ByteBuffer(bytes: prefix))
            }
            _ = try? channel.finish()
        }
    }
}
