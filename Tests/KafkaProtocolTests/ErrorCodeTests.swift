import Testing

import KafkaProtocol

@Suite struct ErrorCodeTests {
    /// Spot checks against Kafka 2.8's Errors.java, including the two the reference notes had swapped.
    @Test func codesAndNamesMatchKafka() {
        #expect(ErrorCode.noError.rawValue == 0)
        #expect(ErrorCode.unknownServerError.rawValue == -1)
        #expect(ErrorCode.corruptMessage.rawValue == 2)
        #expect(ErrorCode.messageTooLarge.rawValue == 10)
        #expect(ErrorCode.recordListTooLarge.rawValue == 18)
        #expect(ErrorCode.unsupportedForMessageFormat.rawValue == 43)
        #expect(ErrorCode.fencedLeaderEpoch.rawValue == 74)
        #expect(ErrorCode.unknownLeaderEpoch.rawValue == 75)
        #expect(ErrorCode.unsupportedCompressionType.rawValue == 76)
        #expect(ErrorCode.invalidRecord.rawValue == 87)
        #expect(ErrorCode.inconsistentClusterId.rawValue == 104)
        #expect(ErrorCode.notLeaderOrFollower.name == "NOT_LEADER_OR_FOLLOWER")
        #expect(ErrorCode.corruptMessage.description == "CORRUPT_MESSAGE(2)")
        #expect(ErrorCode(rawValue: 999).name == nil)
        #expect(ErrorCode(rawValue: 999).description == "UNKNOWN_CODE(999)")
    }

    @Test func retriabilityFollowsKafkasExceptionHierarchy() {
        let retriable: [ErrorCode] = [
            .corruptMessage, .unknownTopicOrPartition, .leaderNotAvailable, .notLeaderOrFollower, .requestTimedOut,
            .notEnoughReplicas, .notEnoughReplicasAfterAppend, .notController, .kafkaStorageError,
            .coordinatorLoadInProgress, .coordinatorNotAvailable, .notCoordinator, .fencedLeaderEpoch,
            .unknownLeaderEpoch,
        ]
        let fatal: [ErrorCode] = [
            .noError, .unknownServerError, .offsetOutOfRange, .messageTooLarge, .invalidRecord, .invalidTimestamp,
            .unsupportedVersion, .rebalanceInProgress, .recordListTooLarge, .unsupportedCompressionType,
            ErrorCode(rawValue: 999),
        ]
        for code in retriable { #expect(code.isRetriable, "\(code)") }
        for code in fatal { #expect(!code.isRetriable, "\(code)") }
    }

    @Test func recordBatchErrorsCarryTheirKafkaCode() {
        let error = RecordBatchError(position: 61, kind: .checksumMismatch(stored: 1, computed: 0xABCDEF))
        #expect(error.kafkaErrorCode == 2)
        #expect(error.description
            == "record batch at byte 61: CRC mismatch: stored 0x00000001, computed 0x00abcdef (CORRUPT_MESSAGE(2))")
        let tooLarge = RecordBatchError(position: 0, kind: .batchTooLarge(sizeInBytes: 2, maxBatchBytes: 1))
        #expect(tooLarge.kafkaErrorCode == 10)
        #expect(RecordBatchError(position: 0, kind: .unsupportedMagic(1)).kafkaErrorCode == 87)
    }
}
