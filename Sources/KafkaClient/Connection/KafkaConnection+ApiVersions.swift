import KafkaProtocol
import NIOCore

extension KafkaConnection {
    /// Asks the broker which versions it supports, the way Kafka's clients do on every new connection: ApiVersions
    /// at our highest version; if the broker answers UNSUPPORTED_VERSION (error 35, with a body it always encodes
    /// as ApiVersions v0 so that any client can read it), once more at the highest ApiVersions version the broker
    /// listed there (v0 if it listed none).
    ///
    /// - Throws: `KafkaClientError.broker` for any other error code, or when the retry fails too.
    func negotiateApiVersions() async throws(KafkaClientError) {
        var version = ApiVersionsRequest.validVersions.upperBound
        for attempt in 0..<2 {
            var request = ApiVersionsRequest()
            request.clientSoftwareName = configuration.clientSoftwareName
            request.clientSoftwareVersion = configuration.clientSoftwareVersion
            let response = try await sendApiVersions(request, version: version)
            let errorCode = ErrorCode(rawValue: response.errorCode)
            if errorCode == .unsupportedVersion, attempt == 0, version > 0 {
                let brokerMax = response.apiKeys.first { $0.apiKey == ApiKey.apiVersions.rawValue }?.maxVersion ?? 0
                logger.debug("Broker does not support ApiVersions v\(version); retrying at v\(min(brokerMax, version - 1))")
                version = max(0, min(brokerMax, version - 1))
                continue
            }
            guard errorCode == .noError else {
                throw .broker(errorCode, context: "ApiVersions v\(version) to \(address)", message: nil)
            }
            var ranges: [ApiKey: ClosedRange<Int16>] = [:]
            for entry in response.apiKeys where entry.minVersion <= entry.maxVersion {
                ranges[ApiKey(rawValue: entry.apiKey)] = entry.minVersion...entry.maxVersion
            }
            setApiVersions(BrokerApiVersions(ranges: ranges))
            logger.debug("Negotiated ApiVersions v\(version): \(ranges.count) APIs")
            return
        }
        throw .broker(.unsupportedVersion, context: "ApiVersions to \(address)", message: nil)
    }

    /// Sends ApiVersions and decodes its answer. An UNSUPPORTED_VERSION answer is decoded as v0, the layout the
    /// broker writes it in whatever version was asked; `error_code` comes first in every version, after the
    /// 4-byte response header (v0 for ApiVersions at every version), so it can be read before choosing.
    private func sendApiVersions(
        _ request: ApiVersionsRequest, version: Int16
    ) async throws(KafkaClientError) -> ApiVersionsResponse {
        let frame = try await sendFrame(request, version: version, timeout: nil)
        let errorCode = frame.getInteger(at: frame.readerIndex + 4, as: Int16.self)
        let bodyVersion = errorCode == ErrorCode.unsupportedVersion.rawValue ? 0 : version
        return try decode(ApiVersionsResponse.self, from: frame, apiKey: .apiVersions, version: bodyVersion,
                          firstFlexibleVersion: ApiVersionsRequest.firstFlexibleVersion)
    }
}
