/// A gauge family read at each scrape (per partition, per group, the process): its name, help and label names.
/// Its samples are written from the state at each scrape (`PrometheusText`), so a deleted topic or an emptied group
/// simply stops appearing.
struct ScrapedGaugeFamily: Sendable {
    let name: String
    let help: String
    let labelNames: [String]

    init(_ name: String, labels labelNames: [String] = [], help: String) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
    }
}
