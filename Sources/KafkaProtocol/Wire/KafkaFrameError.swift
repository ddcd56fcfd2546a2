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

    /// Mirrors Kafka's `NetworkReceive` wording ("Invalid receive (size = X larger than Y)").
    public var description: String {
        switch self {
        case .frameTooLarge(let size, let limit):
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
