/// What a control record is for (Kafka's `ControlRecordType`), the `type` field of its key. Control records live in
/// control batches (attributes bit 5), written only by the broker: a transaction's COMMIT or ABORT marker in each
/// partition it wrote to. Kafka also defines LEADER_CHANGE (2, KRaft) and treats any other id as UNKNOWN; those are
/// not transaction markers, so parsing answers them with nil rather than a case here.
public enum ControlRecordType: Int16, Sendable, Hashable {
    case abort = 0
    case commit = 1
}

/// A transaction marker (Kafka's `EndTransactionMarker`): the single record of a control batch that ends a
/// producer's transaction in one partition. Read committed consumers drop the records of aborted transactions, and
/// the log records each abort in its `.txnindex`.
///
/// Record layout, both fields big-endian:
///
/// ```
/// key:   version int16 (0) | type int16 (0 abort, 1 commit)
/// value: version int16 (0) | coordinatorEpoch int32
/// ```
///
/// A newer version is read as version 0 (Kafka only logs it): the fields version 0 defines come first.
public struct EndTransactionMarker: Sendable, Hashable {
    public var type: ControlRecordType
    /// The epoch of the transaction coordinator that wrote the marker: a partition refuses markers from an older
    /// coordinator (`TRANSACTION_COORDINATOR_FENCED`).
    public var coordinatorEpoch: Int32

    public init(type: ControlRecordType, coordinatorEpoch: Int32) {
        self.type = type
        self.coordinatorEpoch = coordinatorEpoch
    }

    /// Kafka's `CURRENT_CONTROL_RECORD_KEY_VERSION` and `EndTransactionMarker.CURRENT_END_TXN_MARKER_VERSION`.
    static let currentVersion: Int16 = 0
    /// version + type.
    static let keySize = 4
    /// version + coordinatorEpoch.
    static let valueSize = 6

    /// The control record's key bytes.
    public var key: [UInt8] {
        BigEndianWriter.bytes(Self.currentVersion) + BigEndianWriter.bytes(type.rawValue)
    }

    /// The control record's value bytes.
    public var value: [UInt8] {
        BigEndianWriter.bytes(Self.currentVersion) + BigEndianWriter.bytes(coordinatorEpoch)
    }

    /// The control record type a key names; nil for a type that is not a transaction marker (Kafka's UNKNOWN and
    /// LEADER_CHANGE). Kafka's `ControlRecordType.parse`: at least 4 bytes, a non-negative version.
    public static func controlRecordType(key: UnsafeRawBufferPointer) throws(ControlRecordError) -> ControlRecordType? {
        guard key.count >= keySize else { throw ControlRecordError("control record key of \(key.count) bytes") }
        let version: Int16 = key.loadBigEndian(at: 0)
        guard version >= 0 else { throw ControlRecordError("control record key version \(version)") }
        return ControlRecordType(rawValue: key.loadBigEndian(at: 2))
    }

    /// The marker of a control record's key and value; nil when the key names another control type.
    public init?(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?) throws(ControlRecordError) {
        guard let type = try Self.controlRecordType(key: key) else { return nil }
        guard let value, value.count >= Self.valueSize else {
            throw ControlRecordError("end transaction marker value of \(value?.count ?? -1) bytes")
        }
        let version: Int16 = value.loadBigEndian(at: 0)
        guard version >= 0 else { throw ControlRecordError("end transaction marker version \(version)") }
        self.init(type: type, coordinatorEpoch: value.loadBigEndian(at: 2))
    }
}

/// A control batch or record that does not read as Kafka writes them (Kafka's `InvalidRecordException`).
public struct ControlRecordError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "invalid control record: \(reason)" }
}

/// Big-endian bytes of fixed-width integers, for the few small structures built outside the generated codecs.
enum BigEndianWriter {
    static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
