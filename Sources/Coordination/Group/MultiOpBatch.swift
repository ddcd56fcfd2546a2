import ZooKeeper

/// The writes of several calls merged into one multi-op: the fence checks first (one per distinct fence), then
/// every write's steps in arrival order, with who owns each step so a refusal can be pinned on one call.
struct MultiOpBatch {
    enum Owner: Equatable {
        case fence(GroupFence)
        /// Index into `writes`.
        case write(Int)
    }

    let chrootBytes: Int
    private(set) var writes: [GroupOffsetStore.PendingWrite] = []
    private(set) var fences: [GroupFence] = []
    private var steps: [ZooKeeperOperation] = []
    private var stepOwners: [Int] = []
    private(set) var bytes = 0
    /// Each group's knowledge as if the batch was applied, and the generation it was planned from.
    private(set) var planned: [String: GroupZNodes] = [:]
    private(set) var generations: [String: UInt64] = [:]

    init(chrootBytes: Int) {
        self.chrootBytes = chrootBytes
    }

    var operations: [ZooKeeperOperation] { fences.map(Self.check) + steps }

    static func check(_ fence: GroupFence) -> ZooKeeperOperation {
        .check(path: ZkPaths.consumerCoordinator(group: fence.group), version: fence.zkVersion)
    }

    /// Operation count and estimated bytes of the batch with `newSteps` (and their fence's check) added.
    func sizeAfterAdding(_ newSteps: [ZooKeeperOperation], fence: GroupFence) -> (operations: Int, bytes: Int) {
        let newCheck = fences.contains(fence) ? [] : [Self.check(fence)]
        let added = (newCheck + newSteps).reduce(0) { $0 + MultiOpLimits.estimatedBytes(of: $1, chrootBytes: chrootBytes) }
        return (fences.count + steps.count + newCheck.count + newSteps.count, bytes + added)
    }

    mutating func add(_ write: GroupOffsetStore.PendingWrite, steps newSteps: [ZooKeeperOperation], planned nodes: GroupZNodes, generation: UInt64) {
        bytes = sizeAfterAdding(newSteps, fence: write.fence).bytes
        if !fences.contains(write.fence) { fences.append(write.fence) }
        stepOwners += Array(repeating: writes.count, count: newSteps.count)
        steps += newSteps
        writes.append(write)
        planned[write.group] = nodes
        if generations[write.group] == nil { generations[write.group] = generation }
    }

    /// Who owns step `index` of `operations`, nil when out of range.
    func owner(ofStep index: Int) -> Owner? {
        if fences.indices.contains(index) { return .fence(fences[index]) }
        let step = index - fences.count
        return stepOwners.indices.contains(step) ? .write(stepOwners[step]) : nil
    }
}
