import Testing

@testable import KafkaClient

@Suite struct PartitionerTests {
    /// Kafka 2.8 `UtilsTest.testMurmur2`.
    @Test(arguments: [
        ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971), ("abc", 479_470_107),
    ])
    func murmur2MatchesKafka(input: String, expected: Int32) {
        #expect(Int32(bitPattern: Partitioner.murmur2(Array(input.utf8))) == expected)
    }

    @Test func partitionIsThePositiveHashModuloTheCount() {
        // murmur2("21") is negative; toPositive masks the sign bit rather than taking the absolute value.
        #expect(Partitioner.partition(forKey: Array("21".utf8), partitionCount: 7) == Int32((-973_932_308 & 0x7fff_ffff) % 7))
        #expect(Partitioner.partition(forKey: Array("abc".utf8), partitionCount: 1) == 0)
    }
}
