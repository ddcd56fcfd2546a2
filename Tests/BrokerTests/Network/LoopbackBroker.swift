import Coordination
import KafkaProtocol
import Logging
import NIOCore
import NIOPosix
import Synchronization

@testable import Broker

/// A real `SocketServer` on a loopback port with the Kafka connection pipeline in front of a stub processor, and
/// raw NIO clients for it: the network layer under test with nothing of the broker behind it.
struct LoopbackBroker {
    let server: SocketServer
    let port: Int
    let queuedRequests: QueuedRequestLimit
    /// The server side of every accepted connection, in accept order.
    let accepted: ChannelBox

    static func start(
        processor: any RequestProcessor,
        configuration: SocketServer.Configuration = SocketServer.Configuration(),
        queuedRequests: QueuedRequestLimit = QueuedRequestLimit(),
        maxFrameBytes: Int = KafkaFrameDecoder.defaultMaxFrameBytes,
        maxIdle: TimeAmount = IdleConnectionHandler.defaultMaxIdle,
        logger: Logger = Logger(label: "test")
    ) async throws -> LoopbackBroker {
        let accepted = ChannelBox()
        let endPoint = EndPoint(listenerName: "PLAINTEXT", host: "127.0.0.1", port: 0, securityProtocol: .plaintext)
        let server = try await SocketServer.bind(
            [endPoint], threads: 1, configuration: configuration, logger: logger
        ) { channel, endPoint in
            accepted.append(channel)
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addKafkaRequestFraming(
                    maxFrameBytes: maxFrameBytes, maxIdle: maxIdle, logger: logger)
                try channel.pipeline.syncOperations.addHandler(KafkaConnectionHandler(
                    processor: processor, listenerName: endPoint.listenerName, queuedRequests: queuedRequests,
                    logger: logger))
            }
        }
        return LoopbackBroker(
            server: server, port: server.listeners[0].port, queuedRequests: queuedRequests, accepted: accepted)
    }

    /// A client connection whose received bytes are counted; `autoRead: false` makes a client that never reads.
    func connect(autoRead: Bool = true, receiveBufferBytes: Int? = nil) async throws -> LoopbackClient {
        let counter = ByteCounter()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: autoRead)
            .channelInitializer { $0.pipeline.addHandler(counter) }
        if let receiveBufferBytes {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferBytes))
        }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        return LoopbackClient(channel: channel, received: counter)
    }

    func stop() async {
        await server.shutdown()
    }
}

struct LoopbackClient {
    let channel: any Channel
    let received: ByteCounter

    /// Writes each payload behind its 4-byte size prefix, in one flush; returns once the kernel took them all.
    func send(_ payloads: [[UInt8]]) async throws {
        var out = ByteBuffer()
        for payload in payloads {
            out.writeInteger(Int32(payload.count))
            out.writeBytes(payload)
        }
        try await channel.writeAndFlush(out)
    }

    /// Writes without waiting for the kernel to take the bytes.
    func sendWithoutWaiting(_ payloads: [[UInt8]]) {
        var out = ByteBuffer()
        for payload in payloads {
            out.writeInteger(Int32(payload.count))
            out.writeBytes(payload)
        }
        channel.writeAndFlush(out, promise: nil)
    }

    /// Whether the server closed (or refused) this connection; waits for it up to the deadline.
    func closedByServer() async -> Bool {
        await eventually { !channel.isActive }
    }
}

final class ChannelBox: Sendable {
    private let channels = Mutex<[any Channel]>([])
    func append(_ channel: any Channel) { channels.withLock { $0.append(channel) } }
    var all: [any Channel] { channels.withLock { $0 } }
}

final class ByteCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let count = Atomic<Int>(0)

    var bytes: Int { count.load(ordering: .relaxed) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        count.add(unwrapInboundIn(data).readableBytes, ordering: .relaxed)
    }
}

/// Polls `condition` until it holds or 20 seconds pass; the deadline only bounds a failing test.
func eventually(_ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// Polls `value` until it has not changed for 40 polls in a row (about 200 ms), for asserting that something
/// stopped: the server stops reading or processing, and the value then stays where it stopped.
func settled(_ value: () -> Int) async -> Int {
    var last = value()
    var unchanged = 0
    let deadline = ContinuousClock.now + .seconds(20)
    while unchanged < 40, ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(5))
        let now = value()
        unchanged = now == last ? unchanged + 1 : 0
        last = now
    }
    return last
}

/// Counts requests; each waits until the gate opens (then answers with `answerBytes` bytes), or until it is
/// cancelled, which it counts.
final class GatedProcessor: RequestProcessor {
    private struct State {
        var open = false
        var started = 0
        var cancelled = 0
        var answered = 0
    }

    private let state = Mutex(State())
    let answerBytes: Int

    init(open: Bool = false, answerBytes: Int = 1) {
        self.answerBytes = answerBytes
        state.withLock { $0.open = open }
    }

    var started: Int { state.withLock { $0.started } }
    var cancelled: Int { state.withLock { $0.cancelled } }
    var answered: Int { state.withLock { $0.answered } }

    func open() { state.withLock { $0.open = true } }

    func process(_ frame: ByteBuffer, connection: ConnectionInfo) async -> ResponseAction {
        state.withLock { $0.started += 1 }
        while !state.withLock({ $0.open }) {
            do {
                try await Task.sleep(for: .milliseconds(2))
            } catch {
                state.withLock { $0.cancelled += 1 }
                return .noResponse
            }
        }
        state.withLock { $0.answered += 1 }
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(answerBytes))
        buffer.writeRepeatingByte(7, count: answerBytes)
        return .send(ResponseFrame(buffer: buffer, regions: []))
    }
}

/// Keeps every byte a raw client connection receives, in order (answers to check byte for byte).
final class ResponseCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let received = Mutex<[UInt8]>([])

    var bytes: [UInt8] { received.withLock { $0 } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        received.withLock { $0 += buffer.readableBytesView }
    }
}
