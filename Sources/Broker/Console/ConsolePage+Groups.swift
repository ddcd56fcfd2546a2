import KafkaClient
import KafkaProtocol

extension ConsolePage {
    /// `/groups`: the groups with committed offsets (the sample) and those the coordinators list (ListGroups, nil
    /// when that failed), with state and total lag.
    static func groups(history: ConsoleHistory, listings: [GroupListing]?) -> ConsolePage {
        var body = "<h1>Consumer groups</h1>"
        let sample = history.latest
        if sample == nil { body += collecting }
        if listings == nil { body += "<p class=\"muted\">The coordinators did not answer ListGroups: states are unknown.</p>" }
        let states = Dictionary((listings ?? []).map { ($0.groupId, $0) }, uniquingKeysWith: { first, _ in first })
        let names = Set(states.keys).union(sample.map { Array($0.committedOffsets.keys) } ?? []).sorted()
        guard !names.isEmpty else {
            return ConsolePage(title: "Groups", section: .groups, body: body + "<p class=\"muted\">No consumer groups yet.</p>")
        }
        body += "<table id=\"groups\"><thead><tr><th>Group</th><th>State</th><th>Protocol type</th><th>Topics</th>"
        body += "<th class=\"num\">Total lag</th></tr></thead><tbody>"
        for group in names {
            let topics = Set((sample?.committedOffsets[group] ?? [:]).keys.map(\.topic)).sorted()
            let lag = sample.map { ConsoleFormat.count($0.totalLag(group: group)) } ?? "-"
            body += "<tr data-group=\"\(Html.escape(group))\"><td>\(Html.link(Html.groupPath(group), group))</td>"
            body += "<td>\(Html.escape(states[group]?.state ?? "-"))</td><td>\(Html.escape(states[group]?.protocolType ?? "-"))</td>"
            body += "<td>\(topics.map { Html.link(Html.topicPath($0), $0) }.joined(separator: ", "))</td>"
            body += "<td class=\"num\">\(lag)</td></tr>"
        }
        body += "</tbody></table><div class=\"charts\">"
        body += SvgChart(title: "Consumer lag, by group", unit: "records", series: history.lagSeries(), domain: history.timeDomain).render()
        body += "</div>"
        if let sample { body += sampledAt(sample) }
        return ConsolePage(title: "Groups", section: .groups, body: body)
    }

    /// `/groups/<id>`: state and members (DescribeGroups, or why it failed), committed and latest offsets with the
    /// lag of each partition, a lag chart, and the reset form when admin is enabled.
    static func group(
        _ group: String, description: Result<GroupDescription, KafkaClientError>, history: ConsoleHistory, adminEnabled: Bool
    ) -> ConsolePage {
        let title = "Group \(group)"
        var body = "<h1>Group <span class=\"name\">\(Html.escape(group))</span></h1>"
        let sample = history.latest
        let committed = sample?.committedOffsets[group] ?? [:]
        var owners: [TopicPartition: GroupDescription.Member] = [:]
        switch description {
        case .success(let described):
            for member in described.members {
                for (topic, partitions) in member.assignment {
                    for partition in partitions { owners[TopicPartition(topic, partition)] = member }
                }
            }
            body += "<ul class=\"cards\">"
            body += card("state", described.state, id: "group-state")
            body += card("members", String(described.members.count), id: "member-count")
            body += card("total lag", sample.map { ConsoleFormat.count($0.totalLag(group: group)) } ?? "-", id: "total-lag")
            body += card("coordinator", String(described.coordinator))
            body += "</ul><p>Protocol type \(Html.escape(described.protocolType.isEmpty ? "-" : described.protocolType)), "
            body += "assignment strategy \(Html.escape(described.assignmentStrategy.isEmpty ? "-" : described.assignmentStrategy)).</p>"
            body += membersTable(described.members)
        case .failure(let error):
            body += "<p class=\"error\">DescribeGroups failed: \(Html.escape(String(describing: error)))</p>"
            body += "<ul class=\"cards\">"
            body += card("total lag", sample.map { ConsoleFormat.count($0.totalLag(group: group)) } ?? "-", id: "total-lag")
            body += "</ul>"
        }
        guard let sample else {
            return ConsolePage(title: title, section: .groups, body: body + collecting)
        }
        body += offsetsTable(group: group, committed: committed, owners: owners, sample: sample)
        body += "<div class=\"charts\">"
        body += SvgChart(title: "Lag of group \(group), by topic", unit: "records", series: history.lagByTopic(group: group),
            domain: history.timeDomain).render()
        body += "</div>"
        if adminEnabled { body += resetOffsetsForm(group: group, topics: Set(committed.keys.map(\.topic)).sorted()) }
        body += sampledAt(sample)
        return ConsolePage(title: title, section: .groups, body: body)
    }

