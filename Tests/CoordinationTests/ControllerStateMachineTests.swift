import KafkaProtocol
import Testing
@testable import Coordination

/// The controller's transitions, event by event, without ZooKeeper (`ControllerStateMachineDriver` holds the data).
@Suite("Controller state machine")
struct ControllerStateMachineTests {
    /// Brokers 1-3 and topic t with partitions 0 [1,2,3] (led by 1) and 1 [2,3,1] (led by 2), all in sync.
    private func cluster(config: ControllerConfig = ControllerConfig()) -> ControllerStateMachineDriver {
        var driver = ControllerStateMachineDriver(config: config)
        for id: Int32 in 1...3 { driver.addBroker(id) }
        driver.addTopic("t", [[1, 2, 3], [2, 3, 1]])
        driver.setState("t", 0, leader: 1, isr: [1, 2, 3])
        driver.setState("t", 1, leader: 2, isr: [2, 3, 1])
        return driver
    }

    private func failedOver(config: ControllerConfig = ControllerConfig()) -> ControllerStateMachineDriver {
        var driver = cluster(config: config)
        driver.process(.startup)
        _ = driver.take()
        return driver
    }

    // MARK: failover

    @Test func failoverTellsEveryBrokerEverythingBeforeLeaderAndIsr() throws {
        var driver = cluster()
        driver.process(.startup)
        let actions = driver.take()
        #expect(driver.machine.isIdle)
        #expect(actions.contains(.connect(driver.brokers[1]!)))
        #expect(actions.contains(.watchTopic("t")))
        for broker: Int32 in 1...3 {
            let sent = actions.sent(to: broker)
            // UpdateMetadata with both partitions first, then LeaderAndIsr for the broker's replicas.
            guard case .updateMetadata(let partitions, let live)? = sent.first else {
                Issue.record("broker \(broker) got \(sent) first")
                continue
            }
            #expect(partitions.map(\.partition) == [0, 1])
            #expect(live.map(\.id) == [1, 2, 3])
            #expect(Set(actions.leaderAndIsr(to: broker).map(\.partition)) == [0, 1])
        }
        #expect(driver.writes == 0, "nothing to elect: every leader is alive")
        #expect(driver.machine.context.partitionState(TopicPartition("t", 0)) == .online)
        #expect(actions.logs(.info).last?.hasPrefix("Handling") == false)
    }

    @Test func failoverElectsForPartitionsWhoseLeaderDiedWhileThereWasNoController() throws {
        var driver = cluster()
        driver.brokers[1] = nil
        driver.process(.startup)
        let actions = driver.take()
        // t-0's leader 1 is gone: 2 (the first live ISR member in assignment order) leads t-0 with the live ISR, in
        // one write; then 1 leaves t-1's ISR. The election comes first, so no partition waits for the ISR removals.
        let t0 = try #require(driver.state("t", 0))
        #expect(t0.leader == 2)
        #expect(t0.isr == [2, 3])
        #expect(t0.leaderEpoch == 1, "the election's write alone: 1 was no longer in the ISR when it went offline")
        let t1 = try #require(driver.state("t", 1))
        #expect(t1.isr == [2, 3])
        #expect(t1.leaderEpoch == 1)
        #expect(driver.writes == 2)
        #expect(driver.writeOrder == [TopicPartition("t", 0), TopicPartition("t", 1)], "the election before the ISR removal")
        #expect(actions.leaderAndIsr(to: 3).contains { $0.partition == 0 && $0.leader == 2 })
        #expect(actions.sent(to: 1).isEmpty, "nothing goes to a dead broker")
        #expect(driver.machine.context.replicaState(PartitionAndReplica(partition: TopicPartition("t", 0), replica: 1)) == .offline)
    }

    @Test func aFailedFailoverEndsTheTerm() {
        var driver = cluster()
        driver.failing = { if case .allTopics = $0 { true } else { false } }
        driver.process(.startup)
        let actions = driver.take()
        #expect(actions.contains { if case .endTerm = $0 { true } else { false } })
        #expect(driver.machine.isIdle)
    }

    @Test func oneMalformedTopicDoesNotKeepTheOthersWithoutLeadersAtFailover() throws {
        var driver = cluster()
        driver.addTopic("bad", [[1]])
        driver.malformedTopics = ["bad"]
        driver.malformedStates = [TopicPartition("t", 1)]
        driver.brokers[2] = nil
        driver.process(.startup)
        let actions = driver.take()
        #expect(!actions.contains { if case .endTerm = $0 { true } else { false } })
        #expect(actions.logs(.error).contains { $0.contains("Ignoring topic bad") })
        #expect(try #require(driver.state("t", 0)).isr == [1, 3], "t-0 is handled although t-1's state is unreadable")
    }

    // MARK: brokers

