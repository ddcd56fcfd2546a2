import KafkaProtocol
import Logging
@testable import Coordination

/// Drives `ControllerStateMachine` as `ActiveController` does, against ZooKeeper's data held in memory: what the
/// transition tests need to run the controller's decisions without a ZooKeeper server. It stands in for the data,
/// not for ZooKeeper's behaviour (sessions, watches, fencing), which the tests with a real server cover.
struct ControllerStateMachineDriver {
    var machine: ControllerStateMachine
    var brokers: [Int32: BrokerAndEpoch] = [:]
    var topics: [String: TopicZNode] = [:]
    var states: [TopicPartition: LeaderIsrAndControllerEpoch] = [:]
    var topicConfigs: [String: [String: String]] = [:]
    var deletions: Set<String> = []
    var isrChangeNotifications: [String: [UInt8]] = [:]
    var groups: [String] = []
    /// `/admin/reassign_partitions`.
    var reassignPartitions: [TopicPartition: [Int32]]?
    /// Znodes that cannot be parsed.
    var malformedTopics: Set<String> = []
    var malformedStates: Set<TopicPartition> = []
    var malformedConfigs: Set<String> = []
    /// The next conditional write of these partitions finds that their leader changed the ISR meanwhile: the ISR
    /// given here is written (zkVersion + 1) and the controller's write gets BADVERSION.
    var isrChangesBeforeNextWrite: [TopicPartition: [Int32]] = [:]
    /// Requests that fail (not ending the term).
    var failing: (ControllerZkRequest) -> Bool = { _ in false }

    /// Everything the machine asked for, in order, since the last `take()`.
    private(set) var actions: [ControllerAction] = []
    var deletedPaths: [String] = []
    var writes = 0
    /// The partitions of successful state writes, in order.
    var writeOrder: [TopicPartition] = []

    init(epoch: Int32 = 5, config: ControllerConfig = ControllerConfig()) {
        machine = ControllerStateMachine(
            controllerId: 100, epoch: ControllerEpoch(epoch: epoch, zkVersion: epoch), config: config)
    }

    // MARK: setting up

    mutating func addBroker(_ id: Int32, epoch: Int64 = 1) {
        brokers[id] = BrokerAndEpoch(broker: Self.brokerInfo(id), epoch: epoch)
    }

    mutating func addTopic(_ topic: String, _ assignment: [[Int32]]) {
        var partitions: [Int32: PartitionReplicas] = [:]
        for (index, replicas) in assignment.enumerated() { partitions[Int32(index)] = PartitionReplicas(replicas) }
        topics[topic] = TopicZNode(topic: topic, partitions: partitions)
    }

    mutating func setState(_ topic: String, _ partition: Int32, leader: Int32, epoch: Int32 = 0, isr: [Int32],
                           controllerEpoch: Int32 = 1, zkVersion: Int32 = 0) {
        states[TopicPartition(topic, partition)] = LeaderIsrAndControllerEpoch(
            LeaderAndIsr(leader: leader, leaderEpoch: epoch, isr: isr, zkVersion: zkVersion), controllerEpoch: controllerEpoch)
    }

    func state(_ topic: String, _ partition: Int32) -> LeaderAndIsr? { states[TopicPartition(topic, partition)]?.leaderAndIsr }

    static func brokerInfo(_ id: Int32) -> BrokerInfo {
        BrokerInfo(
            id: id, endPoints: [EndPoint(listenerName: "PLAINTEXT", host: "127.0.0.1", port: 9092 + Int(id), securityProtocol: .plaintext)],
            rack: nil, timestampMs: "1")
    }

    // MARK: running

    /// Hands `event` to the machine and answers its ZooKeeper requests until it is idle.
    mutating func process(_ event: ControllerEvent) {
        var next = machine.handle(event)
        while true {
            actions += next
            guard case .zooKeeper(let request)? = next.last else { break }
            next = machine.resume(perform(request))
        }
    }

    /// The actions since the last call.
    mutating func take() -> [ControllerAction] {
        defer { actions = [] }
        return actions
    }

