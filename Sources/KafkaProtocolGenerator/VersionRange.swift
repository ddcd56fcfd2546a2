/// A contiguous range of API versions as Kafka's JSON writes them: `none`, `3`, `3+`, `0-5`.
///
/// `3+` means "3 and every later version"; the generator intersects it with the message's valid versions, so an
/// open range never reaches generated code.
public struct VersionRange: Hashable, Sendable, CustomStringConvertible {
    public var lowest: Int16
    public var highest: Int16

    public init(_ lowest: Int16, _ highest: Int16) {
        self.lowest = lowest
        self.highest = highest
    }

    public static let none = VersionRange(1, 0)
    public static let all = VersionRange(0, Int16.max)

    public var isEmpty: Bool { lowest > highest }

    public func contains(_ version: Int16) -> Bool { version >= lowest && version <= highest }

    public func contains(_ other: VersionRange) -> Bool {
        other.isEmpty || (!isEmpty && other.lowest >= lowest && other.highest <= highest)
    }

    public func intersection(_ other: VersionRange) -> VersionRange {
        let result = VersionRange(max(lowest, other.lowest), min(highest, other.highest))
        return result.isEmpty ? .none : result
    }

    /// Parses Kafka's notation; nil if `text` is not one of its forms.
    public init?(parsing text: String) {
        if text == "none" {
            self = .none
        } else if text.hasSuffix("+") {
            guard let low = Int16(text.dropLast()), low >= 0 else { return nil }
            self.init(low, Int16.max)
        } else if let dash = text.firstIndex(of: "-") {
            guard let low = Int16(text[..<dash]), let high = Int16(text[text.index(after: dash)...]),
                low >= 0, low <= high
            else { return nil }
            self.init(low, high)
        } else {
            guard let only = Int16(text), only >= 0 else { return nil }
            self.init(only, only)
        }
    }

    public var description: String {
        if isEmpty { return "none" }
        if highest == Int16.max { return "\(lowest)+" }
        return lowest == highest ? "\(lowest)" : "\(lowest)-\(highest)"
    }

    /// A Swift condition on `version` that holds for the versions of `self` inside `universe`, or nil when it holds
    /// for all of them (so the generated code needs no `if`).
    func condition(within universe: VersionRange) -> String? {
        let range = intersection(universe)
        if range.isEmpty { return "false" }
        let needsLow = range.lowest > universe.lowest
        let needsHigh = range.highest < universe.highest
        switch (needsLow, needsHigh) {
        case (false, false): return nil
        case (true, false): return "version >= \(range.lowest)"
        case (false, true): return "version <= \(range.highest)"
        case (true, true):
            if range.lowest == range.highest { return "version == \(range.lowest)" }
            return "(\(range.lowest)...\(range.highest)).contains(version)"
        }
    }
}
