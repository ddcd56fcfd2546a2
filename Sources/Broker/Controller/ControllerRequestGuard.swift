import Coordination
import KafkaProtocol
import Synchronization

/// Decides whether a LeaderAndIsr, UpdateMetadata or StopReplica really comes from the cluster's controller, before
/// anything in it is applied. Without it any client could fence the real controller (an UpdateMetadata with
/// controller epoch 2^31-1) or create and delete replicas.
///
/// Two checks, as Kafka makes them plus one it leaves to ACLs:
/// - the broker epoch (KIP-380): the request must name this broker's current registration (the czxid of
///   `/brokers/ids/<id>`), so requests meant for an earlier session of this broker are refused
///   (STALE_BROKER_EPOCH), and so are requests without one (-1, the versions before KIP-380);
/// - the controller: the request's controller id and epoch must be the ones in `/controller` and
///   `/controller_epoch`. The last pair that passed is remembered; any other pair is checked against ZooKeeper
///   once more, so a newly elected controller passes on its first request. An older epoch gets
///   STALE_CONTROLLER_EPOCH; a pair ZooKeeper does not have gets CLUSTER_AUTHORIZATION_FAILED (what Kafka answers
///   a client without CLUSTER_ACTION); when ZooKeeper cannot be read, NOT_CONTROLLER, and the controller retries.
final class ControllerRequestGuard: Sendable {
    struct Controller: Hashable, Sendable {
        var id: Int32
        var epoch: Int32
    }

    enum Verdict: Equatable, Sendable {
        case accept
        case refuse(ErrorCode, reason: String)
    }

    private let brokerEpoch: @Sendable () -> Int64?
    private let readController: @Sendable () async throws -> Controller?
    private let admitted = Mutex<Controller?>(nil)

    /// - Parameters:
    ///   - brokerEpoch: this broker's current registration czxid, nil while unregistered.
    ///   - readController: the controller as ZooKeeper has it now, nil when there is none.
    init(brokerEpoch: @escaping @Sendable () -> Int64?, readController: @escaping @Sendable () async throws -> Controller?) {
        self.brokerEpoch = brokerEpoch
        self.readController = readController
    }

    func admit(controllerId: Int32, controllerEpoch: Int32, brokerEpoch requested: Int64) async -> Verdict {
        if case .refuse(let code, let reason) = Self.checkBrokerEpoch(requested, current: brokerEpoch()) {
            return .refuse(code, reason: reason)
        }
        let claimed = Controller(id: controllerId, epoch: controllerEpoch)
        if admitted.withLock({ $0 == claimed }) { return .accept }
        let current: Controller?
        do {
            current = try await readController()
        } catch {
            return .refuse(.notController, reason: "the controller cannot be read from ZooKeeper now (\(error))")
        }
        let verdict = Self.checkController(claimed, current: current)
        if verdict == .accept { admitted.withLock { $0 = claimed } }
        return verdict
    }

    static func checkBrokerEpoch(_ requested: Int64, current: Int64?) -> Verdict {
        guard let current else {
            return .refuse(.staleBrokerEpoch, reason: "this broker is not registered in ZooKeeper now")
        }
        guard requested == current else {
            return .refuse(.staleBrokerEpoch, reason: "broker epoch \(requested) is not this broker's registration (\(current))")
        }
        return .accept
    }

    static func checkController(_ claimed: Controller, current: Controller?) -> Verdict {
        guard let current else {
            return .refuse(.notController, reason: "ZooKeeper has no controller now")
        }
        if claimed == current { return .accept }
        if claimed.epoch < current.epoch {
            return .refuse(.staleControllerEpoch, reason: "controller epoch \(claimed.epoch) is older than the current \(current.epoch)")
        }
        return .refuse(
            .clusterAuthorizationFailed,
            reason: "broker \(claimed.id) with controller epoch \(claimed.epoch) is not the controller (ZooKeeper names broker \(current.id), epoch \(current.epoch))")
    }
}

extension ControllerRequestGuard {
    /// The guard of a broker registered through `membership`, reading the controller through the current session.
    convenience init(membership: @escaping @Sendable () -> ClusterMembership?, session: @escaping @Sendable () -> KafkaZkClient) {
        self.init(
            brokerEpoch: { membership()?.brokerEpoch },
            readController: {
                let zk = session()
                guard let (node, _) = try await zk.controller(), let epoch = try await zk.controllerEpoch() else { return nil }
                return Controller(id: node.brokerId, epoch: epoch.epoch)
            })
    }
}
