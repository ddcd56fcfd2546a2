import Logging
import Testing

@testable import Broker

@Suite struct MallocPolicyTests {
    @Test func appliesTheThresholdsUnlessTheOperatorTunedMallocThroughGlibcTunables() {
        let logger = Logger(label: "test")
        #expect(MallocPolicy.apply(environment: [:], logger: logger) == .applied)
        #expect(MallocPolicy.apply(environment: ["GLIBC_TUNABLES": "glibc.pthread.rseq=0"], logger: logger) == .applied)
        #expect(
            MallocPolicy.apply(environment: ["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1048576"], logger: logger)
                == .leftToGlibcTunables)
    }
}
