import Foundation
import Testing

@testable import Broker
import Coordination

private let zk = ["zookeeper.connect": "127.0.0.1:2181"]

private func config(_ extra: [String: String]) throws -> BrokerConfig {
    try BrokerConfig(properties: zk.merging(extra) { $1 }, localHostName: "gregor-host")
}

/// The error `properties` are rejected with, or nil when they are accepted.
private func rejection(_ extra: [String: String], _ base: [String: String] = zk) -> ConfigError? {
    do {
        _ = try BrokerConfig(properties: base.merging(extra) { $1 }, localHostName: "gregor-host")
        return nil
    } catch {
        return error
    }
}

@Suite struct BrokerConfigTests {
    @Test func defaultsAreKafkas() throws {
        let config = try config([:])
        #expect(config.brokerId == -1)
        #expect(config.brokerIdGenerationEnable)
        #expect(config.reservedBrokerMaxId == 1000)
        #expect(config.rack == nil)
        #expect(config.listeners
            == [EndPoint(listenerName: "PLAINTEXT", host: "", port: 9092, securityProtocol: .plaintext)])
        #expect(config.advertisedListeners.map(\.connectionString) == ["PLAINTEXT://gregor-host:9092"])
        #expect(config.listenerSecurityProtocolMap == [
            "PLAINTEXT": .plaintext, "SSL": .ssl, "SASL_PLAINTEXT": .saslPlaintext, "SASL_SSL": .saslSsl,
        ])
        #expect(config.interBrokerListenerName == "PLAINTEXT")
        #expect(config.logDirs == ["/tmp/kafka-logs"])
        #expect(config.zookeeperConnect == "127.0.0.1:2181")
        #expect(config.zookeeperSessionTimeoutMs == 18000)
        #expect(config.socketRequestMaxBytes == 104_857_600)
        #expect(config.connectionsMaxIdleMs == 600_000)
        #expect(config.warnings.isEmpty)
    }

    @Test func typedAccessorsReadAnyKnownKey() throws {
        let config = try config(["log.retention.ms": "1000", "log.cleanup.policy": " delete , delete"])
        #expect(config.int("num.io.threads") == 8)
        #expect(config.int("message.max.bytes") == 1_048_588)
        #expect(config.long("log.flush.interval.messages") == Int64.max)
        #expect(config.bool("zero.copy.fetch.enable"))
        #expect(!config.bool("unclean.leader.election.enable"))
        #expect(config.string("compression.type") == "producer")
        #expect(config.list("log.cleanup.policy") == ["delete", "delete"])
        #expect(config.longIfSet("log.retention.ms") == 1000)
        #expect(config.longIfSet("log.roll.ms") == nil)
        #expect(config.intIfSet("log.retention.minutes") == nil)
        #expect(config.intIfSet("log.retention.hours") == 168)
    }

    @Test func configsGregorDoesNotImplementOrThatCannotWorkAreRefusedAtStartup() throws {
        for (key, value) in [
            ("log.cleanup.policy", "compact"), ("log.cleanup.policy", "delete,compact"), ("log.index.size.max.bytes", "11"),
            ("log.roll.ms", "0"), ("log.segment.bytes", "2147483648"), ("log.segment.bytes", "13"),
        ] {
            #expect(throws: ConfigError.self, "\(key)=\(value)") { try config([key: value]) }
        }
    }

    @Test func everyDefaultParsesWithItsType() throws {
        for key in ConfigDef.broker.keys {
            if case .value(let text) = key.defaultValue {
                #expect(throws: Never.self, "default of \(key.name)") { try key.parse(text) }
            }
        }
    }

    @Test func loggableValuesListEveryKeySorted() throws {
        let lines = try config(["log.retention.ms": "5"]).loggableValues
        #expect(lines.count == ConfigDef.broker.keys.count)
        #expect(lines == lines.sorted())
        #expect(lines.contains("log.retention.ms = 5"))
        #expect(lines.contains("log.roll.ms = null"))
        #expect(ConfigValue.password("secret").loggable == "[hidden]")
    }

    @Test func numbersAndBooleansAcceptSurroundingWhitespaceAndAnyCase() throws {
        let config = try config(["num.io.threads": "  16\t", "auto.create.topics.enable": " FALSE "])
        #expect(config.int("num.io.threads") == 16)
        #expect(!config.bool("auto.create.topics.enable"))
    }

    @Test func unknownKeysAreWarnedNotFatal() throws {
        let config = try config(["foo.bar": "1", "log.retention.hours": "1"])
        #expect(config.warnings == ["Unknown configuration key 'foo.bar' (ignored)"])
        #expect(config.originals["foo.bar"] == "1")
    }

    @Test func malformedValuesNameTheKeyAndValue() {
        #expect(rejection(["broker.id": "abc"])?.description
            == "Invalid value 'abc' for configuration 'broker.id': not a number")
        #expect(rejection(["num.io.threads": "99999999999"])
            == .invalidValue(key: "num.io.threads", value: "99999999999", reason: "out of range for a 32-bit integer"))
        #expect(rejection(["connections.max.idle.ms": "1.5"])
            == .invalidValue(key: "connections.max.idle.ms", value: "1.5", reason: "not a number"))
        #expect(rejection(["delete.topic.enable": "yes"])
            == .invalidValue(key: "delete.topic.enable", value: "yes", reason: "expected true or false"))
        #expect(rejection(["num.io.threads": "0"])
            == .invalidValue(key: "num.io.threads", value: "0", reason: "must be at least 1"))
        #expect(rejection(["compression.type": "brotli"])?.description.contains("'compression.type'") == true)
        #expect(rejection(["log.cleanup.policy": "delete,shred"])?.description.contains("'shred'") == true)
    }

    @Test func missingZooKeeperConnectIsFatal() {
        #expect(rejection([:], [:])?.description
            == "Missing required configuration 'zookeeper.connect' which has no default value.")
        #expect(rejection(["zookeeper.connect": " "])
            == .invalidValue(key: "zookeeper.connect", value: "", reason: "must not be empty"))
    }

    @Test func logDirsWinsOverLogDir() throws {
        #expect(try config(["log.dir": "/a"]).logDirs == ["/a"])
        #expect(try config(["log.dir": "/a", "log.dirs": "/b, /c ,,/d"]).logDirs == ["/b", "/c", "/d"])
        #expect(rejection(["log.dirs": " , "])
            == .invalidValue(key: "log.dirs", value: ",", reason: "at least one log directory is required"))
    }

    @Test func connectionTimeoutDefaultsToSessionTimeout() throws {
        let defaulted = try config(["zookeeper.session.timeout.ms": "6000"])
        #expect(defaulted.zookeeperConnectionTimeoutMs == 6000)
        let explicit = try config(["zookeeper.session.timeout.ms": "6000", "zookeeper.connection.timeout.ms": "100"])
        #expect(explicit.zookeeperConnectionTimeoutMs == 100)
        #expect(rejection(["zookeeper.session.timeout.ms": "0"])
            == .invalidValue(key: "zookeeper.session.timeout.ms", value: "0", reason: "must be at least 1"))
    }

    @Test func brokerIdRange() throws {
        #expect(try config(["broker.id": "1000"]).brokerId == 1000)
        #expect(rejection(["broker.id": "1001"])?.description.contains("'broker.id'") == true)
        #expect(rejection(["broker.id": "-2"])?.description.contains("'broker.id'") == true)
        #expect(try config(["broker.id": "5000", "broker.id.generation.enable": "false"]).brokerId == 5000)
        #expect(rejection(["broker.id": "-1", "broker.id.generation.enable": "false"]) != nil)
        #expect(try config(["broker.id": "1500", "reserved.broker.max.id": "2000"]).brokerId == 1500)
    }

    @Test func rackIsOptional() throws {
        #expect(try config(["broker.rack": "eu-west-1a"]).rack == "eu-west-1a")
        #expect(try config(["broker.rack": ""]).rack == nil)
    }
}

