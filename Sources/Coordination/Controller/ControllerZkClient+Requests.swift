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
        }
    }
}
