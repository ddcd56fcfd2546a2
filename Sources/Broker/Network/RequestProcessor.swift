import Coordination
import NIOCore

/// What the broker does after a request: answer it, stay silent (Produce with acks=0), or drop the connection
/// (a request it cannot parse, as Kafka does).
enum ResponseAction: Sendable {
    case send(ResponseFrame)
    case noResponse
    case close(reason: String)
    /// Answer, then close `delay` after the answer is written (a failed SASL authentication, as Kafka does:
    /// `connection.failed.authentication.delay.ms`).
    case sendAndClose(ResponseFrame, reason: String, delay: TimeAmount = .zero)
}

/// Who sent a request, for logs, for answers that depend on the listener (Metadata advertises the endpoints
/// of the listener the client connected to) and for authorization.
struct ConnectionInfo: Sendable {
    /// Kafka's principal of a connection nobody authenticated (PLAINTEXT, or SSL without a client certificate).
    static let anonymousPrincipal = "User:ANONYMOUS"

    var remoteAddress: String
    var listenerName: String
    /// The listener's protocol. On SSL and SASL_SSL, answers cannot be sent with sendfile: the bytes must pass
    /// through TLS, so fetches read records into memory, as Kafka does on SSL.
    var securityProtocol: SecurityProtocol = .plaintext
    /// The client's IP address as Kafka shows it in group descriptions ("/127.0.0.1").
    var clientHost: String = ""
    /// Who the connection authenticated as, `type:name` (`User:alice`, `User:CN=client,O=Example`): what ACLs and
    /// `super.users` match.
    var principal: String = ConnectionInfo.anonymousPrincipal
    /// For a Produce request: its place among the connection's overlapping produce requests, which appends wait
    /// for (`AppendTurn`); nil for other requests.
    var appendTurn: AppendTurn?
    /// The client's IP address without the slash, as ACL entries name hosts ("127.0.0.1").
    var clientAddress: String { clientHost.hasPrefix("/") ? String(clientHost.dropFirst()) : clientHost }
}

/// Turns one request frame into its answer. The connection handler calls it for one request at a time per
/// connection, except for consecutive Produce requests, whose appends `ConnectionInfo.appendTurn` keeps in order;
/// the handler sends the answers in request order.
protocol RequestProcessor: Sendable {
    func process(_ frame: ByteBuffer, connection: ConnectionInfo) async -> ResponseAction
}
