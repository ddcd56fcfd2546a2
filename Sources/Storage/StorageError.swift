import Glibc
import KafkaProtocol

/// Why the storage engine refused or failed an operation. Every case maps to the Kafka error code a client gets.
public enum StorageError: Error, Sendable, CustomStringConvertible {
    /// A system call failed (disk full, file size limit, I/O error): Kafka's `KAFKA_STORAGE_ERROR`.
    case io(String, path: String, errno: Int32)
    /// The records failed validation; nothing was appended.
    case invalidRecords(RecordBatchError)
    case offsetOutOfRange(requested: Int64, logStartOffset: Int64, logEndOffset: Int64)
    /// Appended batches must carry offsets above the log end (follower appends).
    case unexpectedOffset(first: Int64, logEndOffset: Int64)
    case corruptIndex(path: String, reason: String)
    /// A stored batch's records do not decode (they do not decompress, or a record is malformed): Kafka's
    /// `CorruptRecordException`, `CORRUPT_MESSAGE`. Appends check only batch headers and CRCs, so this surfaces
    /// when something reads inside a batch (ListOffsets by timestamp).
    case corruptRecords(path: String, position: Int, reason: String)
    case logClosed(path: String)
    /// Opening one more file would take the broker past its descriptor budget (`FileDescriptorBudget`, from
    /// `ulimit -n`): refused before the limit, because reaching it kills the process.
    case descriptorBudgetExhausted(path: String, capacity: Int)
    /// The logs on disk have more segment files than the descriptor budget allows open: the broker cannot start.
    case tooManySegments(count: Int, capacity: Int)
    /// A new partition log could not be made (its directory or an index file failed); `reason` says why.
    case logCreationFailed(String, reason: String)
    /// `log.dirs` names no directory, so there is nowhere to create a log.
    case noLogDirectories
    /// AlterReplicaLogDirs named a directory that is not one of `log.dirs`: Kafka's `LOG_DIR_NOT_FOUND`.
    case logDirNotFound(String)
    /// A partition has a directory in two log dirs (a crash in the middle of a move between them).
    case duplicateLogDirectories(String, first: String, second: String)
    /// A topic name Kafka's rules refuse, or a negative partition: its directory could lie outside `log.dirs`.
    case invalidTopicPartition(String)
    /// An idempotent producer's batch carries an older epoch than the log has seen for its id (a zombie).
    case invalidProducerEpoch(producerId: Int64, producerEpoch: Int16, currentEpoch: Int16)
    /// An idempotent producer's batch does not follow its previous one: `firstSequence` is not `lastSequence + 1`,
    /// or (with `lastSequence` nil) a new epoch does not start at sequence 0.
    case outOfOrderSequence(producerId: Int64, producerEpoch: Int16, firstSequence: Int32, lastSequence: Int32?)
    /// A producer with an open transaction in this partition sent a batch outside it (not transactional):
    /// Kafka's `InvalidTxnStateException`, `INVALID_TXN_STATE`.
    case invalidTxnState(producerId: Int64)
    /// A transaction marker from a coordinator with an older epoch than the last marker for this producer: a
    /// coordinator that lost its partition of `__transaction_state` (Kafka's `TRANSACTION_COORDINATOR_FENCED`).
    case transactionCoordinatorFenced(producerId: Int64, coordinatorEpoch: Int32, currentCoordinatorEpoch: Int32)

    public var errorCode: ErrorCode {
        switch self {
        case .io, .corruptIndex, .logClosed, .noLogDirectories, .descriptorBudgetExhausted, .logCreationFailed,
            .tooManySegments, .duplicateLogDirectories:
            return .kafkaStorageError
        case .logDirNotFound: return .logDirNotFound
        case .invalidTopicPartition: return .invalidTopicException
        case .invalidRecords(let error): return error.errorCode
        case .offsetOutOfRange: return .offsetOutOfRange
        case .corruptRecords: return .corruptMessage
        case .unexpectedOffset: return .invalidRecord
        case .invalidProducerEpoch: return .invalidProducerEpoch
        case .outOfOrderSequence: return .outOfOrderSequenceNumber
        case .invalidTxnState: return .invalidTxnState
        case .transactionCoordinatorFenced: return .transactionCoordinatorFenced
        }
    }

    public var description: String {
        switch self {
        case .io(let operation, let path, let code):
            return "\(operation) failed on \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .invalidTopicPartition(let reason):
            return "invalid topic partition: \(reason)"
        case .invalidRecords(let error):
            return "invalid records: \(error)"
        case .offsetOutOfRange(let requested, let start, let end):
            return "offset \(requested) is out of range [\(start), \(end)]"
        case .unexpectedOffset(let first, let end):
            return "records starting at offset \(first) do not follow the log end offset \(end)"
        case .corruptIndex(let path, let reason):
            return "corrupt index \(path): \(reason)"
        case .corruptRecords(let path, let position, let reason):
            return "corrupt records in \(path) at byte \(position): \(reason)"
        case .logClosed(let path):
            return "log \(path) is closed"
        case .descriptorBudgetExhausted(let path, let capacity):
            return "not opening \(path): the broker already has the \(capacity) segment files and connections its descriptor limit allows (ulimit -n)"
        case .tooManySegments(let count, let capacity):
            return "the logs hold \(count) segment files, each kept open, but the open file limit (ulimit -n) leaves room for \(capacity): raise it"
        case .logCreationFailed(let partition, let reason):
            return "creating the log of \(partition) failed: \(reason)"
        case .noLogDirectories:
            return "no log directory is configured (log.dirs)"
        case .logDirNotFound(let dir):
            return "Log dir \(dir) is not found in the config."
        case .duplicateLogDirectories(let partition, let first, let second):
            return "Duplicate log directories for \(partition) are found in both \(first) and \(second). It is likely because log directory failure happened while broker was replacing current replica with future replica. Recover broker from this failure by manually deleting one of the two directories for this partition. It is recommended to delete the partition in the log directory that is known to have failed recently."
        case .invalidProducerEpoch(let producerId, let epoch, let current):
            return "producer \(producerId) has epoch \(epoch), older than the epoch \(current) this partition has seen"
        case .outOfOrderSequence(let producerId, let epoch, let first, let last?):
            return "out of order sequence number for producer \(producerId) (epoch \(epoch)): \(first) does not follow \(last)"
        case .outOfOrderSequence(let producerId, let epoch, let first, nil):
            return "producer \(producerId) starts its new epoch \(epoch) at sequence \(first) instead of 0"
        case .invalidTxnState(let producerId):
            return "producer \(producerId) has an open transaction in this partition but sent a non-transactional batch"
        case .transactionCoordinatorFenced(let producerId, let epoch, let current):
            return "transaction marker for producer \(producerId) from coordinator epoch \(epoch), older than the epoch \(current) of the last marker"
        }
    }
}
