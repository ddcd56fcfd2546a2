import Foundation
import GregorTestSupport
import KafkaClient
import KafkaProtocol
import Testing

/// Both fetch paths against real brokers: broker 0 sends record bytes with sendfile (`zero.copy.fetch.enable`
/// true), broker 1 copies them into the response; consumers must not be able to tell. Also long polling: a fetch
/// parked on an empty partition is answered by the next append.
@Suite("Fetch: sendfile and copy paths, long polling", .serialized)
struct FetchPathTests {
    @Test func bothPathsReturnTheSameBatchesAndAParkedFetchWakesOnAppend() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        var ports: [Int] = []
        for (id, zeroCopy) in [(Int32(0), "true"), (Int32(1), "false")] {
            let port = FreePort.next()
            ports.append(port)
            brokers.append(try await cluster.startBroker(
                id, extra: ["listeners": "PLAINTEXT://127.0.0.1:\(port)", "zero.copy.fetch.enable": zeroCopy]))
        }
        let client = KafkaClusterClient(bootstrapServers: [BrokerAddress(host: "127.0.0.1", port: ports[0])])
        do {
            _ = try await client.createTopics([NewTopic(name: "paths", numPartitions: 2, replicationFactor: 1)])
            try await eventually(timeout: .seconds(20), "paths has leaders on both brokers") {
                let topic = try await client.metadata(topics: ["paths"]).topic("paths")
                return Set(topic?.partitions.compactMap(\.leader) ?? []) == [0, 1]
            }
            let value = Array(repeating: UInt8(ascii: "x"), count: 900)
            for partition: Int32 in 0...1 {
                for batchIndex in 0..<40 {
                    var batch = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000 + Int64(batchIndex))
                    for i in 0..<25 { batch.append(key: Array("\(batchIndex)-\(i)".utf8), value: value) }
                    _ = try await client.produce(topic: "paths", partition: partition, batch: batch, acks: 1)
                }
            }
            for partition: Int32 in 0...1 {
                var next: Int64 = 0
                var keys: [String] = []
                // Small max bytes: many responses, each made of whole batches from the segment file.
                while next < 1000 {
                    let fetched = try await client.fetch(topic: "paths", partition: partition, offset: next, maxBytes: 64 * 1024)
                    #expect(!fetched.records.isEmpty)
                    for record in fetched.records where record.offset >= next {
                        #expect(record.value == value)
                        keys.append(String(decoding: record.key ?? [], as: UTF8.self))
                    }
                    next = (fetched.records.last?.offset ?? next) + 1
                }
                #expect(keys.count == 1000)
                #expect(keys.first == "0-0")
                #expect(keys.last == "39-24")
            }

            // Long polling: nothing at offset 1000 yet; the append below completes the parked fetch. The producer
            // has its own connection: a broker answers one connection's requests in order, so a produce sent on the
            // fetch's connection would wait behind it (as in Kafka).
            let producer = KafkaClusterClient(bootstrapServers: [BrokerAddress(host: "127.0.0.1", port: ports[0])])
            async let parked = client.fetch(topic: "paths", partition: 0, offset: 1000, maxWait: .seconds(30))
            try await Task.sleep(for: .milliseconds(300))
            var late = RecordBatchBuilder(baseTimestamp: 1_700_000_001_000)
            late.append(key: Array("late".utf8), value: Array("wake".utf8))
            _ = try await producer.produce(topic: "paths", partition: 0, batch: late, acks: 1)
            let woken = try await parked
            await producer.close()
            #expect(woken.records.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["wake"])
        } catch {
            Issue.record(error)
        }
        await client.close()
        await cluster.stop(brokers)
    }
}
