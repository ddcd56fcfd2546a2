import Coordination
import KafkaProtocol
import Testing

/// New partitions are refused with POLICY_VIOLATION when a broker would host more replicas than it can open.
@Suite struct BrokerReplicaLimitTests {
    let limit = BrokerReplicaLimit(maxReplicasPerBroker: 10) { [0: 8, 1: 3] }

    @Test func replicasThatFitPass() throws {
        try limit.check(adding: [[0, 1], [1, 2], [2, 0]])  // broker 0 reaches exactly 10
        try limit.check(adding: [[Int32]]())
        try limit.check(adding: Array(repeating: [2], count: 10))  // a broker the metadata does not know yet
    }

    @Test func aBrokerPastItsLimitIsNamed() {
        #expect {
            try limit.check(adding: [[1, 0], [0, 1], [0, 2]])
        } throws: { error in
            guard let error = error as? AdminError else { return false }
            return error.code == .policyViolation && error.message.hasPrefix("Broker 0 would host 11 partition replicas, more than the 10")
        }
        #expect(throws: AdminError.self) { try limit.check(adding: Array(repeating: [2], count: 11)) }
    }
}
