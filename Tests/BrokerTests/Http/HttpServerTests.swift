import Logging
import NIOCore
import NIOPosix
import Testing

@testable import Broker

/// The metrics/console HTTP server over real loopback sockets: routing, parameters, limits, keep-alive.
@Suite struct HttpServerTests {
    /// Echoes what it was asked on `/echo`, answers nothing else.
    struct Echo: HttpResponder {
        func respond(to request: HttpRequest) async -> HttpResponse? {
            guard request.path.hasPrefix("/echo") else { return nil }
            let parameters = request.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return .text("\(request.method) \(request.path) \(parameters.joined(separator: "&")) \(request.body.count)")
        }
    }

    static func withServer(_ body: (Int) async throws -> Void) async throws {
        let server = try await HttpServer.bind(
            host: "127.0.0.1", port: 0, responders: [Echo()], logger: Logger(label: "test"))
        do {
            try await body(server.port)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    /// Sends `request` as is and reads until the server closes the connection.
    static func exchange(_ request: String, port: Int) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var text = ""
            for try await var chunk in inbound {
                text += chunk.readString(length: chunk.readableBytes) ?? ""
            }
            return text
        }
    }

    @Test func routesDecodesAndAnswersNotFound() async throws {
        try await Self.withServer { port in
            let answer = try await Self.exchange(
                "GET /echo/a%20b?x=1&y=two+words HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", port: port)
            #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
            #expect(answer.contains("Content-Type: text/plain; charset=utf-8"))
            #expect(answer.hasSuffix("GET /echo/a b x=1&y=two words 0"))
            let missing = try await Self.exchange("GET /nothing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", port: port)
            #expect(missing.hasPrefix("HTTP/1.1 404 Not Found"))
        }
    }

    @Test func formBodiesBecomeParameters() async throws {
        try await Self.withServer { port in
            let body = "name=orders&partitions=3"
            let answer = try await Self.exchange(
                "POST /echo?from=query HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)", port: port)
            #expect(answer.hasSuffix("POST /echo from=query&name=orders&partitions=3 \(body.utf8.count)"))
        }
    }

    @Test func oversizedBodiesAreRefusedAndKeepAliveServesSeveral() async throws {
        try await Self.withServer { port in
            let size = HttpServer.maxBodyBytes + 1
            let big = try await Self.exchange(
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(size)\r\nConnection: close\r\n\r\n"
                    + String(repeating: "x", count: size), port: port)
            #expect(big.hasPrefix("HTTP/1.1 413"))
            let two = try await Self.exchange(
                "GET /echo?n=1 HTTP/1.1\r\nHost: t\r\n\r\nGET /echo?n=2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                port: port)
            #expect(two.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
            #expect(two.hasSuffix("GET /echo n=2 0"))
        }
    }

    @Test func garbageGetsBadRequest() async throws {
        try await Self.withServer { port in
            let answer = try await Self.exchange("NOT HTTP AT ALL\r\n\r\n", port: port)
            #expect(answer.hasPrefix("HTTP/1.1 400"))
        }
    }

    @Test func connectionsOverTheLimitAreClosedAndTheRestServed() async throws {
        try await Self.withServer { port in
            var held: [NIOAsyncChannel<ByteBuffer, ByteBuffer>] = []
            for _ in 0..<HttpServer.maxConnections {
                let connected = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                if let connected { held.append(connected) }
            }
            #expect(held.count == HttpServer.maxConnections)
            // One more is accepted by the kernel and closed at once, unanswered (an empty read or a reset).
            let refused = try? await Self.exchange("GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", port: port)
            // Every held channel is closed whatever happened above: an async channel must be finished.
            for channel in held { try? await channel.executeThenClose { _, _ in } }
            #expect(refused?.isEmpty ?? true)
            // Once they are gone, connections are served again (the count falls as each one closes).
            var answer = ""
            for _ in 0..<50 where !answer.hasPrefix("HTTP/1.1 200") {
                answer = (try? await Self.exchange("GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", port: port)) ?? ""
                if !answer.hasPrefix("HTTP/1.1 200") { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(answer.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func queryDecoding() {
        #expect(HttpQuery.parse("a=1&b=x%20y&c&=skip") == ["a": "1", "b": "x y", "c": ""])
        #expect(HttpQuery.decode("%zz") == nil)
        #expect(HttpQuery.decode("%C3%A9t%C3%A9") == "été")
        #expect(HttpQuery.encodePath("/brokers/ids/a b") == "/brokers/ids/a%20b")
        #expect(HttpQuery.encodeComponent("/a&b") == "%2Fa%26b")
    }
}
