import Coordination
import Foundation
import KafkaProtocol
import Logging

/// The driver of the transactional ids this broker coordinates (Kafka's `TransactionCoordinator` and
/// `TransactionStateManager` minus their decisions, which live in `TransactionMetadata+Transitions.swift`): it finds
/// or loads an id, feeds it each request with the time, writes the transitions to ZooKeeper (`TransactionStore`), and
/// has the markers written (`TransactionMarkerSender`).
///
/// Which broker coordinates an id: rendezvous hashing of the id over the live brokers (`GroupCoordinatorSelection`),
/// the same on every broker. Other brokers' ids get NOT_COORDINATOR. The first request for an id claims its znode
/// (other requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS), which fences the previous coordinator; an id found in
/// PrepareCommit or PrepareAbort (its coordinator died mid-commit) has its markers sent again, then Complete*.
///
/// EndTxn answers once Prepare* is in ZooKeeper, as Kafka answers once it is in `__transaction_state`; the markers go
/// out in a task, and when they are all written Complete* is. Meanwhile the id has a pending transition, so the next
/// transaction's AddPartitionsToTxn gets CONCURRENT_TRANSACTIONS until Complete* is written, as in Kafka.
///
/// ZooKeeper failures: a fenced write (another broker claimed the id) answers NOT_COORDINATOR and drops the cached
/// copy; any other failure answers COORDINATOR_NOT_AVAILABLE and drops it too, since the write's outcome is unknown
/// (the next request claims and reads the id again). Kafka maps a failed append the same way.
actor TransactionCoordinator {
    /// A loaded id: its metadata and the fence of its next write.
    struct Entry: Sendable {
        var metadata: TransactionMetadata
        var coordinatorEpoch: Int32
        var zkVersion: Int32
        /// The ZooKeeper session it was claimed in; after an expiry another broker may have taken it over.
        var sessionId: Int64
    }

    enum Slot: Sendable {
        case loading
        case loaded(Entry)
    }

    let brokerId: Int32
    let configuration: TransactionConfiguration
    let store: TransactionStore
    let session: @Sendable () -> KafkaZkClient
    let producerIds: ProducerIdManager
    let markers: any TransactionMarkerSender
    let liveBrokerIds: @Sendable () -> [Int32]
    let logger: Logger

    var ids: [String: Slot] = [:]
    /// Marker tasks in flight, one per id in Prepare*, with the coordinator epoch they were started under.
    var markerTasks: [String: (coordinatorEpoch: Int32, task: Task<Void, Never>)] = [:]
    var periodicTasks: [Task<Void, Never>] = []
    var isShutDown = false

    init(
        brokerId: Int32, configuration: TransactionConfiguration, session: @escaping @Sendable () -> KafkaZkClient,
        producerIds: ProducerIdManager, markers: any TransactionMarkerSender,
        liveBrokerIds: @escaping @Sendable () -> [Int32], logger: Logger
    ) {
        self.brokerId = brokerId
        self.configuration = configuration
        self.session = session
        self.store = TransactionStore(session: session, logger: logger)
        self.producerIds = producerIds
        self.markers = markers
        self.liveBrokerIds = liveBrokerIds
        self.logger = logger
    }

    nonisolated static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: which broker coordinates an id

    /// The broker that coordinates `transactionalId` among the live brokers, nil when none is live.
    nonisolated func coordinatorId(for transactionalId: String) -> Int32? {
        GroupCoordinatorSelection.coordinator(for: transactionalId, among: liveBrokerIds())
    }

    /// Why this broker cannot serve the id now, if it cannot.
    func ownershipError(_ transactionalId: String) -> ErrorCode? {
        if isShutDown { return .coordinatorNotAvailable }
        guard let owner = coordinatorId(for: transactionalId) else { return .coordinatorNotAvailable }
        return owner == brokerId ? nil : .notCoordinator
    }

    /// The id's metadata for reading (tests and tools); nil when not loaded.
    func metadata(for transactionalId: String) -> TransactionMetadata? {
        guard case .loaded(let entry) = ids[transactionalId] else { return nil }
        return entry.metadata
    }

    // MARK: loading

    /// The id's entry, claiming its znode first when it is not loaded. With `initial`, an absent znode is created
    /// from it; without, an absent id is `.success(nil)`.
    func entry(_ transactionalId: String, createWith initial: (@Sendable () async throws -> TransactionMetadata)? = nil) async -> Result<Entry?, ErrorCode> {
        if let error = ownershipError(transactionalId) { return .failure(error) }
        let sessionId = session().sessionID
        switch ids[transactionalId] {
        case .loaded(let entry) where entry.sessionId == sessionId: return .success(entry)
        case .loaded:
            logger.info("Transactional id \(transactionalId) was loaded in an expired ZooKeeper session: loading it again")
            drop(transactionalId)
        case .loading: return .failure(.coordinatorLoadInProgress)
        case nil: break
        }
        ids[transactionalId] = .loading
        let stored: StoredTransaction?
        do {
            if let claimed = try await store.claim(transactionalId: transactionalId, brokerId: brokerId) {
                stored = claimed
            } else if let initial {
                stored = try await claimNew(transactionalId, initial: initial)
            } else {
                stored = nil
            }
        } catch {
            ids[transactionalId] = nil
            logger.warning("Loading transactional id \(transactionalId) failed: \(error)")
            return .failure(Self.errorCode(for: error))
        }
        ids[transactionalId] = nil
        guard let stored else { return .success(nil) }
        guard let metadata = TransactionMetadata(stored.node) else {
            logger.error("Transactional id \(transactionalId) holds the unknown state \(stored.node.state)")
            return .failure(.unknownServerError)
        }
        // The live brokers may have changed while ZooKeeper answered.
        if let error = ownershipError(transactionalId) { return .failure(error) }
        let entry = Entry(metadata: metadata, coordinatorEpoch: stored.node.coordinatorEpoch, zkVersion: stored.zkVersion, sessionId: sessionId)
        ids[transactionalId] = .loaded(entry)
        logger.info("Loaded transactional id \(transactionalId) in state \(metadata.state.name) (coordinator epoch \(entry.coordinatorEpoch))")
        if metadata.state == .prepareCommit || metadata.state == .prepareAbort {
            logger.info("Resuming the \(metadata.state.name) of transactional id \(transactionalId) left by the previous coordinator")
            completeTransaction(transactionalId)
        }
        return .success(entry)
    }

    /// Creates the znode of a new id (or claims the one another broker created meanwhile).
    private func claimNew(_ transactionalId: String, initial: @Sendable () async throws -> TransactionMetadata) async throws -> StoredTransaction? {
        let metadata = try await initial()
        return try await store.claim(
            transactionalId: transactionalId, brokerId: brokerId,
            createWith: metadata.node(coordinator: brokerId, coordinatorEpoch: TransactionZNode.initialCoordinatorEpoch))
    }

    /// Forgets an id: its marker task stops (the next coordinator, or this one after reloading, sends them again).
    func drop(_ transactionalId: String) {
        ids[transactionalId] = nil
        markerTasks.removeValue(forKey: transactionalId)?.task.cancel()
    }

    // MARK: writing

    /// Stores the entry's metadata after a `prepare…` set its pending state.
    func update(_ transactionalId: String, _ metadata: TransactionMetadata) {
        guard case .loaded(var entry) = ids[transactionalId] else { return }
        entry.metadata = metadata
        ids[transactionalId] = .loaded(entry)
    }

    /// Writes `transit` (pending in the loaded entry) and completes it. Any failure drops the entry: fenced is
    /// NOT_COORDINATOR, the rest COORDINATOR_NOT_AVAILABLE.
    func write(_ transactionalId: String, _ transit: TransactionTransit) async -> ErrorCode {
        guard case .loaded(let entry) = ids[transactionalId] else { return .notCoordinator }
        let node = entry.metadata.node(transit, coordinator: brokerId, coordinatorEpoch: entry.coordinatorEpoch)
        let result: Result<StoredTransaction, any Error>
        do {
            result = .success(try await store.write(node, expectedVersion: entry.zkVersion))
        } catch {
            result = .failure(error)
        }
        guard case .loaded(var current) = ids[transactionalId], current.coordinatorEpoch == entry.coordinatorEpoch,
              current.zkVersion == entry.zkVersion
        else { return .notCoordinator }
        switch result {
        case .success(let stored):
            current.metadata.complete(transit)
            current.zkVersion = stored.zkVersion
            ids[transactionalId] = .loaded(current)
            return .noError
        case .failure(let error):
            logger.warning("Writing \(transit.state.name) of transactional id \(transactionalId) to ZooKeeper failed: \(error); dropping it")
            drop(transactionalId)
            return Self.errorCode(for: error)
        }
    }

    /// Kafka's mapping of a failed append to `__transaction_state`: fenced means another broker owns the id now;
    /// the other ZooKeeper failures are worth a retry.
    nonisolated static func errorCode(for error: any Error) -> ErrorCode {
        switch error {
        case TransactionStoreError.fenced: .notCoordinator
        case TransactionStoreError.invalidId: .invalidRequest
        case TransactionStoreError.corrupt: .unknownServerError
        default: .coordinatorNotAvailable
        }
    }
}