@Suite struct BrokerConfigFileTests {
    private func temporaryFile(_ text: String) throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("server-\(UUID().uuidString).properties")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func overridesWinOverFileValues() throws {
        let path = try temporaryFile("""
            # Kafka's sample layout
            broker.id=1
            log.dirs=/var/lib/gregor/a,\\
                     /var/lib/gregor/b
            zookeeper.connect=zk1:2181,zk2:2181/gregor
            num.io.threads = 4
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try BrokerConfig.load(path: path, overrides: ["broker.id": "2"], localHostName: "h")
        #expect(config.brokerId == 2)
        #expect(config.logDirs == ["/var/lib/gregor/a", "/var/lib/gregor/b"])
        #expect(config.zookeeperConnect == "zk1:2181,zk2:2181/gregor")
        #expect(config.int("num.io.threads") == 4)
    }

    @Test func missingFileNamesThePath() {
        #expect(throws: ConfigError.fileNotFound(path: "/nonexistent/server.properties")) {
            try BrokerConfig.load(path: "/nonexistent/server.properties")
        }
        #expect(ConfigError.fileNotFound(path: "/x").description.contains("'/x'"))
    }

    @Test func malformedFileNamesThePathAndLine() throws {
        let path = try temporaryFile("zookeeper.connect=zk:2181\nbad=\\uZZZZ\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: ConfigError.self) { try BrokerConfig.load(path: path) }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("line 2") == true)
    }

    @Test func parseOverride() throws {
        #expect(try BrokerConfig.parseOverride("broker.id=3") == ("broker.id", "3"))
        #expect(try BrokerConfig.parseOverride("zookeeper.connect=a:1/x=y") == ("zookeeper.connect", "a:1/x=y"))
        #expect(try BrokerConfig.parseOverride("broker.rack=") == ("broker.rack", ""))
        #expect(throws: ConfigError.invalidOverride("broker.id", reason: "expected key=value")) {
            try BrokerConfig.parseOverride("broker.id")
        }
        #expect(throws: ConfigError.self) { try BrokerConfig.parseOverride("=3") }
    }
}

@Suite struct ListenerConfigTests {
    @Test func listenersParseWithNormalisedNames() throws {
        let config = try config([
            "listeners": "plaintext://127.0.0.1:9092, INTERNAL://[::1]:9093,EXTERNAL://:0",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT, internal:plaintext ,EXTERNAL:SSL",
        ])
        #expect(config.listeners == [
            EndPoint(listenerName: "PLAINTEXT", host: "127.0.0.1", port: 9092, securityProtocol: .plaintext),
            EndPoint(listenerName: "INTERNAL", host: "::1", port: 9093, securityProtocol: .plaintext),
            EndPoint(listenerName: "EXTERNAL", host: "", port: 0, securityProtocol: .ssl),
        ])
        #expect(config.listeners.map(\.connectionString)
            == ["PLAINTEXT://127.0.0.1:9092", "INTERNAL://[::1]:9093", "EXTERNAL://:0"])
        #expect(config.listeners.map(\.bindHost) == ["127.0.0.1", "::1", "0.0.0.0"])
        #expect(config.advertisedListeners.map(\.host) == ["127.0.0.1", "::1", "gregor-host"])
    }

    @Test func malformedListenersAreRejectedNamingTheKey() {
        for bad in ["PLAINTEXT:/h:1", "PLAINTEXT://h", "PLAINTEXT://h:65536", "PLAINTEXT://h:-1", "://h:1",
                    "PLAINTEXT://h:9092x", "PLAINTEXT://h/x:9092", "PLAINTEXT://[::1:9092"] {
            let error = rejection(["listeners": bad])
            let prefix = "Invalid value '\(bad)' for configuration 'listeners'"
            #expect(error?.description.hasPrefix(prefix) == true, "\(bad)")
        }
    }

    @Test func listenerNamesMustBeUniqueAndMapped() {
        #expect(rejection(["listeners": "PLAINTEXT://:1,PLAINTEXT://:2"])?.description
            .contains("different name") == true)
        #expect(rejection(["listeners": "PLAINTEXT://a:1,SSL://b:1"])?.description.contains("different port") == true)
        #expect(rejection(["listeners": "PLAINTEXT://:1,FOO://:2"])?.description.contains("FOO") == true)
        #expect(rejection(["listener.security.protocol.map": "PLAINTEXT:PLAIN"])?.description
            .contains("'listener.security.protocol.map'") == true)
    }

    @Test func advertisedListenersMayNotUseTheWildcard() throws {
        #expect(rejection(["listeners": "PLAINTEXT://0.0.0.0:9092"])?.description
            .contains("cannot use the nonroutable meta-address 0.0.0.0") == true)
        let config = try config([
            "listeners": "PLAINTEXT://0.0.0.0:9092", "advertised.listeners": "PLAINTEXT://broker1.example:19092",
        ])
        #expect(config.listeners[0].bindHost == "0.0.0.0")
        #expect(config.advertisedListeners.map(\.connectionString) == ["PLAINTEXT://broker1.example:19092"])
        #expect(rejection(["advertised.listeners": "SSL://h:1"])?.description
            .contains("'advertised.listeners'") == true)
    }

    @Test func interBrokerListener() throws {
        let named = [
            "listeners": "INTERNAL://:9093,EXTERNAL://:9092",
            "listener.security.protocol.map": "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
        ]
        #expect(rejection(named)?.description.contains("'security.inter.broker.protocol'") == true)
        #expect(try config(named.merging(["inter.broker.listener.name": "internal"]) { $1 })
            .interBrokerListenerName == "INTERNAL")
        #expect(rejection(named.merging(["inter.broker.listener.name": "INTERNAL",
                                         "security.inter.broker.protocol": "PLAINTEXT"]) { $1 })?
            .description.contains("only one of") == true)
        #expect(rejection(named.merging(["inter.broker.listener.name": "OTHER"]) { $1 })?
            .description.contains("'inter.broker.listener.name'") == true)
        #expect(rejection(["security.inter.broker.protocol": "SSL"])?.description
            .contains("'security.inter.broker.protocol'") == true)
    }
}
