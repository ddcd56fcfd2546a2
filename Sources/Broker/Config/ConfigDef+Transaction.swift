extension ConfigDef {
    /// Kafka 2.8's transaction coordinator settings: names, types (int), defaults and `atLeast(1)` as Kafka defines
    /// them. Gregor keeps transaction state in ZooKeeper (`/transactions`), so the `transaction.state.log.*` keys
    /// only exist for compatibility.
    static let transactionKeys: [ConfigKey] = [
        ConfigKey("transactional.id.expiration.ms", .int, .value("604800000"), .atLeast(1),
                  doc: "How long the transaction coordinator keeps a transactional id that has no open transaction and received no update; then its state is removed from ZooKeeper."),
        ConfigKey("transaction.max.timeout.ms", .int, .value("900000"), .atLeast(1),
                  doc: "The largest transaction timeout a producer may ask for; InitProducerId with a larger one gets INVALID_TRANSACTION_TIMEOUT."),
        ConfigKey("transaction.abort.timed.out.transaction.cleanup.interval.ms", .int, .value("10000"), .atLeast(1),
                  doc: "How often the transaction coordinator aborts transactions open longer than their timeout."),
        ConfigKey("transaction.remove.expired.transaction.cleanup.interval.ms", .int, .value("3600000"), .atLeast(1),
                  doc: "How often the transaction coordinator removes transactional ids idle longer than transactional.id.expiration.ms."),
    ]
}
