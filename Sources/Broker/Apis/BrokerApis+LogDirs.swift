import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleDescribeLogDirsRequest`: this broker's log dirs and the requested partitions' logs in them
    /// (`topics` null: every partition). It looks at the directories on disk, so on an I/O thread. Without
    /// DESCRIBE on the cluster the answer lists no log dir at all, as Kafka's.
    func describeLogDirs(_ request: DescribeLogDirsRequest, _ context: RequestContext) async -> DescribeLogDirsResponse {
        guard authorizer(context).authorizeCluster(.describe) else { return DescribeLogDirsResponse(results: []) }
        let partitions = request.topics.map { topics in
            Set(topics.flatMap { topic in topic.partitionIndex.map { TopicPartition(topic: topic.topic, partition: $0) } })
        }
        let results = await replicaManager.onIOThread { [replicaManager] in replicaManager.describeLogDirs(partitions) }
        return DescribeLogDirsResponse(results: results)
    }

    /// Kafka's `handleAlterReplicaLogDirsRequest`: moves each named replica to the named log dir of this broker.
    /// Needs ALTER on the cluster, else every named partition is CLUSTER_AUTHORIZATION_FAILED.
    func alterReplicaLogDirs(_ request: AlterReplicaLogDirsRequest, _ context: RequestContext) async -> AlterReplicaLogDirsResponse {
        guard authorizer(context).authorizeCluster(.alter) else {
            return AlterReplicaLogDirsResponse(results: request.dirs.flatMap { dir in
                dir.topics.map { topic in
                    .init(topicName: topic.name, partitions: topic.partitions.map {
                        .init(partitionIndex: $0, errorCode: ErrorCode.clusterAuthorizationFailed.rawValue)
                    })
                }
            })
        }
        var errors: [TopicPartition: ErrorCode] = [:]
        for dir in request.dirs {
            for topic in dir.topics {
                for partition in topic.partitions {
                    let tp = TopicPartition(topic: topic.name, partition: partition)
                    errors[tp] = await replicaManager.onIOThread { [replicaManager] in
                        replicaManager.alterReplicaLogDir(tp, to: dir.path)
                    }
                }
            }
        }
        let byTopic = Dictionary(grouping: errors.keys, by: \.topic)
        return AlterReplicaLogDirsResponse(results: byTopic.keys.sorted().map { topic in
            .init(topicName: topic, partitions: (byTopic[topic] ?? []).map(\.partition).sorted().map {
                .init(partitionIndex: $0, errorCode: (errors[TopicPartition(topic: topic, partition: $0)] ?? .noError).rawValue)
            })
        })
    }
}
