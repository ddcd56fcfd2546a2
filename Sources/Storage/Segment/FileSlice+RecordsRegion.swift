import KafkaProtocol

/// A fetch answer carries segment bytes as a `FileSlice`, which the network layer sends with `sendfile`.
extension FileSlice: RecordsRegion {
    public var byteCount: Int { count }
}
