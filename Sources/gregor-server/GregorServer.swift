import ArgumentParser
import Broker
import Foundation
import Logging
import ServiceLifecycle

/// `gregor-server conf/server.properties [--override key=value ...]`: Kafka's `kafka-server-start.sh`.
/// Runs until SIGTERM or SIGINT, then shuts down cleanly (its ZooKeeper session closes, so its ephemeral znodes
/// vanish at once) and exits 0. Any fatal error is logged once and exits 1.
@main
struct GregorServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gregor-server",
        abstract: "Run one Gregor broker (a Kafka-compatible broker coordinated through ZooKeeper).")

    @Argument(help: "The broker's server.properties (Kafka's keys).")
    var configFile: String

    @Option(name: .customLong("override"), help: ArgumentHelp("Replace a property of the file.", valueName: "key=value"))
    var overrides: [String] = []

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = BrokerLogHandler(label: label)
            handler.logLevel = Self.logLevel
            return handler
        }
        let logger = Logger(label: "gregor.server")
        let config: BrokerConfig
        do {
            var overrideMap: [String: String] = [:]
            for text in overrides {
                let (key, value) = try BrokerConfig.parseOverride(text)
                overrideMap[key] = value
            }
            config = try BrokerConfig.load(path: configFile, overrides: overrideMap)
        } catch {
            logger.critical("Invalid configuration: \(error)")
            throw ExitCode(1)
        }
        for warning in config.warnings { logger.warning("\(warning)") }

        let server = KafkaServer(config: config, logger: logger)
        var groupLogger = logger
        groupLogger.logLevel = .critical  // the broker logs its own lifecycle; avoid a second report of each error
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: groupLogger))
        do {
            try await group.run()
        } catch {
            logger.critical("Fatal error, broker shutting down: \(error)")
            throw ExitCode(1)
        }
    }

    /// `GREGOR_LOG_LEVEL` (trace, debug, info, notice, warning, error, critical); info by default.
    static var logLevel: Logger.Level {
        ProcessInfo.processInfo.environment["GREGOR_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
    }
}
