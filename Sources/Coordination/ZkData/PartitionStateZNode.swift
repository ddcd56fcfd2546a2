/// A partition's leader, leader epoch and in-sync replicas (Kafka's `LeaderAndIsr`), with the zkVersion of the state
/// znode it was read from (or written as): every update of that znode is conditional on it.
public struct LeaderAndIsr: Sendable, Hashable, CustomStringConvertible {
    public static let noLeader: Int32 = -1
    /// The leader and epoch UpdateMetadata announces for partitions of topics being deleted.
    public static let leaderDuringDelete: Int32 = -2
    public static let epochDuringDelete: Int32 = -2
    public static let noEpoch: Int32 = -1
    public static let initialLeaderEpoch: Int32 = 0
    public static let initialZkVersion: Int32 = 0

    public var leader: Int32
    public var leaderEpoch: Int32
    public var isr: [Int32]
    public var zkVersion: Int32

    public init(leader: Int32, leaderEpoch: Int32 = initialLeaderEpoch, isr: [Int32], zkVersion: Int32 = initialZkVersion) {
        self.leader = leader
        self.leaderEpoch = leaderEpoch
        self.isr = isr
        self.zkVersion = zkVersion
    }

    /// A new leader and/or ISR: always a new leader epoch, still conditional on the zkVersion read.
    public func newLeaderAndIsr(leader: Int32, isr: [Int32]) -> LeaderAndIsr {
        LeaderAndIsr(leader: leader, leaderEpoch: leaderEpoch + 1, isr: isr, zkVersion: zkVersion)
    }

    public var description: String {
        "LeaderAndIsr(leader=\(leader), leaderEpoch=\(leaderEpoch), isr=\(isr), zkVersion=\(zkVersion))"
    }
}

/// `/brokers/topics/<t>/partitions/<p>/state` (Kafka's `TopicPartitionStateZNode`): the leader and ISR, and the
/// epoch of the controller that last elected a leader (leaders changing the ISR keep it).
public struct LeaderIsrAndControllerEpoch: Sendable, Hashable {
    public var leaderAndIsr: LeaderAndIsr
    public var controllerEpoch: Int32

    public init(_ leaderAndIsr: LeaderAndIsr, controllerEpoch: Int32) {
        self.leaderAndIsr = leaderAndIsr
        self.controllerEpoch = controllerEpoch
    }

    private struct JSON: Decodable {
        var controller_epoch: Int32
        var leader: Int32
        var leader_epoch: Int32
        var isr: [Int32]
    }

    /// `{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0,1]}`: Kafka's key order.
    public func encoded() -> [UInt8] {
        OrderedJSON.object([
            ("controller_epoch", .int32(controllerEpoch)),
            ("leader", .int32(leaderAndIsr.leader)),
            ("version", .int(1)),
            ("leader_epoch", .int32(leaderAndIsr.leaderEpoch)),
            ("isr", .ints(leaderAndIsr.isr)),
        ]).bytes
    }

    /// - Parameter zkVersion: the version from the znode's stat.
    public static func decode(_ bytes: [UInt8], zkVersion: Int32, path: String) throws -> LeaderIsrAndControllerEpoch {
        let json = try ZkJSON.decode(JSON.self, from: bytes, path: path)
        // Every election, ISR change and reassignment writes the next epoch: one that has none is not a state the
        // controller can act on (and the arithmetic would trap).
        guard json.leader_epoch < Int32.max else {
            throw ZkDataError.malformed(path: path, text: String(decoding: bytes, as: UTF8.self))
        }
        let leaderAndIsr = LeaderAndIsr(leader: json.leader, leaderEpoch: json.leader_epoch, isr: json.isr, zkVersion: zkVersion)
        return LeaderIsrAndControllerEpoch(leaderAndIsr, controllerEpoch: json.controller_epoch)
    }
}
