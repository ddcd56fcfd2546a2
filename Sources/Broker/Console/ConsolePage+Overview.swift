/// What the overview reads from ZooKeeper besides the sample: the controller epoch (`/controller_epoch`) and each
/// live broker's registration epoch, the czxid of its `/brokers/ids/<id>` (what Kafka calls the broker epoch).
struct ClusterEpochs: Sendable, Equatable {
    var controllerEpoch: Int32?
    var brokerEpochs: [Int32: Int64]
}

extension ConsolePage {
    /// `/`: the cluster at a glance.
    static func overview(history: ConsoleHistory, epochs: ClusterEpochs?) -> ConsolePage {
        guard let sample = history.latest else {
            return ConsolePage(title: "Overview", section: .overview, body: "<h1>Overview</h1>" + collecting)
        }
        let states = Array(sample.partitions.values)
        let underReplicated = states.filter(sample.isUnderReplicated).count
        let offline = states.filter(sample.isOffline).count
        let groups = sample.committedOffsets.keys.sorted()
        let totalLag = sample.totalLag
        let controller = sample.controllerId.map { String($0) } ?? "none"
        let controllerEpoch = epochs?.controllerEpoch.map { String($0) } ?? "unknown"

        var body = "<h1>Overview</h1><ul class=\"cards\">"
        body += card("brokers", String(sample.brokers.count), id: "broker-count")
        body += card("controller (epoch \(controllerEpoch))", controller, id: "controller")
        body += card("topics", String(sample.topics.count), id: "topic-count")
        body += card("partitions", String(states.count), id: "partition-count")
        body += card("under-replicated", String(underReplicated), id: "under-replicated-count",
                     marker: underReplicated > 0 ? "under-replicated" : nil)
        body += card("offline", String(offline), id: "offline-count", marker: offline > 0 ? "offline" : nil)
        body += card("groups", String(groups.count), id: "group-count")
        body += card("total lag", ConsoleFormat.count(totalLag), id: "total-lag")
        body += "</ul>"
        body += brokersTable(sample, epochs: epochs)
        body += "<h2>Throughput and lag</h2><div class=\"charts\">"
        body += SvgChart(title: "Messages in per second, by topic", unit: "msg/s", series: history.throughputSeries(), domain: history.timeDomain).render()
        body += SvgChart(title: "Consumer lag, by group", unit: "records", series: history.lagSeries(), domain: history.timeDomain).render()
        body += "</div>"
        body += sampledAt(sample)
        return ConsolePage(title: "Overview", section: .overview, body: body)
    }

    static func brokersTable(_ sample: ClusterSample, epochs: ClusterEpochs?) -> String {
        var html = "<h2>Brokers</h2><table id=\"brokers\"><thead><tr><th class=\"num\">ID</th><th>Endpoints</th><th>Rack</th>"
        html += "<th class=\"num\">Registration epoch</th><th>Role</th></tr></thead><tbody>"
        for broker in sample.brokers.sorted(by: { $0.id < $1.id }) {
            let epoch = epochs?.brokerEpochs[broker.id].map { String($0) } ?? "-"
            let role = broker.id == sample.controllerId
                ? "<span class=\"badge ok\">controller</span>" + (epochs?.controllerEpoch.map { " epoch \($0)" } ?? "")
                : ""
            html += "<tr data-broker=\"\(broker.id)\"><td class=\"num\">\(broker.id)</td>"
            html += "<td>\(broker.endPoints.map { Html.escape($0) }.joined(separator: "<br>"))</td>"
            html += "<td>\(Html.escape(broker.rack ?? "-"))</td><td class=\"num\">\(epoch)</td><td>\(role)</td></tr>"
        }
        return html + "</tbody></table>"
    }

    /// When the figures were taken.
    static func sampledAt(_ sample: ClusterSample) -> String {
        "<p class=\"muted\">Sampled at \(ConsoleFormat.time(ms: sample.timeMs)); live brokers and partition states are this "
            + "broker's metadata cache, offsets and sizes are asked of every broker.</p>"
    }
}
