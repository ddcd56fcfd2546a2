import Coordination
import KafkaClient

/// How this broker connects to other brokers: the controller's channel, the replica fetchers, the controlled
/// shutdown request and the cluster sampler all reach other brokers on the inter-broker listener
/// (`inter.broker.listener.name`, or the one of `security.inter.broker.protocol`), with the security of that
/// listener. Built once at startup; every connection starts from `connection` and sets its own client id and
/// timeouts.
struct InterBrokerClient: Sendable {
    var listenerName: String
    var securityProtocol: SecurityProtocol
    /// The template: TLS (SSL, SASL_SSL) from the listener's `ssl.*` keys, the SASL login (SASL_PLAINTEXT,
    /// SASL_SSL) of `sasl.mechanism.inter.broker.protocol`, nothing for PLAINTEXT.
    var connection: KafkaConnectionConfiguration

    init(listenerName: String = "PLAINTEXT", securityProtocol: SecurityProtocol = .plaintext,
         connection: KafkaConnectionConfiguration = KafkaConnectionConfiguration()) {
        self.listenerName = listenerName
        self.securityProtocol = securityProtocol
        self.connection = connection
    }

    /// - Throws: `SslFactoryError` when the listener's TLS settings are unusable.
    init(config: BrokerConfig) throws(SslFactoryError) {
        let listener = config.interBrokerListenerName
        var connection = KafkaConnectionConfiguration()
        connection.tls = try SslFactory.interBrokerClientConfiguration(config)
        // Checked when the configuration was read (`BrokerConfig.validate`), so it cannot fail here.
        connection.sasl = (try? config.interBrokerSasl()) ?? nil
        self.init(
            listenerName: listener, securityProtocol: config.listenerSecurityProtocolMap[listener] ?? .plaintext,
            connection: connection)
    }

    /// The template with `clientId`.
    func configuration(clientId: String) -> KafkaConnectionConfiguration {
        var configuration = connection
        configuration.clientId = clientId
        return configuration
    }
}
