import NIOCore
import Testing

@testable import KafkaProtocol

/// Every generated message in every version it supports: a sample with every present field set to a non-default
/// value survives encode -> decode unchanged, re-encodes to the same bytes, and every truncation of its encoding
/// fails to decode with an error (never a trap).
@Suite struct MessageRoundTripTests {
    struct Case: CustomStringConvertible, Sendable {
        let type: any SampledMessage.Type
        var description: String { "\(type)" }
    }

    static let cases = allSampledMessages.map(Case.init)

    @Test(arguments: cases)
    func roundTripsEveryVersion(_ testCase: Case) throws {
        try roundTrip(testCase.type)
    }

    @Test(arguments: cases)
    func truncatedEncodingsThrow(_ testCase: Case) throws {
        try truncations(testCase.type)
    }

    @Test(arguments: cases)
    func versionsOutsideTheRangeAreRejected(_ testCase: Case) throws {
        try outOfRange(testCase.type)
    }

    private func roundTrip<M: SampledMessage>(_ type: M.Type) throws {
        for version in M.validVersions {
            for nulls in [false, true] {
                let value = M.sample(version: version, nulls: nulls)
                let bytes = try encode(value, version: version)
                var reader = KafkaReader(buffer: bytes)
                let decoded = try M(from: &reader, version: version)
                #expect(reader.remaining == 0, "\(M.self) v\(version) left bytes unread")
                #expect(decoded == value, "\(M.self) v\(version) nulls=\(nulls)")
                #expect(try encode(decoded, version: version) == bytes, "\(M.self) v\(version) re-encodes differently")
            }
        }
    }

    private func truncations<M: SampledMessage>(_ type: M.Type) throws {
        for version in M.validVersions {
            let bytes = try encode(M.sample(version: version, nulls: false), version: version)
            // By hand rather than `#expect(throws:)`, which describes every error it catches: across every message,
            // version and length that took seconds of the unit suite's two CI cores, before most tests could start.
            for length in 0..<bytes.readableBytes {
                var reader = KafkaReader(buffer: bytes.getSlice(at: bytes.readerIndex, length: length) ?? ByteBuffer())
                // The decoder's typed throws make any error a ProtocolDecodingError.
                do {
                    _ = try M(from: &reader, version: version)
                    Issue.record("\(M.self) v\(version): \(length) of \(bytes.readableBytes) bytes decoded without an error")
                } catch {}
            }
        }
    }

    private func outOfRange<M: SampledMessage>(_ type: M.Type) throws {
        for version in [M.validVersions.lowerBound - 1, M.validVersions.upperBound + 1] {
            var reader = KafkaReader(buffer: ByteBuffer(repeating: 0, count: 64))
            #expect(throws: ProtocolDecodingError(field: "api_version", kind: .invalidValue(Int64(version)))) {
                _ = try M(from: &reader, version: version)
            }
        }
    }
}

func encode<M: KafkaMessage>(_ value: M, version: Int16) throws -> ByteBuffer {
    var writer = KafkaWriter()
    try value.encode(into: &writer, version: version)
    return writer.buffer
}
