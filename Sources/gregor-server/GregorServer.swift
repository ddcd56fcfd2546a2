import ArgumentParser
import Broker
import Foundation
import Logging
import ServiceLifecycle
import Storage

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
        MallocPolicy.apply(environment: ProcessInfo.processInfo.environment, logger: logger)
        Self.budgetDescriptors(logger: logger)

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

    /// Raises the soft `ulimit -n` to the hard one, as the JVM does for Kafka, and sizes the process's
    /// `FileDescriptorBudget` from it, before any log or socket is open.
    static func budgetDescriptors(logger: Logger) {
        let (limit, raisedFrom) = FileDescriptorBudget.raiseProcessLimit()
        let open = FileDescriptorBudget.openDescriptorCount() ?? 64
        let limits = FileDescriptorBudget.Limits.forProcess(limit: limit, open: open)
        FileDescriptorBudget.process.configure(limits)
        let raised = raisedFrom.map { " (raised from \($0))" } ?? ""
        logger.info(
            "Open file limit (ulimit -n) \(limit)\(raised): up to \(limits.capacity) segment files and connections, new partitions and client connections refused past \(limits.capacity - limits.headroom)")
        if limits.capacity - limits.headroom < 100 {
            logger.warning("ulimit -n \(limit) leaves room for very few partitions and connections; raise it (Kafka's guidance is 100000 or more)")
        }
    }

    /// `GREGOR_LOG_LEVEL` (trace, debug, info, notice, warning, error, critical); info by default.
    static var logLevel: Logger.Level {
        ProcessInfo.processInfo.environment["GREGOR_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
    }
}
