/// One API this build implements: its request type (and through it the response type), the versions its codecs
/// handle and the first flexible version, which picks the request and response header versions.
///
/// The table of them is generated (`KafkaApis.supported`). A broker may advertise no more than these ranges in its
/// ApiVersions answer, since clients use `min(client max, broker max)` per API; Gregor's advertises only the APIs
/// it routes, each with the range its route gives.
public struct ApiSupport: Sendable {
    public let apiKey: ApiKey
    public let requestType: any KafkaRequest.Type
    public let responseType: any KafkaResponse.Type
    public let validVersions: ClosedRange<Int16>
    public let firstFlexibleVersion: Int16?

    public init<Request: KafkaRequest>(_ request: Request.Type) {
        apiKey = Request.apiKey
        requestType = request
        responseType = Request.Response.self
        validVersions = Request.validVersions
        firstFlexibleVersion = Request.firstFlexibleVersion
    }

    public func requestHeaderVersion(_ apiVersion: Int16) -> RequestHeader.Version {
        RequestHeader.version(apiKey: apiKey, apiVersion: apiVersion, firstFlexibleVersion: firstFlexibleVersion)
    }

    public func responseHeaderVersion(_ apiVersion: Int16) -> ResponseHeader.Version {
        ResponseHeader.version(apiKey: apiKey, apiVersion: apiVersion, firstFlexibleVersion: firstFlexibleVersion)
    }
}

extension KafkaApis {
    /// The supported APIs in key order, as an ApiVersions response lists them.
    public static var all: [ApiSupport] {
        supported.values.sorted { $0.apiKey.rawValue < $1.apiKey.rawValue }
    }
}
