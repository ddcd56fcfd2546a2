import Coordination
import Foundation
import Testing

@Suite("Kafka's znode formats")
struct ZkDataTests {
    @Test func brokerRegistrationIsKafkasJSON() throws {
        let info = BrokerInfo(
            id: 1,
            endPoints: [EndPoint(listenerName: "PLAINTEXT", host: "127.0.0.1", port: 9092, securityProtocol: .plaintext)],
            rack: "r1", timestampMs: "1732400000000")
        let json = try #require(JSONSerialization.jsonObject(with: Data(info.encoded())) as? [String: Any])
        #expect(json["version"] as? Int == 5)
        #expect(json["host"] as? String == "127.0.0.1")
        #expect(json["port"] as? Int == 9092)
        #expect(json["jmx_port"] as? Int == -1)
        #expect(json["timestamp"] as? String == "1732400000000")
        #expect(json["endpoints"] as? [String] == ["PLAINTEXT://127.0.0.1:9092"])
        #expect(json["listener_security_protocol_map"] as? [String: String] == ["PLAINTEXT": "PLAINTEXT"])
        #expect(json["rack"] as? String == "r1")
        #expect((json["features"] as? [String: Any])?.isEmpty == true)
        // Readable in zkCli: slashes are not escaped.
        #expect(String(decoding: info.encoded(), as: UTF8.self).contains("PLAINTEXT://127.0.0.1:9092"))
        #expect(try BrokerInfo.decode(id: 1, from: info.encoded()) == info)
    }

    @Test func decodesWhatKafkaWrites() throws {
        let kafka = #"{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","INTERNAL":"SSL"},"endpoints":["PLAINTEXT://10.0.0.1:9092","INTERNAL://10.0.0.1:9093"],"jmx_port":-1,"features":{},"host":"10.0.0.1","timestamp":"1732400000000","port":9092,"version":5}"#
        let info = try BrokerInfo.decode(id: 3, from: Array(kafka.utf8))
        #expect(info.endPoints.count == 2)
        #expect(info.endPoints[1] == EndPoint(listenerName: "INTERNAL", host: "10.0.0.1", port: 9093, securityProtocol: .ssl))
        #expect(info.rack == nil)
        let ipv6 = EndPoint(listenerName: "PLAINTEXT", host: "::1", port: 9092, securityProtocol: .plaintext)
        let round = try BrokerInfo.decode(id: 4, from: BrokerInfo(id: 4, endPoints: [ipv6], rack: nil).encoded())
        #expect(round.endPoints == [ipv6])
        #expect(String(decoding: BrokerInfo(id: 4, endPoints: [ipv6], rack: nil).encoded(), as: UTF8.self).contains("PLAINTEXT://[::1]:9092"))
        let unknownProtocol = #"{"listener_security_protocol_map":{"X":"NOPE"},"endpoints":["X://h:1"],"jmx_port":-1,"host":null,"timestamp":"1","port":-1,"version":5}"#
        #expect(throws: ZkDataError.self) { try BrokerInfo.decode(id: 5, from: Array(unknownProtocol.utf8)) }
        #expect(throws: ZkDataError.self) { try BrokerInfo.decode(id: 3, from: Array("not json".utf8)) }
    }

    @Test func brokerWithoutPlaintextListenerHasNoLegacyHost() throws {
        let info = BrokerInfo(
            id: 2, endPoints: [EndPoint(listenerName: "SSL", host: "h", port: 9093, securityProtocol: .ssl)], rack: nil)
        let json = try #require(JSONSerialization.jsonObject(with: Data(info.encoded())) as? [String: Any])
        #expect(json["port"] as? Int == -1)
        #expect(json["host"] == nil || json["host"] is NSNull)
        #expect(json["rack"] == nil || json["rack"] is NSNull)
    }

    @Test func controllerAndClusterIdNodes() throws {
        let controller = ControllerZNode(brokerId: 2, timestampMs: "1732400000000")
        let json = try #require(JSONSerialization.jsonObject(with: Data(controller.encoded())) as? [String: Any])
        #expect(json["version"] as? Int == 1)
        #expect(json["brokerid"] as? Int == 2)
        #expect(json["timestamp"] as? String == "1732400000000")
        #expect(try ControllerZNode.decode(Array(#"{"version":1,"brokerid":7,"timestamp":"1"}"#.utf8)).brokerId == 7)

        let id = ClusterIdZNode.generate()
        #expect(id.count == 22)
        #expect(id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(ClusterIdZNode.generate() != id)
        #expect(try ClusterIdZNode.decode(Array(#"{"version":"1","id":"abc"}"#.utf8)) == "abc")
        #expect(String(decoding: ClusterIdZNode.encode("abc"), as: UTF8.self) == #"{"id":"abc","version":"1"}"#)
    }

    @Test func pathsMatchKafka() {
        #expect(ZkPaths.broker(3) == "/brokers/ids/3")
        #expect(ZkPaths.partitionState(topic: "orders", partition: 0) == "/brokers/topics/orders/partitions/0/state")
        #expect(ZkPaths.consumerOffset(group: "billing", topic: "orders", partition: 1) == "/consumers/billing/offsets/orders/1")
        #expect(ZkPaths.persistentPaths.contains("/isr_change_notification"))
        #expect(ZkPaths.persistentPaths.contains("/transactions"))  // Gregor's: Kafka kept transactions in a topic
        #expect(ZkPaths.persistentPaths.count == 15)
    }
}
