import Foundation
import GregorTestSupport
import Testing

/// The `gregor` binary's topics, produce and consume commands end to end, against `InMemoryBroker` (the real
/// broker does not serve the protocol yet). Output is stdout and stderr interleaved, as the fixture records it.
@Suite struct CLITests {
    private func gregor(_ arguments: [String], stdin: String? = nil) async throws -> ChildProcess.Result {
        let binary = try GregorBinaries.url(of: "gregor")
        guard let stdin else { return try await ChildProcess.run(binary, arguments: arguments, timeout: .seconds(30)) }
        let directory = try TemporaryDirectory.make(prefix: "cli-stdin")
        defer { TemporaryDirectory.remove(directory) }
        let input = directory.appendingPathComponent("input")
        try Data(stdin.utf8).write(to: input)
        // The fixture gives children /dev/null as stdin; a shell redirects the file instead.
        return try await ChildProcess.run(
            URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "input=$1; shift; exec \"$0\" \"$@\" < \"$input\"", binary.path, input.path] + arguments,
            timeout: .seconds(30))
    }

    private func lines(_ result: ChildProcess.Result) -> [String] {
        result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    @Test func topicsCreateListDescribeAlterDelete() async throws {
        let broker = try await InMemoryBroker.start()
        let server = ["--bootstrap-server", "127.0.0.1:\(broker.port)"]

        let created = try await gregor(["topics", "--create", "--topic", "orders", "--partitions", "2",
                                        "--replication-factor", "1", "--config", "retention.ms=1000"] + server)
        #expect(created.status == 0)
        #expect(lines(created) == ["Created topic orders."])

        let again = try await gregor(["topics", "--create", "--topic", "orders", "--partitions", "2"] + server)
        #expect(again.status == 1)
        #expect(again.output.contains("Error while executing topic command : "))
        #expect(again.output.contains("TOPIC_ALREADY_EXISTS(36): Topic 'orders' already exists."))
        #expect(try await gregor(["topics", "--create", "--topic", "orders", "--if-not-exists"] + server).status == 0)

        _ = try await gregor(["topics", "--create", "--topic", "audit"] + server)
        let listed = try await gregor(["topics", "--list"] + server)
        #expect(lines(listed) == ["audit", "orders"])

        let described = try await gregor(["topics", "--describe", "--topic", "orders"] + server)
        #expect(described.status == 0)
        #expect(lines(described) == [
            "Topic: orders\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention.ms=1000",
            "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1",
            "\tTopic: orders\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1",
        ])

        #expect(try await gregor(["topics", "--alter", "--topic", "orders", "--partitions", "3"] + server).status == 0)
        let shrink = try await gregor(["topics", "--alter", "--topic", "orders", "--partitions", "1"] + server)
        #expect(shrink.status == 1)
        #expect(shrink.output.contains("INVALID_PARTITIONS"))
        let grown = try await gregor(["topics", "--describe", "--topic", "orders"] + server)
        #expect(grown.output.contains("PartitionCount: 3"))

        #expect(try await gregor(["topics", "--delete", "--topic", "orders"] + server).status == 0)
        let gone = try await gregor(["topics", "--describe", "--topic", "orders"] + server)
        #expect(gone.status == 1)
        #expect(gone.output.contains("Topic 'orders' does not exist as expected"))
        #expect(try await gregor(["topics", "--delete", "--topic", "orders", "--if-exists"] + server).status == 0)
        await broker.stop()
    }

    @Test func produceThenConsumeInEachFormat() async throws {
        let broker = try await InMemoryBroker.start()
        let server = ["--bootstrap-server", "127.0.0.1:\(broker.port)"]
        _ = try await gregor(["topics", "--create", "--topic", "t", "--partitions", "1"] + server)

        let produced = try await gregor(
            ["produce", "--topic", "t", "--key-separator", ":", "--header", "source=cli"] + server,
            stdin: "k1:hello\nk2:wor:ld\r\nk3:\n")
        #expect(produced.status == 0, "\(produced.output)")

        let plain = try await gregor(
            ["consume", "--topic", "t", "--from-beginning", "--max-messages", "3", "--print-key"] + server)
        #expect(plain.status == 0)
        #expect(lines(plain) == ["k1\thello", "k2\twor:ld", "k3\t", "Processed a total of 3 messages"])

        let json = try await gregor(
            ["consume", "--topic", "t", "--partition", "0", "--offset", "1", "--max-messages", "1", "--format", "json"] + server)
        let object = try #require(lines(json).first)
        #expect(object.hasPrefix(#"{"headers":[{"key":"source","value":"cli"}],"key":"k2","offset":1,"partition":0,"#))
        #expect(object.hasSuffix(#""timestampType":"CreateTime","topic":"t","value":"wor:ld"}"#))

        let kv = try await gregor(
            ["consume", "--topic", "t", "--from-beginning", "--max-messages", "1", "--format", "kv"] + server)
        let line = try #require(lines(kv).first)
        #expect(line.hasPrefix("CreateTime:"))
        #expect(line.hasSuffix("\tPartition:0\tOffset:0\tsource:cli\tk1\thello"))
        await broker.stop()
    }

    /// A batch in each codec, produced by the CLI and printed back by it, in offset order.
    @Test func produceAndConsumeEveryCompressionType() async throws {
        let broker = try await InMemoryBroker.start()
        let server = ["--bootstrap-server", "127.0.0.1:\(broker.port)"]
        _ = try await gregor(["topics", "--create", "--topic", "z", "--partitions", "1"] + server)
        let codecs = ["none", "gzip", "snappy", "lz4", "zstd"]
        for codec in codecs {
            let produced = try await gregor(
                ["produce", "--topic", "z", "--compression-type", codec] + server, stdin: "\(codec) one\n\(codec) two\n")
            #expect(produced.status == 0, "\(codec): \(produced.output)")
        }
        let consumed = try await gregor(
            ["consume", "--topic", "z", "--from-beginning", "--max-messages", "10"] + server)
        #expect(consumed.status == 0, "\(consumed.output)")
        #expect(lines(consumed) == codecs.flatMap { ["\($0) one", "\($0) two"] } + ["Processed a total of 10 messages"])
        let refused = try await gregor(["produce", "--topic", "z", "--compression-type", "brotli"] + server, stdin: "x\n")
        #expect(refused.status != 0)
        #expect(refused.output.contains("--compression-type must be one of none, gzip, snappy, lz4, zstd"))
        await broker.stop()
    }

    @Test func consumeStopsAfterTheTimeoutWithNothingToRead() async throws {
        let broker = try await InMemoryBroker.start()
        let server = ["--bootstrap-server", "127.0.0.1:\(broker.port)"]
        _ = try await gregor(["topics", "--create", "--topic", "quiet", "--partitions", "2"] + server)
        let result = try await gregor(["consume", "--topic", "quiet", "--timeout-ms", "300"] + server)
        #expect(result.status == 0)
        #expect(lines(result) == ["Processed a total of 0 messages"])
        await broker.stop()
    }

    @Test func unkeyedLinesWithoutSeparatorAndMissingKeyIsAnError() async throws {
        let broker = try await InMemoryBroker.start()
        let server = ["--bootstrap-server", "127.0.0.1:\(broker.port)"]
        _ = try await gregor(["topics", "--create", "--topic", "t", "--partitions", "3"] + server)
        let unkeyed = try await gregor(["produce", "--topic", "t", "--acks", "all"] + server, stdin: "a\nb\nc")
        #expect(unkeyed.status == 0, "\(unkeyed.output)")
        let all = try await gregor(["consume", "--topic", "t", "--from-beginning", "--max-messages", "3"] + server)
        #expect(Set(lines(all).dropLast()) == ["a", "b", "c"])

        let broken = try await gregor(["produce", "--topic", "t", "--key-separator", ":"] + server, stdin: "no separator\n")
        #expect(broken.status == 1)
        #expect(broken.output.contains("No key found on line 1: no separator"))

        let missing = try await gregor(["produce", "--topic", "nope"] + server, stdin: "x\n")
        #expect(missing.status == 1)
        #expect(missing.output.contains("Topic nope does not exist"))
        await broker.stop()
    }
}