    @Test func leaderDeathElectsTheFirstLiveInSyncReplica() throws {
        var driver = failedOver()
        driver.brokers[2] = nil
        driver.process(.brokerChange)
        let actions = driver.take()
        #expect(actions.contains(.disconnect(2)))
        let t1 = try #require(driver.state("t", 1))
        #expect(t1.leader == 3)
        #expect(t1.isr == [3, 1])
        #expect(try #require(driver.state("t", 0)) == LeaderAndIsr(leader: 1, leaderEpoch: 1, isr: [1, 3], zkVersion: 1),
                "a follower's death shrinks the ISR with a new leader epoch, same leader")
        // The surviving replicas learn both partitions' new states.
        for broker: Int32 in [1, 3] {
            let states = actions.leaderAndIsr(to: broker)
            #expect(states.contains { $0.partition == 1 && $0.leader == 3 && $0.isr == [3, 1] })
            #expect(states.contains { $0.partition == 0 && $0.leader == 1 && $0.isr == [1, 3] })
        }
        #expect(actions.sent(to: 2).isEmpty)
        #expect(driver.machine.context.liveBrokerIds == [1, 3])
    }

    @Test func aLeaderChangingTheIsrMeanwhileIsReadAgain() throws {
        var driver = failedOver()
        driver.brokers[2] = nil
        // t-0's leader shrinks its ISR to [1] just before the controller's write: the controller re-reads and writes
        // on top of that state, not the one it read first.
        driver.isrChangesBeforeNextWrite[TopicPartition("t", 0)] = [1, 2]
        driver.process(.brokerChange)
        let t0 = try #require(driver.state("t", 0))
        #expect(t0.isr == [1])
        #expect(t0.zkVersion == 2)
        #expect(driver.machine.context.leadership[TopicPartition("t", 0)]?.leaderAndIsr == t0)
    }

    @Test func anElectionDecidedFromAStaleStateIsDecidedAgainFromZooKeeper() throws {
        var driver = failedOver()
        driver.brokers[1] = nil
        // Before dying, t-0's leader 1 took 2 out of the ISR; the controller has not read that yet. The first round
        // decides from the cached ISR [1, 2, 3] (leader 2), the write fails on the zkVersion, and the second round
        // reads [1, 3] and elects 3: never a leader from outside the ISR.
        driver.isrChangesBeforeNextWrite[TopicPartition("t", 0)] = [1, 3]
        driver.process(.brokerChange)
        let t0 = try #require(driver.state("t", 0))
        #expect(t0.leader == 3)
        #expect(t0.isr == [3])
        #expect(driver.machine.context.leadership[TopicPartition("t", 0)]?.leaderAndIsr == t0)
        #expect(driver.take().leaderAndIsr(to: 2).allSatisfy { !($0.partition == 0 && $0.leader == 2) })
    }

    @Test func withoutALiveIsrMemberThePartitionStaysOfflineUnlessTheTopicAllowsUncleanElection() throws {
        var driver = cluster()
        for topic in ["u", "s", "m"] {
            driver.addTopic(topic, [[1, 2]])
            driver.setState(topic, 0, leader: 1, isr: [1])
        }
        driver.topicConfigs["u"] = ["unclean.leader.election.enable": "true"]
        driver.malformedConfigs = ["m"]
        driver.process(.startup)
        _ = driver.take()
        driver.brokers[1] = nil
        driver.process(.brokerChange)
        let actions = driver.take()
        #expect(try #require(driver.state("u", 0)).leader == 2)
        #expect(try #require(driver.state("u", 0)).isr == [2])
        #expect(actions.logs(.warning).contains { $0.hasPrefix("Unclean leader election for partition u-0") })
        #expect(try #require(driver.state("s", 0)).leader == LeaderAndIsr.noLeader)
        #expect(try #require(driver.state("s", 0)).isr == [1], "the last in-sync replica stays in the ISR")
        #expect(try #require(driver.state("m", 0)).leader == LeaderAndIsr.noLeader, "an unreadable override is not a yes")
        #expect(driver.machine.context.partitionState(TopicPartition("s", 0)) == .offline)

        // The last in-sync replica returns and leads again.
        driver.addBroker(1, epoch: 2)
        driver.process(.brokerChange)
        #expect(try #require(driver.state("s", 0)).leader == 1)
        #expect(driver.machine.context.partitionState(TopicPartition("s", 0)) == .online)
    }

    @Test func aBrokerThatReRegisteredUnseenIsTreatedAsDeadThenBack() throws {
        var driver = failedOver()
        driver.addBroker(2, epoch: 7)
        driver.process(.brokerChange)
        let actions = driver.take()
        let disconnect = try #require(actions.firstIndex(of: .disconnect(2)))
        let connect = try #require(actions.firstIndex(of: .connect(driver.brokers[2]!)))
        #expect(disconnect < connect)
        // It led t-1: another leader took over while it was "dead", and it got its replicas' states again.
        #expect(try #require(driver.state("t", 1)).leader == 3)
        #expect(Set(actions.leaderAndIsr(to: 2).map(\.partition)) == [0, 1])
        #expect(driver.machine.context.liveBrokers[2]?.epoch == 7)
    }

    @Test func aReplicaOnAFailedLogDirectoryGoesOfflineAndAnotherReplicaLeads() throws {
        var driver = failedOver()
        let t0 = TopicPartition("t", 0)
        driver.process(.leaderAndIsrResponse(broker: 1, brokerEpoch: 0, errors: [t0: .kafkaStorageError]))
        #expect(driver.take().isEmpty, "an answer from an earlier session of the broker is ignored")

        driver.process(.leaderAndIsrResponse(broker: 1, brokerEpoch: 1, errors: [t0: .kafkaStorageError, TopicPartition("t", 1): .noError]))
        let actions = driver.take()
        #expect(try #require(driver.state("t", 0)).leader == 2)
        #expect(try #require(driver.state("t", 0)).isr == [2, 3])
        #expect(try #require(driver.state("t", 1)).isr == [2, 3, 1], "broker 1's other replica is untouched")
        #expect(actions.stopReplica(to: 1).contains { !$0.delete && $0.partitions == [t0] })
        #expect(actions.leaderAndIsr(to: 3).contains { $0.partition == 0 && $0.leader == 2 })
        #expect(actions.updateMetadata(to: 2).last?.first { $0.partition == 0 }?.offlineReplicas == [1])
        #expect(driver.machine.context.partitionState(t0) == .online)

        // The same answer again changes nothing; a restart of the broker brings its directories back.
        driver.process(.leaderAndIsrResponse(broker: 1, brokerEpoch: 1, errors: [t0: .kafkaStorageError]))
        #expect(driver.take().zooKeeperRequests.isEmpty)
        driver.addBroker(1, epoch: 2)
        driver.process(.brokerChange)
        #expect(driver.machine.context.isReplicaOnline(1, t0))
        #expect(driver.take().leaderAndIsr(to: 1).contains { $0.partition == 0 && $0.leader == 2 })
    }

    // MARK: topics

    @Test func newTopicsGetStateZNodesWithTheFirstLiveReplicaAsLeader() throws {
        var driver = failedOver()
        driver.brokers[1] = nil
        driver.process(.brokerChange)
        _ = driver.take()
        driver.addTopic("n", [[1, 2, 3], [3, 1, 2]])
        driver.addTopic("bad", [[1]])
        driver.malformedTopics = ["bad"]
        driver.process(.topicChange)
        let actions = driver.take()
        #expect(actions.contains(.watchTopic("n")))
        #expect(try #require(driver.state("n", 0)) == LeaderAndIsr(leader: 2, isr: [2, 3]))
        #expect(try #require(driver.state("n", 1)) == LeaderAndIsr(leader: 3, isr: [3, 2]))
        let toTwo = actions.leaderAndIsr(to: 2).filter { $0.topic == "n" }
        #expect(toTwo.count == 2)
        #expect(toTwo.allSatisfy { $0.isNew })
        #expect(actions.logs(.error).contains { $0.contains("Ignoring new topic bad") })
    }

    @Test func addedPartitionsComeOnlineAndATopicBeingDeletedKeepsItsAssignment() throws {
        var driver = failedOver()
        driver.addTopic("t", [[1, 2, 3], [2, 3, 1], [3, 1, 2]])
        driver.process(.partitionModifications(topic: "t"))
        #expect(try #require(driver.state("t", 2)).leader == 3)

        driver.addTopic("t", [[1, 2, 3], [2, 3, 1], [3, 1, 2], [1, 3, 2]])
        driver.machine.context.topicsToBeDeleted = ["t"]  // as if a deletion were under way
        driver.process(.partitionModifications(topic: "t"))
        #expect(driver.state("t", 3) == nil)
        #expect(driver.topics["t"]?.partitions.count == 3, "the assignment the controller knows is put back")
    }

    @Test func deletingATopicStopsAndDeletesEveryReplicaThenItsZNodes() throws {
        var driver = failedOver()
        driver.groups = ["g"]
        driver.deletions = ["t", "ghost"]
        driver.process(.topicDeletion)
        let actions = driver.take()
        #expect(driver.deletedPaths == [ZkPaths.deleteTopic("ghost")])
        for broker: Int32 in 1...3 {
            let metadata = try #require(actions.updateMetadata(to: broker).last)
            #expect(metadata.allSatisfy { $0.leader == LeaderAndIsr.leaderDuringDelete })
            #expect(actions.stopReplica(to: broker).contains { $0.delete && Set($0.partitions.map(\.partition)) == [0, 1] })
        }
        // Broker 3 fails one partition: the topic waits; then it answers both, and the topic goes.
        for broker: Int32 in [1, 2] {
            driver.process(.topicDeletionStopReplicaResponse(
                broker: broker, partitions: [TopicPartition("t", 0), TopicPartition("t", 1)],
                errors: [TopicPartition("t", 0): .noError, TopicPartition("t", 1): .noError]))
        }
        driver.process(.topicDeletionStopReplicaResponse(
            broker: 3, partitions: [TopicPartition("t", 0), TopicPartition("t", 1)],
            errors: [TopicPartition("t", 0): .noError, TopicPartition("t", 1): .kafkaStorageError]))
        // As in Kafka, the topic's deletion halts until a broker with its replicas starts again.
        #expect(driver.topics["t"] != nil)
        #expect(driver.machine.context.topicsIneligibleForDeletion == ["t"])
        #expect(!driver.take().stopReplica(to: 3).contains { $0.delete })
        driver.addBroker(3, epoch: 2)
        driver.process(.brokerChange)
        #expect(driver.take().stopReplica(to: 3).contains { $0.delete && $0.partitions == [TopicPartition("t", 1)] },
                "the failed replica's deletion is started again, and only that one")
        driver.process(.topicDeletionStopReplicaResponse(
            broker: 3, partitions: [TopicPartition("t", 1)], errors: [TopicPartition("t", 1): .noError]))
        #expect(driver.topics["t"] == nil)
        #expect(driver.deletedPaths.contains(ZkPaths.consumerOffsets(group: "g", topic: "t")))
        #expect(driver.deletedPaths.contains(ZkPaths.topicConfig("t")))
        #expect(driver.machine.context.allTopics.isEmpty)
        #expect(driver.machine.context.topicsToBeDeleted.isEmpty)
        #expect(driver.take().contains(.unwatchTopic("t")))
    }

    @Test func deletionRequestsAreDroppedWhenDeletionIsDisabled() {
        var driver = failedOver(config: ControllerConfig(deleteTopicEnable: false))
        driver.deletions = ["t"]
        driver.process(.topicDeletion)
        #expect(driver.deletedPaths == [ZkPaths.deleteTopic("t")])
        #expect(driver.topics["t"] != nil)
        #expect(driver.take().stopReplica(to: 1).isEmpty)
    }

    // MARK: ISR change notifications

    @Test func isrChangeNotificationsAreReadPropagatedAndDeleted() throws {
        var driver = failedOver()
        driver.setState("t", 0, leader: 1, isr: [1, 2], zkVersion: 1)
        driver.isrChangeNotifications["isr_change_0000000001"] = IsrChangeNotification.encode([("t", 0), ("gone", 0)])
        driver.isrChangeNotifications["isr_change_0000000002"] = Array("not json".utf8)
        driver.process(.isrChangeNotification)
        let actions = driver.take()
        #expect(driver.isrChangeNotifications.isEmpty)
        #expect(driver.machine.context.leadership[TopicPartition("t", 0)]?.leaderAndIsr.isr == [1, 2])
        #expect(actions.logs(.warning).contains { $0.contains("isr_change_0000000002") })
        for broker: Int32 in 1...3 {
            #expect(actions.updateMetadata(to: broker).last?.map(\.partition) == [0])
            #expect(actions.updateMetadata(to: broker).last?.first?.isr == [1, 2])
        }
    }

    // MARK: fencing

    @Test func aStateWrittenByANewerControllerIsLeftAlone() throws {
        var driver = failedOver()
        driver.setState("t", 1, leader: 2, epoch: 3, isr: [2, 3, 1], controllerEpoch: 9, zkVersion: 4)
        driver.brokers[2] = nil
        driver.process(.brokerChange)
        let actions = driver.take()
        #expect(try #require(driver.state("t", 1)).leaderEpoch == 3)
        #expect(actions.logs(.error).contains { $0.contains("another controller with epoch 9") })
        #expect(try #require(driver.state("t", 0)).isr == [1, 3], "other partitions are still handled")
    }

    @Test func aFailedRequestDropsTheRestOfTheEventButNotTheController() throws {
        var driver = failedOver()
        driver.failing = { if case .updatePartitionStates = $0 { true } else { false } }
        driver.brokers[2] = nil
        driver.process(.brokerChange)
        let actions = driver.take()
        #expect(actions.logs(.error).contains { $0.hasPrefix("Error processing controller event brokerChange") })
        #expect(!actions.contains { if case .endTerm = $0 { true } else { false } })
        #expect(driver.machine.isIdle)
        driver.failing = { _ in false }
        driver.addBroker(4)
        driver.process(.brokerChange)
        #expect(driver.machine.context.liveBrokerIds == [1, 3, 4])
    }
}
