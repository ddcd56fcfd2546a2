import KafkaProtocol

/// Who asked what: the decoded request header and the connection it came on.
struct RequestContext: Sendable {
    var header: RequestHeader
    var connection: ConnectionInfo

    var apiVersion: Int16 { header.apiVersion }
    var clientId: String { header.clientId ?? "" }
    /// The authenticated principal (`User:alice`), what the authorizer checks.
    var principal: String { connection.principal }
}
