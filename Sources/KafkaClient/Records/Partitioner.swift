/// Kafka's default partitioner for keyed records: `toPositive(murmur2(key)) % numPartitions`
/// (`DefaultPartitioner`, `Utils.murmur2`), so records with the same key land in the same partition whichever
/// client (Java, librdkafka with `murmur2_random`, kafka-python, gregor) produced them.
public enum Partitioner {
    public static func partition(forKey key: [UInt8], partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return Int32(bitPattern: murmur2(key) & 0x7fff_ffff) % partitionCount
    }

    /// The 32-bit MurmurHash2 variant Kafka uses (seed 0x9747b28c), as an unsigned bit pattern.
    public static func murmur2(_ data: [UInt8]) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: data.count)
        let whole = data.count / 4 * 4
        var index = 0
        while index < whole {
            var k = UInt32(data[index]) | UInt32(data[index + 1]) << 8 | UInt32(data[index + 2]) << 16
                | UInt32(data[index + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
            index += 4
        }
        let tail = data.count % 4
        if tail == 3 { h ^= UInt32(data[whole + 2]) << 16 }
        if tail >= 2 { h ^= UInt32(data[whole + 1]) << 8 }
        if tail >= 1 {
            h ^= UInt32(data[whole])
            h = h &* m
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return h
    }
}
