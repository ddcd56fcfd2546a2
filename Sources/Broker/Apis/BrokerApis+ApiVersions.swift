import KafkaProtocol

extension BrokerApis {
    func apiVersions(_ request: ApiVersionsRequest, _ context: RequestContext) -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: ErrorCode.noError.rawValue, apiKeys: Self.advertisedVersions(routes))
    }

    static func advertisedVersions(_ routes: [ApiRoute]) -> [ApiVersionsResponse.ApiVersion] {
        routes.sorted { $0.apiKey.rawValue < $1.apiKey.rawValue }.map {
            ApiVersionsResponse.ApiVersion(apiKey: $0.apiKey.rawValue, minVersion: $0.versions.lowerBound, maxVersion: $0.versions.upperBound)
        }
    }

    /// The answer to an ApiVersions request of a version this broker does not know (e.g. kafka-python's v4):
    /// UNSUPPORTED_VERSION with the supported ranges, in v0 layout so that any client can read it, after which
    /// clients retry with a version listed there.
    static func apiVersionsFallback(routes: [ApiRoute]) -> @Sendable (RequestHeader.Prefix) -> ResponseAction {
        let apiKeys = advertisedVersions(routes)
        return { prefix in
            let response = ApiVersionsResponse(errorCode: ErrorCode.unsupportedVersion.rawValue, apiKeys: apiKeys)
            do {
                return .send(try ResponseFrame.encode(
                    response, version: 0, header: ResponseHeader(correlationId: prefix.correlationId), headerVersion: .v0))
            } catch {
                return .close(reason: "cannot encode the ApiVersions fallback: \(error)")
            }
        }
    }
}
