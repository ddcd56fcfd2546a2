import KafkaProtocol
import Logging

/// The controller's decisions, without I/O (Kafka's `KafkaController` with its partition and replica state
/// machines and `TopicDeletionManager`): it takes one event at a time, and returns actions for its driver
/// (`ActiveController`) to perform. Where a decision needs ZooKeeper (the current state of partitions, a
/// conditional write's outcome), the last action is a `.zooKeeper` request and the machine waits for its answer
/// (`resume`); the driver feeds answers back until the event is done (`isIdle`), then takes the next event.
///
/// An event's work is a stack of `Step`s, the next on top: a step may push the steps it consists of, or ask
/// ZooKeeper and name the `Continuation` that takes the answer. So Kafka's nested calls
/// (`onBrokerFailure` -> `handleStateChanges` -> `electLeaders` -> ...) keep their order, and every step that
/// changes the context is a plain function that tests drive without a ZooKeeper.
struct ControllerStateMachine {
    let controllerId: Int32
    let config: ControllerConfig
    var context: ControllerContext
    /// Requests gathered by state changes, sent at the end of each (`Step.sendRequests`).
    var batch = ControllerBrokerRequestBatch()
    /// The event's remaining work, the next step last.
    private var steps: [Step] = []
    /// Steps pushed by the step running now, in order; they go on top of `steps` when it returns.
    private var pushed: [Step] = []
    private var waiting: Continuation?
    private var event: ControllerEvent?
    private var output: [ControllerAction] = []

    /// Bound on rounds of re-reading a state znode that a leader changed meanwhile (Kafka retries without bound).
    static let conflictRetriesMax = 100

    init(controllerId: Int32, epoch: ControllerEpoch, config: ControllerConfig) {
        self.controllerId = controllerId
        self.config = config
        self.context = ControllerContext(epoch: epoch)
    }

    var epoch: Int32 { context.epoch.epoch }

    /// True when the last event is done and the next may come.
    var isIdle: Bool { waiting == nil && steps.isEmpty }

    /// Starts on `event`; only while idle.
    mutating func handle(_ event: ControllerEvent) -> [ControllerAction] {
        precondition(isIdle, "an event arrived while the controller waits for ZooKeeper")
        self.event = event
        switch event {
        case .startup: push(.failover)
        case .brokerChange: ask(.liveBrokers, then: .brokerChange)
        case .topicChange: ask(.allTopics, then: .topicChange)
        case .partitionModifications(let topic):
            if context.allTopics.contains(topic) { ask(.topicAssignments([topic]), then: .partitionModifications(topic)) }
        case .topicDeletion: ask(.topicDeletions, then: .topicDeletions)
        case .isrChangeNotification: ask(.isrChangeNotifications, then: .isrChangeNotifications)
        case .topicDeletionStopReplicaResponse(let broker, let partitions, let errors):
            processTopicDeletionStopReplicaResponse(broker: broker, partitions: partitions, errors: errors)
        case .leaderAndIsrResponse(let broker, let brokerEpoch, let errors):
            processLeaderAndIsrResponse(broker: broker, brokerEpoch: brokerEpoch, errors: errors)
        case .sessionEnded: break  // the driver ends the term
        case .controlledShutdown(let brokerId, let brokerEpoch, let reply):
            processControlledShutdown(brokerId: brokerId, brokerEpoch: brokerEpoch, reply: reply)
        case .electLeaders(let partitions, let type, let reply): processElectLeaders(partitions, type: type, reply: reply)
        case .autoPreferredReplicaLeaderElection: checkAndTriggerAutoLeaderRebalance()
        case .alterPartitionReassignments(let requested, let reply): processAlterPartitionReassignments(requested, reply: reply)
        case .listPartitionReassignments(let partitions, let reply): processListPartitionReassignments(partitions, reply: reply)
        case .zkPartitionReassignment: ask(.reassignPartitions, then: .zkReassignmentsRead)
        }
        schedulePushed()
        return run()
    }

    /// The answer to the `.zooKeeper` request that ended the last list of actions.
    mutating func resume(_ result: ControllerZkResult) -> [ControllerAction] {
        guard let continuation = waiting else { preconditionFailure("a ZooKeeper answer nobody asked for") }
        waiting = nil
        if case .failed(let reason) = result {
            abort(reason)
        } else {
            resume(continuation, with: result)
        }
        schedulePushed()
        return run()
    }

    private mutating func run() -> [ControllerAction] {
        while waiting == nil, let step = steps.popLast() {
            execute(step)
            schedulePushed()
        }
        if isIdle { event = nil }
        defer { output = [] }
        return output
    }

