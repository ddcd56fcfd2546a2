/// The header in front of every request body (`RequestHeader.json` in Kafka).
///
/// - v0: `api_key`, `api_version`, `correlation_id` — only ControlledShutdown v0 still uses it (a Kafka quirk);
/// - v1: + `client_id` (classic nullable string);
/// - v2: + a tagged-field section; `client_id` stays a *classic* nullable string even though v2 is "flexible".
///
/// Which version a request uses depends on its API and version, which are at the front of every version, so a
/// broker calls `RequestHeader.peek` first, looks up the API's first flexible version in its codec table, gets the
/// header version from `RequestHeader.version(apiKey:apiVersion:firstFlexibleVersion:)`, then decodes.
public struct RequestHeader: Hashable, Sendable {
    public var apiKey: ApiKey
    public var apiVersion: Int16
    public var correlationId: Int32
    /// Null in v0 (absent) and when a v1+ client sends length -1.
    public var clientId: String?
    /// The v2 tagged-field section. Kafka 2.8 defines no header tags, so any present are unknown; kept so a
    /// proxy-like caller can see them, ignored by the broker.
    public var taggedFields: [TaggedField]

    public init(
        apiKey: ApiKey, apiVersion: Int16, correlationId: Int32, clientId: String?, taggedFields: [TaggedField] = []
    ) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationId = correlationId
        self.clientId = clientId
        self.taggedFields = taggedFields
    }

    /// The fields every header version starts with.
    public struct Prefix: Hashable, Sendable {
        public var apiKey: ApiKey
        public var apiVersion: Int16
        public var correlationId: Int32
    }

    /// Reads `api_key`, `api_version` and `correlation_id` without consuming them, so the header version can be
    /// chosen before decoding. `correlation_id` lets the broker answer even a request it cannot otherwise parse.
    public static func peek(_ reader: KafkaReader) throws(ProtocolDecodingError) -> Prefix {
        var copy = reader
        let apiKey = ApiKey(rawValue: try copy.int16("api_key"))
        let apiVersion = try copy.int16("api_version")
        let correlationId = try copy.int32("correlation_id")
        return Prefix(apiKey: apiKey, apiVersion: apiVersion, correlationId: correlationId)
    }

    /// The request header version for an API version, following Kafka's generated `requestHeaderVersion`:
    /// ControlledShutdown v0 has the non-standard v0 header (no client id); otherwise flexible versions use v2 and
    /// the rest v1. `firstFlexibleVersion` is nil for APIs with no flexible version.
    public static func version(apiKey: ApiKey, apiVersion: Int16, firstFlexibleVersion: Int16?) -> Version {
        if apiKey == .controlledShutdown && apiVersion == 0 { return .v0 }
        if let firstFlexibleVersion, apiVersion >= firstFlexibleVersion { return .v2 }
        return .v1
    }

    public enum Version: Int16, Hashable, Sendable, CaseIterable {
        case v0 = 0
        case v1 = 1
        case v2 = 2
    }

    /// Decodes a header of the given version, leaving `reader` at the start of the body.
    public init(from reader: inout KafkaReader, version: Version) throws(ProtocolDecodingError) {
        apiKey = ApiKey(rawValue: try reader.int16("api_key"))
        apiVersion = try reader.int16("api_version")
        correlationId = try reader.int32("correlation_id")
        clientId = version == .v0 ? nil : try reader.nullableString("client_id")
        taggedFields = version == .v2 ? try reader.taggedFields("request_header_tagged_fields") : []
    }

    /// Encodes the header in the given version (v0 drops `clientId`; v0 and v1 drop `taggedFields`).
    public func encode(into writer: inout KafkaWriter, version: Version) throws(ProtocolEncodingError) {
        writer.int16(apiKey.rawValue)
        writer.int16(apiVersion)
        writer.int32(correlationId)
        guard version != .v0 else { return }
        try writer.nullableString(clientId, "client_id")
        guard version == .v2 else { return }
        try writer.taggedFields(taggedFields, "request_header_tagged_fields")
    }
}
