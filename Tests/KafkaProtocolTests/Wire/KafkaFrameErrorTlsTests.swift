import Testing

@testable import KafkaProtocol

/// A TLS record where a Kafka size prefix should be: named in the error, so a client on the wrong listener learns why.
@Suite struct KafkaFrameErrorTlsTests {
    @Test func tlsRecordHeadersAreRecognised() {
        #expect(KafkaFrameError.looksLikeTls(0x1603_0100))  // handshake (ClientHello), TLS 1.0 record version
        #expect(KafkaFrameError.looksLikeTls(0x1503_0300))  // alert
        #expect(!KafkaFrameError.looksLikeTls(104_857_601))  // just too large
        #expect(!KafkaFrameError.looksLikeTls(0x1604_0000))
        #expect(KafkaFrameError.frameTooLarge(size: 0x1503_0300, limit: 100).description.contains("speaks TLS"))
        #expect(!KafkaFrameError.frameTooLarge(size: 200, limit: 100).description.contains("TLS"))
    }
}
