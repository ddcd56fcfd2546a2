import KafkaProtocol

extension KafkaClusterClient {
    /// The latest offset (high watermark) of many partitions at once: one ListOffsets per leader, as the caller's
    /// metadata names the leaders, without retries. For monitoring, which samples again soon: a partition whose
    /// leader cannot be asked or answers with an error is simply missing from the answer.
    public func latestOffsets(byLeader partitions: [Int32: [TopicPartition]]) async -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for (leader, leaderPartitions) in partitions.sorted(by: { $0.key < $1.key }) where !leaderPartitions.isEmpty {
            do {
                let connection = try await connection(toBroker: leader)
                let version = try connection.negotiatedVersion(ListOffsetsRequest.self)
                guard version >= 1 else { continue }
                var request = ListOffsetsRequest()
                request.replicaId = -1
                request.topics = Dictionary(grouping: leaderPartitions, by: \.topic).map { topic, members in
                    var listTopic = ListOffsetsRequest.ListOffsetsTopic()
                    listTopic.name = topic
                    listTopic.partitions = members.map { member in
                        var listPartition = ListOffsetsRequest.ListOffsetsPartition()
                        listPartition.partitionIndex = member.partition
                        listPartition.timestamp = -1  // latest
                        listPartition.currentLeaderEpoch = -1
                        return listPartition
                    }
                    return listTopic
                }
                let response = try await connection.send(request, version: version)
                for topic in response.topics {
                    for answer in topic.partitions where answer.errorCode == ErrorCode.noError.rawValue && answer.offset >= 0 {
                        result[TopicPartition(topic: topic.name, partition: answer.partitionIndex)] = answer.offset
                    }
                }
            } catch {
                logger.debug("Latest offsets from broker \(leader) failed: \(error)")
            }
        }
        return result
    }
}
