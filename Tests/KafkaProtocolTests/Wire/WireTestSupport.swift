import NIOCore

@testable import KafkaProtocol

/// Small helpers shared by the wire tests: build a reader over literal bytes, capture a decoding error's kind.
enum Wire {
    static func reader(_ bytes: [UInt8], limits: WireLimits = .default) -> KafkaReader {
        KafkaReader(buffer: ByteBuffer(bytes: bytes), limits: limits)
    }

    static func bytes(_ write: (inout KafkaWriter) throws -> Void) throws -> [UInt8] {
        var writer = KafkaWriter()
        try write(&writer)
        return Array(writer.buffer.readableBytesView)
    }

    /// The error a read throws, or nil if it succeeded (tests compare it with `#expect(... == ...)`).
    static func error<T>(
        _ bytes: [UInt8], limits: WireLimits = .default,
        _ read: (inout KafkaReader) throws -> T
    ) -> ProtocolDecodingError? {
        var reader = reader(bytes, limits: limits)
        do {
            _ = try read(&reader)
            return nil
        } catch let error as ProtocolDecodingError {
            return error
        } catch {
            return ProtocolDecodingError(field: "unexpected error type: \(error)", kind: .invalidValue(0))
        }
    }
}
