import Foundation
import KafkaProtocol

/// Kafka's producer snapshot file, `<20-digit offset>.snapshot` in the partition directory: the producer state
/// as of that offset (the log end when it was taken), so that opening the log replays only the batch headers
/// after it instead of every segment (`ProducerStateManager.writeSnapshot` / `readSnapshot`). Format, big-endian:
///
/// ```
/// version  int16   1
/// crc      uint32  CRC-32C of every byte after this field
/// count    int32   entries, then each (46 bytes):
///   producerId int64, producerEpoch int16, lastSequence int32, lastOffset int64 (-1 without a batch),
///   offsetDelta int32 (last batch's lastOffset - firstOffset), timestamp int64, coordinatorEpoch int32,
///   currentTxnFirstOffset int64 (-1 without an open transaction)
/// ```
///
/// Only each producer's last batch is kept (as in Kafka): after a load from a snapshot, a retry of an older one
/// of its last five batches is out of order. Written atomically (temp file and rename) and checked whole on
/// read: a snapshot that does not check out is corrupt, and the log deletes it and tries the next older one.
enum ProducerStateSnapshot {
    static let version: Int16 = 1
    /// version + crc.
    static let entriesOffset = 6
    static let entrySize = 46

    /// A snapshot that does not read back (Kafka's `CorruptSnapshotException`).
    struct Corrupt: Error, CustomStringConvertible {
        var reason: String
        var description: String { "corrupt producer snapshot: \(reason)" }
    }

