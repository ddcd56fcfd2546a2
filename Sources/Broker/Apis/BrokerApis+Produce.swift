import Coordination
import KafkaProtocol
import NIOCore
import Storage

extension BrokerApis {
    /// Kafka's `handleProduceRequest`: appends each partition's batch on this broker as leader and answers per
    /// partition in request order; acks=all answers once the in-sync replicas have the records, or after the
    /// request's `timeout_ms`. acks=0 gets no response; if such a produce failed, the connection is closed,
    /// as Kafka does, so the producer learns of it by reconnecting and refreshing metadata.
    ///
    /// Authorization as Kafka's: transactional batches need WRITE on the request's transactional id (else the whole
    /// request is TRANSACTIONAL_ID_AUTHORIZATION_FAILED); each topic needs WRITE, else its partitions are
    /// TOPIC_AUTHORIZATION_FAILED and nothing of them is appended.
    func produce(_ request: ProduceRequest, _ context: RequestContext) async -> ApiOutcome<ProduceResponse> {
        let acks = request.acks
        let auth = authorizer(context)
        if auth.isEnabled, Self.hasTransactionalRecords(request),
            !(request.transactionalId.map { auth.authorize(.write, .transactionalId, $0) } ?? false)
        {
            return Self.wholeProduceError(request, .transactionalIdAuthorizationFailed)
        }
        let writable = auth.filterByAuthorized(.write, .topic, request.topicData.map(\.name))
        var results: [TopicPartition: ProducePartitionResult] = [:]
        var appendable: [(TopicPartition, ByteBuffer)] = []
        for topic in request.topicData {
            let nameError = produceTopicError(topic.name)
            for partition in topic.partitionData {
                let tp = TopicPartition(topic: topic.name, partition: partition.index)
                if !writable.contains(topic.name) {
                    results[tp] = ProducePartitionResult(errorCode: .topicAuthorizationFailed)
                } else if acks != 0, acks != 1, acks != -1 {
                    results[tp] = ProducePartitionResult(errorCode: .invalidRequiredAcks)
                } else if let nameError {
                    results[tp] = ProducePartitionResult(errorCode: nameError)
                } else if let records = partition.records?.buffer {
                    if context.apiVersion < 7, Self.firstBatchCompression(records) == .zstd {
                        results[tp] = ProducePartitionResult(
                            errorCode: .unsupportedCompressionType,
                            errorMessage: "Produce requests with ZStandard compression need version 7 or later")
                    } else {
                        appendable.append((tp, records))
                    }
                } else {
                    results[tp] = ProducePartitionResult(errorCode: .corruptMessage, errorMessage: "No records in the request")
                }
            }
        }
        let timeout = Duration.milliseconds(Int64(max(0, request.timeoutMs)))
        results.merge(
            await replicaManager.appendRecords(
                requiredAcks: acks, timeout: timeout, entries: appendable, turn: context.connection.appendTurn)
        ) { a, _ in a }

        if acks == 0 {
            if let failed = results.first(where: { $0.value.errorCode != .noError }) {
                return .close("acks=0 produce to \(failed.key) failed with \(failed.value.errorCode)")
            }
            return .noResponse
        }
        return .respond(ProduceResponse(responses: request.topicData.map { topic in
            .init(name: topic.name, partitionResponses: topic.partitionData.map { partition in
                let result = results[TopicPartition(topic: topic.name, partition: partition.index)]
                    ?? ProducePartitionResult(errorCode: .unknownServerError)
                return .init(
                    index: partition.index, errorCode: result.errorCode.rawValue, baseOffset: result.baseOffset,
                    logAppendTimeMs: result.logAppendTimeMs, logStartOffset: result.logStartOffset,
                    errorMessage: Self.producesErrorMessage(result.errorCode) ? result.errorMessage : nil)
            })
        }))
    }

    /// Kafka 2.8 writes a partition's `error_message` only for a record that failed validation (its
    /// RecordValidationException: a bad timestamp or record); every other error, and success, is null.
    static func producesErrorMessage(_ error: ErrorCode) -> Bool {
        error == .invalidTimestamp || error == .invalidRecord
    }

    /// An illegal topic name is refused as INVALID_TOPIC_EXCEPTION (Kafka would answer UNKNOWN_TOPIC_OR_PARTITION,
    /// which clients retry until they time out; the name can never become valid, so Gregor says so at once).
    private func produceTopicError(_ name: String) -> ErrorCode? {
        do {
            try TopicName.validate(name)
            return nil
        } catch {
            logger.info("Refusing produce request for illegal topic name: \(error)")
            return .invalidTopicException
        }
    }

    /// Whether any partition's first batch is transactional (Kafka's `RequestUtils.hasTransactionalRecords`):
    /// attributes bit 4.
    static func hasTransactionalRecords(_ request: ProduceRequest) -> Bool {
        request.topicData.contains { topic in
            topic.partitionData.contains { partition in
                guard let records = partition.records?.buffer,
                    let attributes = records.getInteger(at: records.readerIndex + 21, as: Int16.self)
                else { return false }
                return attributes & 0x10 != 0
            }
        }
    }

    /// Every partition with one error (`ProduceRequest.getErrorResponse`: its message is null for an error's
    /// generic exception); acks=0 closes the connection instead.
    static func wholeProduceError(_ request: ProduceRequest, _ error: ErrorCode) -> ApiOutcome<ProduceResponse> {
        if request.acks == 0 { return .close("acks=0 produce refused with \(error)") }
        return .respond(ProduceResponse(responses: request.topicData.map { topic in
            .init(name: topic.name, partitionResponses: topic.partitionData.map { partition in
                .init(index: partition.index, errorCode: error.rawValue, baseOffset: -1, logAppendTimeMs: -1,
                      logStartOffset: -1, errorMessage: nil)
            })
        }))
    }

    /// The compression codec of the first batch, read from its attributes without decoding it.
    static func firstBatchCompression(_ records: ByteBuffer) -> CompressionType? {
        guard let attributes = records.getInteger(at: records.readerIndex + 21, as: Int16.self) else { return nil }
        return CompressionType(rawValue: Int8(attributes & 0x07))
    }
}
