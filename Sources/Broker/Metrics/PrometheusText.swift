/// Prometheus' text format (version 0.0.4), written straight into a scrape's bytes for the gauges read at each
/// scrape (`BrokerGauges`): a line per series from the values in hand. Registering a `Gauge` object per series and
/// keeping the set in step with the partitions cost most of a scrape with 10,000 partitions (50,000 series), in
/// dictionary lookups and reference counting rather than in the text.
struct PrometheusText {
    /// The text so far; the registry's own families are emitted into it first.
    var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// The family whose samples are being written: its `# HELP` and `# TYPE` lines are out.
    private var currentFamily: String?
    /// Every family begun so far: the format allows each one block of samples.
    private var begunFamilies: Set<String> = []

    /// The `# HELP` and `# TYPE` lines that open `family`, written with its first sample, so a family without
    /// series is left out (as Prometheus' own clients do). A family's samples must be written one after another.
    private mutating func begin(_ family: ScrapedGaugeFamily) {
        guard currentFamily != family.name else { return }
        currentFamily = family.name
        let (isNew, _) = begunFamilies.insert(family.name)
        assert(isNew, "the samples of \(family.name) are written in two places")
        append("# HELP ")
        append(family.name)
        bytes.append(UInt8(ascii: " "))
        for byte in family.help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\n"): append("\\n")
            default: bytes.append(byte)
            }
        }
        append("\n# TYPE ")
        append(family.name)
        append(" gauge\n")
    }

    /// One sample of `family`: its label values in the family's label order, then the value.
    mutating func sample<each Label: PrometheusLabelValue>(
        _ family: ScrapedGaugeFamily, _ labels: repeat each Label, value: some PrometheusSampleValue
    ) {
        begin(family)
        append(family.name)
        self.labels(family.labelNames, repeat each labels)
        bytes.append(UInt8(ascii: " "))
        value.write(into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// One sample of `family` with its labels already written (by `labels`, for several families of the same
    /// series).
    mutating func sample(_ family: ScrapedGaugeFamily, labels: UnsafeBufferPointer<UInt8>, value: some PrometheusSampleValue) {
        begin(family)
        append(family.name)
        bytes.append(contentsOf: labels)
        bytes.append(UInt8(ascii: " "))
        value.write(into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// `{name="value",...}` for the given names and values, in that order; nothing for no labels.
    mutating func labels<each Label: PrometheusLabelValue>(_ names: [String], _ values: repeat each Label) {
        var index = 0
        for value in repeat each values {
            precondition(index < names.count, "more label values than the \(names.count) labels \(names)")
            bytes.append(index == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
            append(names[index])
            append("=\"")
            value.writeEscaped(into: &bytes)
            bytes.append(UInt8(ascii: "\""))
            index += 1
        }
        precondition(index == names.count, "\(names.count) labels \(names), not \(index)")
        if index > 0 { bytes.append(UInt8(ascii: "}")) }
    }

    /// A family of one unlabelled series, with its value.
    mutating func single(_ family: ScrapedGaugeFamily, _ value: some PrometheusSampleValue) {
        sample(family, value: value)
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }
}

/// A label value as the text format writes it between double quotes.
protocol PrometheusLabelValue {
    func writeEscaped(into bytes: inout [UInt8])
}

extension String: PrometheusLabelValue {
    /// Backslash, double quote and line feed are escaped; everything else is written as it is (UTF-8). Names
    /// without any of those (every topic name) are copied whole.
    func writeEscaped(into bytes: inout [UInt8]) {
        let copied: Bool? = utf8.withContiguousStorageIfAvailable { text in
            guard !text.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") })
            else { return false }
            bytes.append(contentsOf: text)
            return true
        }
        guard copied != true else { return }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: "\\n".utf8)
            default: bytes.append(byte)
            }
        }
    }
}

extension Int32: PrometheusLabelValue {
    func writeEscaped(into bytes: inout [UInt8]) {
        Int64(self).write(into: &bytes)
    }
}

/// A sample's value: Prometheus reads every value as a float, and an integer written as digits is one exactly.
protocol PrometheusSampleValue {
    func write(into bytes: inout [UInt8])
}

extension Int64: PrometheusSampleValue {
    /// Decimal digits, without going through a `String`.
    func write(into bytes: inout [UInt8]) {
        if self < 0 { bytes.append(UInt8(ascii: "-")) }
        // The magnitude as unsigned: -Int64.min does not fit in an Int64.
        var rest = magnitude
        var count = 1
        var probe = rest
        while probe >= 10 {
            probe /= 10
            count += 1
        }
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        var position = bytes.count - 1
        repeat {
            bytes[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            position -= 1
        } while rest > 0
    }
}

extension Int: PrometheusSampleValue {
    func write(into bytes: inout [UInt8]) {
        Int64(self).write(into: &bytes)
    }
}

extension Double: PrometheusSampleValue {
    /// Swift's shortest round-trip form ("1.5", "3.0e+20"), which Prometheus parses; NaN and the infinities as
    /// the format spells them.
    func write(into bytes: inout [UInt8]) {
        if isNaN {
            bytes.append(contentsOf: "NaN".utf8)
        } else if isInfinite {
            bytes.append(contentsOf: (self < 0 ? "-Inf" : "+Inf").utf8)
        } else {
            bytes.append(contentsOf: description.utf8)
        }
    }
}