    static func membersTable(_ members: [GroupDescription.Member]) -> String {
        guard !members.isEmpty else { return "<h2>Members</h2><p class=\"muted\" id=\"no-members\">No active members.</p>" }
        var html = "<h2>Members</h2><table id=\"members\"><thead><tr><th>Member id</th><th>Client id</th><th>Host</th>"
        html += "<th>Assigned partitions</th></tr></thead><tbody>"
        for member in members.sorted(by: { $0.memberId < $1.memberId }) {
            let assigned = member.assignment.keys.sorted().map { topic in
                "\(Html.escape(topic)): \(ids((member.assignment[topic] ?? []).sorted()))"
            }
            html += "<tr><td>\(Html.escape(member.memberId))</td><td>\(Html.escape(member.clientId))</td>"
            html += "<td>\(Html.escape(member.host))</td><td>\(assigned.isEmpty ? "-" : assigned.joined(separator: "<br>"))</td></tr>"
        }
        return html + "</tbody></table>"
    }

    static func offsetsTable(
        group: String, committed: [TopicPartition: Int64], owners: [TopicPartition: GroupDescription.Member], sample: ClusterSample
    ) -> String {
        let partitions = Set(committed.keys).union(owners.keys).sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        guard !partitions.isEmpty else { return "<h2>Offsets</h2><p class=\"muted\">No committed offsets.</p>" }
        var html = "<h2>Offsets</h2><table id=\"offsets\"><thead><tr><th>Topic</th><th class=\"num\">Partition</th>"
        html += "<th class=\"num\">Committed offset</th><th class=\"num\">Latest offset</th><th class=\"num\">Lag</th>"
        html += "<th>Consumer</th></tr></thead><tbody>"
        for partition in partitions {
            let owner = owners[partition].map { "\(Html.escape($0.clientId)) (\(Html.escape($0.host)))" } ?? "-"
            html += "<tr data-topic=\"\(Html.escape(partition.topic))\" data-partition=\"\(partition.partition)\">"
            html += "<td>\(Html.link(Html.topicPath(partition.topic), partition.topic))</td><td class=\"num\">\(partition.partition)</td>"
            html += "<td class=\"num\">\(committed[partition].map(String.init) ?? "-")</td>"
            html += "<td class=\"num\">\(sample.latestOffsets[partition].map(String.init) ?? "-")</td>"
            html += "<td class=\"num lag\">\(sample.lag(group: group, partition: partition).map(String.init) ?? "-")</td><td>\(owner)</td></tr>"
        }
        return html + "</tbody></table>"
    }

    static func resetOffsetsForm(group: String, topics: [String]) -> String {
        let options = topics.map { "<option value=\"\(Html.escape($0))\">\(Html.escape($0))</option>" }.joined()
        return """
            <h2>Reset offsets</h2>
            <form class="admin" id="reset-offsets" method="post" action="\(Html.escape(Html.groupPath(group)))">
            <p class="muted">Only while the group is Empty (no member), as kafka-consumer-groups.sh --reset-offsets requires.</p>
            <label>Topic \(topics.isEmpty
                ? "<input type=\"text\" name=\"topic\" required>"
                : "<select name=\"topic\">\(options)</select>")</label>
            <label><input type="radio" name="to" value="earliest" checked> earliest</label>
            <label><input type="radio" name="to" value="latest"> latest</label>
            <label><input type="radio" name="to" value="offset"> offset <input type="number" name="offset" min="0"></label>
            <button type="submit">Reset</button>
            </form>
            """
    }
}
