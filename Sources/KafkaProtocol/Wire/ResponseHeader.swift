/// The header in front of every response body (`ResponseHeader.json` in Kafka).
///
/// - v0: `correlation_id`;
/// - v1: + a tagged-field section, for flexible API versions.
///
/// Kafka's exception: ApiVersions responses always use v0, even ApiVersions v3 (flexible), because a client must
/// be able to read the response before it knows which versions the broker speaks — including the v0-encoded
/// UNSUPPORTED_VERSION answer to a version the broker does not have.
public struct ResponseHeader: Hashable, Sendable {
    public var correlationId: Int32
    /// The v1 tagged-field section. Kafka 2.8 defines no response header tags.
    public var taggedFields: [TaggedField]

    public init(correlationId: Int32, taggedFields: [TaggedField] = []) {
        self.correlationId = correlationId
        self.taggedFields = taggedFields
    }

    public enum Version: Int16, Hashable, Sendable, CaseIterable {
        case v0 = 0
        case v1 = 1
    }

    /// The response header version for an API version: v0 for ApiVersions (always) and for non-flexible versions,
    /// v1 for flexible ones. `firstFlexibleVersion` is nil for APIs with no flexible version.
    public static func version(apiKey: ApiKey, apiVersion: Int16, firstFlexibleVersion: Int16?) -> Version {
        if apiKey == .apiVersions { return .v0 }
        if let firstFlexibleVersion, apiVersion >= firstFlexibleVersion { return .v1 }
        return .v0
    }

    /// Decodes a header of the given version, leaving `reader` at the start of the body.
    public init(from reader: inout KafkaReader, version: Version) throws(ProtocolDecodingError) {
        correlationId = try reader.int32("correlation_id")
        taggedFields = version == .v1 ? try reader.taggedFields("response_header_tagged_fields") : []
    }

    /// Encodes the header in the given version (v0 drops `taggedFields`).
    public func encode(into writer: inout KafkaWriter, version: Version) throws(ProtocolEncodingError) {
        writer.int32(correlationId)
        guard version == .v1 else { return }
        try writer.taggedFields(taggedFields, "response_header_tagged_fields")
    }
}
