/// A seeded generator (SplitMix64): the same seed gives the same inputs, so any input can be made again from its
/// seed and index.
public struct FuzzRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `percent`/100.
    public mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &self)] }

    /// Boundary values first (where parsers break), else a small number.
    public mutating func interesting(bits: Int) -> Int64 {
        let maximum = bits >= 64 ? Int64.max : (Int64(1) << (bits - 1)) - 1
        let minimum = bits >= 64 ? Int64.min : -(Int64(1) << (bits - 1))
        if chance(60) { return Int64.random(in: -1...16, using: &self) }
        return pick([0, -1, 1, maximum, minimum, maximum - 1, minimum + 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                     0x7fff_ffff, -0x8000_0000, 1 << 20, 1 << 30].map { Swift.max(minimum, Swift.min(maximum, $0)) })
    }
}