    private mutating func perform(_ request: ControllerZkRequest) -> ControllerZkResult {
        if failing(request) { return .failed("injected failure of \(request)") }
        switch request {
        case .liveBrokers: return .liveBrokers(brokers.keys.sorted().map { brokers[$0]! })
        case .allTopics: return .names(topics.keys.sorted())
        case .topicAssignments(let names):
            return .topicAssignments(names.map { name in
                if malformedTopics.contains(name) { return (name, .failure(.malformed(path: ZkPaths.topic(name), text: "{"))) }
                return (name, .success(topics[name]))
            })
        case .partitionStates(let partitions):
            return .partitionStates(partitions.map { partition in
                if malformedStates.contains(partition) { return (partition, .failure(.malformed(path: "state", text: "{"))) }
                return (partition, .success(states[partition]))
            })
        case .topicConfigs(let names):
            var result: [String: Result<[String: String], ZkDataError>] = [:]
            for name in names {
                result[name] = malformedConfigs.contains(name)
                    ? .failure(.malformed(path: ZkPaths.topicConfig(name), text: "{")) : .success(topicConfigs[name] ?? [:])
            }
            return .topicConfigs(result)
        case .topicDeletions: return .names(deletions.sorted())
        case .consumerGroups: return .names(groups)
        case .isrChangeNotifications:
            return .isrChangeNotifications(isrChangeNotifications.keys.sorted().map { ($0, isrChangeNotifications[$0]) })
        case .createPartitionStates(let creations):
            return .created(creations.map { creation in
                guard states[creation.partition] == nil else { return (creation.partition, nil) }
                states[creation.partition] = creation.state
                writes += 1
                return (creation.partition, creation.state)
            })
        case .updatePartitionStates(let updates):
            return .updated(updates.map { update in
                let partition = update.partition
                if let isr = isrChangesBeforeNextWrite.removeValue(forKey: partition), var current = states[partition] {
                    current.leaderAndIsr.isr = isr
                    current.leaderAndIsr.zkVersion += 1
                    states[partition] = current
                }
                guard let current = states[partition] else { return (partition, .noNode) }
                guard current.leaderAndIsr.zkVersion == update.leaderAndIsr.zkVersion else { return (partition, .badVersion) }
                var written = update.leaderAndIsr
                written.zkVersion += 1
                states[partition] = LeaderIsrAndControllerEpoch(written, controllerEpoch: machine.epoch)
                writes += 1
                writeOrder.append(partition)
                return (partition, .updated(zkVersion: written.zkVersion))
            })
        case .setTopicAssignment(let node):
            topics[node.topic] = node
            return .done
        case .reassignPartitions: return .reassignPartitions(.success(reassignPartitions))
        case .setReassignPartitions(let reassignments):
            reassignPartitions = reassignments.isEmpty ? nil : reassignments
            return .done
        case .deleteRecursively(let paths):
            deletedPaths += paths
            for path in paths {
                if path.hasPrefix(ZkPaths.isrChangeNotification + "/") {
                    isrChangeNotifications[String(path.dropFirst(ZkPaths.isrChangeNotification.count + 1))] = nil
                }
                for topic in topics.keys where path == ZkPaths.topic(topic) {
                    topics[topic] = nil
                    states = states.filter { $0.key.topic != topic }
                }
                for topic in deletions where path == ZkPaths.deleteTopic(topic) { deletions.remove(topic) }
            }
            return .done
        }
    }
}

extension [ControllerAction] {
    /// The requests sent to `broker`, in order.
    func sent(to broker: Int32) -> [ControllerRequest] {
        compactMap { if case .send(let request, broker) = $0 { request } else { nil } }
    }

    /// The partition states of the LeaderAndIsr requests sent to `broker`.
    func leaderAndIsr(to broker: Int32) -> [PartitionState] {
        sent(to: broker).flatMap { request -> [PartitionState] in
            if case .leaderAndIsr(let partitions, _) = request { partitions } else { [] }
        }
    }

    func updateMetadata(to broker: Int32) -> [[PartitionState]] {
        sent(to: broker).compactMap { if case .updateMetadata(let partitions, _) = $0 { partitions } else { nil } }
    }

    func stopReplica(to broker: Int32) -> [(partitions: [TopicPartition], delete: Bool)] {
        sent(to: broker).compactMap { if case .stopReplica(let partitions, let delete) = $0 { (partitions, delete) } else { nil } }
    }

    func logs(_ level: Logger.Level) -> [String] {
        compactMap { if case .log(level, let message) = $0 { message } else { nil } }
    }

    var zooKeeperRequests: [ControllerZkRequest] { compactMap { if case .zooKeeper(let request) = $0 { request } else { nil } } }
}