    /// A request failed: the rest of the event is dropped (what was decided so far is sent). A failover that did not
    /// complete ends the term: a half-initialised controller must not go on (Kafka resigns).
    private mutating func abort(_ reason: String) {
        let description = event.map { "\($0)" } ?? "?"
        // Whoever waits for this event is answered from what was decided so far.
        let replies = (pushed + steps.reversed()).filter(\.isReply)
        steps.removeAll()
        pushed.removeAll()
        log(.error, "Error processing controller event \(description): \(reason)")
        output += batch.drain(context: context)
        for step in replies { execute(step) }
        if case .startup = event { output.append(.endTerm(reason)) }
    }

    // MARK: for the steps

    /// Runs `next` after the current step (and its ZooKeeper request, if it asks one), in the order pushed, before
    /// the steps that were waiting.
    mutating func push(_ next: Step...) { push(next) }
    mutating func push(_ next: [Step]) { pushed += next }

    private mutating func schedulePushed() {
        steps += pushed.reversed()
        pushed = []
    }

    /// Asks ZooKeeper; `continuation` takes the answer. Pushed steps run after it.
    mutating func ask(_ request: ControllerZkRequest, then continuation: Continuation) {
        precondition(waiting == nil, "one ZooKeeper request at a time")
        output.append(.zooKeeper(request))
        waiting = continuation
    }

    /// The states the controller holds for all of `partitions`, shaped as a read's answer; nil when one is missing.
    /// A first round of conditional writes decides from these instead of reading them again: a state changed since
    /// fails its zkVersion check, and the next round reads.
    func heldStates(_ partitions: [TopicPartition]) -> [(TopicPartition, Result<LeaderIsrAndControllerEpoch?, ZkDataError>)]? {
        var held: [(TopicPartition, Result<LeaderIsrAndControllerEpoch?, ZkDataError>)] = []
        held.reserveCapacity(partitions.count)
        for partition in partitions {
            guard let state = context.leadership[partition] else { return nil }
            held.append((partition, .success(state)))
        }
        return held
    }

    mutating func emit(_ action: ControllerAction) { output.append(action) }
    mutating func log(_ level: Logger.Level, _ message: String) { output.append(.log(level, message)) }

    /// Sends everything gathered in `batch` (Kafka's `sendRequestsToBrokers`).
    mutating func sendRequestsToBrokers() { output += batch.drain(context: context) }

    /// UpdateMetadata for `partitions` to `brokers` (an empty list still tells them the live brokers).
    mutating func sendUpdateMetadataRequest(brokers: some Sequence<Int32>, partitions: some Sequence<TopicPartition>) {
        batch.addUpdateMetadata(brokers: brokers, partitions: partitions, context: context)
        sendRequestsToBrokers()
    }

    /// A ZooKeeper answer of another kind than asked: the driver is wrong; the event stops.
    mutating func unexpected(_ result: ControllerZkResult, for continuation: Continuation) {
        abort("unexpected ZooKeeper answer \(result) for \(continuation)")
    }

    static func list(_ ids: some Sequence<Int32>) -> String { ids.map(String.init).joined(separator: ",") }
    static func list(_ items: some Sequence<some CustomStringConvertible>) -> String {
        items.map(\.description).joined(separator: ",")
    }

    // MARK: dispatch

