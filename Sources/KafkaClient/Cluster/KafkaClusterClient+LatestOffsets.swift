import KafkaProtocol

/// End offsets of many partitions at once, for lag: `gregor groups --describe` and `gregor cluster` measure a
/// group's committed offsets against them.
extension KafkaClusterClient {
    /// The latest offset (ListOffsets with `OffsetSpec.latest`: the high watermark, where a consumer's lag is
    /// measured to) of each of `partitions`, one request per leader, as Kafka's AdminClient `listOffsets` sends them.
    /// Partitions without a leader, whose leader cannot be reached, or whose answer is an error are left out rather
    /// than failing the rest: a report of lag shows them as unknown. No retries: the report is asked for again.
    public func latestOffsets(_ partitions: Set<TopicPartition>, timeout: Duration? = nil) async -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let topicNames = Set(partitions.map(\.topic)).sorted()
        guard let metadata = try? await metadata(topics: topicNames, timeout: timeout) else { return [:] }
        var byLeader: [Int32: [TopicPartition]] = [:]
        for partition in partitions {
            guard let leader = metadata.topic(partition.topic)?.partition(partition.partition)?.leader else { continue }
            byLeader[leader, default: []].append(partition)
        }
        var result: [TopicPartition: Int64] = [:]
        for (leader, led) in byLeader.sorted(by: { $0.key < $1.key }) {
            do {
                let answers = try await latestOffsets(led, onBroker: leader)
                result.merge(answers) { first, _ in first }
            } catch {
                logger.debug("ListOffsets on broker \(leader) failed: \(error)")
            }
        }
        return result
    }

    /// As `latestOffsets(_:)`, with the leaders given by the caller's metadata (the broker's own cluster sampler
    /// knows them from its metadata cache): one request per leader, no Metadata request.
    public func latestOffsets(byLeader partitions: [Int32: [TopicPartition]]) async -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for (leader, led) in partitions.sorted(by: { $0.key < $1.key }) where !led.isEmpty {
            do {
                result.merge(try await latestOffsets(led, onBroker: leader)) { first, _ in first }
            } catch {
                logger.debug("ListOffsets on broker \(leader) failed: \(error)")
            }
        }
        return result
    }

    private func latestOffsets(_ partitions: [TopicPartition], onBroker leader: Int32) async throws(KafkaClientError)
        -> [TopicPartition: Int64]
    {
        let connection = try await connection(toBroker: leader)
        let version = try connection.negotiatedVersion(ListOffsetsRequest.self)
        // v1 is the first version answering with one offset (v0 returns a list).
        guard version >= 1 else { throw .unsupportedVersion(api: .listOffsets, version: version) }
        var request = ListOffsetsRequest()
        request.replicaId = -1
        request.topics = Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }.map { topic, led in
            var listTopic = ListOffsetsRequest.ListOffsetsTopic()
            listTopic.name = topic
            listTopic.partitions = led.sorted().map { partition in
                var listPartition = ListOffsetsRequest.ListOffsetsPartition()
                listPartition.partitionIndex = partition.partition
                listPartition.timestamp = OffsetSpec.latest
                listPartition.currentLeaderEpoch = -1
                return listPartition
            }
            return listTopic
        }
        let response = try await connection.send(request, version: version)
        let asked = Set(partitions)
        var result: [TopicPartition: Int64] = [:]
        for topic in response.topics {
            for answer in topic.partitions where ErrorCode(rawValue: answer.errorCode) == .noError && answer.offset >= 0 {
                let partition = TopicPartition(topic.name, answer.partitionIndex)
                if asked.contains(partition) { result[partition] = answer.offset }
            }
        }
        return result
    }
}
