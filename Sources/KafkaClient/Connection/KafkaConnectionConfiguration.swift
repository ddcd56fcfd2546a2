import KafkaProtocol
import NIOSSL

/// How a `KafkaConnection` behaves; the defaults are Kafka's Java client defaults where one exists.
public struct KafkaConnectionConfiguration: Sendable {
    /// `client.id`, sent in every request header (brokers log it and use it for quotas).
    public var clientId: String?
    /// Sent in ApiVersions v3+ (`client_software_name`/`_version`); brokers only record them.
    public var clientSoftwareName: String
    public var clientSoftwareVersion: String
    /// How long establishing the TCP connection may take (Kafka's `socket.connection.setup.timeout.ms`: 10 s).
    public var connectTimeout: Duration
    /// How long a request waits for its response when the caller gives no timeout (`request.timeout.ms`: 30 s).
    public var requestTimeout: Duration
    /// The largest response frame accepted, size prefix excluded. Fetch responses are bounded by the request's
    /// `max_bytes` (Kafka's `fetch.max.bytes`, 50 MiB) plus one oversized first batch; 100 MiB leaves room.
    public var maxResponseBytes: Int
    /// Requests waiting for a response on one connection at once; one more fails with `tooManyInFlightRequests`.
    public var maxInFlightRequests: Int
    /// Send ApiVersions on connect, so `version(for:max:)` knows the broker's ranges. Without it the client
    /// assumes the broker supports whatever the caller asks for.
    public var negotiateApiVersions: Bool
    /// Caps applied while decoding responses.
    public var wireLimits: WireLimits
    /// TLS for `security.protocol` SSL and SASL_SSL (`SslSettings.clientTLSConfiguration()`); nil speaks plain TCP.
    public var tls: TLSConfiguration?
    /// Authenticate with SASL after the version negotiation (SASL_PLAINTEXT and SASL_SSL listeners); nil for none.
    public var sasl: SaslClientConfiguration?

    public init(
        clientId: String? = "gregor",
        clientSoftwareName: String = "gregor",
        clientSoftwareVersion: String = "0.1.0",
        connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(30),
        maxResponseBytes: Int = 104_857_600,
        maxInFlightRequests: Int = 100,
        negotiateApiVersions: Bool = true,
        wireLimits: WireLimits = .default,
        sasl: SaslClientConfiguration? = nil
    ) {
        self.sasl = sasl
        self.clientId = clientId
        self.clientSoftwareName = clientSoftwareName
        self.clientSoftwareVersion = clientSoftwareVersion
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxResponseBytes = maxResponseBytes
        self.maxInFlightRequests = maxInFlightRequests
        self.negotiateApiVersions = negotiateApiVersions
        self.wireLimits = wireLimits
    }
}

/// The version ranges a broker announced in its ApiVersions response.
public struct BrokerApiVersions: Sendable, Hashable {
    public var ranges: [ApiKey: ClosedRange<Int16>]

    public init(ranges: [ApiKey: ClosedRange<Int16>]) {
        self.ranges = ranges
    }

    /// The version to use for `api` when we implement up to `max`: `min(max, broker's max)`, or nil when the
    /// broker does not have the API or its lowest version is above `max`.
    public func version(for api: ApiKey, max: Int16) -> Int16? {
        guard let range = ranges[api], range.lowerBound <= max else { return nil }
        return Swift.min(max, range.upperBound)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at `Int64.max` instead of overflowing; negative durations become zero.
    public var saturatingNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let (fromSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        let (total, overflowAgain) = fromSeconds.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowAgain ? .max : total
    }

    var milliseconds: Int64 { saturatingNanoseconds / 1_000_000 }
}