    private mutating func execute(_ step: Step) {
        switch step {
        case .failover: onControllerFailover()
        case .deleteIsrChangeNotifications: ask(.isrChangeNotifications, then: .deleteIsrChangeNotifications)
        case .initializeControllerContext: ask(.liveBrokers, then: .initialBrokers)
        case .initializeTopicDeletion: ask(.topicDeletions, then: .initialTopicDeletions)
        case .startStateMachines: startStateMachines()
        case .partitionStateMachineStartup: partitionStateMachineStartup()
        case .log(let level, let message): log(level, message)
        case .brokersJoined(let brokers): onBrokerStartup(brokers)
        case .brokersLeft(let ids): onBrokerFailure(ids)
        case .replicasBecomeOffline(let replicas): onReplicasBecomeOffline(replicas)
        case .newPartitionCreation(let partitions): onNewPartitionCreation(partitions)
        case .partitionStateChange(let partitions, let target): handlePartitionStateChanges(partitions, to: target)
        case .triggerOnlinePartitionStateChange: triggerOnlinePartitionStateChange()
        case .initializeLeaderAndIsr(let partitions): initializeLeaderAndIsr(partitions)
        case .electLeaders(let election): electLeaders(election)
        case .replicaStateChange(let replicas, let target): handleReplicaStateChanges(replicas, to: target)
        case .takeOffline(let removal): takeOffline(removal)
        case .readLeadership(let partitions):
            if !partitions.isEmpty { ask(.partitionStates(partitions), then: .leadershipRead) }
        case .updateMetadata(let brokers, let partitions):
            sendUpdateMetadataRequest(brokers: brokers ?? context.liveBrokerIds, partitions: partitions)
        case .sendRequests: sendRequestsToBrokers()
        case .deletePaths(let paths): if !paths.isEmpty { ask(.deleteRecursively(paths), then: .ignore) }
        case .resumeDeletions: resumeDeletions()
        case .resumeDeletion(let topics): resumeDeletion(forTopics: topics)
        case .failReplicaDeletion(let replicas): failReplicaDeletion(replicas)
        case .completeReplicaDeletion(let replicas): completeReplicaDeletion(replicas)
        case .markTopicsIneligibleForDeletion(let topics, let reason): markTopicIneligibleForDeletion(topics, reason: reason)
        case .onTopicDeletion(let topics): onTopicDeletion(topics)
        case .onPartitionDeletion(let topics): onPartitionDeletion(topics)
        case .completeDeleteTopic(let topic): completeDeleteTopic(topic)
        case .stopReplicasOfShuttingDownBroker(let broker, let partitions): stopReplicasOfShuttingDownBroker(broker, partitions)
        case .completeControlledShutdown(let broker, let reply): completeControlledShutdown(broker, reply: reply)
        case .completeElectLeaders(let answered, let elected, let type, let reply):
            completeElectLeaders(answered, elected, type, reply: reply)
        case .answer(let reply, let answer): emit(.reply(reply, answer))
        case .startReassignments(let reassignments): startReassignments(reassignments)
        case .removeZkReassignments(let partitions): removeZkReassignments(partitions)
        case .updateReassignmentAssignment(let partition, let assignment): updateReassignmentAssignment(partition, assignment)
        case .continueReassignment(let partition): continueReassignment(partition)
        case .checkReassignmentsComplete(let partitions): checkReassignmentsComplete(partitions)
        case .removeUnavailableReplicasFromIsr(let partitions): removeUnavailableReplicasFromIsr(partitions)
        case .completeReassignment(let partition): completeReassignment(partition)
        case .removeReassignedReplicas(let partition, let brokers): removeReassignedReplicas(partition, brokers)
        case .finishReassignment(let partition): finishReassignment(partition)
        case .resumeReassignments: resumeReassignments()
        }
    }

    private mutating func resume(_ continuation: Continuation, with result: ControllerZkResult) {
        switch (continuation, result) {
        case (.ignore, _): break
        case (.deleteIsrChangeNotifications, .isrChangeNotifications(let notifications)):
            push(.deletePaths(notifications.map { ZkPaths.isrChangeNotification + "/" + $0.name }))
        case (.initialBrokers, .liveBrokers(let brokers)): initialBrokersRead(brokers)
        case (.initialTopics, .names(let topics)): initialTopicsRead(topics)
        case (.initialAssignments, .topicAssignments(let reads)): initialAssignmentsRead(reads)
        case (.initialTopicDeletions, .names(let topics)): initializeTopicDeletion(Set(topics))
        case (.leadershipRead, .partitionStates(let reads)): updateLeaderAndIsrCache(reads)
        case (.isrChangeNotifications, .isrChangeNotifications(let notifications)): processIsrChangeNotification(notifications)
        case (.brokerChange, .liveBrokers(let brokers)): processBrokerChange(brokers)
        case (.topicChange, .names(let topics)): processTopicChange(topics)
        case (.newTopicAssignments(let added, let deleted), .topicAssignments(let reads)):
            newTopicAssignmentsRead(reads, added: added, deleted: deleted)
        case (.partitionModifications(let topic), .topicAssignments(let reads)): processPartitionModifications(topic, reads)
        case (.topicDeletions, .names(let topics)): processTopicDeletion(Set(topics))
        case (.partitionStatesCreated, .created(let results)): partitionStatesCreated(results)
        case (.electionStatesRead(let election), .partitionStates(let reads)): electionStatesRead(election, reads)
        case (.electionConfigsRead(let election, let states), .topicConfigs(let configs)):
            electionConfigsRead(election, states, configs)
        case (.electionWritten(let election, let elections), .updated(let outcomes)):
            electionWritten(election, elections, outcomes)
        case (.isrRemovalRead(let removal), .partitionStates(let reads)): isrRemovalRead(removal, reads)
        case (.isrRemovalWritten(let removal, let writes), .updated(let outcomes)): isrRemovalWritten(removal, writes, outcomes)
        case (.topicZNodesDeleted(let topic), .done): ask(.consumerGroups, then: .consumerGroups(topic))
        case (.consumerGroups(let topic), .names(let groups)): deleteCommittedOffsets(topic, groups: groups)
        case (.topicDeleted(let topic), .done): topicDeleted(topic)
        case (.zkReassignmentsRead, .reassignPartitions(let read)): zkReassignmentsRead(read)
        case (.reassignmentTopicRead(let partition, let assignment), .topicAssignments(let reads)):
            reassignmentTopicRead(partition, assignment, reads)
        case (.reassignmentAssignmentWritten(let partition, let assignment), .done):
            reassignmentAssignmentWritten(partition, assignment)
        case (.reassignmentIsrRead(let partition), .partitionStates(let reads)): reassignmentIsrRead(partition, reads)
        case (.reassignmentFinalTopicRead(let partition), .topicAssignments(let reads)): reassignmentFinalTopicRead(partition, reads)
        case (.reassignmentFinished(let partition), .done): reassignmentFinished(partition)
        default: unexpected(result, for: continuation)
        }
    }
}

