import Coordination
import KafkaClient
import KafkaProtocol
import KafkaTestSupport
import Logging
import NIOCore
import Synchronization
import Testing

@testable import Broker

/// A broker registered with an INTERNAL listener on `port` (the inter-broker one) and an EXTERNAL one elsewhere.
private func broker(_ id: Int32, port: Int, rack: String? = nil) -> BrokerInfo {
    BrokerInfo(
        id: id,
        endPoints: [
            EndPoint(listenerName: "EXTERNAL", host: "192.0.2.1", port: 1, securityProtocol: .plaintext),
            EndPoint(listenerName: "INTERNAL", host: "127.0.0.1", port: port, securityProtocol: .plaintext),
        ],
        rack: rack)
}

private func channel() -> BrokerControllerChannel {
    BrokerControllerChannel(
        listenerName: "INTERNAL", requestTimeout: .seconds(5), connectTimeout: .seconds(5), clientId: "7",
        logger: Logger(label: "test"))
}

/// A fake broker that decodes each controller request, hands it to `inspect`, and answers with `answer`.
private func target(
    answer: @escaping @Sendable (RequestHeader, ByteBuffer) throws -> FakeBroker.Reply
) async throws -> FakeBroker {
    try await FakeBroker.start(answer)
}

private let state = PartitionState(
    topic: "orders", partition: 1, controllerEpoch: 3, leader: 2, leaderEpoch: 4, isr: [2, 1], zkVersion: 5,
    replicas: [2, 1], isNew: true)

@Suite struct BrokerControllerChannelTests {
    @Test func leaderAndIsrIsV4GroupedByTopicWithLeadersOnTheInterBrokerListener() async throws {
        let seen = Captured<LeaderAndIsrRequest>()
        let fake = try await target { header, body in
            var reader = KafkaReader(buffer: body)
            seen.set(try LeaderAndIsrRequest(from: &reader, version: header.apiVersion))
            var response = LeaderAndIsrResponse()
            response.partitionErrors = [
                .init(topicName: "orders", partitionIndex: 1, errorCode: ErrorCode.noError.rawValue),
                .init(topicName: "audit", partitionIndex: 0, errorCode: ErrorCode.kafkaStorageError.rawValue),
            ]
            return .response(response)
        }
        let channel = channel()
        let other = PartitionState(
            topic: "audit", partition: 0, controllerEpoch: 3, leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0, replicas: [1])
        var second = state
        second.partition = 0
        let errors = try await channel.leaderAndIsr(
            to: broker(1, port: fake.port), controllerId: 2, controllerEpoch: 3, brokerEpoch: 99,
            partitions: [state, other, second], leaders: [broker(2, port: 9093)])
        #expect(errors == [TopicPartition("orders", 1): .noError, TopicPartition("audit", 0): .kafkaStorageError])
        let header = try #require(fake.requests.first)
        #expect(header.apiKey == .leaderAndIsr && header.apiVersion == 4 && header.clientId == "7")
        let request = try #require(seen.value)
        #expect(request.controllerId == 2 && request.controllerEpoch == 3 && request.brokerEpoch == 99)
        #expect(request.topicStates.map(\.topicName) == ["orders", "audit"])
        #expect(request.topicStates[0].partitionStates.map(\.partitionIndex) == [1, 0])
        let partition = request.topicStates[0].partitionStates[0]
        #expect(partition.leader == 2 && partition.leaderEpoch == 4 && partition.isr == [2, 1])
        #expect(partition.zkVersion == 5 && partition.replicas == [2, 1] && partition.isNew)
        #expect(request.liveLeaders.map(\.brokerId) == [2])
        #expect(request.liveLeaders.first?.hostName == "127.0.0.1")
        #expect(request.liveLeaders.first?.port == 9093)
        await channel.closeAll()
        await fake.stop()
    }

    @Test func updateMetadataIsV6WithEveryEndpointAndRack() async throws {
        let seen = Captured<UpdateMetadataRequest>()
        let fake = try await target { header, body in
            var reader = KafkaReader(buffer: body)
            seen.set(try UpdateMetadataRequest(from: &reader, version: header.apiVersion))
            return .response(UpdateMetadataResponse())
        }
        let channel = channel()
        var deleting = state
        deleting.leader = -2
        deleting.offlineReplicas = [1]
        try await channel.updateMetadata(
            to: broker(1, port: fake.port), controllerId: 2, controllerEpoch: 3, brokerEpoch: 99,
            partitions: [deleting], liveBrokers: [broker(1, port: fake.port, rack: "r1")])
        #expect(fake.requests.first?.apiVersion == 6)
        let request = try #require(seen.value)
        let partition = try #require(request.topicStates.first?.partitionStates.first)
        #expect(partition.leader == -2 && partition.offlineReplicas == [1])
        let live = try #require(request.liveBrokers.first)
        #expect(live.id == 1 && live.rack == "r1")
        #expect(live.endpoints.map(\.listener) == ["EXTERNAL", "INTERNAL"])
        #expect(live.endpoints.map(\.port) == [1, Int32(fake.port)])
        #expect(live.endpoints.allSatisfy { $0.securityProtocol == 0 })
        await channel.closeAll()
        await fake.stop()
    }

