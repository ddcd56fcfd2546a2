import CoreMetrics
import KafkaClient
import KafkaProtocol
import Logging
import NIOCore
import Storage
import Synchronization

/// One follower fetcher (Kafka's `ReplicaFetcherThread`): a task that keeps one connection to a leader broker and
/// sends it Fetch requests for the partitions this broker follows there, as replica `brokerId`, each from the local
/// log end; it appends what comes back with the leader's offsets and takes the leader's high watermark as far as the
/// local log reaches.
///
/// Failures: a partition error (not leader, unknown epoch, ...) pauses that partition for `replica.fetch.backoff.ms`
/// until the controller's next LeaderAndIsr moves it elsewhere; an offset out of range is resolved against the
/// leader's log start and end (ListOffsets); a connection failure pauses all partitions, and the next round
/// reconnects.
///
/// Threading: the fetch loop runs on the fetcher's own `FetcherThread`, which also holds the connection, and appends
/// there, as Kafka's fetcher threads do.
///
/// Locking: `partitions` is held while a response is applied to a log, so `removePartitions` returns only when no
/// append or truncation of those partitions is under way, and none starts later.
final class ReplicaFetcher: Sendable {
    /// The versions Gregor's brokers speak to each other, fixed as Kafka takes them from
    /// `inter.broker.protocol.version` (2.8: Fetch 12, ListOffsets 6).
    static let fetchVersion: Int16 = 12
    static let listOffsetsVersion: Int16 = 6
    static let offsetForLeaderEpochVersion: Int16 = 3

    struct PartitionFetchState: Sendable {
        var partition: Partition
        var fetchOffset: Int64
        var leaderEpoch: Int32
        /// Kafka's `Truncating` state: the log must first be truncated to where it diverges from the leader's
        /// (OffsetForLeaderEpoch) before it is fetched.
        var truncating: Bool
        /// Paused after an error until then.
        var delayedUntil: ContinuousClock.Instant?
        /// Kafka's `isReplicaInSync`: the last fetch brought this replica to the leader's high watermark. Until
        /// then it is catching up, and the follower's replication throttle may hold it back.
        var caughtUp = false

        func isReady(at now: ContinuousClock.Instant) -> Bool { delayedUntil.map { now >= $0 } ?? true }

        /// What the next fetch asks for this partition; nil while it is paused or truncating, or held back by the
        /// follower's throttle. `mutating` only so that the fetcher's pass over thousands of states before every
        /// fetch reads each one in place in its dictionary (`values[index]` yields it): a read through the
        /// dictionary's getter copies the whole state, retaining and releasing its partition, for every field.
        mutating func nextFetch(
            _ topicPartition: TopicPartition, at now: ContinuousClock.Instant, nowMs: Int64, maxBytes: Int32,
            quota: ReplicationQuotaManager
        ) -> FetchSessionHandler.PartitionData? {
            guard isReady(at: now), !truncating, !quota.shouldThrottle(topicPartition, replicaInSync: caughtUp, nowMs: nowMs)
            else { return nil }
            return FetchSessionHandler.PartitionData(
                fetchOffset: fetchOffset, logStartOffset: partition.log.logStartOffset, currentLeaderEpoch: leaderEpoch,
                maxBytes: maxBytes)
        }
    }

    private struct Run {
        var task: Task<Void, Never>?
        var connection: KafkaConnection?
        var stopped = false
    }

    let fetcherId: Int
    let source: BrokerEndPoint
    let brokerId: Int32
    let configuration: ReplicaFetcherConfiguration
    let logger: Logger
    let quota: ReplicationQuotaManager
    let clock: @Sendable () -> Int64
    let replicationBytesIn: Counter?
    let partitions = Mutex<[TopicPartition: PartitionFetchState]>([:])
    /// Whether a partition may be truncating: only `addPartitions` puts one in that state, and the scan for them
    /// clears it once none is left. Read and written under `partitions`' lock. With it, an idle follower of
    /// thousands of partitions skips a pass over all of them before every fetch.
    let mayBeTruncating = Atomic<Bool>(false)
    private let run = Mutex(Run())
    /// The fetch session with the leader (KIP-227); only the fetch loop uses it.
    let session = Mutex(FetchSessionHandler())
    private let wakeUp = ActivitySignal<Int>()

