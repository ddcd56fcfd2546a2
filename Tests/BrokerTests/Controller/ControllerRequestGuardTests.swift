@testable import Broker
import KafkaProtocol
import Synchronization
import Testing

@Suite struct ControllerRequestGuardTests {
    typealias Controller = ControllerRequestGuard.Controller

    @Test func onlyThisRegistrationsBrokerEpochIsAccepted() {
        #expect(ControllerRequestGuard.checkBrokerEpoch(42, current: 42) == .accept)
        for requested: Int64 in [41, 43, -1, .max] {
            guard case .refuse(.staleBrokerEpoch, _) = ControllerRequestGuard.checkBrokerEpoch(requested, current: 42) else {
                Issue.record("broker epoch \(requested) accepted")
                continue
            }
        }
        guard case .refuse(.staleBrokerEpoch, _) = ControllerRequestGuard.checkBrokerEpoch(42, current: nil) else {
            Issue.record("accepted while unregistered")
            return
        }
    }

    @Test func onlyTheControllerZooKeeperNamesIsAccepted() {
        let current = Controller(id: 1, epoch: 7)
        #expect(ControllerRequestGuard.checkController(current, current: current) == .accept)
        let cases: [(Controller, Controller?, ErrorCode)] = [
            (Controller(id: 1, epoch: 6), current, .staleControllerEpoch),
            (Controller(id: 2, epoch: 6), current, .staleControllerEpoch),
            (Controller(id: 1, epoch: .max), current, .clusterAuthorizationFailed),
            (Controller(id: 2, epoch: 7), current, .clusterAuthorizationFailed),
            (current, nil, .notController),
        ]
        for (claimed, zk, expected) in cases {
            guard case .refuse(let code, _) = ControllerRequestGuard.checkController(claimed, current: zk), code == expected else {
                Issue.record("\(claimed) against \(String(describing: zk)) was not refused with \(expected)")
                continue
            }
        }
    }

    @Test func zooKeeperIsAskedOnlyForAControllerNotSeenBefore() async {
        let reads = Mutex(0)
        let inZooKeeper = Mutex<Controller?>(Controller(id: 1, epoch: 7))
        let guardian = ControllerRequestGuard(brokerEpoch: { 5 }) {
            reads.withLock { $0 += 1 }
            return inZooKeeper.withLock { $0 }
        }
        #expect(await guardian.admit(controllerId: 1, controllerEpoch: 7, brokerEpoch: 5) == .accept)
        #expect(await guardian.admit(controllerId: 1, controllerEpoch: 7, brokerEpoch: 5) == .accept)
        #expect(reads.withLock { $0 } == 1)
        // A forged pair is checked and refused every time; it does not replace the admitted one.
        #expect(await guardian.admit(controllerId: 1, controllerEpoch: 8, brokerEpoch: 5) != .accept)
        #expect(await guardian.admit(controllerId: 1, controllerEpoch: 7, brokerEpoch: 5) == .accept)
        #expect(reads.withLock { $0 } == 2)
        // A new controller is admitted on its first request; the old one is then stale.
        inZooKeeper.withLock { $0 = Controller(id: 2, epoch: 8) }
        #expect(await guardian.admit(controllerId: 2, controllerEpoch: 8, brokerEpoch: 5) == .accept)
        guard case .refuse(.staleControllerEpoch, _) = await guardian.admit(controllerId: 1, controllerEpoch: 7, brokerEpoch: 5) else {
            Issue.record("the old controller was admitted")
            return
        }
    }

    @Test func anUnreadableZooKeeperRefusesWithARetriableError() async {
        struct Down: Error {}
        let guardian = ControllerRequestGuard(brokerEpoch: { 5 }) { throw Down() }
        guard case .refuse(.notController, _) = await guardian.admit(controllerId: 1, controllerEpoch: 7, brokerEpoch: 5) else {
            Issue.record("admitted without ZooKeeper")
            return
        }
    }
}
