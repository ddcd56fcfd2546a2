/// The transaction coordinator's settings (Kafka's `TransactionConfig`), from `server.properties`
/// (`ConfigDef+Transaction.swift`).
struct TransactionConfiguration: Sendable {
    /// `transaction.max.timeout.ms`: the longest transaction timeout a producer may ask for in InitProducerId.
    var transactionMaxTimeoutMs: Int32
    /// `transactional.id.expiration.ms`: how long an id with no open transaction is kept without any update.
    var transactionalIdExpirationMs: Int64
    /// `transaction.abort.timed.out.transaction.cleanup.interval.ms`: how often open transactions past their
    /// timeout are looked for and aborted.
    var abortTimedOutTransactionCleanupIntervalMs: Int64
    /// `transaction.remove.expired.transaction.cleanup.interval.ms`: how often expired ids are looked for.
    var removeExpiredTransactionalIdCleanupIntervalMs: Int64

    init(
        transactionMaxTimeoutMs: Int32 = 900_000, transactionalIdExpirationMs: Int64 = 604_800_000,
        abortTimedOutTransactionCleanupIntervalMs: Int64 = 10_000,
        removeExpiredTransactionalIdCleanupIntervalMs: Int64 = 3_600_000
    ) {
        self.transactionMaxTimeoutMs = transactionMaxTimeoutMs
        self.transactionalIdExpirationMs = transactionalIdExpirationMs
        self.abortTimedOutTransactionCleanupIntervalMs = abortTimedOutTransactionCleanupIntervalMs
        self.removeExpiredTransactionalIdCleanupIntervalMs = removeExpiredTransactionalIdCleanupIntervalMs
    }

    init(_ config: BrokerConfig) {
        self.init(
            transactionMaxTimeoutMs: config.int("transaction.max.timeout.ms"),
            transactionalIdExpirationMs: Int64(config.int("transactional.id.expiration.ms")),
            abortTimedOutTransactionCleanupIntervalMs: Int64(config.int("transaction.abort.timed.out.transaction.cleanup.interval.ms")),
            removeExpiredTransactionalIdCleanupIntervalMs: Int64(config.int("transaction.remove.expired.transaction.cleanup.interval.ms")))
    }

    /// Kafka's `validateTransactionTimeoutMs`: positive and at most `transaction.max.timeout.ms`.
    func isValidTransactionTimeout(_ timeoutMs: Int32) -> Bool {
        timeoutMs > 0 && timeoutMs <= transactionMaxTimeoutMs
    }
}
