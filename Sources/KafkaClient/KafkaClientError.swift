import KafkaProtocol

/// Why a request sent by `KafkaConnection` or `KafkaClusterClient` did not produce a usable answer.
///
/// The connection cases (`connectionFailed`, `connectionClosed`, `connectionLost`, `timedOut`, `responseTooLarge`,
/// `unexpectedResponse`) end the connection they happened on: its in-flight requests all fail and a caller that
/// wants to go on opens a new one (`KafkaClusterClient` does). `decodingFailed` and `broker` concern one response
/// only; the connection stays usable.
public enum KafkaClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No TCP connection to `host:port` could be made within the connect timeout.
    case connectionFailed(host: String, port: Int, reason: String)
    /// The connection closed (the peer hung up, `close()` was called, or an earlier error ended it) before the
    /// response arrived.
    case connectionClosed
    /// The connection failed under a request (reset by the peer, a socket error).
    case connectionLost(reason: String)
    /// No response within the request's timeout; like Kafka's `NetworkClient` (`request.timeout.ms`), the
    /// connection is closed, since the broker's later answers can no longer be trusted to line up.
    case timedOut(api: ApiKey, correlationId: Int32, timeoutMs: Int64)
    /// A response frame's size prefix exceeds the client's limit (or is negative).
    case responseTooLarge(size: Int, limit: Int)
    /// A response arrived whose correlation id is not the one of the oldest request in flight (nil: none was in
    /// flight). Brokers answer in order, so the stream is out of step and the connection is closed.
    case unexpectedResponse(expectedCorrelationId: Int32?, receivedCorrelationId: Int32)
    /// The response (or its header) did not decode at the version that was sent.
    case decodingFailed(api: ApiKey, version: Int16, reason: String)
    /// The request does not fit its wire format at that version (a value too long, a missing required field).
    case encodingFailed(api: ApiKey, version: Int16, reason: String)
    /// The version is outside what our codec implements, or the broker does not support the API at any version
    /// we implement.
    case unsupportedVersion(api: ApiKey, version: Int16?)
    /// `maxInFlightRequests` requests are already waiting for their responses on this connection.
    case tooManyInFlightRequests(limit: Int)
    /// The broker answered with a non-zero error code (`context` says for what: a topic, a partition, a resource).
    case broker(ErrorCode, context: String, message: String?)
    /// A cluster request kept failing with retriable errors until its deadline; `lastError` is the last failure.
    case retriesExhausted(operation: String, lastError: String)
    /// None of the bootstrap servers (or known brokers) answered.
    case noBrokerAvailable(tried: [String], lastError: String?)
    /// Fetched record batches are corrupt (bad CRC, malformed records, compressed records that do not decompress
    /// or decompress to more than the client's cap).
    case corruptRecords(reason: String)
    /// The topic or partition is not in the cluster's metadata (after refreshing it).
    case unknownTopicOrPartition(topic: String, partition: Int32?)
    /// The partition has no leader in the metadata (leader id -1) and none appeared before the deadline.
    case leaderNotAvailable(topic: String, partition: Int32)

    /// The broker error code carried by `.broker`, if any.
    public var errorCode: ErrorCode? {
        if case .broker(let code, _, _) = self { return code }
        return nil
    }

    public var description: String {
        switch self {
        case .connectionFailed(let host, let port, let reason):
            return "cannot connect to \(Self.address(host, port)): \(reason)"
        case .connectionClosed:
            return "connection closed before the response arrived"
        case .connectionLost(let reason):
            return "connection lost: \(reason)"
        case .timedOut(let api, let correlationId, let timeoutMs):
            return "\(api) request (correlation id \(correlationId)) timed out after \(timeoutMs) ms"
        case .responseTooLarge(let size, let limit):
            return "response frame of \(size) bytes exceeds the limit of \(limit) bytes"
        case .unexpectedResponse(let expected?, let received):
            return "response with correlation id \(received) while expecting \(expected)"
        case .unexpectedResponse(nil, let received):
            return "response with correlation id \(received) while no request is in flight"
        case .decodingFailed(let api, let version, let reason):
            return "cannot decode \(api) v\(version) response: \(reason)"
        case .encodingFailed(let api, let version, let reason):
            return "cannot encode \(api) v\(version) request: \(reason)"
        case .unsupportedVersion(let api, let version?):
            return "\(api) v\(version) is not supported"
        case .unsupportedVersion(let api, nil):
            return "the broker supports no version of \(api) that this client implements"
        case .tooManyInFlightRequests(let limit):
            return "\(limit) requests already in flight on this connection"
        case .broker(let code, let context, let message):
            let detail = message.map { ": \($0)" } ?? ""
            return "\(context): \(code)\(detail)"
        case .retriesExhausted(let operation, let lastError):
            return "\(operation) did not succeed before the deadline; last error: \(lastError)"
        case .noBrokerAvailable(let tried, let lastError):
            let last = lastError.map { " (last error: \($0))" } ?? ""
            return "no broker reachable among \(tried.joined(separator: ","))\(last)"
        case .corruptRecords(let reason):
            return "corrupt records: \(reason)"
        case .unknownTopicOrPartition(let topic, let partition?):
            return "unknown topic or partition \(topic)-\(partition)"
        case .unknownTopicOrPartition(let topic, nil):
            return "unknown topic \(topic)"
        case .leaderNotAvailable(let topic, let partition):
            return "no leader for \(topic)-\(partition)"
        }
    }

    /// `host:port`, IPv6 hosts in brackets.
    static func address(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
