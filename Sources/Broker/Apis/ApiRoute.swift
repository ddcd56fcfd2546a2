import KafkaProtocol
import NIOCore

/// How the broker serves one API: the versions it advertises and a type-erased decode -> handle -> encode step.
struct ApiRoute: Sendable {
    let apiKey: ApiKey
    /// Advertised in ApiVersions; requests outside the range close the connection (ApiVersions excepted).
    let versions: ClosedRange<Int16>
    let firstFlexibleVersion: Int16?
    let serve: @Sendable (_ body: KafkaReader, _ context: RequestContext) async -> ResponseAction

    /// A route for `Request` whose handler always answers.
    static func route<Request: KafkaRequest>(
        _ type: Request.Type, versions: ClosedRange<Int16>? = nil,
        _ handler: @escaping @Sendable (Request, RequestContext) async -> Request.Response
    ) -> ApiRoute {
        routeWithOutcome(type, versions: versions) { request, context in .respond(await handler(request, context)) }
    }

    /// A route for `Request`, advertising `versions` (all the codec implements unless narrowed: Gregor only
    /// stores record batches v2, so Produce and Fetch start at the versions that carry them).
    static func routeWithOutcome<Request: KafkaRequest>(
        _ type: Request.Type, versions: ClosedRange<Int16>? = nil,
        _ handler: @escaping @Sendable (Request, RequestContext) async -> ApiOutcome<Request.Response>
    ) -> ApiRoute {
        let advertised = versions ?? Request.validVersions
        assert(Request.validVersions.contains(advertised.lowerBound) && Request.validVersions.contains(advertised.upperBound))
        return ApiRoute(apiKey: Request.apiKey, versions: advertised, firstFlexibleVersion: Request.firstFlexibleVersion) {
            body, context in
            var reader = body
            let request: Request
            do {
                request = try Request(from: &reader, version: context.apiVersion)
            } catch {
                return .close(reason: "cannot parse \(Request.apiKey) v\(context.apiVersion) request: \(error)")
            }
            switch await handler(request, context) {
            case .respond(let response): return encode(response, context: context)
            case .noResponse: return .noResponse
            case .close(let reason): return .close(reason: reason)
            }
        }
    }

    static func encode<Response: KafkaResponse>(_ response: Response, context: RequestContext) -> ResponseAction {
        do {
            return .send(try ResponseFrame.answer(
                response, apiVersion: context.apiVersion, correlationId: context.header.correlationId))
        } catch {
            return .close(reason: "cannot encode \(Response.apiKey) v\(context.apiVersion) response: \(error)")
        }
    }
}

/// What a handler does with a request: answer it, stay silent (Produce with acks=0), or close the connection
/// (Kafka's answer to a failed acks=0 produce, so that the producer notices and refreshes its metadata).
enum ApiOutcome<Response: KafkaResponse>: Sendable {
    case respond(Response)
    case noResponse
    case close(String)
}
