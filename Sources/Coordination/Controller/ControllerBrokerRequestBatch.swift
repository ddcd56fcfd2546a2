import KafkaProtocol
/// The requests one round of state changes produces, gathered per broker and sent together at the end (Kafka's
/// `ControllerBrokerRequestBatch`): LeaderAndIsr first, then UpdateMetadata, then StopReplica, each broker's in
/// its own queue. Every partition put into a LeaderAndIsr also goes to every live broker in UpdateMetadata.
struct ControllerBrokerRequestBatch {
    private var leaderAndIsr: [Int32: [TopicPartition: PartitionState]] = [:]
    private var stopReplica: [Int32: [TopicPartition: Bool]] = [:]
    private var updateMetadataBrokers: Set<Int32> = []
    private var updateMetadataPartitions: [TopicPartition: PartitionState] = [:]

    var isEmpty: Bool { leaderAndIsr.isEmpty && stopReplica.isEmpty && updateMetadataBrokers.isEmpty }

    mutating func addLeaderAndIsr(
        brokers: some Sequence<Int32>, partition: TopicPartition, state: LeaderIsrAndControllerEpoch,
        isNew: Bool, context: ControllerContext
    ) {
        let replicas = context.assignment(partition) ?? PartitionReplicas([])
        for broker in brokers where broker >= 0 {
            let alreadyNew = leaderAndIsr[broker]?[partition]?.isNew ?? false
            leaderAndIsr[broker, default: [:]][partition] = PartitionState(
                topic: partition.topic, partition: partition.partition, controllerEpoch: state.controllerEpoch,
                leader: state.leaderAndIsr.leader, leaderEpoch: state.leaderAndIsr.leaderEpoch, isr: state.leaderAndIsr.isr,
                zkVersion: state.leaderAndIsr.zkVersion, replicas: replicas.replicas, addingReplicas: replicas.addingReplicas,
                removingReplicas: replicas.removingReplicas, isNew: isNew || alreadyNew)
        }
        addUpdateMetadata(brokers: context.liveBrokerIds, partitions: [partition], context: context)
    }

    /// StopReplica; `delete` stays set once any state change asked for it.
    mutating func addStopReplica(brokers: some Sequence<Int32>, partition: TopicPartition, delete: Bool) {
        for broker in brokers where broker >= 0 {
            let alreadyDelete = stopReplica[broker]?[partition] ?? false
            stopReplica[broker, default: [:]][partition] = alreadyDelete || delete
        }
    }

    /// UpdateMetadata to `brokers` carrying `partitions` (those with a leader and ISR; topics being deleted are
    /// announced with leader -2). Brokers with no partitions still learn the live brokers.
    mutating func addUpdateMetadata(
        brokers: some Sequence<Int32>, partitions: some Sequence<TopicPartition>, context: ControllerContext
    ) {
        updateMetadataBrokers.formUnion(brokers.filter { $0 >= 0 })
        for partition in partitions {
            guard let state = context.leadership[partition] else { continue }  // no leader assigned yet
            let replicas = context.replicas(partition)
            var leaderAndIsr = state.leaderAndIsr
            if context.isTopicQueuedForDeletion(partition.topic) {
                // Kafka's `LeaderAndIsr.duringDelete(isr)`.
                leaderAndIsr = LeaderAndIsr(leader: LeaderAndIsr.leaderDuringDelete, isr: leaderAndIsr.isr)
            }
            updateMetadataPartitions[partition] = PartitionState(
                topic: partition.topic, partition: partition.partition, controllerEpoch: state.controllerEpoch,
                leader: leaderAndIsr.leader, leaderEpoch: leaderAndIsr.leaderEpoch, isr: leaderAndIsr.isr,
                zkVersion: leaderAndIsr.zkVersion, replicas: replicas,
                offlineReplicas: replicas.filter { !context.isReplicaOnline($0, partition) })
        }
    }

    /// The requests for live brokers (those for dead ones are dropped, as in Kafka), in Kafka's order; empties the
    /// batch.
    mutating func drain(context: ControllerContext) -> [ControllerAction] {
        defer { self = ControllerBrokerRequestBatch() }
        var actions: [ControllerAction] = []
        for (broker, states) in leaderAndIsr.sorted(by: { $0.key < $1.key }) where context.isReplicaOnline(broker) {
            let partitions = states.keys.sorted().map { states[$0]! }
            let leaderIds = Set(partitions.map(\.leader))
            let leaders = context.sortedLiveBrokers.filter { leaderIds.contains($0.id) }
            actions.append(.send(.leaderAndIsr(partitions: partitions, leaders: leaders), to: broker))
        }
        let metadata = updateMetadataPartitions.keys.sorted().map { updateMetadataPartitions[$0]! }
        let liveBrokers = context.sortedLiveBrokers
        for broker in updateMetadataBrokers.sorted() where context.isReplicaOnline(broker) {
            actions.append(.send(.updateMetadata(partitions: metadata, liveBrokers: liveBrokers), to: broker))
        }
        for (broker, flags) in stopReplica.sorted(by: { $0.key < $1.key }) where context.isReplicaOnline(broker) {
            let deleting = flags.filter(\.value).keys.sorted()
            let stopping = flags.filter { !$0.value }.keys.sorted()
            if !stopping.isEmpty { actions.append(.send(.stopReplica(partitions: stopping, delete: false), to: broker)) }
            if !deleting.isEmpty { actions.append(.send(.stopReplica(partitions: deleting, delete: true), to: broker)) }
        }
        return actions
    }
}
