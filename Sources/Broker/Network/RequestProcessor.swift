import NIOCore

/// What the broker does after a request: answer it, stay silent (Produce with acks=0), or drop the connection
/// (a request it cannot parse, as Kafka does).
enum ResponseAction: Sendable {
    case send(ResponseFrame)
    case noResponse
    case close(reason: String)
}

/// Who sent a request, for logs and for answers that depend on the listener (Metadata advertises the endpoints
/// of the listener the client connected to).
struct ConnectionInfo: Sendable {
    var remoteAddress: String
    var listenerName: String
    /// The client's IP address as Kafka shows it in group descriptions ("/127.0.0.1").
    var clientHost: String = ""
}

/// Turns one request frame into its answer. The connection handler calls it for one request at a time per
/// connection, which is what keeps responses in request order.
protocol RequestProcessor: Sendable {
    func process(_ frame: ByteBuffer, connection: ConnectionInfo) async -> ResponseAction
}
