/// Damages a well-shaped request the ways a broken or hostile client would: bits flipped, numbers replaced by
/// boundary values (lengths and counts are numbers), frames cut short or padded, slices repeated or dropped.
enum ByteMutator {
    static func mutate(_ input: [UInt8], _ random: inout FuzzRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<7, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
            case 1 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 2 where bytes.count >= 4:
                // A length, count or size field becomes a boundary value.
                let width = random.pick([2, 4])
                let at = Int.random(in: 0...(bytes.count - width), using: &random)
                let value = UInt64(bitPattern: random.interesting(bits: width * 8))
                for index in 0..<width { bytes[at + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(width - 1 - index))) }
            case 3 where !bytes.isEmpty:
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
            case 4:
                bytes += (0..<Int.random(in: 1...16, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            case 5 where bytes.count >= 2:
                let start = Int.random(in: 0..<bytes.count, using: &random)
                let end = min(bytes.count, start + Int.random(in: 1...32, using: &random))
                bytes.insert(contentsOf: bytes[start..<end], at: Int.random(in: 0...bytes.count, using: &random))
            case 6 where bytes.count >= 2:
                let start = Int.random(in: 0..<bytes.count, using: &random)
                bytes.removeSubrange(start..<min(bytes.count, start + Int.random(in: 1...16, using: &random)))
            default:
                break
            }
        }
        return bytes
    }
}
