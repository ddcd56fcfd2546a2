import Coordination
import KafkaProtocol

/// A partition's health as the console marks it, in words as well as colour.
enum PartitionHealth: String {
    case ok
    case underReplicated = "under-replicated"
    case offline

    init(_ state: PartitionState, in sample: ClusterSample) {
        if sample.isOffline(state) {
            self = .offline
        } else if sample.isUnderReplicated(state) {
            self = .underReplicated
        } else {
            self = .ok
        }
    }

    var badge: String {
        switch self {
        case .ok: "<span class=\"badge ok\">ok</span>"
        case .underReplicated: "<span class=\"badge warn\">under-replicated</span>"
        case .offline: "<span class=\"badge bad\">offline</span>"
        }
    }

    /// The row's class: the CSS marks the row, the badge says why.
    var rowClass: String { self == .ok ? "" : " class=\"\(rawValue)\"" }
}

extension ConsolePage {
    /// `/topics`: every topic with its health, throughput and size; the create form when admin is enabled.
    static func topics(history: ConsoleHistory, adminEnabled: Bool) -> ConsolePage {
        var body = "<h1>Topics</h1>"
        if adminEnabled { body += createTopicForm }
        guard let sample = history.latest else {
            return ConsolePage(title: "Topics", section: .topics, body: body + collecting)
        }
        let rates = history.currentTopicRates()
        body += "<table id=\"topics\"><thead><tr><th>Topic</th><th class=\"num\">Partitions</th><th class=\"num\">Replication</th>"
        body += "<th class=\"num\">Under-replicated</th><th class=\"num\">Offline</th><th class=\"num\">Messages/s</th>"
        body += "<th class=\"num\">Bytes/s</th><th class=\"num\">Log size</th><th>Status</th></tr></thead><tbody>"
        for topic in sample.topics {
            let partitions = sample.partitions(of: topic)
            let health = partitions.map { PartitionHealth($0, in: sample) }
            let underReplicated = health.filter { $0 == .underReplicated }.count
            let offline = health.filter { $0 == .offline }.count
            let worst: PartitionHealth = offline > 0 ? .offline : underReplicated > 0 ? .underReplicated : .ok
            let size = sample.logSize(topic: topic)
            let rate = rates[topic]
            body += "<tr\(worst.rowClass) data-topic=\"\(Html.escape(topic))\"><td>\(Html.link(Html.topicPath(topic), topic))</td>"
            body += "<td class=\"num\">\(partitions.count)</td>"
            body += "<td class=\"num\">\(partitions.map(\.replicas.count).max() ?? 0)</td>"
            body += "<td class=\"num\">\(underReplicated)</td><td class=\"num\">\(offline)</td>"
            body += "<td class=\"num\">\(rate.map { ConsoleFormat.rate($0.messages) } ?? "-")</td>"
            body += "<td class=\"num\">\(rate.map { ConsoleFormat.byteRate($0.bytes) } ?? "-")</td>"
            body += "<td class=\"num\">\(ConsoleFormat.bytes(size))</td><td>\(worst.badge)</td></tr>"
        }
        body += "</tbody></table>"
        if sample.topics.isEmpty { body += "<p class=\"muted\">No topics yet.</p>" }
        body += sampledAt(sample)
        return ConsolePage(title: "Topics", section: .topics, body: body)
    }

