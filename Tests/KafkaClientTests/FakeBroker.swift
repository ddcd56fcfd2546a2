import KafkaProtocol
import NIOCore
import NIOPosix
import Synchronization

@testable import KafkaClient

/// A tiny Kafka-speaking TCP server on 127.0.0.1 for client tests: it decodes each request's header, asks
/// `respond` what to do, and writes back a response encoded with the generated codecs. It tests the client, not
/// a broker: the answers are canned by each test.
final class FakeBroker: Sendable {
    enum Reply: Sendable {
        /// Encode `body` at `version` (the request's version if nil) behind the matching response header.
        case response(any KafkaResponse, version: Int16? = nil)
        /// Send nothing (as for Produce with acks=0, or a broker that hangs).
        case noReply
        /// Close the connection.
        case close
    }

    typealias Responder = @Sendable (_ header: RequestHeader, _ body: ByteBuffer) throws -> Reply

    let channel: any Channel
    private let received: Mutex<[RequestHeader]>

    var port: Int { channel.localAddress?.port ?? 0 }

    /// Headers of every request received so far, in order.
    var requests: [RequestHeader] { received.withLock { $0 } }

    func requests(of api: ApiKey) -> [RequestHeader] { requests.filter { $0.apiKey == api } }

    private init(channel: any Channel) {
        self.channel = channel
        self.received = Mutex([])
    }

    static func start(_ respond: @escaping Responder) async throws -> FakeBroker {
        let log = RequestLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(ResponseFrameDecoder(maxFrameBytes: 1 << 24)))
                    try child.pipeline.syncOperations.addHandler(FakeBrokerHandler(respond: respond, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let broker = FakeBroker(channel: channel)
        log.broker.withLock { $0 = broker }
        return broker
    }

    func record(_ header: RequestHeader) {
        received.withLock { $0.append(header) }
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Lets the child handlers find the broker created after the server channel is bound.
private final class RequestLog: Sendable {
    let broker = Mutex<FakeBroker?>(nil)
}

private final class FakeBrokerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let respond: FakeBroker.Responder
    let log: RequestLog

    init(respond: @escaping FakeBroker.Responder, log: RequestLog) {
        self.respond = respond
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var reader = KafkaReader(buffer: unwrapInboundIn(data))
        do {
            let prefix = try RequestHeader.peek(reader)
            let flexible = KafkaApis.supported[prefix.apiKey]?.firstFlexibleVersion
            let headerVersion = RequestHeader.version(
                apiKey: prefix.apiKey, apiVersion: prefix.apiVersion, firstFlexibleVersion: flexible)
            let header = try RequestHeader(from: &reader, version: headerVersion)
            log.broker.withLock { $0?.record(header) }
            switch try respond(header, reader.rest()) {
            case .response(let body, let version):
                let frame = try Self.frame(body, version: version ?? header.apiVersion, header: header)
                context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
            case .noReply:
                break
            case .close:
                context.close(promise: nil)
            }
        } catch {
            context.close(promise: nil)
        }
    }

    static func frame(_ body: any KafkaResponse, version: Int16, header: RequestHeader) throws -> ByteBuffer {
        var writer = KafkaWriter()
        writer.int32(0)
        let headerVersion = ResponseHeader.version(
            apiKey: header.apiKey, apiVersion: version, firstFlexibleVersion: type(of: body).firstFlexibleVersion)
        try ResponseHeader(correlationId: header.correlationId).encode(into: &writer, version: headerVersion)
        try body.encode(into: &writer, version: version)
        writer.buffer.setInteger(Int32(writer.buffer.readableBytes - 4), at: writer.buffer.readerIndex)
        return writer.buffer
    }
}

/// Canned answers.
enum Canned {
    /// Every API this build has codecs for, at its full range.
    static func apiVersions(_ apis: [ApiSupport] = KafkaApis.all) -> ApiVersionsResponse {
        var response = ApiVersionsResponse()
        response.apiKeys = apis.map { api in
            var entry = ApiVersionsResponse.ApiVersion()
            entry.apiKey = api.apiKey.rawValue
            entry.minVersion = api.validVersions.lowerBound
            entry.maxVersion = api.validVersions.upperBound
            return entry
        }
        return response
    }

    struct Partition {
        var index: Int32
        var leader: Int32
        var replicas: [Int32] = []
        var errorCode: ErrorCode = .noError
    }

    static func metadata(
        brokers: [(id: Int32, port: Int)], controllerId: Int32 = -1, topics: [String: [Partition]],
        topicErrors: [String: ErrorCode] = [:]
    ) -> MetadataResponse {
        var response = MetadataResponse()
        response.clusterId = "fake-cluster"
        response.controllerId = controllerId
        response.brokers = brokers.map { broker in
            var entry = MetadataResponse.MetadataResponseBroker()
            entry.nodeId = broker.id
            entry.host = "127.0.0.1"
            entry.port = Int32(broker.port)
            return entry
        }
        let names = Set(topics.keys).union(topicErrors.keys).sorted()
        response.topics = names.map { name in
            var topic = MetadataResponse.MetadataResponseTopic()
            topic.name = name
            topic.errorCode = (topicErrors[name] ?? .noError).rawValue
            topic.partitions = (topics[name] ?? []).map { partition in
                var entry = MetadataResponse.MetadataResponsePartition()
                entry.partitionIndex = partition.index
                entry.leaderId = partition.leader
                entry.errorCode = partition.errorCode.rawValue
                entry.replicaNodes = partition.replicas.isEmpty ? [partition.leader] : partition.replicas
                entry.isrNodes = entry.replicaNodes
                return entry
            }
            return topic
        }
        return response
    }
}

/// A counter shared between a test and its broker's responder.
final class Counter: Sendable {
    private let value = Mutex(0)

    /// Adds one and returns the new value.
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    var current: Int { value.withLock { $0 } }
}
