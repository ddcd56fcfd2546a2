import KafkaProtocol

extension BrokerApis {
    /// The topic name a transaction coordinator puts in a marker for consumer groups, as Kafka does; the groups
    /// themselves are named by the Gregor-only `GroupIds` tagged field, since offsets live in ZooKeeper.
    static let groupMetadataTopicName = "__consumer_offsets"

    /// How long a marker append waits for the in-sync replicas: Kafka's default `request.timeout.ms` (30 s),
    /// which its WriteTxnMarkers handler uses. The coordinator retries after a timeout.
    static let txnMarkerReplicationTimeout = Duration.seconds(30)

    /// Kafka's `handleWriteTxnMarkersRequest` (broker to broker): each marker is written as a control batch into
    /// the partitions this broker leads and answered once replicated; a marker for `__consumer_offsets` completes
    /// the pending transactional offsets of its groups at this group coordinator. Needs CLUSTER_ACTION.
    func writeTxnMarkers(_ request: WriteTxnMarkersRequest, _ context: RequestContext) async -> WriteTxnMarkersResponse {
        let authorized = authorizer(context).authorizeCluster(.clusterAction)
        var results: [WriteTxnMarkersResponse.WritableTxnMarkerResult] = []
        for marker in request.markers {
            var errors: [TopicPartition: ErrorCode] = [:]
            var partitions: [TopicPartition] = []
            var offsetsPartitions: [TopicPartition] = []
            for topic in marker.topics {
                for index in topic.partitionIndexes {
                    let topicPartition = TopicPartition(topic: topic.name, partition: index)
                    if !authorized {
                        errors[topicPartition] = .clusterAuthorizationFailed
                    } else if topic.name == Self.groupMetadataTopicName {
                        offsetsPartitions.append(topicPartition)
                    } else {
                        partitions.append(topicPartition)
                    }
                }
            }
            if !partitions.isEmpty {
                let append = EndTxnMarkerAppend(
                    producerId: marker.producerId, producerEpoch: marker.producerEpoch,
                    coordinatorEpoch: marker.coordinatorEpoch, commit: marker.transactionResult)
                errors.merge(
                    await replicaManager.appendEndTxnMarkers(append, partitions: partitions, timeout: Self.txnMarkerReplicationTimeout)
                ) { first, _ in first }
            }
            if !offsetsPartitions.isEmpty {
                let error = await groupCoordinator.completeTransaction(
                    groupIds: marker.groupIds, producerId: marker.producerId, commit: marker.transactionResult)
                for topicPartition in offsetsPartitions { errors[topicPartition] = error }
            }
            results.append(Self.markerResult(producerId: marker.producerId, marker.topics, errors))
        }
        return WriteTxnMarkersResponse(markers: results)
    }

    /// The response entry of one marker, topics and partitions in request order.
    private static func markerResult(
        producerId: Int64, _ topics: [WriteTxnMarkersRequest.WritableTxnMarkerTopic], _ errors: [TopicPartition: ErrorCode]
    ) -> WriteTxnMarkersResponse.WritableTxnMarkerResult {
        WriteTxnMarkersResponse.WritableTxnMarkerResult(producerId: producerId, topics: topics.map { topic in
            WriteTxnMarkersResponse.WritableTxnMarkerTopicResult(name: topic.name, partitions: topic.partitionIndexes.map { index in
                let error = errors[TopicPartition(topic: topic.name, partition: index)] ?? .unknownServerError
                return WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult(partitionIndex: index, errorCode: error.rawValue)
            })
        })
    }
}
