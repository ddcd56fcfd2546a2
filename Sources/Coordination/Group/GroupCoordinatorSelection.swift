/// Which live broker coordinates a consumer group: rendezvous (highest-random-weight) hashing of the group id over
/// the live broker ids.
///
/// Every broker computes the same answer from the same broker list, with nothing to agree on in ZooKeeper but
/// `/brokers/ids`. Each (group, broker) pair gets a pseudo-random weight and the heaviest broker wins, so a broker
/// joining takes only the groups it now outweighs, and a broker leaving hands only its own groups to their runners-up:
/// no other group moves (Kafka instead hashes the group onto a `__consumer_offsets` partition, whose leader moves
/// with that partition). Who actually writes is still decided by `GroupOffsetStore.claim`; this only says who
/// should try.
///
/// The hash is fixed here (64-bit FNV-1a of the group id's UTF-8, mixed with the broker id through SplitMix64's
/// finalizer), not Swift's `Hasher`, which is seeded randomly per process: all brokers, of every version, must agree.
public enum GroupCoordinatorSelection {
    /// The coordinator of `group` among `brokerIds` (duplicates and order do not matter), nil when there is none.
    public static func coordinator(for group: String, among brokerIds: some Collection<Int32>) -> Int32? {
        let groupHash = fnv1a64(group.utf8)
        var best: (broker: Int32, weight: UInt64)?
        for broker in brokerIds {
            let weight = self.weight(groupHash: groupHash, broker: broker)
            // Ties (astronomically rare) go to the higher broker id, so the answer never depends on the order.
            if let current = best, (current.weight, current.broker) >= (weight, broker) { continue }
            best = (broker, weight)
        }
        return best?.broker
    }

    static func weight(groupHash: UInt64, broker: Int32) -> UInt64 {
        splitMix64(groupHash ^ splitMix64(UInt64(UInt32(bitPattern: broker))))
    }

    /// 64-bit FNV-1a.
    static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// SplitMix64's output function: a bijection that spreads every input bit over the whole word.
    static func splitMix64(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
