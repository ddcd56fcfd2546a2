@testable import KafkaProtocol

/// A message type with generated sample values (`Generated/MessageSamples.swift`), for tests over every message
/// and version.
protocol SampledMessage: KafkaMessage, Equatable {
    /// A value whose fields present in `version` all differ from their defaults; with `nulls`, fields nullable in
    /// `version` are null instead.
    static func sample(version: Int16, nulls: Bool) -> Self
}
