import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The broker's small HTTP server for `metrics.listener`: Prometheus scrapes (`/metrics`) and the web console.
///
/// It has its own single event loop, apart from the Kafka listeners' loops, so that a scrape or a page never
/// delays a produce: responders run as tasks and only write their answer on this loop. Requests are read whole
/// (bodies over `maxBodyBytes` get 413), pipelined requests are answered in order (NIO's pipelining handler), and a
/// connection idle for `idleTimeout` is closed.
public final class HttpServer: Sendable {
    public static let maxBodyBytes = 1 << 20
    static let idleTimeout = TimeAmount.seconds(60)
    /// Open HTTP connections at most; more are closed as they are accepted, so that a flood of connections to the
    /// metrics port cannot take the descriptors the Kafka listeners and the logs need.
    public static let maxConnections = 64

    /// The address actually bound (the port differs from the configured one when that was 0).
    public let host: String
    public let port: Int
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger

    private init(host: String, port: Int, channel: any Channel, group: MultiThreadedEventLoopGroup, logger: Logger) {
        self.host = host
        self.port = port
        self.channel = channel
        self.group = group
        self.logger = logger
    }

    /// Binds `host:port` and serves every request with the first responder that answers it (404 otherwise).
    public static func bind(host: String, port: Int, responders: [any HttpResponder], logger: Logger) async throws -> HttpServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connections = ConnectionCount(limit: maxConnections)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { child in
                    guard connections.acquire() else {
                        logger.warning("Refusing an HTTP connection from \(child.remoteAddress?.description ?? "unknown"): \(maxConnections) are open (metrics.listener)")
                        return child.eventLoop.makeFailedFuture(HttpServerError.tooManyConnections)
                    }
                    child.closeFuture.whenComplete { _ in connections.release() }
                    return child.eventLoop.makeCompletedFuture {
                        let pipeline = child.pipeline.syncOperations
                        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                        try pipeline.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                        try pipeline.addHandler(HttpConnectionHandler(responders: responders, logger: logger))
                    }
                }
                .bind(host: host, port: port)
                .get()
            let bound = channel.localAddress?.port ?? port
            logger.info("Serving metrics and the console on http://\(host):\(bound)/ (metrics.listener)")
            return HttpServer(host: host, port: bound, channel: channel, group: group, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw HttpServerError.bindFailed(host: host, port: port, underlying: error)
        }
    }

    public func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// How many HTTP connections are open, against the limit.
private final class ConnectionCount: Sendable {
    private let count = Mutex(0)
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func acquire() -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func release() {
        count.withLock { $0 -= 1 }
    }
}

public enum HttpServerError: Error, CustomStringConvertible {
    case bindFailed(host: String, port: Int, underlying: any Error)
    case tooManyConnections

    public var description: String {
        switch self {
        case .bindFailed(let host, let port, let underlying):
            "cannot bind metrics.listener to \(host):\(port): \(underlying)"
        case .tooManyConnections:
            "\(HttpServer.maxConnections) HTTP connections are open"
        }
    }
}

/// Reads one request at a time, runs the responders off the event loop, writes the answer back on it.
private final class HttpConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responders: [any HttpResponder]
    private let logger: Logger
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(responders: [any HttpResponder], logger: Logger) {
        self.responders = responders
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            tooLarge = false
        case .body(var buffer):
            if body.count + buffer.readableBytes > HttpServer.maxBodyBytes {
                tooLarge = true
                body = []
            } else if !tooLarge {
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if tooLarge {
                write(.text("Request body over \(HttpServer.maxBodyBytes) bytes\n", status: 413), head: head, context: context)
                return
            }
            let request = Self.request(head, body: body)
            body = []
            let responders = self.responders
            let promise = context.eventLoop.makePromise(of: HttpResponse.self)
            promise.completeWithTask {
                for responder in responders {
                    if let response = await responder.respond(to: request) { return response }
                }
                return .notFound
            }
            promise.futureResult.assumeIsolated().whenSuccess { response in
                self.write(response, head: head, context: context)
            }
        }
    }

    /// A request that does not parse was answered 400 by NIO's error handler: the connection cannot go on.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("Closing an HTTP connection: \(error)")
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func write(_ response: HttpResponse, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD, !response.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private static func request(_ head: HTTPRequestHead, body: [UInt8]) -> HttpRequest {
        let uri = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let rawPath = uri.first ?? "/"
        var parameters = uri.count > 1 ? HttpQuery.parse(uri[1]) : [:]
        let contentType = head.headers.first(name: "Content-Type") ?? ""
        if head.method == .POST, contentType.hasPrefix("application/x-www-form-urlencoded"),
            let text = String(validating: body, as: UTF8.self)
        {
            parameters.merge(HttpQuery.parse(Substring(text))) { _, form in form }
        }
        return HttpRequest(
            method: head.method.rawValue, path: HttpQuery.decode(rawPath, plusIsSpace: false) ?? String(rawPath),
            parameters: parameters, headers: head.headers.map { ($0.name, $0.value) }, body: body)
    }
}
