import Coordination
import KafkaProtocol
import Logging
import NIOCore
import Storage

/// Serves the Kafka protocol on one connection: frames in, responses out, strictly in request order, with memory
/// bounded however the client behaves.
///
/// Like Kafka's processor, it works on one request at a time per connection (Kafka mutes the channel until the
/// response is sent), with one exception: consecutive Produce requests overlap, up to `maxPipelinedProduces`. The
/// next one is parsed and its batches validated while the previous one is written, and appends while an acks=all
/// one waits for its followers; `AppendTurn` keeps their appends in request order, and their answers go out in
/// request order. Any other request starts only when nothing is in flight, and nothing starts after it until it is
/// answered, so everything else sees Kafka's strict one-at-a-time order.
///
/// Frames that arrive meanwhile wait in a small queue. It reads from the socket only while all of these hold, so a
/// client that sends faster than it is answered, or never reads its answers, is slowed by TCP instead of growing the
/// broker's memory:
/// - fewer than `maxQueuedRequests` frames wait here (each may be up to `socket.request.max.bytes`);
/// - the channel is writable: answers not yet taken by the kernel stay under the channel's high water mark
///   (`SocketServer.writeBufferWaterMark`). While it is not writable the next request does not start either, which
///   is Kafka's "one response in flight per connection": a client that never reads gets at most the answers that fit
///   in the kernel's buffers and one more.
///
/// A request starts only with a place in the broker-wide `queued.max.requests` (`QueuedRequestLimit`), held while
/// it is processed; at the limit the connection waits, its queue fills and it stops reading. A connection whose
/// client stopped reading holds no place: its last request is processed, and the next does not start.
///
/// When the connection closes, the requests being processed are cancelled (their `Task`s: a Fetch parked in the
/// purgatory returns at once) and queued ones are dropped. Requests on other connections run concurrently.
///
/// One instance per connection, used on its event loop only.
final class KafkaConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    static let maxQueuedRequests = 4
    /// Produce requests of one connection processed at once (see above).
    static let maxPipelinedProduces = 16
    /// Plaintext bytes of a TLS fetch response encrypted and sent at a time (`writeCopying`): four TLS records, small
    /// enough to stay in the CPU's cache between the read and the encryption.
    static let tlsPieceBytes = 64 * 1024

    /// A request being processed; its answer waits in `action` until those before it are answered.
    private struct InFlightRequest {
        var id: UInt64
        var task: Task<Void, Never>
        var trace: RequestTrace
        var isProduce: Bool
        var turn: AppendTurn?
        var action: ResponseAction?
    }

    private let processor: any RequestProcessor
    private let listenerName: String
    private let securityProtocol: SecurityProtocol
    private let queuedRequests: QueuedRequestLimit
    private let requestMetrics: RequestMetrics?
    private let logger: Logger
    /// Frames waiting, with when they arrived (Kafka's request queue time starts there).
    private var queue = CircularBuffer<(frame: ByteBuffer, receivedNs: UInt64)>(initialCapacity: 4)
    private var inFlight = CircularBuffer<InFlightRequest>(initialCapacity: 4)
    private var nextRequestId: UInt64 = 0
    /// The turn of the last Produce started, which the next one appends after.
    private var lastAppendTurn: AppendTurn?
    private var readHeld = false
    private var active = true
    private var queuedRequestsWaiter: UInt64?
    private var context: ChannelHandlerContext?
    /// The connection's event loop, where Fetch requests run (`EventLoopTaskExecutor`).
    private var loopExecutor: EventLoopTaskExecutor?
    private var connection = ConnectionInfo(remoteAddress: "unknown", listenerName: "")
    /// On SASL listeners: the SASL exchange, which sees every frame first (`SaslServerAuthenticator`).
    private var authenticator: SaslServerAuthenticator?
    /// Tells the frame decoder whether the client has authenticated (it then accepts full-size requests).
    private let receiveLimit: SaslReceiveLimit?

    init(
        processor: any RequestProcessor, listenerName: String, securityProtocol: SecurityProtocol = .plaintext,
        queuedRequests: QueuedRequestLimit,
        requestMetrics: RequestMetrics? = nil, sasl: SaslServerAuthenticator.Settings? = nil,
        receiveLimit: SaslReceiveLimit? = nil, logger: Logger
    ) {
        self.authenticator = sasl.map(SaslServerAuthenticator.init(settings:))
        self.receiveLimit = receiveLimit
        self.requestMetrics = requestMetrics
        self.processor = processor
        self.listenerName = listenerName
        self.securityProtocol = securityProtocol
        self.queuedRequests = queuedRequests
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        loopExecutor = EventLoopTaskExecutor(context.eventLoop)
        connection = ConnectionInfo(
            remoteAddress: context.remoteAddress?.description ?? "unknown", listenerName: listenerName,
            securityProtocol: securityProtocol,
            clientHost: "/" + (context.remoteAddress?.ipAddress ?? "unknown"))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard active else { return }
        queue.append((unwrapInboundIn(data), RequestTrace.nowNs()))
        processNext(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    /// The principal a TLS certificate (or SASL) authenticated this connection as, for the requests that follow.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let authenticated = event as? AuthenticatedPrincipal {
            connection.principal = authenticated.principal
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The kernel took enough of the answers: start the next request and read again.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            processNext(context: context)
            resumeReads(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    /// Holds the read until the queue has room, the channel is writable and the broker-wide limit allows it.
    func read(context: ChannelHandlerContext) {
        readHeld = true
        resumeReads(context: context)
    }

    private func resumeReads(context: ChannelHandlerContext) {
        guard readHeld, active, queue.count < Self.maxQueuedRequests, context.channel.isWritable else { return }
        readHeld = false
        context.read()
    }

    /// Registers to be woken when the broker-wide count falls; false when there is room already.
    private func waitForQueuedRequests(context: ChannelHandlerContext) -> Bool {
        if queuedRequestsWaiter != nil { return true }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        queuedRequestsWaiter = queuedRequests.waitForRoom {
            eventLoop.execute { handler.value.queuedRequestsFell() }
        }
        return queuedRequestsWaiter != nil
    }

    private func queuedRequestsFell() {
        queuedRequestsWaiter = nil
        guard let context else { return }
        processNext(context: context)
        resumeReads(context: context)
    }

    /// Starts queued requests while the rules above allow: nothing in flight, or Produce requests only.
    private func processNext(context: ChannelHandlerContext) {
        while active, context.channel.isWritable, let next = queue.first {
            let isProduce = Self.isRequest(next.frame, of: .produce)
            if !inFlight.isEmpty {
                guard isProduce, inFlight.count < Self.maxPipelinedProduces, inFlight.allSatisfy(\.isProduce) else { return }
            }
            var admitted = queuedRequests.tryAdd()
            while !admitted {
                if waitForQueuedRequests(context: context) { return }
                admitted = queuedRequests.tryAdd()
            }
            queue.removeFirst()
            start(next.frame, receivedNs: next.receivedNs, isProduce: isProduce, context: context)
        }
    }

    /// Whether a frame is a request of `api` (its first two bytes), looked at before it is parsed: Produce requests
    /// may overlap with the Produce requests before them, Fetch requests run on the event loop.
    private static func isRequest(_ frame: ByteBuffer, of api: ApiKey) -> Bool {
        frame.getInteger(at: frame.readerIndex, as: Int16.self) == api.rawValue
    }

    private func start(_ frame: ByteBuffer, receivedNs: UInt64, isProduce: Bool, context: ChannelHandlerContext) {
        let processor = self.processor
        var connection = self.connection
        let trace = RequestTrace(receivedNs: receivedNs)
        let promise = context.eventLoop.makePromise(of: ResponseAction.self)
        var immediate: ResponseAction?
        if var authenticator {
            switch authenticator.receive(frame, nowMs: Int64(receivedNs / 1_000_000)) {
            case .dispatch(let principal): connection.principal = principal
            case .respond(let answer): immediate = .send(answer)
            case .respondAndClose(let answer, let reason):
                immediate = .sendAndClose(answer, reason: reason, delay: .milliseconds(authenticator.settings.failedAuthenticationDelayMs))
            case .close(let reason): immediate = .close(reason: reason)
            }
            receiveLimit?.authenticated = authenticator.isAuthenticated
            self.authenticator = authenticator
        }
        var turn: AppendTurn?
        if isProduce, immediate == nil {
            turn = AppendTurn(after: lastAppendTurn.flatMap { $0.isFinished ? nil : $0 })
            lastAppendTurn = turn
            connection.appendTurn = turn
        }
        let task: Task<Void, Never>
        if let immediate {
            // The SASL exchange answered on the event loop; the task only keeps the request-order flow.
            task = Task {}
            promise.succeed(immediate)
        } else {
            // Fetches run on this loop: they look up the index and the batch headers in the page cache, park without
            // holding a thread, and their answer is written from here, most often with sendfile. Other requests run
            // on the shared pool, where CPU-heavy work (Produce's validation of the next request while this loop
            // reads it, Metadata of many partitions) runs beside the loops rather than on them.
            let executor = Self.isRequest(frame, of: .fetch) ? loopExecutor : nil
            task = Task(executorPreference: executor) {
                promise.succeed(await RequestTrace.$current.withValue(trace) { await processor.process(frame, connection: connection) })
            }
        }
        let id = nextRequestId
        nextRequestId &+= 1
        inFlight.append(InFlightRequest(id: id, task: task, trace: trace, isProduce: isProduce && immediate == nil, turn: turn))
        promise.futureResult.assumeIsolated().whenSuccess { action in
            self.completed(id, action, context: context)
        }
    }

    /// A request's answer is ready: answers go out in request order, so it waits for those before it.
    private func completed(_ id: UInt64, _ action: ResponseAction, context: ChannelHandlerContext) {
        guard let index = inFlight.firstIndex(where: { $0.id == id }) else { return }
        inFlight[index].action = action
        inFlight[index].turn?.finish()
        while let head = inFlight.first, let action = head.action {
            inFlight.removeFirst()
            queuedRequests.remove()
            // Once closing, the answers left are dropped.
            if active { respond(action, trace: head.trace, context: context) }
        }
        processNext(context: context)
        resumeReads(context: context)
    }

    /// Carries out one answer (which may close the connection).
    private func respond(_ action: ResponseAction, trace: RequestTrace, context: ChannelHandlerContext) {
        let answeredNs = RequestTrace.nowNs()
        switch action {
        case .send(let frame):
            let sent = context.eventLoop.makePromise(of: Void.self)
            write(frame, context: context, sent: sent)
            if let requestMetrics {
                sent.futureResult.whenSuccess { requestMetrics.record(trace, answeredNs: answeredNs, sentNs: RequestTrace.nowNs()) }
            }
        case .noResponse:
            requestMetrics?.record(trace, answeredNs: answeredNs, sentNs: answeredNs)
        case .close(let reason):
            logger.warning("Closing connection from \(connection.remoteAddress): \(reason)")
            stop()
            context.close(promise: nil)
        case .sendAndClose(let frame, let reason, let delay):
            logger.info("Closing connection from \(connection.remoteAddress) after answering: \(reason)")
            stop()
            let sent = context.eventLoop.makePromise(of: Void.self)
            write(frame, context: context, sent: sent)
            let channel = context.channel
            sent.futureResult.whenComplete { _ in
                channel.eventLoop.scheduleTask(in: delay) { channel.close(promise: nil) }
            }
        }
    }

    /// The connection is going away: cancel the requests being processed (their answers are dropped in `completed`,
    /// which also gives back their places in `queued.max.requests`), drop the queued ones, stop waiting for room.
    private func stop() {
        guard active else { return }
        active = false
        for request in inFlight { request.task.cancel() }
        queue.removeAll()
        if let waiter = queuedRequestsWaiter {
            queuedRequests.cancelWait(waiter)
            queuedRequestsWaiter = nil
        }
    }

    /// Writes the in-memory parts as buffers and each records region as a `FileRegion` (sendfile).
    /// `sent` completes when the last part is written to the socket.
    private func write(_ frame: ResponseFrame, context: ChannelHandlerContext, sent: EventLoopPromise<Void>) {
        if securityProtocol.usesTls, !frame.regions.isEmpty {
            writeCopying(frame, context: context, sent: sent)
            return
        }
        var buffer = frame.buffer
        var written = 0
        var lastFileWrite: EventLoopFuture<Void>?
        for deferred in frame.regions {
            if deferred.position > written, let part = buffer.readSlice(length: deferred.position - written) {
                context.write(wrapOutboundOut(.byteBuffer(part)), promise: nil)
                written = deferred.position
                lastFileWrite = nil
            }
            guard let slice = deferred.region as? FileSlice else {
                assertionFailure("records regions are segment file slices")
                sent.fail(ChannelError.ioOnClosedChannel)
                context.close(promise: nil)
                return
            }
            lastFileWrite = writeFile(slice, context: context) ?? lastFileWrite
        }
        if buffer.readableBytes > 0 {
            context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: sent)
        } else if let lastFileWrite {
            lastFileWrite.cascade(to: sent)
        } else {
            sent.succeed()
        }
        context.flush()
    }

    /// TLS cannot use `sendfile`: the records are read from their segments straight into a plaintext buffer (one
    /// copy), which the TLS handler encrypts. The response goes out in pieces of `tlsPieceBytes`, each flushed when
    /// full: the client receives and decrypts one piece while this broker reads and encrypts the next (Kafka's
    /// `SslTransportLayer` streams file records the same way). Built whole, a 1 MiB response left each side idle
    /// while the other worked. A segment that cannot be read any more (deleted by retention meanwhile) closes the
    /// connection: the size prefix already counts its bytes.
    private func writeCopying(_ frame: ResponseFrame, context: ChannelHandlerContext, sent: EventLoopPromise<Void>) {
        var source = frame.buffer
        var piece = context.channel.allocator.buffer(capacity: Self.tlsPieceBytes)
        var written = 0
        for deferred in frame.regions {
            if deferred.position > written, var part = source.readSlice(length: deferred.position - written) {
                piece.writeBuffer(&part)
                written = deferred.position
            }
            guard let slice = deferred.region as? FileSlice else {
                assertionFailure("records regions are segment file slices")
                sent.fail(ChannelError.ioOnClosedChannel)
                context.close(promise: nil)
                return
            }
            var done = 0
            while done < slice.count {
                if piece.readableBytes >= Self.tlsPieceBytes {
                    context.writeAndFlush(wrapOutboundOut(.byteBuffer(piece)), promise: nil)
                    piece.clear()  // new storage when the TLS handler still holds the old
                }
                let count = min(slice.count - done, Self.tlsPieceBytes - piece.readableBytes)
                do {
                    try slice.file.slice(position: slice.position + done, count: count).read(appendingTo: &piece)
                } catch {
                    logger.warning("Closing connection from \(connection.remoteAddress): reading records for a fetch failed: \(error)")
                    sent.fail(ChannelError.ioOnClosedChannel)
                    stop()
                    context.close(promise: nil)
                    return
                }
                done += count
            }
        }
        piece.writeBuffer(&source)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(piece)), promise: sent)
    }

    /// Borrows the segment's descriptor for the duration of the write: the slice keeps the segment file open, and
    /// the handle gives the descriptor back instead of closing it.
    private func writeFile(_ slice: FileSlice, context: ChannelHandlerContext) -> EventLoopFuture<Void>? {
        guard slice.count > 0 else { return nil }
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: slice.file.descriptor)
        let region = FileRegion(fileHandle: handle, readerIndex: slice.position, endIndex: slice.position + slice.count)
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in
            withExtendedLifetime(slice) { _ = try? handle.takeDescriptorOwnership() }
        }
        context.write(wrapOutboundOut(.fileRegion(region)), promise: promise)
        return promise.futureResult
    }
}
