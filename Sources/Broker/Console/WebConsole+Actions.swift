import Foundation
import KafkaClient
import KafkaProtocol

/// The console's two actions, only with `console.admin.enable=true`: create a topic (CreateTopics) and reset a
/// group's offsets on one topic (OffsetCommit, while the group is Empty). Each answers Post/Redirect/Get with the
/// outcome in the `notice` or `error` parameter, so a reload never repeats it.
extension WebConsole {
    func action(_ route: ConsoleRoute, _ request: HttpRequest) async -> HttpResponse {
        guard context.adminEnabled else { return .text(Self.readOnlyMessage, status: 403) }
        guard Self.isSameOrigin(request) else {
            return .text("Refused: the form was posted from another site (Origin does not match Host).\n", status: 403)
        }
        switch route {
        case .topics:
            return await createTopic(request.parameters)
        case .group(let id):
            return await resetOffsets(group: id, request.parameters)
        default:
            return HttpResponse(
                status: 405, contentType: "text/plain; charset=utf-8", headers: [("Allow", "GET, HEAD")],
                body: Array("This page takes no POST\n".utf8))
        }
    }

    /// A browser names the page's origin on every POST; a form on another site must not act on the cluster.
    /// Requests without Origin (curl, scripts) pass: they are not a browser tricked into posting.
    static func isSameOrigin(_ request: HttpRequest) -> Bool {
        guard let origin = request.header("Origin") else { return true }
        guard let host = request.header("Host") else { return false }
        return origin == "http://\(host)"
    }

    private func createTopic(_ form: [String: String]) async -> HttpResponse {
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return back("/topics", error: "A topic needs a name.") }
        guard let partitions = form["partitions"].flatMap({ Int32($0) }), partitions > 0 else {
            return back("/topics", error: "The number of partitions must be a whole number of at least 1.")
        }
        guard let replicationFactor = form["replicationFactor"].flatMap({ Int16($0) }), replicationFactor > 0 else {
            return back("/topics", error: "The replication factor must be a whole number of at least 1.")
        }
        do {
            let results = try await context.client.createTopics(
                [NewTopic(name: name, numPartitions: partitions, replicationFactor: replicationFactor)])
            if let failure = results.first(where: { $0.errorCode != .noError }) {
                return back("/topics", error: "Creating topic \(name) failed: \(failure.errorMessage ?? failure.errorCode.description)")
            }
            return back("/topics", notice: "Created topic \(name) with \(partitions) partitions and replication factor \(replicationFactor).")
        } catch {
            return back("/topics", error: "Creating topic \(name) failed: \(error)")
        }
    }

    /// As `kafka-consumer-groups.sh --reset-offsets --execute` for one topic: refused unless the group is
    /// inactive, the new offsets clamped into each partition's log.
    private func resetOffsets(group: String, _ form: [String: String]) async -> HttpResponse {
        let page = Html.groupPath(group)
        let topic = (form["topic"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !topic.isEmpty else { return back(page, error: "Choose a topic to reset.") }
        let target: ResetTarget
        switch form["to"] {
        case "earliest": target = .earliest
        case "latest": target = .latest
        case "offset":
            guard let offset = form["offset"].flatMap({ Int64($0) }), offset >= 0 else {
                return back(page, error: "The offset must be a whole number of at least 0.")
            }
            target = .offset(offset)
        default:
            return back(page, error: "Choose earliest, latest or an offset.")
        }
        let partitions = context.metadataCache.clusterView().partitions.filter { $0.topic == topic }.map(\.partition).sorted()
        guard !partitions.isEmpty else { return back(page, error: "Error: topic '\(topic)' does not exist") }
        do {
            let description = try await context.client.describeGroup(group)
            guard ["Empty", "Dead"].contains(description.state) else {
                return back(page, error: "Error: Assignments can only be reset if the group '\(group)' is inactive, "
                    + "but the current state is \(description.state).")
            }
            var offsets: [Int32: Int64] = [:]
            for partition in partitions {
                let earliest = try await context.client.listOffsets(topic: topic, partition: partition, timestamp: OffsetSpec.earliest).offset
                let latest = try await context.client.listOffsets(topic: topic, partition: partition, timestamp: OffsetSpec.latest).offset
                offsets[partition] = target.offset(earliest: earliest, latest: latest)
            }
            let errors = try await context.client.commitOffsets(group: group, offsets: [topic: offsets])
            let failed = (errors[topic] ?? [:]).filter { $0.value != .noError }.sorted { $0.key < $1.key }
            guard failed.isEmpty else {
                return back(page, error: "Committing the new offsets failed: "
                    + failed.map { "\(topic)-\($0.key): \($0.value)" }.joined(separator: ", "))
            }
            let summary = offsets.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            return back(page, notice: "Reset the offsets of group \(group) on topic \(topic) to \(target): \(summary).")
        } catch {
            return back(page, error: "Resetting the offsets of group \(group) failed: \(error)")
        }
    }

    /// Post/Redirect/Get to `path` with the outcome to show there.
    private func back(_ path: String, notice: String? = nil, error: String? = nil) -> HttpResponse {
        let (key, text) = error.map { ("error", $0) } ?? ("notice", notice ?? "")
        return .redirect(to: path + "?" + key + "=" + HttpQuery.encodeComponent(text))
    }
}

/// Where a reset moves a group's offsets.
enum ResetTarget: Equatable, CustomStringConvertible {
    case earliest
    case latest
    case offset(Int64)

    /// Kafka clamps the new offset into the log.
    func offset(earliest: Int64, latest: Int64) -> Int64 {
        switch self {
        case .earliest: earliest
        case .latest: latest
        case .offset(let offset): min(max(offset, earliest), latest)
        }
    }

    var description: String {
        switch self {
        case .earliest: "earliest"
        case .latest: "latest"
        case .offset(let offset): "offset \(offset)"
        }
    }
}
