/// A user inbound event that tells `KafkaConnectionHandler` who the client on this connection authenticated as
/// (`User:CN=client,O=Example` from a TLS client certificate): the requests that follow carry it in
/// `ConnectionInfo.principal`. Whoever authenticates the connection fires it before the first request is read.
struct AuthenticatedPrincipal: Sendable, Equatable {
    var principal: String
}
