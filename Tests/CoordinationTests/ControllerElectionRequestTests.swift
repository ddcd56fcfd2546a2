import KafkaProtocol
import Testing
@testable import Coordination

/// Controlled shutdown, ElectLeaders and the auto leader rebalance, event by event without ZooKeeper.
@Suite("Controller: controlled shutdown and requested elections")
struct ControllerElectionRequestTests {
    /// Brokers 1-3 (epoch 7); topic t: 0 [1,2,3] led by 1, 1 [2,3,1] led by 2, 2 [1,3,2] led by 1 (all in sync);
    /// topic single: 0 [1] led by 1.
    private func failedOver(config: ControllerConfig = ControllerConfig()) -> ControllerStateMachineDriver {
        var driver = ControllerStateMachineDriver(config: config)
        for id: Int32 in 1...3 { driver.addBroker(id, epoch: 7) }
        driver.addTopic("t", [[1, 2, 3], [2, 3, 1], [1, 3, 2]])
        driver.setState("t", 0, leader: 1, isr: [1, 2, 3])
        driver.setState("t", 1, leader: 2, isr: [2, 3, 1])
        driver.setState("t", 2, leader: 1, isr: [1, 3, 2])
        driver.addTopic("single", [[1]])
        driver.setState("single", 0, leader: 1, isr: [1])
        driver.process(.startup)
        _ = driver.take()
        return driver
    }

    /// The broker's registration vanishes, then it registers again with a new epoch.
    private func restart(_ driver: inout ControllerStateMachineDriver, _ broker: Int32) {
        driver.brokers[broker] = nil
        driver.process(.brokerChange)
        driver.addBroker(broker, epoch: 9)
        driver.process(.brokerChange)
    }

    private func reply(_ actions: [ControllerAction], _ id: ControllerReplyID) -> ControllerReply? {
        actions.compactMap { if case .reply(id, let reply) = $0 { reply } else { nil } }.first
    }

    // MARK: controlled shutdown

    @Test func controlledShutdownMovesLeadershipAndLeavesTheIsrs() throws {
        var driver = failedOver()
        driver.process(.controlledShutdown(brokerId: 1, brokerEpoch: 7, reply: 1))
        let actions = driver.take()
        // t-0: the next ISR member in assignment order leads; broker 1 leaves the ISR in the same write.
        #expect(driver.state("t", 0) == LeaderAndIsr(leader: 2, leaderEpoch: 1, isr: [2, 3], zkVersion: 1))
        #expect(driver.state("t", 2)?.leader == 3)
        #expect(driver.state("t", 2)?.isr == [3, 2])
        // t-1: broker 1 follows; it leaves the ISR, the leader keeps leading.
        #expect(driver.state("t", 1) == LeaderAndIsr(leader: 2, leaderEpoch: 1, isr: [2, 3], zkVersion: 1))
        // single-0 has nobody else: untouched, and not reported (Kafka only counts replicated partitions).
        #expect(driver.state("single", 0)?.leader == 1)
        #expect(reply(actions, 1) == .controlledShutdown(.completed(remaining: [])))
        // The stopping broker is told it follows t-0 and t-2 now, and its replicas stop fetching.
        #expect(actions.leaderAndIsr(to: 1).filter { $0.topic == "t" }.map(\.leader).sorted() == [2, 3])
        let stopped = Set(actions.stopReplica(to: 1).filter { !$0.delete }.flatMap(\.partitions))
        #expect(stopped == [TopicPartition("t", 0), TopicPartition("t", 1), TopicPartition("t", 2)])
        // The new leaders learn it.
        #expect(actions.leaderAndIsr(to: 2).contains { $0.partition == 0 && $0.leader == 2 && $0.isr == [2, 3] })
        #expect(driver.machine.context.shuttingDownBrokerIds == [1])
    }

