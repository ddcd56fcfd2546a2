import ArgumentParser
import Foundation
import KafkaClient
import Logging
import Storage

/// `--bootstrap-server`, shared by the commands that speak the Kafka protocol to a running cluster.
struct BootstrapOptions: ParsableArguments {
    @Option(
        name: .customLong("bootstrap-server"),
        help: "Broker(s) to connect to first: host:port[,host:port...]; the others are learned from metadata.")
    var bootstrapServer = "127.0.0.1:9092"

    @Option(name: .customLong("request-timeout-ms"), help: "How long to wait for each broker response.")
    var requestTimeoutMs = 30_000

    @Option(
        name: .customLong("command-config"),
        help: "Client properties file, as for Kafka's tools: security.protocol, sasl.mechanism, sasl.jaas.config, ssl.*.")
    var commandConfig: String?

    func validate() throws {
        do {
            _ = try BrokerAddress.parseList(bootstrapServer)
        } catch {
            throw ValidationError("--bootstrap-server: \(error)")
        }
        guard requestTimeoutMs > 0 else { throw ValidationError("--request-timeout-ms must be positive") }
        _ = try Self.securityProperties(commandConfig)
    }

    /// A cluster client for the bootstrap servers; logs only errors (stderr stays quiet for scripts).
    func makeClient(allowAutoTopicCreation: Bool = false) throws -> KafkaClusterClient {
        try Self.makeClient(
            servers: try BrokerAddress.parseList(bootstrapServer), requestTimeoutMs: requestTimeoutMs,
            allowAutoTopicCreation: allowAutoTopicCreation, commandConfig: commandConfig)
    }

    /// The `--command-config` file's properties, or none.
    static func securityProperties(_ path: String?) throws -> [String: String] {
        guard let path else { return [:] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--command-config: cannot read \(path)")
        }
        let properties: [String: String]
        do {
            properties = try JavaProperties.parseDictionary(String(decoding: data, as: UTF8.self))
        } catch {
            throw ValidationError("--command-config \(path): \(error)")
        }
        var probe = KafkaConnectionConfiguration()
        do {
            try ClientSecurityProperties.apply(properties, to: &probe)
        } catch {
            throw ValidationError("--command-config \(path): \(error.description)")
        }
        return properties
    }

    /// A cluster client for `servers` (also for commands that find the brokers in ZooKeeper), with the security
    /// settings of `commandConfig`.
    static func makeClient(
        servers: [BrokerAddress], requestTimeoutMs: Int, allowAutoTopicCreation: Bool = false, commandConfig: String? = nil
    ) throws -> KafkaClusterClient {
        var logger = Logger(label: "gregor")
        logger.logLevel = ProcessInfo.processInfo.environment["GREGOR_CLIENT_DEBUG"] == nil ? .error : .debug
        var connection = KafkaConnectionConfiguration(clientId: "gregor-cli")
        connection.requestTimeout = .milliseconds(requestTimeoutMs)
        try ClientSecurityProperties.apply(try securityProperties(commandConfig), to: &connection)
        let configuration = KafkaClusterClient.Configuration(
            connection: connection, operationTimeout: .milliseconds(max(requestTimeoutMs, 1_000)),
            allowAutoTopicCreation: allowAutoTopicCreation)
        return KafkaClusterClient(bootstrapServers: servers, configuration: configuration, logger: logger)
    }
}

/// Runs `body` with a client and closes the client afterwards, whether `body` throws or not.
func withClient<T>(
    _ options: BootstrapOptions, allowAutoTopicCreation: Bool = false, _ body: (KafkaClusterClient) async throws -> T
) async throws -> T {
    let client = try options.makeClient(allowAutoTopicCreation: allowAutoTopicCreation)
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}

/// Writes a line to standard error (diagnostics never go to stdout, which carries data).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// `key=value` pairs from repeated options such as `--config` and `--header`.
func parseKeyValues(_ pairs: [String], option: String) throws -> [(key: String, value: String)] {
    try pairs.map { pair in
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            throw ValidationError("\(option) expects key=value, got '\(pair)'")
        }
        return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
    }
}

/// A failed command: `message` goes to standard error as it is (no "Error:" prefix, like Kafka's tools print
/// theirs) and the process exits with status 1. See `reportingFailures`.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command's body, turning a `CommandFailure` into its message on stderr and exit status 1.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as CommandFailure {
        printError(failure.description)
        throw ExitCode.failure
    }
}
