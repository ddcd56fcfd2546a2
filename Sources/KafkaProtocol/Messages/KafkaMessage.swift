import NIOCore

/// A request or response body whose layout depends on its API version. Every conforming type is generated from
/// `Sources/KafkaProtocol/Schema/*.schema` by `gregor-protocol-gen`; see `scripts/generate-protocol.sh`.
public protocol KafkaMessage: Sendable {
    static var apiKey: ApiKey { get }
    /// The versions this codec implements (Kafka 2.8's range unless noted in the schema).
    static var validVersions: ClosedRange<Int16> { get }
    /// The first version using compact strings/arrays and tagged fields, or nil if the API has none.
    static var firstFlexibleVersion: Int16? { get }

    /// Decodes the body for `version`, leaving `reader` after it. Fields absent from `version` keep their defaults.
    init(from reader: inout KafkaReader, version: Int16) throws(ProtocolDecodingError)
    /// Encodes the body for `version`. Fields absent from `version` are skipped.
    func encode(into writer: inout KafkaWriter, version: Int16) throws(ProtocolEncodingError)
}

/// A request body, tied to the response body type it is answered with.
public protocol KafkaRequest: KafkaMessage {
    associatedtype Response: KafkaResponse
}

/// A response body.
public protocol KafkaResponse: KafkaMessage {}

extension KafkaMessage {
    public static func isFlexible(_ version: Int16) -> Bool {
        guard let firstFlexibleVersion else { return false }
        return version >= firstFlexibleVersion
    }

    public static func supports(_ version: Int16) -> Bool { validVersions.contains(version) }
}
