import KafkaProtocol

/// A broker's controlled shutdown (Kafka's `KafkaController.doControlledShutdown`): before it stops, the partitions
/// it leads get new leaders from the rest of their ISR, and it leaves the ISRs it is in, so clients move on at once
/// instead of waiting for its session to expire. Partitions with one replica stay: nobody else can lead them.
extension ControllerStateMachine {
    mutating func processControlledShutdown(brokerId: Int32, brokerEpoch: Int64, reply: ControllerReplyID) {
        guard let live = context.liveBrokers[brokerId] else {
            log(.warning, "Controlled shutdown of broker \(brokerId) refused: it is not registered (BROKER_NOT_AVAILABLE)")
            emit(.reply(reply, .controlledShutdown(.failed(.brokerNotAvailable))))
            return
        }
        // Kafka refuses only older epochs (and skips -1, v0/v1's "unknown"). Gregor wants the registration the
        // controller knows exactly: marking a broker as shutting down takes every leadership off it until it
        // registers again, and an epoch is the one thing a client cannot guess. A broker that registered again
        // before the controller saw it is refused too, and asks again after its backoff.
        if brokerEpoch != live.epoch {
            log(.warning,
                "Controlled shutdown of broker \(brokerId) refused: epoch \(brokerEpoch) is not its registration's \(live.epoch) (STALE_BROKER_EPOCH)")
            emit(.reply(reply, .controlledShutdown(.failed(.staleBrokerEpoch))))
            return
        }
        context.shuttingDownBrokerIds.insert(brokerId)
        log(.info,
            "Shutting down broker \(brokerId); live brokers: \(Self.list(context.liveBrokerIds.subtracting(context.shuttingDownBrokerIds).sorted())), shutting down: \(Self.list(context.shuttingDownBrokerIds.sorted()))")
        let toActOn = context.allPartitions.filter { partition in
            context.replicas(partition).contains(brokerId) && context.replicas(partition).count > 1
                && context.leadership[partition] != nil && !context.isTopicQueuedForDeletion(partition.topic)
        }
        let led = toActOn.filter { context.leadership[$0]?.leaderAndIsr.leader == brokerId }
        let followed = toActOn.filter { context.leadership[$0]?.leaderAndIsr.leader != brokerId }
        log(.info,
            "Controlled shutdown of broker \(brokerId): moving the leadership of \(led.count) partition(s), taking it out of the ISR of \(followed.count) more")
        push(.electLeaders(LeaderElection(partitions: led, strategy: .controlledShutdown)), .sendRequests,
             .stopReplicasOfShuttingDownBroker(brokerId, followed + led),
             .replicaStateChange(followed.map { PartitionAndReplica(partition: $0, replica: brokerId) }, to: .offline),
             .completeControlledShutdown(brokerId, reply: reply))
    }

    /// StopReplica (without deletion) to the stopping broker for the partitions it follows, before they leave the
    /// ISRs, so its fetchers stop (Kafka sends these first); and for those it led and no longer leads, so that it
    /// does not fetch its way back into an ISR in the moment before it stops. Partitions it still leads stay.
    mutating func stopReplicasOfShuttingDownBroker(_ brokerId: Int32, _ partitions: [TopicPartition]) {
        let stopping = partitions.filter { context.leadership[$0]?.leaderAndIsr.leader != brokerId }
        for partition in stopping { batch.addStopReplica(brokers: [brokerId], partition: partition, delete: false) }
        sendRequestsToBrokers()
    }

    /// The answer: the replicated partitions the broker still leads (those whose ISR had nobody else to take over).
    mutating func completeControlledShutdown(_ brokerId: Int32, reply: ControllerReplyID) {
        let remaining = context.leadership.filter { partition, state in
            state.leaderAndIsr.leader == brokerId && context.replicas(partition).count > 1
                && !context.isTopicQueuedForDeletion(partition.topic)
        }.keys.sorted()
        if remaining.isEmpty {
            log(.info, "Controlled shutdown of broker \(brokerId): it leads no replicated partition any more")
        } else {
            log(.info,
                "Controlled shutdown of broker \(brokerId): it still leads \(remaining.count) partition(s) with no other ISR member to take over: \(Self.list(remaining.prefix(20)))\(remaining.count > 20 ? ",..." : "")")
        }
        emit(.reply(reply, .controlledShutdown(.completed(remaining: remaining))))
    }
}