extension ControllerStateMachine {
    /// A unit of an event's work (one of Kafka's controller methods, with its arguments).
    enum Step {
        case failover
        case deleteIsrChangeNotifications
        case initializeControllerContext
        case initializeTopicDeletion
        case startStateMachines
        case partitionStateMachineStartup
        case log(Logger.Level, String)
        case brokersJoined([BrokerAndEpoch])
        case brokersLeft([Int32])
        case replicasBecomeOffline([PartitionAndReplica])
        case newPartitionCreation([TopicPartition])
        case partitionStateChange([TopicPartition], to: PartitionLifecycle)
        case triggerOnlinePartitionStateChange
        case initializeLeaderAndIsr([TopicPartition])
        case electLeaders(LeaderElection)
        case replicaStateChange([PartitionAndReplica], to: ReplicaLifecycle)
        case takeOffline(IsrRemoval)
        /// Re-reads these partitions' state znodes into the context.
        case readLeadership([TopicPartition])
        /// UpdateMetadata; nil brokers = every live broker at that point.
        case updateMetadata(brokers: Set<Int32>?, partitions: [TopicPartition])
        case sendRequests
        case deletePaths([String])
        case resumeDeletions
        case resumeDeletion(Set<String>)
        case failReplicaDeletion([PartitionAndReplica])
        case completeReplicaDeletion([PartitionAndReplica])
        case markTopicsIneligibleForDeletion(Set<String>, reason: String)
        case onTopicDeletion([String])
        case onPartitionDeletion([String])
        case completeDeleteTopic(String)
        case stopReplicasOfShuttingDownBroker(Int32, [TopicPartition])
        /// Answers the broker with the partitions it still leads.
        case completeControlledShutdown(Int32, reply: ControllerReplyID)
        /// Answers ElectLeaders: the results known before the election, and the partitions elected.
        case completeElectLeaders([TopicPartition: ElectionOutcome], [TopicPartition], ElectionType, reply: ControllerReplyID)
        /// Answers a request with what was decided before.
        case answer(ControllerReplyID, ControllerReply)
        case startReassignments([(TopicPartition, PartitionReplicas)])
        case removeZkReassignments(Set<TopicPartition>)
        case updateReassignmentAssignment(TopicPartition, PartitionReplicas)
        case continueReassignment(TopicPartition)
        case checkReassignmentsComplete([TopicPartition])
        case removeUnavailableReplicasFromIsr([TopicPartition])
        case completeReassignment(TopicPartition)
        case removeReassignedReplicas(TopicPartition, [Int32])
        case finishReassignment(TopicPartition)
        case resumeReassignments

        /// Steps that answer a waiting request, and so run even when the event is aborted.
        var isReply: Bool {
            switch self {
            case .completeControlledShutdown, .completeElectLeaders, .answer: true
            default: false
            }
        }
    }

    /// What takes the answer to a ZooKeeper request, with what it needs to go on.
    enum Continuation {
        case ignore
        case deleteIsrChangeNotifications
        case initialBrokers, initialTopics, initialAssignments, initialTopicDeletions
        case leadershipRead
        case isrChangeNotifications
        case brokerChange
        case topicChange
        case newTopicAssignments(added: [String], deleted: [String])
        case partitionModifications(String)
        case topicDeletions
        case partitionStatesCreated
        case electionStatesRead(LeaderElection)
        case electionConfigsRead(LeaderElection, [(TopicPartition, LeaderIsrAndControllerEpoch)])
        case electionWritten(LeaderElection, [LeaderElection.Decision])
        case isrRemovalRead(IsrRemoval)
        case isrRemovalWritten(IsrRemoval, [PartitionStateUpdate])
        case topicZNodesDeleted(String)
        case consumerGroups(String)
        case topicDeleted(String)
        case zkReassignmentsRead
        case reassignmentTopicRead(TopicPartition, PartitionReplicas)
        case reassignmentAssignmentWritten(TopicPartition, PartitionReplicas)
        case reassignmentIsrRead(TopicPartition)
        case reassignmentFinalTopicRead(TopicPartition)
        case reassignmentFinished(TopicPartition)
    }
}
