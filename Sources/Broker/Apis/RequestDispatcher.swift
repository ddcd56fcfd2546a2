import KafkaProtocol
import Logging
import NIOCore

/// Routes each request frame to its API handler (the front half of Kafka's `KafkaApis.handle`): parses the
/// header, refuses what it cannot serve the way Kafka does, and encodes the answer.
///
/// An unknown API key, a version outside the advertised range, or a header that does not parse closes the
/// connection (Kafka's `InvalidRequestException` path) with one log line; the broker keeps serving everyone
/// else. ApiVersions is the exception: any version gets an answer, at worst UNSUPPORTED_VERSION in v0 layout.
final class RequestDispatcher: RequestProcessor {
    private let routes: [ApiKey: ApiRoute]
    private let limits: WireLimits
    private let apiVersionsFallback: @Sendable (RequestHeader.Prefix) -> ResponseAction
    private let logger: Logger
    /// Requests wait here until the broker is registered; nil serves at once.
    private let startup: StartupGate?

    init(
        routes: [ApiRoute], limits: WireLimits, logger: Logger = Logger(label: "gregor.requests"),
        startup: StartupGate? = nil, apiVersionsFallback: @escaping @Sendable (RequestHeader.Prefix) -> ResponseAction
    ) {
        self.routes = Dictionary(routes.map { ($0.apiKey, $0) }, uniquingKeysWith: { _, last in last })
        self.limits = limits
        self.logger = logger
        self.startup = startup
        self.apiVersionsFallback = apiVersionsFallback
    }

    func process(_ frame: ByteBuffer, connection: ConnectionInfo) async -> ResponseAction {
        await startup?.wait()
        var reader = KafkaReader(buffer: frame, limits: limits)
        let prefix: RequestHeader.Prefix
        do {
            prefix = try RequestHeader.peek(reader)
        } catch {
            return .close(reason: "request of \(frame.readableBytes) bytes is too short for a request header")
        }
        guard let route = routes[prefix.apiKey] else {
            return .close(reason: "unknown API key \(prefix.apiKey.rawValue) (correlation id \(prefix.correlationId))")
        }
        guard route.versions.contains(prefix.apiVersion) else {
            if prefix.apiKey == .apiVersions {
                logger.info(
                    "Unsupported version \(prefix.apiVersion) of ApiVersions from \(connection.remoteAddress); answering UNSUPPORTED_VERSION with the supported versions in v0 layout")
                return apiVersionsFallback(prefix)
            }
            return .close(reason:
                "unsupported version \(prefix.apiVersion) of \(prefix.apiKey) (supported: \(route.versions.lowerBound)-\(route.versions.upperBound))")
        }
        let headerVersion = RequestHeader.version(
            apiKey: prefix.apiKey, apiVersion: prefix.apiVersion, firstFlexibleVersion: route.firstFlexibleVersion)
        let header: RequestHeader
        do {
            header = try RequestHeader(from: &reader, version: headerVersion)
        } catch {
            return .close(reason: "cannot parse the \(prefix.apiKey) request header: \(error)")
        }
        RequestTrace.current?.identify(prefix.apiKey, version: prefix.apiVersion)
        return await route.serve(reader, RequestContext(header: header, connection: connection))
    }
}
