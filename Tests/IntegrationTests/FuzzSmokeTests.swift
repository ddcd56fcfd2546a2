import Coordination
import Foundation
import GregorFuzz
import GregorTestSupport
import Glibc
import KafkaClient
import KafkaProtocol
import Testing

/// A short fuzzing campaign (scripts/fuzz.sh runs the long one) against a real broker process: requests of every
/// API and version built from the schemas, half of them damaged, plus raw frames. Nothing may kill or stall the
/// broker, its memory stays flat, and afterwards it still serves a new connection.
@Suite("Fuzzing a real broker", .serialized)
struct FuzzSmokeTests {
    static let inputs = 4_000

    @Test func noInputKillsOrStallsTheBroker() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        do {
            brokers.append(try await cluster.startBroker(0, extra: ["auto.create.topics.enable": "false"]))
            let broker = brokers[0]
            let zk = cluster.inspector
            let port = try #require(try await zk.broker(0)?.endPoints.first).port
            let admin = AdminZkClient(zk: zk, placement: { _ in ReplicaPlacement(fixedStartIndex: 0) })
            for topic in ["fuzz-0", "fuzz-1", "untouched"] { try await admin.createTopic(name: topic, partitions: 2, replicationFactor: 1) }

            let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../Sources/KafkaProtocol/Schema").standardizedFileURL
            let factory = FuzzInputFactory(catalog: try RequestCatalog.load(directory: schemas), seed: 20261205, topics: ["fuzz-0", "fuzz-1"])
            let pid = broker.pid
            let campaign = FuzzCampaign(
                host: "127.0.0.1", port: port, connections: 8, hangTimeoutMs: 150_000,
                isAlive: { kill(pid, 0) == 0 }, rssKiB: { BrokerProcessStatus.rssKiB(pid) })
            let report = await Task.detached { campaign.run(factory, inputs: Self.inputs) }.value
            #expect(
                report.crash == nil,
                "the broker died with these in flight: \(report.crash?.map(\.signature) ?? []); the end of its log:\n\(report.crash == nil ? "" : String(broker.log().suffix(6000)))")
            #expect(report.hangs.isEmpty, "hangs: \(report.hangs.map(\.signature))")
            #expect(report.inputs == Self.inputs)
            #expect(report.answered > Self.inputs / 4, "most well-formed requests are answered: \(report.summary(seconds: 0))")
            if let rss = report.rssKiB {
                #expect(rss.max < 512 * 1024, "broker RSS \(rss.max / 1024) MiB")
            }
            #expect(broker.isRunning)
            let connection = try await KafkaConnection.connect(host: "127.0.0.1", port: port)
            // A topic the fuzzer's requests never name (they may delete theirs) is still served.
            let metadata = try await connection.send(MetadataRequest(topics: [.init(name: "untouched")]), version: 9)
            #expect(metadata.topics.first?.errorCode == 0)
            await connection.close()
        } catch {
            await cluster.stop(brokers)
            throw error
        }
        await cluster.stop(brokers)
    }
}