    static func encode(_ state: ProducerStateManager) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(4 + state.producers.count * entrySize)
        append(Int32(clamping: state.producers.count), to: &body)
        for (producerId, entry) in state.producers.sorted(by: { $0.key < $1.key }) {
            let last = entry.batches.last
            append(producerId, to: &body)
            append(entry.producerEpoch, to: &body)
            append(entry.lastSequence, to: &body)
            append(entry.lastOffset, to: &body)
            append(Int32(clamping: last.map { $0.lastOffset - $0.firstOffset } ?? 0), to: &body)
            append(entry.lastTimestamp, to: &body)
            append(entry.coordinatorEpoch, to: &body)
            append(entry.currentTxnFirstOffset ?? -1, to: &body)
        }
        var bytes: [UInt8] = []
        append(version, to: &bytes)
        append(body.withUnsafeBytes { CRC32C.checksum($0) }, to: &bytes)
        return bytes + body
    }

    /// The producers of a snapshot taken at `offset`; every field is checked before it is used.
    static func decode(_ bytes: [UInt8], offset snapshotOffset: Int64) throws -> [(Int64, ProducerStateEntry)] {
        guard bytes.count >= entriesOffset + 4 else { throw Corrupt(reason: "\(bytes.count) bytes") }
        return try bytes.withUnsafeBytes { raw in
            let fileVersion: Int16 = raw.loadBigEndian(at: 0)
            guard fileVersion == version else { throw Corrupt(reason: "version \(fileVersion)") }
            let stored: UInt32 = raw.loadBigEndian(at: 2)
            let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[entriesOffset...]))
            guard stored == computed else { throw Corrupt(reason: "crc \(stored), computed \(computed)") }
            let count: Int32 = raw.loadBigEndian(at: entriesOffset)
            guard count >= 0, Int(count) == (raw.count - entriesOffset - 4) / entrySize,
                (raw.count - entriesOffset - 4) % entrySize == 0
            else { throw Corrupt(reason: "\(count) entries in \(raw.count) bytes") }
            var entries: [(Int64, ProducerStateEntry)] = []
            entries.reserveCapacity(Int(count))
            var position = entriesOffset + 4
            for _ in 0..<Int(count) {
                entries.append(try decodeEntry(raw, at: position, snapshotOffset: snapshotOffset))
                position += entrySize
            }
            return entries
        }
    }

    private static func decodeEntry(
        _ raw: UnsafeRawBufferPointer, at position: Int, snapshotOffset: Int64
    ) throws(Corrupt) -> (Int64, ProducerStateEntry) {
        let producerId: Int64 = raw.loadBigEndian(at: position)
        let epoch: Int16 = raw.loadBigEndian(at: position + 8)
        let lastSequence: Int32 = raw.loadBigEndian(at: position + 10)
        let lastOffset: Int64 = raw.loadBigEndian(at: position + 14)
        let offsetDelta: Int32 = raw.loadBigEndian(at: position + 22)
        let timestamp: Int64 = raw.loadBigEndian(at: position + 26)
        let coordinatorEpoch: Int32 = raw.loadBigEndian(at: position + 34)
        let txnFirstOffset: Int64 = raw.loadBigEndian(at: position + 38)
        guard producerId >= 0, lastOffset >= -1, lastOffset < snapshotOffset, offsetDelta >= 0,
            lastOffset < 0 || lastOffset >= Int64(offsetDelta), txnFirstOffset >= -1, txnFirstOffset < snapshotOffset
        else { throw Corrupt(reason: "entry of producer \(producerId) out of range") }
        var entry = ProducerStateEntry(producerEpoch: epoch, batches: [])
        if lastOffset >= 0 {
            entry.batches = [BatchMetadata(
                firstSequence: decrementSequence(lastSequence, by: offsetDelta), lastSequence: lastSequence,
                firstOffset: lastOffset - Int64(offsetDelta), lastOffset: lastOffset, timestamp: timestamp)]
        }
        entry.coordinatorEpoch = coordinatorEpoch
        entry.currentTxnFirstOffset = txnFirstOffset >= 0 ? txnFirstOffset : nil
        entry.lastTimestamp = timestamp
        // A marker after the last batch is not in the file: below the snapshot offset is all that is known.
        entry.lastWrittenOffset = lastOffset >= 0 && coordinatorEpoch < 0 ? lastOffset : snapshotOffset - 1
        return (producerId, entry)
    }

    /// `sequence - decrement`, wrapping below 0 to `Int32.max` (Kafka's `DefaultRecordBatch.decrementSequence`).
    static func decrementSequence(_ sequence: Int32, by decrement: Int32) -> Int32 {
        if sequence < decrement { return Int32.max - (decrement - sequence) + 1 }
        return sequence - decrement
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    // MARK: Files

    /// The offsets of the snapshot files in `directory`, ascending.
    static func offsets(in directory: String) -> [Int64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(LogFileNames.producerSnapshotSuffix) }
            .compactMap { LogFileNames.offset(fromFileName: $0) }.sorted()
    }

    /// Writes the state as of `offset`, replacing any snapshot at that offset. `durable: false` skips the fsyncs:
    /// a snapshot lost or torn by a power failure fails its CRC and the log falls back to an older one.
    static func write(_ state: ProducerStateManager, directory: String, offset: Int64, durable: Bool) throws {
        let path = LogFileNames.producerSnapshotFile(dir: directory, offset: offset)
        do {
            try AtomicFile.replace(path, with: encode(state), durable: durable)
        } catch {
            throw StorageError.io("write producer snapshot (\(error))", path: path, errno: 5)
        }
    }

    static func read(directory: String, offset: Int64) throws -> [(Int64, ProducerStateEntry)] {
        let path = LogFileNames.producerSnapshotFile(dir: directory, offset: offset)
        guard let data = try AtomicFile.contentsIfPresent(path) else { throw Corrupt(reason: "\(path) vanished") }
        return try decode([UInt8](data), offset: offset)
    }

    static func delete(directory: String, offset: Int64) {
        try? AtomicFile.removeIfPresent(LogFileNames.producerSnapshotFile(dir: directory, offset: offset))
    }

    /// Deletes the snapshots above `offset` (truncation: they describe batches that are gone).
    static func deleteAbove(_ offset: Int64, directory: String) {
        for snapshot in offsets(in: directory) where snapshot > offset { delete(directory: directory, offset: snapshot) }
    }

    /// Deletes the snapshots below `offset` but the newest (retention: the log start passed them).
    static func deleteBelow(_ offset: Int64, directory: String) {
        let all = offsets(in: directory)
        for snapshot in all.dropLast() where snapshot < offset { delete(directory: directory, offset: snapshot) }
    }
}
