/// Why a connection's byte stream is not a sequence of Kafka frames. Each case closes that one connection (Kafka's
/// `Selector` closes the channel on `InvalidReceiveException` and keeps serving the others).
public enum KafkaFrameError: Error, Equatable, CustomStringConvertible {
    /// The int32 size prefix exceeds `socket.request.max.bytes`.
    case frameTooLarge(size: Int, limit: Int)
    /// The int32 size prefix is negative.
    case negativeSize(Int)
    /// The peer closed its side with a partial frame buffered: `bufferedBytes` arrived (prefix included) of a frame
    /// whose declared payload size is `declaredSize` (nil when not even the 4-byte prefix arrived).
    case truncatedFrame(bufferedBytes: Int, declaredSize: Int?)

    /// Whether a size prefix is really the start of a TLS record (content type 20-23, version 3.x): a TLS peer on
    /// a plaintext connection, worth saying so in the error.
    public static func looksLikeTls(_ size: Int) -> Bool {
        (20...23).contains(size >> 24) && (size >> 16) & 0xFF == 3
    }

    /// Mirrors Kafka's `NetworkReceive` wording ("Invalid receive (size = X larger than Y)").
    public var description: String {
        switch self {
        case .frameTooLarge(let size, let limit):
            if Self.looksLikeTls(size) {
                return "Invalid receive (size = \(size) larger than \(limit)): the peer speaks TLS (a TLS record "
                    + "header where a size should be); is this an SSL listener spoken to in plaintext, or the reverse?"
            }
            return "Invalid receive (size = \(size) larger than \(limit))"
        case .negativeSize(let size):
            return "Invalid receive (size = \(size))"
        case .truncatedFrame(let buffered, let declared?):
            return "Connection closed with a partial request: \(buffered) bytes of a \(declared)-byte request frame (plus 4-byte size)"
        case .truncatedFrame(let buffered, nil):
            return "Connection closed with a partial request: \(buffered) bytes of a 4-byte size prefix"
        }
    }
}
