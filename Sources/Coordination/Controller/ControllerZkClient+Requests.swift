import KafkaProtocol
import ZooKeeper
/// Performs what the controller's state machine asks of ZooKeeper (`ControllerZkRequest`).
extension ControllerZkClient {
    func perform(_ request: ControllerZkRequest) async throws -> ControllerZkResult {
        switch request {
        case .liveBrokers: return .liveBrokers(try await liveBrokersAndEpochs())
        case .allTopics: return .names(try await allTopics())
        case .topicAssignments(let topics): return .topicAssignments(try await topicAssignments(topics))
        case .partitionStates(let partitions): return .partitionStates(try await partitionStates(partitions))
        case .topicConfigs(let topics): return .topicConfigs(try await topicConfigs(topics))
        case .topicDeletions: return .names(try await topicDeletions())
        case .consumerGroups: return .names(try await children(ZkPaths.consumers))
        case .isrChangeNotifications:
            var notifications: [(name: String, data: [UInt8]?)] = []
            for name in try await children(ZkPaths.isrChangeNotification).sorted() {
                notifications.append((name, try await data(ZkPaths.isrChangeNotification + "/" + name)))
            }
            return .isrChangeNotifications(notifications)
        case .createPartitionStates(let creations): return .created(try await createPartitionStates(creations))
        case .updatePartitionStates(let updates): return .updated(try await updatePartitionStates(updates))
        case .setTopicAssignment(let node):
            try await fenced([.setData(path: ZkPaths.topic(node.topic), data: node.encoded(), version: -1)])
            return .done
        case .deleteRecursively(let paths):
            try await deleteRecursively(paths)
            return .done
        case .reassignPartitions:
            guard let data = try await data(ZkPaths.reassignPartitions) else { return .reassignPartitions(.success(nil)) }
            do {
                return .reassignPartitions(.success(try ReassignPartitionsZNode.decode(data)))
            } catch let error as ZkDataError {
                return .reassignPartitions(.failure(error))
            }
        case .setReassignPartitions(let reassignments):
            try await setReassignPartitions(reassignments)
            return .done
        }
    }
}

extension ControllerZkClient {
    /// Kafka's `setOrCreatePartitionReassignment` / `deletePartitionReassignment`, fenced.
    func setReassignPartitions(_ reassignments: [TopicPartition: [Int32]]) async throws {
        let path = ZkPaths.reassignPartitions
        if reassignments.isEmpty {
            do {
                try await fenced([.delete(path: path, version: -1)])
            } catch ZooKeeperError.noNode {}
            return
        }
        let data = ReassignPartitionsZNode.encode(reassignments)
        do {
            try await fenced([.setData(path: path, data: data, version: -1)])
        } catch ZooKeeperError.noNode {
            do {
                try await fenced([.create(path: path, data: data, mode: .persistent)])
            } catch ZooKeeperError.nodeExists {
                try await fenced([.setData(path: path, data: data, version: -1)])
            }
        }
    }
}
