import KafkaProtocol
import Logging
import NIOCore
import Storage

/// Serves the Kafka protocol on one connection: frames in, responses out, strictly in request order.
///
/// Like Kafka's processor, it works on one request at a time per connection (Kafka mutes the channel until the
/// response is sent). Frames that arrive meanwhile wait in a small queue; once `maxQueuedRequests` are waiting it
/// stops reading from the socket, so a client pipelining faster than the broker answers is slowed by TCP instead
/// of growing memory (each frame may be up to `socket.request.max.bytes`, so the queue stays short). Requests on
/// other connections run concurrently.
final class KafkaConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    static let maxQueuedRequests = 4

    private let processor: any RequestProcessor
    private let listenerName: String
    private let logger: Logger
    private var queue = CircularBuffer<ByteBuffer>(initialCapacity: 4)
    private var processing = false
    private var readHeld = false
    private var active = true
    private var connection = ConnectionInfo(remoteAddress: "unknown", listenerName: "")

    init(processor: any RequestProcessor, listenerName: String, logger: Logger) {
        self.processor = processor
        self.listenerName = listenerName
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        connection = ConnectionInfo(
            remoteAddress: context.remoteAddress?.description ?? "unknown", listenerName: listenerName,
            clientHost: "/" + (context.remoteAddress?.ipAddress ?? "unknown"))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        queue.append(unwrapInboundIn(data))
        processNext(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        queue.removeAll()
        context.fireChannelInactive()
    }

    /// Holds reads while the queue is full; `finish` releases them.
    func read(context: ChannelHandlerContext) {
        if queue.count >= Self.maxQueuedRequests {
            readHeld = true
        } else {
            context.read()
        }
    }

    private func processNext(context: ChannelHandlerContext) {
        guard active, !processing, let frame = queue.popFirst() else { return }
        processing = true
        let processor = self.processor
        let connection = self.connection
        context.eventLoop.makeFutureWithTask {
            await processor.process(frame, connection: connection)
        }.assumeIsolated().whenSuccess { action in
            self.finish(action, context: context)
        }
    }

    private func finish(_ action: ResponseAction, context: ChannelHandlerContext) {
        processing = false
        guard active else { return }
        switch action {
        case .send(let frame):
            write(frame, context: context)
        case .noResponse:
            break
        case .close(let reason):
            logger.warning("Closing connection from \(connection.remoteAddress): \(reason)")
            active = false
            queue.removeAll()
            context.close(promise: nil)
            return
        }
        if readHeld, queue.count < Self.maxQueuedRequests {
            readHeld = false
            context.read()
        }
        processNext(context: context)
    }

    /// Writes the in-memory parts as buffers and each records region as a `FileRegion` (sendfile).
    private func write(_ frame: ResponseFrame, context: ChannelHandlerContext) {
        var buffer = frame.buffer
        var written = 0
        for deferred in frame.regions {
            if deferred.position > written, let part = buffer.readSlice(length: deferred.position - written) {
                context.write(wrapOutboundOut(.byteBuffer(part)), promise: nil)
                written = deferred.position
            }
            guard let slice = deferred.region as? FileSlice else {
                assertionFailure("records regions are segment file slices")
                context.close(promise: nil)
                return
            }
            writeFile(slice, context: context)
        }
        if buffer.readableBytes > 0 {
            context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
        }
        context.flush()
    }

    /// Borrows the segment's descriptor for the duration of the write: the slice keeps the segment file open, and
    /// the handle gives the descriptor back instead of closing it.
    private func writeFile(_ slice: FileSlice, context: ChannelHandlerContext) {
        guard slice.count > 0 else { return }
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: slice.file.descriptor)
        let region = FileRegion(fileHandle: handle, readerIndex: slice.position, endIndex: slice.position + slice.count)
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in
            withExtendedLifetime(slice) { _ = try? handle.takeDescriptorOwnership() }
        }
        context.write(wrapOutboundOut(.fileRegion(region)), promise: promise)
    }
}
