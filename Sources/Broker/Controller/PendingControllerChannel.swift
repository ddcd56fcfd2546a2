import Coordination
import Logging

/// A stand-in for the controller's channel to brokers until the Broker module sends LeaderAndIsr, UpdateMetadata
/// and StopReplica over the wire: it drops LeaderAndIsr and UpdateMetadata (logged at debug), and answers
/// StopReplica with success for every partition so that topic deletion completes in ZooKeeper (the brokers' logs
/// of a deleted topic stay on disk until the real channel exists).
struct PendingControllerChannel: ControllerChannel {
    let logger: Logger

    func leaderAndIsr(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], leaders: [BrokerInfo]
    ) async throws {
        logger.debug("LeaderAndIsr for broker \(broker.id) with \(partitions.count) partitions not sent: no controller channel yet")
    }

    func updateMetadata(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [PartitionState], liveBrokers: [BrokerInfo]
    ) async throws {
        logger.debug("UpdateMetadata for broker \(broker.id) with \(partitions.count) partitions not sent: no controller channel yet")
    }

    func stopReplica(
        to broker: BrokerInfo, controllerId: Int32, controllerEpoch: Int32, brokerEpoch: Int64,
        partitions: [(topic: String, partition: Int32)], deletePartitions: Bool
    ) async throws -> [String: [Int32: Int16]] {
        logger.debug("StopReplica for broker \(broker.id) with \(partitions.count) partitions not sent: no controller channel yet")
        var errors: [String: [Int32: Int16]] = [:]
        for (topic, partition) in partitions { errors[topic, default: [:]][partition] = 0 }
        return errors
    }
}
