/// A partition's leadership as the controller decided it (the partition state of a LeaderAndIsr request).
struct PartitionLeaderState: Sendable, Hashable {
    var controllerEpoch: Int32
    var leader: Int32
    var leaderEpoch: Int32
    var isr: [Int32]
    var zkVersion: Int32
    var replicas: [Int32]
    var isNew: Bool
}