    /// `/topics/<name>`: its partitions (leader, replicas, ISR, health), throughput, size and consumers; nil when
    /// the latest sample has no such topic.
    static func topic(_ topic: String, history: ConsoleHistory) -> ConsolePage? {
        let title = "Topic \(topic)"
        var body = "<h1>Topic <span class=\"name\">\(Html.escape(topic))</span></h1>"
        guard let sample = history.latest else {
            return ConsolePage(title: title, section: .topics, body: body + collecting)
        }
        let partitions = sample.partitions(of: topic)
        guard !partitions.isEmpty else { return nil }
        let rate = history.currentTopicRates()[topic]
        let health = partitions.map { PartitionHealth($0, in: sample) }
        let size = sample.logSize(topic: topic)
        let underReplicated = health.filter { $0 == .underReplicated }.count
        let offline = health.filter { $0 == .offline }.count
        body += "<ul class=\"cards\">"
        body += card("partitions", String(partitions.count))
        body += card("messages in per second", rate.map { ConsoleFormat.rate($0.messages) } ?? "-", id: "messages-in")
        body += card("bytes in per second", rate.map { ConsoleFormat.byteRate($0.bytes) } ?? "-", id: "bytes-in")
        body += card("log size (leaders)", ConsoleFormat.bytes(size), id: "log-size")
        body += card("under-replicated", String(underReplicated), id: "under-replicated-count",
                     marker: underReplicated > 0 ? "under-replicated" : nil)
        body += card("offline", String(offline), id: "offline-count", marker: offline > 0 ? "offline" : nil)
        body += "</ul>"
        body += partitionsTable(partitions, sample: sample)
        body += "<div class=\"charts\">"
        body += SvgChart(
            title: "Messages in per second", unit: "msg/s", series: history.throughputSeries(topics: [topic]),
            domain: history.timeDomain
        ).render()
        body += SvgChart(
            title: "Bytes in per second", unit: "B/s", series: history.throughputSeries(topics: [topic], bytes: true),
            domain: history.timeDomain
        ).render()
        body += "</div>"
        body += consumersTable(topic: topic, sample: sample)
        body += sampledAt(sample)
        return ConsolePage(title: title, section: .topics, body: body)
    }

    static func partitionsTable(_ partitions: [PartitionState], sample: ClusterSample) -> String {
        var html = "<h2>Partitions</h2><table id=\"partitions\"><thead><tr><th class=\"num\">Partition</th><th class=\"num\">Leader</th>"
        html += "<th class=\"num\">Leader epoch</th><th>Replicas</th><th>ISR</th><th class=\"num\">Latest offset</th>"
        html += "<th class=\"num\">Log size</th><th>Status</th></tr></thead><tbody>"
        for state in partitions {
            let partition = TopicPartition(state.topic, state.partition)
            let health = PartitionHealth(state, in: sample)
            let outOfSync = state.replicas.filter { !state.isr.contains($0) }
            var status = health.badge
            if !outOfSync.isEmpty { status += " <span class=\"muted\">not in sync: \(ids(outOfSync))</span>" }
            let leader = state.leader < 0 ? "none" : String(state.leader)
            html += "<tr\(health.rowClass) data-partition=\"\(state.partition)\"><td class=\"num\">\(state.partition)</td>"
            html += "<td class=\"num\">\(leader)</td><td class=\"num\">\(state.leaderEpoch)</td>"
            html += "<td>\(ids(state.replicas))</td><td>\(ids(state.isr))</td>"
            html += "<td class=\"num\">\(sample.latestOffsets[partition].map(String.init) ?? "-")</td>"
            html += "<td class=\"num\">\(sample.logSize(partition).map(ConsoleFormat.bytes) ?? "-")</td><td>\(status)</td></tr>"
        }
        return html + "</tbody></table>"
    }

    /// The groups with committed offsets on `topic`, and their lag on it.
    static func consumersTable(topic: String, sample: ClusterSample) -> String {
        let groups = sample.committedOffsets.filter { $0.value.keys.contains { $0.topic == topic } }.keys.sorted()
        guard !groups.isEmpty else { return "<h2>Consumer groups</h2><p class=\"muted\">No group has committed offsets here.</p>" }
        var html = "<h2>Consumer groups</h2><table id=\"consumers\"><thead><tr><th>Group</th><th class=\"num\">Lag</th></tr></thead><tbody>"
        for group in groups {
            let lag = sample.lag(group: group, topic: topic)
            html += "<tr><td>\(Html.link(Html.groupPath(group), group))</td><td class=\"num\">\(ConsoleFormat.count(lag))</td></tr>"
        }
        return html + "</tbody></table>"
    }

    static let createTopicForm = """
        <form class="admin" id="create-topic" method="post" action="/topics">
        <strong>Create a topic</strong>
        <label>Name <input type="text" name="name" required maxlength="249" pattern="[a-zA-Z0-9._\\-]+"></label>
        <label>Partitions <input type="number" name="partitions" min="1" value="1" required></label>
        <label>Replication factor <input type="number" name="replicationFactor" min="1" value="1" required></label>
        <button type="submit">Create</button>
        </form>
        """
}
