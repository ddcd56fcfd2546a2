import KafkaProtocol
@testable import Coordination
import GregorTestSupport
import Logging
import Synchronization
import Testing

/// Per-broker queues: a failing broker is retried in order, a hung one delays nobody else, a dead one is dropped.
@Suite("Controller channel manager")
struct ControllerChannelManagerTests {
    /// Broker 1 fails its first two sends; broker 2 never answers; broker 3 answers at once.
    final class FlakyChannel: LeaderAndIsrOnlyChannel {
        let delivered = Mutex<[(broker: Int32, partitions: Int)]>([])
        let failuresLeft = Mutex<Int>(2)
        let attempts = Mutex<[Int32: Int]>([:])

        func leaderAndIsr(
            to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
            partitions: [PartitionState], leaders: [BrokerInfo]
        ) async throws -> [TopicPartition: ErrorCode] {
            attempts.withLock { $0[broker.id, default: 0] += 1 }
            if broker.id == 2 { try await Task.sleep(for: .seconds(3600)) }
            if broker.id == 1, failuresLeft.withLock({ left in defer { left -= 1 }; return left > 0 }) {
                struct Refused: Error {}
                throw Refused()
            }
            delivered.withLock { $0.append((broker.id, partitions.count)) }
            return [:]
        }
    }

    private func request(partitions count: Int) -> ControllerRequest {
        let states = (0..<count).map {
            PartitionState(topic: "t", partition: Int32($0), controllerEpoch: 1, leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0, replicas: [1])
        }
        return .leaderAndIsr(partitions: states, leaders: [])
    }

    @Test func retriesInOrderWithoutBlockingOtherBrokers() async throws {
        let channel = FlakyChannel()
        let manager = ControllerChannelManager(
            channel: channel, controllerId: 0, controllerEpoch: 1, retryBackoff: .milliseconds(10), logger: Logger(label: "test"))
        for id: Int32 in 1...3 { manager.addBroker(BrokerAndEpoch(broker: TestZooKeeper.brokerInfo(id), epoch: Int64(id))) }
        for count in 1...3 {
            for id: Int32 in 1...3 { manager.send(request(partitions: count), to: id) }
        }
        manager.send(request(partitions: 9), to: 7)  // not alive: dropped
        try await eventually(timeout: .seconds(60), "brokers 1 and 3 served") {
            channel.delivered.withLock { $0.count } == 6
        }
        let delivered = channel.delivered.withLock { $0 }
        #expect(delivered.filter { $0.broker == 1 }.map(\.partitions) == [1, 2, 3])
        #expect(delivered.filter { $0.broker == 3 }.map(\.partitions) == [1, 2, 3])
        #expect(!delivered.contains { $0.broker == 2 || $0.broker == 7 })
        #expect(channel.attempts.withLock { $0[1] } == 5)  // two refusals, then three deliveries

        manager.removeBroker(2)  // the hung send is cancelled with its queue
        manager.send(request(partitions: 1), to: 2)
        manager.shutdown()
        #expect(channel.attempts.withLock { $0[2] } == 1)
    }

    /// A broker that cannot host a replica says so in its LeaderAndIsr answer; the controller hears of it.
    final class FullDiskChannel: LeaderAndIsrOnlyChannel {
        func leaderAndIsr(
            to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
            partitions: [PartitionState], leaders: [BrokerInfo]
        ) async throws -> [TopicPartition: ErrorCode] {
            Dictionary(uniqueKeysWithValues: partitions.map {
                (TopicPartition($0.topic, $0.partition), $0.partition == 0 ? .kafkaStorageError : .noError)
            })
        }
    }

    @Test func storageErrorsInLeaderAndIsrAnswersAreReported() async throws {
        let reported = Mutex<[(Int32, Int64, [TopicPartition: ErrorCode])]>([])
        let manager = ControllerChannelManager(
            channel: FullDiskChannel(), controllerId: 0, controllerEpoch: 1, retryBackoff: .milliseconds(10),
            logger: Logger(label: "test"),
            onLeaderAndIsrStorageErrors: { broker, errors in reported.withLock { $0.append((broker.broker.id, broker.epoch, errors)) } })
        manager.addBroker(BrokerAndEpoch(broker: TestZooKeeper.brokerInfo(1), epoch: 42))
        manager.send(request(partitions: 1).withPartitions(from: 1), to: 1)  // no error: not reported
        manager.send(request(partitions: 2), to: 1)
        try await eventually(timeout: .seconds(60), "the storage error reported") { reported.withLock { !$0.isEmpty } }
        manager.shutdown()
        let (broker, epoch, errors) = try #require(reported.withLock { $0.first })
        #expect(broker == 1 && epoch == 42)
        #expect(errors[TopicPartition("t", 0)] == .kafkaStorageError)
        #expect(errors[TopicPartition("t", 1)] == .noError)
        #expect(reported.withLock { $0.count } == 1)
    }
}

extension ControllerRequest {
    /// The same LeaderAndIsr with partition numbers starting at `first`.
    fileprivate func withPartitions(from first: Int32) -> ControllerRequest {
        guard case .leaderAndIsr(var partitions, let leaders) = self else { return self }
        for index in partitions.indices { partitions[index].partition = first + Int32(index) }
        return .leaderAndIsr(partitions: partitions, leaders: leaders)
    }
}

/// A channel whose UpdateMetadata and StopReplica succeed and do nothing.
protocol LeaderAndIsrOnlyChannel: ControllerChannel {}

extension LeaderAndIsrOnlyChannel {
    func updateMetadata(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], liveBrokers: [BrokerInfo]
    ) async throws {}

    func stopReplica(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [TopicPartition], deletePartitions: Bool
    ) async throws -> [TopicPartition: ErrorCode] { [:] }
}