    @Test func aShuttingDownFollowerALeaderAddsBackIsTakenOutAgain() throws {
        var driver = failedOver()
        driver.process(.controlledShutdown(brokerId: 3, brokerEpoch: 7, reply: 1))
        _ = driver.take()
        #expect(driver.state("t", 0)?.isr == [1, 2])
        // Leader 1 saw one more fetch from broker 3 and wrote it back into t-0's ISR after the controller's removal.
        driver.setState("t", 0, leader: 1, isr: [1, 2, 3], zkVersion: 2)
        driver.isrChangeNotifications["isr_change_0000000001"] = IsrChangeNotification.encode([("t", 0)])
        driver.process(.isrChangeNotification)
        let actions = driver.take()
        #expect(driver.state("t", 0)?.isr == [1, 2])
        #expect(actions.leaderAndIsr(to: 1).contains { $0.partition == 0 && $0.isr == [1, 2] })
        #expect(actions.stopReplica(to: 3).contains { $0.partitions == [TopicPartition("t", 0)] && !$0.delete })
        #expect(actions.updateMetadata(to: 2).last?.first?.isr == [1, 2])
    }

    @Test func aDeadFollowerInAChangedIsrIsTakenOut() throws {
        var driver = failedOver()
        driver.brokers[3] = nil
        driver.process(.brokerChange)
        _ = driver.take()
        driver.setState("t", 0, leader: 1, isr: [1, 2, 3], zkVersion: 5)
        driver.isrChangeNotifications["isr_change_0000000001"] = IsrChangeNotification.encode([("t", 0)])
        driver.process(.isrChangeNotification)
        _ = driver.take()
        #expect(driver.state("t", 0)?.isr == [1, 2])
        // An ISR of live brokers is left as the leader wrote it.
        driver.setState("t", 1, leader: 2, isr: [2, 1], zkVersion: 7)
        driver.isrChangeNotifications["isr_change_0000000002"] = IsrChangeNotification.encode([("t", 1)])
        driver.process(.isrChangeNotification)
        _ = driver.take()
        #expect(driver.state("t", 1) == LeaderAndIsr(leader: 2, leaderEpoch: 0, isr: [2, 1], zkVersion: 7))
    }

    @Test func aShuttingDownBrokerIsNotElectedWhenAnotherLeaderDies() throws {
        var driver = failedOver()
        driver.process(.controlledShutdown(brokerId: 3, brokerEpoch: 7, reply: 1))
        _ = driver.take()
        #expect(driver.state("t", 0)?.isr == [1, 2])
        // Broker 1 dies: t-0 must go to 2 (3 is shutting down and out of the ISR anyway).
        driver.brokers[1] = nil
        driver.process(.brokerChange)
        #expect(driver.state("t", 0)?.leader == 2)
        #expect(driver.state("t", 2)?.leader == 2, "t-2's ISR was [1, 2] after 3 left it")
    }