    @Test func stopReplicaIsV3AndReturnsPartitionErrors() async throws {
        let seen = Captured<StopReplicaRequest>()
        let fake = try await target { header, body in
            var reader = KafkaReader(buffer: body)
            let request = try StopReplicaRequest(from: &reader, version: header.apiVersion)
            seen.set(request)
            var response = StopReplicaResponse()
            response.partitionErrors = request.topicStates.flatMap { topic in
                topic.partitionStates.map { partition in
                    var error = StopReplicaResponse.StopReplicaPartitionError()
                    error.topicName = topic.topicName
                    error.partitionIndex = partition.partitionIndex
                    error.errorCode = partition.partitionIndex == 1 ? ErrorCode.kafkaStorageError.rawValue : 0
                    return error
                }
            }
            return .response(response)
        }
        let channel = channel()
        let errors = try await channel.stopReplica(
            to: broker(1, port: fake.port), controllerId: 2, controllerEpoch: 3, brokerEpoch: 99,
            partitions: [TopicPartition("orders", 0), TopicPartition("orders", 1)], deletePartitions: true)
        #expect(errors == [TopicPartition("orders", 0): .noError, TopicPartition("orders", 1): .kafkaStorageError])
        #expect(fake.requests.first?.apiVersion == 3)
        let partitions = try #require(seen.value?.topicStates.first?.partitionStates)
        #expect(partitions.map(\.leaderEpoch) == [-2, -2])
        #expect(partitions.allSatisfy { $0.deletePartition })
        await channel.closeAll()
        await fake.stop()
    }

    @Test func topLevelErrorThrows() async throws {
        let fake = try await target { _, _ in
            var response = UpdateMetadataResponse()
            response.errorCode = ErrorCode.staleControllerEpoch.rawValue
            return .response(response)
        }
        let channel = channel()
        await #expect {
            try await channel.updateMetadata(
                to: broker(1, port: fake.port), controllerId: 2, controllerEpoch: 3, brokerEpoch: 99, partitions: [],
                liveBrokers: [])
        } throws: { error in
            (error as? KafkaClientError)?.errorCode == .staleControllerEpoch
        }
        await channel.closeAll()
        await fake.stop()
    }

    @Test func oneConnectionPerBrokerReopenedAfterItFailed() async throws {
        let requests = Counter()
        let fake = try await target { _, _ in
            // The second request finds the connection closed by the broker; the third needs a new one.
            requests.increment() == 2 ? .close : .response(UpdateMetadataResponse())
        }
        let channel = channel()
        let target = broker(1, port: fake.port)
        func send() async throws {
            try await channel.updateMetadata(
                to: target, controllerId: 2, controllerEpoch: 3, brokerEpoch: 99, partitions: [], liveBrokers: [])
        }
        try await send()
        await #expect(throws: KafkaClientError.connectionClosed) { try await send() }
        #expect(fake.acceptedConnections == 1)
        try await send()
        #expect(fake.acceptedConnections == 2)
        try await send()
        #expect(fake.acceptedConnections == 2)
        await channel.closeAll()
        await fake.stop()
    }

    @Test func brokerWithoutTheInterBrokerListenerIsRefusedBeforeConnecting() async throws {
        let channel = channel()
        let external = BrokerInfo(
            id: 3, endPoints: [EndPoint(listenerName: "EXTERNAL", host: "127.0.0.1", port: 1, securityProtocol: .plaintext)],
            rack: nil)
        await #expect(throws: ControllerChannelError.noInterBrokerEndPoint(brokerId: 3, listener: "INTERNAL")) {
            try await channel.updateMetadata(
                to: external, controllerId: 2, controllerEpoch: 3, brokerEpoch: 99, partitions: [], liveBrokers: [])
        }
        let tls = BrokerInfo(
            id: 4, endPoints: [EndPoint(listenerName: "INTERNAL", host: "127.0.0.1", port: 1, securityProtocol: .ssl)],
            rack: nil)
        // Registered with TLS, while this broker's protocol map has the listener as PLAINTEXT.
        await #expect(throws: ControllerChannelError.securityProtocolMismatch(brokerId: 4, listener: "INTERNAL", registered: .ssl)) {
            try await channel.leaderAndIsr(
                to: tls, controllerId: 2, controllerEpoch: 3, brokerEpoch: 99, partitions: [], leaders: [])
        }
    }
}

/// The last request a fake broker decoded, for the test to inspect after the call.
private final class Captured<Value: Sendable>: Sendable {
    private let box = Mutex<Value?>(nil)
    func set(_ value: Value) { box.withLock { $0 = value } }
    var value: Value? { box.withLock { $0 } }
}