    init(
        fetcherId: Int, source: BrokerEndPoint, brokerId: Int32, configuration: ReplicaFetcherConfiguration,
        quota: ReplicationQuotaManager = ReplicationQuotaManager(direction: .follower),
        clock: @escaping @Sendable () -> Int64 = MonotonicClock.milliseconds, replicationBytesIn: Counter? = nil,
        logger: Logger
    ) {
        self.replicationBytesIn = replicationBytesIn
        self.fetcherId = fetcherId
        self.quota = quota
        self.clock = clock
        self.source = source
        self.brokerId = brokerId
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "fetcher"] = "ReplicaFetcher-\(fetcherId)-\(source.id)"
        self.logger = logger
    }

    // MARK: partitions

    /// Partitions of a new leader: each starts by truncating to where its log diverges from the leader's.
    func addPartitions(_ states: [InitialFetchState]) {
        partitions.withLock { partitions in
            for state in states {
                partitions[state.partition.topicPartition] = PartitionFetchState(
                    partition: state.partition, fetchOffset: state.fetchOffset, leaderEpoch: state.leaderEpoch,
                    truncating: true)
            }
            if !states.isEmpty { mayBeTruncating.store(true, ordering: .relaxed) }
        }
        wakeUp.notify(0)
    }

    /// Removes those of `topicPartitions` this fetcher has; returns them.
    func removePartitions(_ topicPartitions: [TopicPartition]) -> [TopicPartition] {
        partitions.withLock { partitions in topicPartitions.filter { partitions.removeValue(forKey: $0) != nil } }
    }

    /// Removes every partition; returns how many there were.
    ///
    /// A count, not the keys: Swift 6.3's optimizer miscompiles an `Array(dictionary.keys)` whose result is unused
    /// inside a loop (the copy writes into the buffer of the previous iteration, already freed), which is how the
    /// shutdown loop over the fetchers used to call this and how a broker crashed on SIGTERM.
    @discardableResult
    func removeAllPartitions() -> Int {
        partitions.withLock { partitions in
            defer { partitions.removeAll() }
            return partitions.count
        }
    }

    /// Takes a new leader epoch of the same leader for `topicPartition`, if this fetcher has it.
    func updateLeaderEpoch(_ topicPartition: TopicPartition, to epoch: Int32) -> Bool {
        let updated = partitions.withLock { partitions in
            guard var state = partitions[topicPartition], epoch > state.leaderEpoch else { return false }
            state.leaderEpoch = epoch
            state.delayedUntil = nil
            partitions[topicPartition] = state
            return true
        }
        if updated { wakeUp.notify(0) }
        return updated
    }

    func contains(_ topicPartition: TopicPartition) -> Bool { partitions.withLock { $0[topicPartition] != nil } }
    var isIdle: Bool { partitions.withLock { $0.isEmpty } }
    var fetchOffsets: [TopicPartition: Int64] { partitions.withLock { $0.mapValues(\.fetchOffset) } }

    // MARK: lifecycle

    /// Starts the fetch loop on a thread of its own (stopped again when the loop ends).
    func start() {
        run.withLock { run in
            guard run.task == nil, !run.stopped else { return }
            let thread = FetcherThread()
            run.task = Task {
                await self.fetchLoop(on: thread)
                await thread.shutdown()
            }
        }
    }

    /// Closes the connection, which ends a fetch waiting at the leader at once, and cancels the loop.
    func stop() {
        let (task, connection) = run.withLock { run in
            run.stopped = true
            return (run.task, run.connection)
        }
        // Queued on the connection's loop before the cancellation can end the loop and stop its thread.
        connection?.startClosing()
        task?.cancel()
        wakeUp.notify(0)
    }

    func waitUntilStopped() async {
        await run.withLock { $0.task }?.value
    }

    private func fetchLoop(on thread: isolated FetcherThread) async {
        var failures = 0
        while !Task.isCancelled {
            let token = wakeUp.token(for: [0])
            if let (request, sent) = buildOffsetForLeaderEpochRequest(now: .now) {
                do {
                    let connection = try await connected(on: thread.eventLoop)
                    let response = try await connection.send(
                        request, version: Self.offsetForLeaderEpochVersion, timeout: configuration.socketTimeout)
                    failures = 0
                    processEpochEndOffsets(response, sent: sent)
                } catch {
                    if Task.isCancelled { break }
                    failures += 1
                    logger.warning("Error asking broker \(source) for the end offsets of \(sent.count) partition(s)' leader epochs: \(error); retrying in \(configuration.backoff)")
                    await dropConnection()
                    delay(Array(sent.keys))
                }
                continue
            }
            guard let (request, sent, sessionRequest) = buildFetchRequest(now: .now) else {
                await wakeUp.wait(token, timeout: nextReadiness() ?? configuration.backoff)
                continue
            }
            do {
                let connection = try await connected(on: thread.eventLoop)
                let response = try await connection.send(
                    request, version: Self.fetchVersion, timeout: configuration.socketTimeout + configuration.maxWait)
                let errorCode = ErrorCode(rawValue: response.errorCode)
                session.withLock { $0.handleResponse(to: sessionRequest, errorCode: errorCode, sessionId: response.sessionId) }
                if errorCode == .fetchSessionIdNotFound || errorCode == .invalidFetchSessionEpoch {
                    // The leader lost or refused the session; the next fetch is full and opens a new one.
                    logger.info("Fetch session \(sessionRequest.sessionId) with broker \(source): \(errorCode); fetching in full")
                    continue
                }
                guard errorCode == .noError else {
                    throw KafkaClientError.broker(errorCode, context: "Fetch", message: nil)
                }
                if failures > 0 { logger.info("Fetching from broker \(source) again after \(failures) failed attempt(s)") }
                failures = 0
                await processResponse(response, sent: sent, connection: connection)
            } catch {
                session.withLock { $0.handleError() }
                if Task.isCancelled { break }
                failures += 1
                let message = "Error in fetch from broker \(source) for \(sent.count) partition(s): \(error); retrying in \(configuration.backoff)"
                if failures == 1 { logger.warning("\(message)") } else { logger.debug("\(message)") }
                await dropConnection()
                delay(Array(sent.keys))
                try? await Task.sleep(for: configuration.backoff)
            }
        }
        await dropConnection()
    }

    /// The open connection to the leader, or a new one.
    /// - Parameter eventLoop: the fetcher thread's loop, which the connection lives on.
    private func connected(on eventLoop: any EventLoop) async throws -> KafkaConnection {
        if let existing = run.withLock({ $0.connection }), existing.isActive { return existing }
        await dropConnection()
        var connectionConfig = configuration.connection
        connectionConfig.clientId = "broker-\(brokerId)-fetcher-\(fetcherId)"
        connectionConfig.requestTimeout = configuration.socketTimeout + configuration.maxWait
        connectionConfig.negotiateApiVersions = false
        let connection = try await KafkaConnection.connect(
            host: source.host, port: source.port, configuration: connectionConfig, eventLoopGroup: eventLoop,
            logger: logger)
        let keep = run.withLock { run in
            guard !run.stopped else { return false }
            run.connection = connection
            return true
        }
        guard keep else {
            await connection.close()
            throw CancellationError()
        }
        return connection
    }

    private func dropConnection() async {
        let connection = run.withLock { run in
            defer { run.connection = nil }
            return run.connection
        }
        await connection?.close()
    }

    /// Pauses `topicPartitions` for `replica.fetch.backoff.ms`.
    func delay(_ topicPartitions: [TopicPartition]) {
        let until = ContinuousClock.now + configuration.backoff
        partitions.withLock { partitions in
            for tp in topicPartitions where partitions[tp] != nil { partitions[tp]?.delayedUntil = until }
        }
    }

    /// How long until the first paused partition may be fetched again; nil when there are none.
    private func nextReadiness() -> Duration? {
        let now = ContinuousClock.now
        let earliest = partitions.withLock { $0.values.compactMap(\.delayedUntil).min() }
        return earliest.map { max(.milliseconds(1), $0 - now) }
    }
}