    @Test func partitionsWithoutAnotherIsrMemberRemain() throws {
        var driver = failedOver()
        driver.setState("t", 0, leader: 1, isr: [1], zkVersion: 0)
        driver.process(.brokerChange)  // nothing changes; the driver's state is what the election reads
        _ = driver.take()
        driver.machine.context.leadership[TopicPartition("t", 0)] = driver.states[TopicPartition("t", 0)]
        driver.process(.controlledShutdown(brokerId: 1, brokerEpoch: 7, reply: 4))
        let actions = driver.take()
        #expect(reply(actions, 4) == .controlledShutdown(.completed(remaining: [TopicPartition("t", 0)])))
        #expect(driver.state("t", 0)?.leader == 1)
        #expect(!actions.stopReplica(to: 1).flatMap(\.partitions).contains(TopicPartition("t", 0)),
                "a partition it still leads keeps serving")
    }

    @Test func controlledShutdownChecksTheBrokerAndItsEpoch() throws {
        var driver = failedOver()
        driver.process(.controlledShutdown(brokerId: 9, brokerEpoch: 7, reply: 1))
        #expect(reply(driver.take(), 1) == .controlledShutdown(.failed(.brokerNotAvailable)))
        driver.process(.controlledShutdown(brokerId: 1, brokerEpoch: 6, reply: 2))
        #expect(reply(driver.take(), 2) == .controlledShutdown(.failed(.staleBrokerEpoch)))
        driver.process(.controlledShutdown(brokerId: 1, brokerEpoch: 8, reply: 3))
        #expect(reply(driver.take(), 3) == .controlledShutdown(.failed(.staleBrokerEpoch)), "a guessed epoch")
        #expect(driver.machine.context.shuttingDownBrokerIds.isEmpty)
        #expect(driver.writes == 0)
    }

    @Test func aRestartedBrokerIsNoLongerShuttingDown() throws {
        var driver = failedOver()
        driver.process(.controlledShutdown(brokerId: 1, brokerEpoch: 7, reply: 1))
        restart(&driver, 1)
        _ = driver.take()
        #expect(driver.machine.context.shuttingDownBrokerIds.isEmpty)
    }

    @Test func anAbortedShutdownStillAnswers() throws {
        var driver = failedOver()
        driver.failing = { if case .updatePartitionStates = $0 { true } else { false } }
        driver.process(.controlledShutdown(brokerId: 1, brokerEpoch: 7, reply: 3))
        let actions = driver.take()
        #expect(driver.machine.isIdle)
        guard case .controlledShutdown(.completed(let remaining))? = reply(actions, 3) else {
            Issue.record("no answer: \(actions)")
            return
        }
        #expect(remaining == [TopicPartition("t", 0), TopicPartition("t", 2)])
    }

    // MARK: ElectLeaders

    @Test func preferredElectionReturnsLeadershipToTheFirstReplica() throws {
        var driver = failedOver()
        driver.process(.controlledShutdown(brokerId: 1, brokerEpoch: 7, reply: 1))
        // Broker 1 came back (a new registration) and caught up: it is in the ISRs again.
        restart(&driver, 1)
        driver.setState("t", 0, leader: 2, epoch: 1, isr: [2, 3, 1], controllerEpoch: 5, zkVersion: 1)
        driver.process(.isrChangeNotification)
        _ = driver.take()
        driver.machine.context.leadership[TopicPartition("t", 0)] = driver.states[TopicPartition("t", 0)]

        driver.process(.electLeaders(
            partitions: [TopicPartition("t", 0), TopicPartition("t", 1), TopicPartition("t", 2), TopicPartition("nope", 0)],
            type: .preferred, reply: 5))
        let actions = driver.take()
        guard case .electLeaders(let results)? = reply(actions, 5) else {
            Issue.record("no answer: \(actions)")
            return
        }
        #expect(results[TopicPartition("t", 0)] == .elected(leader: 1))
        #expect(driver.state("t", 0)?.isr == [2, 3, 1], "a preferred election keeps the ISR")
        #expect(results[TopicPartition("t", 1)] == .failed(.electionNotNeeded, message: "Leader election not needed for topic partition."))
        #expect(results[TopicPartition("t", 2)] == .failed(
            .preferredLeaderNotAvailable,
            message: "Failed to elect leader for partition t-2 under strategy PreferredReplicaPartitionLeaderElectionStrategy"),
            "broker 1 is not in t-2's ISR")
        #expect(results[TopicPartition("nope", 0)] == .failed(.unknownTopicOrPartition, message: "The partition does not exist."))
        #expect(actions.leaderAndIsr(to: 1).contains { $0.partition == 0 && $0.leader == 1 })
    }

    @Test func uncleanElectionRequestElectsOutOfSyncReplicasOnlyForLeaderlessPartitions() throws {
        var driver = failedOver()
        driver.setState("t", 0, leader: 1, isr: [1], zkVersion: 0)
        driver.machine.context.leadership[TopicPartition("t", 0)] = driver.states[TopicPartition("t", 0)]
        driver.brokers[1] = nil
        driver.process(.brokerChange)
        #expect(driver.state("t", 0)?.leader == -1, "no clean leader and the topic does not allow unclean election")
        _ = driver.take()
        driver.process(.electLeaders(partitions: [TopicPartition("t", 0), TopicPartition("t", 1)], type: .unclean, reply: 2))
        let actions = driver.take()
        guard case .electLeaders(let results)? = reply(actions, 2) else {
            Issue.record("no answer: \(actions)")
            return
        }
        #expect(results[TopicPartition("t", 0)] == .elected(leader: 2))
        #expect(driver.state("t", 0)?.isr == [2])
        #expect(results[TopicPartition("t", 1)] == .failed(.electionNotNeeded, message: "Leader election not needed for topic partition."))
        #expect(actions.logs(.warning).contains { $0.hasPrefix("Unclean leader election for partition t-0") })
    }

    @Test func electLeadersWithoutPartitionsMeansAll() throws {
        var driver = failedOver()
        driver.process(.electLeaders(partitions: nil, type: .preferred, reply: 1))
        guard case .electLeaders(let results)? = reply(driver.take(), 1) else {
            Issue.record("no answer")
            return
        }
        #expect(results.count == 4)
        #expect(results.values.allSatisfy { $0 == .failed(.electionNotNeeded, message: "Leader election not needed for topic partition.") })
    }

    // MARK: auto leader rebalance

    @Test func autoRebalanceMovesLeadershipBackAboveTheImbalanceThreshold() throws {
        var driver = failedOver(config: ControllerConfig(leaderImbalancePerBrokerPercentage: 10))
        // Broker 1 prefers t-0, t-2 and single-0; others lead t-0 and t-2 (2 of 3 = 67% > 10%).
        driver.setState("t", 0, leader: 2, epoch: 1, isr: [2, 3, 1], controllerEpoch: 5, zkVersion: 1)
        driver.setState("t", 2, leader: 3, epoch: 1, isr: [3, 2], controllerEpoch: 5, zkVersion: 1)
        driver.process(.isrChangeNotification)
        for partition: Int32 in [0, 2] {
            driver.machine.context.leadership[TopicPartition("t", partition)] = driver.states[TopicPartition("t", partition)]
        }
        _ = driver.take()
        driver.process(.autoPreferredReplicaLeaderElection)
        #expect(driver.state("t", 0)?.leader == 1)
        #expect(driver.state("t", 2)?.leader == 3, "broker 1 is not in t-2's ISR: it cannot lead it")
    }

    @Test func autoRebalanceRespectsTheThresholdAndTheSwitch() throws {
        let context = failedOver().machine.context
        var imbalanced = context
        let t0 = TopicPartition("t", 0)
        imbalanced.leadership[t0]?.leaderAndIsr.leader = 2
        // Broker 1 prefers 3 partitions, one led elsewhere: 33%.
        #expect(PreferredReplicaImbalance.partitionsToRebalance(imbalanced, imbalancePerBrokerPercentage: 33) == [t0])
        #expect(PreferredReplicaImbalance.partitionsToRebalance(imbalanced, imbalancePerBrokerPercentage: 34) == [])
        #expect(PreferredReplicaImbalance.partitionsToRebalance(context, imbalancePerBrokerPercentage: 0) == [])

        var driver = failedOver(config: ControllerConfig(autoLeaderRebalanceEnable: false, leaderImbalancePerBrokerPercentage: 0))
        driver.setState("t", 0, leader: 2, epoch: 1, isr: [2, 3, 1], controllerEpoch: 5, zkVersion: 1)
        driver.machine.context.leadership[t0] = driver.states[t0]
        driver.process(.autoPreferredReplicaLeaderElection)
        #expect(driver.state("t", 0)?.leader == 2)
    }
}
