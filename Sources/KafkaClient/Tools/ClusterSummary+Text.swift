/// `gregor cluster`'s screen. The first lines (cluster id, controller, controller epoch, brokers) are the ones the
/// command printed before it showed partitions and groups, unchanged, so scripts reading them keep working.
extension ClusterSummary {
    /// How many entries each list shows before "... and N more".
    public static let listLimitDefault = 20

    public func text(listLimit: Int = listLimitDefault) -> String {
        var lines: [String] = []
        lines.append("Cluster id: \(clusterId ?? "(none: no broker has started yet)")")
        lines.append("Controller: \(controllerId.map { "broker \($0)" } ?? "none")")
        lines.append("Controller epoch: \(controllerEpoch.map(String.init) ?? "unknown (only ZooKeeper has it: use --zookeeper)")")
        lines.append("Brokers (\(brokers.count)):")
        for broker in brokers {
            let rack = broker.rack.map { "  rack=\($0)" } ?? ""
            let controller = broker.id == controllerId ? "  (controller)" : ""
            lines.append("  \(broker.id)  \(broker.endpoints.joined(separator: ","))\(rack)\(controller)")
        }
        lines.append("Topics: \(topics.count)  Partitions: \(partitionCount)")
        lines += partitionSection("Under-replicated partitions", underReplicated, limit: listLimit)
        lines += partitionSection("Offline partitions", offline, limit: listLimit)
        lines += groupSection(limit: listLimit)
        return lines.joined(separator: "\n")
    }

    private func partitionSection(
        _ title: String, _ partitions: [(topic: String, partition: PartitionMetadata)], limit: Int
    ) -> [String] {
        var lines = ["\(title): \(partitions.count)"]
        guard !partitions.isEmpty else { return lines }
        let ids = { (ids: [Int32]) in ids.isEmpty ? "-" : ids.map(String.init).joined(separator: ",") }
        var rows = [["TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR"]]
        for (topic, partition) in partitions.prefix(max(0, limit)) {
            rows.append([
                topic, String(partition.partition), partition.leader.map(String.init) ?? "none", ids(partition.replicas),
                ids(partition.isr),
            ])
        }
        lines += Self.indented(Table.render(rows))
        lines += Self.more(partitions.count, shown: limit)
        return lines
    }

    private func groupSection(limit: Int) -> [String] {
        var lines = ["Consumer groups: \(groups.count)\(groupsError.map { " (could not read them all: \($0))" } ?? "")"]
        guard !groups.isEmpty else { return lines }
        var rows = [["GROUP", "STATE", "PARTITIONS", "LAG"]]
        for group in groups.prefix(max(0, limit)) {
            let unknown = group.partitionsWithoutEndOffset
            let lag = unknown == 0
                ? String(group.lag) : ">=\(group.lag) (\(unknown) partition\(unknown == 1 ? "" : "s") without an end offset)"
            rows.append([group.group, group.state ?? "-", String(group.partitions), lag])
        }
        lines += Self.indented(Table.render(rows))
        lines += Self.more(groups.count, shown: limit)
        return lines
    }

    private static func indented(_ table: String) -> [String] {
        table.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
    }

    private static func more(_ count: Int, shown limit: Int) -> [String] {
        count > max(0, limit) ? ["  ... and \(count - max(0, limit)) more"] : []
    }
}
