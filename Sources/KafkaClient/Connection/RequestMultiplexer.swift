import KafkaProtocol
import NIOCore

/// One encoded request on its way to the socket, as written into a connection's pipeline.
struct OutboundRequest: Sendable {
    /// The whole frame: size prefix, request header, body.
    var frame: ByteBuffer
    var apiKey: ApiKey
    var correlationId: Int32
    /// Completed with the response frame (size prefix removed, response header still in front); nil for a
    /// request the broker does not answer (Produce with acks=0).
    var response: EventLoopPromise<ByteBuffer>?
    /// How long to wait for the response once the request is written.
    var timeout: TimeAmount
}

/// Matches response frames to the requests written before them on one connection (Kafka answers a connection's
/// requests in order), and fails whatever is waiting when the connection ends.
///
/// Each written request that expects an answer joins a FIFO of in-flight requests (bounded by
/// `maxInFlightRequests`) with a timer. A response frame must carry the correlation id of the oldest one; it
/// completes that request's promise with the frame. Anything else — a response nobody waits for, a wrong
/// correlation id, a timer firing, a decoder error — fails every waiting request and closes the connection, as
/// Kafka's `NetworkClient` does, because after it responses can no longer be matched to requests.
///
/// Not thread-safe: one instance per connection, used on that channel's event loop.
final class RequestMultiplexer: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutboundRequest
    typealias OutboundOut = ByteBuffer

    private struct InFlight {
        var apiKey: ApiKey
        var correlationId: Int32
        var promise: EventLoopPromise<ByteBuffer>
        var timer: Scheduled<Void>?
    }

    private let maxInFlightRequests: Int
    /// The frame decoder's limit, to report a refused size prefix against.
    private let maxResponseBytes: Int
    private var inFlight = CircularBuffer<InFlight>()
    /// Set once the connection has failed or closed; later writes fail at once with it.
    private var terminalError: KafkaClientError?

    init(maxInFlightRequests: Int, maxResponseBytes: Int = KafkaFrameDecoder.defaultMaxFrameBytes) {
        precondition(maxInFlightRequests > 0, "maxInFlightRequests must be positive")
        self.maxInFlightRequests = maxInFlightRequests
        self.maxResponseBytes = maxResponseBytes
    }

    var inFlightCount: Int { inFlight.count }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let terminalError {
            request.response?.fail(terminalError)
            promise?.fail(terminalError)
            return
        }
        if let response = request.response {
            guard inFlight.count < maxInFlightRequests else {
                let error = KafkaClientError.tooManyInFlightRequests(limit: maxInFlightRequests)
                response.fail(error)
                promise?.fail(error)
                return
            }
            let timer = scheduleTimeout(context: context, request: request)
            inFlight.append(
                InFlight(apiKey: request.apiKey, correlationId: request.correlationId, promise: response, timer: timer))
        }
        context.write(wrapOutboundOut(request.frame), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let correlationId = frame.getInteger(at: frame.readerIndex, as: Int32.self) else {
            fail(context: context, with: .unexpectedResponse(expectedCorrelationId: inFlight.first?.correlationId,
                                                             receivedCorrelationId: -1))
            return
        }
        guard let oldest = inFlight.first, oldest.correlationId == correlationId else {
            fail(context: context, with: .unexpectedResponse(expectedCorrelationId: inFlight.first?.correlationId,
                                                             receivedCorrelationId: correlationId))
            return
        }
        inFlight.removeFirst()
        oldest.timer?.cancel()
        oldest.promise.succeed(frame)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(with: terminalError ?? .connectionClosed)
        terminalError = terminalError ?? .connectionClosed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, with: Self.clientError(error, maxResponseBytes: maxResponseBytes))
    }

    /// Frame errors from `KafkaFrameDecoder` in the client's terms: a bad size prefix is a response too large (or
    /// negative) to accept, a partial frame at end of stream a closed connection.
    static func clientError(_ error: any Error, maxResponseBytes: Int) -> KafkaClientError {
        switch error {
        case let error as KafkaClientError: error
        case KafkaFrameError.frameTooLarge(let size, _) where KafkaFrameError.looksLikeTls(size):
            .connectionLost(reason: "the broker answered with TLS: this listener is SSL or SASL_SSL; connect with "
                + "security.protocol=SSL or SASL_SSL (the CLI's --command-config)")
        case KafkaFrameError.frameTooLarge(let size, let limit): .responseTooLarge(size: size, limit: limit)
        case KafkaFrameError.negativeSize(let size): .responseTooLarge(size: size, limit: maxResponseBytes)
        case is KafkaFrameError: .connectionClosed
        default: .connectionLost(reason: "\(error)")
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all {
            terminalError = terminalError ?? .connectionClosed
            failAll(with: terminalError ?? .connectionClosed)
        }
        context.close(mode: mode, promise: promise)
    }

    private func scheduleTimeout(context: ChannelHandlerContext, request: OutboundRequest) -> Scheduled<Void> {
        let correlationId = request.correlationId
        let error = KafkaClientError.timedOut(
            api: request.apiKey, correlationId: correlationId, timeoutMs: request.timeout.nanoseconds / 1_000_000)
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        return context.eventLoop.assumeIsolated().scheduleTask(in: request.timeout) {
            guard let index = self.inFlight.firstIndex(where: { $0.correlationId == correlationId }) else { return }
            let expired = self.inFlight.remove(at: index)
            expired.promise.fail(error)
            self.fail(context: loopBoundContext.value, with: .connectionClosed)
        }
    }

    /// Ends the connection: every waiting request fails with `error`, later writes fail with it too.
    private func fail(context: ChannelHandlerContext, with error: KafkaClientError) {
        if terminalError == nil { terminalError = error }
        failAll(with: error)
        context.close(promise: nil)
    }

    private func failAll(with error: KafkaClientError) {
        while let request = inFlight.popFirst() {
            request.timer?.cancel()
            request.promise.fail(error)
        }
    }
}
