#!/usr/bin/env python3
"""Generate the record-batch fixtures that KafkaProtocolTests check Gregor's RecordBatch view against.

Why: a test-only encoder written next to the decoder would share its misunderstandings. These batches are
built by another implementation, kafka-python's `DefaultRecordBatchBuilder` (the same code its producer
uses), and every expected value in `manifest.json` is read back by kafka-python, not computed by Gregor: the
header fields, and under "records" each record (offset, timestamp, key, value, headers) as kafka-python's reader
decompresses and decodes it.

Run it OFFLINE and commit the outputs (the `.bin` files and `manifest.json` next to this script); the Swift
tests never run Python. To regenerate, from the repository root:

    python3 -m venv /tmp/fixtures-venv
    /tmp/fixtures-venv/bin/pip install 'kafka-python==3.0.12' 'python-snappy==0.7.3' 'lz4==4.4.5' \
        'zstandard==0.25.0'
    /tmp/fixtures-venv/bin/python Tests/KafkaProtocolTests/Fixtures/generate_batches.py

kafka-python 3.x picks its codecs up by import: `snappy` (python-snappy, which pulls in cramjam), `lz4.frame`
(lz4) and `zstandard`; gzip is the standard library. The output is deterministic (fixed timestamps, gzip's
header mtime pinned to 0), so a re-run with the same package versions reproduces the same bytes.

The mutation checks (what a broker writes when the topic uses LogAppendTime) are computed here with
kafka-python's pure-Python CRC-32C (`kafka.record._crc32c`), a second implementation independent of
Gregor's C code, and follow Kafka 2.8's `DefaultRecordBatch.setMaxTimestamp`: attributes are recomputed from
(compression, timestamp type, transactional, control) and written as a 16-bit value, then maxTimestamp, then the CRC.
"""

import gzip
import json
import os
import struct
import types

# Pin gzip's header mtime so the gzip fixture is reproducible (kafka-python's gzip_encode does not pass mtime).
gzip.time = types.SimpleNamespace(time=lambda: 0)

from kafka.record._crc32c import crc as crc32c_pure_python  # noqa: E402
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BASE_TIMESTAMP = 1_700_000_000_000
LOG_APPEND_TIME_MS = 1_800_000_000_123
CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
ATTRIBUTES_OFFSET, MAX_TIMESTAMP_OFFSET, CRC_OFFSET = 21, 35, 17


def build(codec, records, producer=(-1, -1, -1), transactional=False):
    """Build one batch the way kafka-python's producer does (base offset 0, leader epoch 0)."""
    producer_id, producer_epoch, base_sequence = producer
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=CODECS[codec], is_transactional=transactional,
        producer_id=producer_id, producer_epoch=producer_epoch, base_sequence=base_sequence,
        batch_size=1 << 20)
    for offset_delta, (timestamp, key, value, headers) in enumerate(records):
        assert builder.append(offset_delta, timestamp=timestamp, key=key, value=value, headers=headers) is not None
    return bytes(builder.build())


def text_records(count, timestamp_deltas, prefix):
    """Records with keys, values and headers; values repeat text so every codec really compresses them."""
    return [
        (BASE_TIMESTAMP + timestamp_deltas[i % len(timestamp_deltas)],
         f"{prefix}-key-{i}".encode(),
         (f"{prefix} value {i}: " + "the quick brown fox jumps over the lazy dog. " * 6).encode(),
         [("trace-id", f"{i:08x}".encode()), ("source", b"gregor-fixture")])
        for i in range(count)
    ]


def with_log_append_time(batch, timestamp_ms):
    """What Kafka 2.8's setMaxTimestamp(LOG_APPEND_TIME, t) does to a batch, with an independent CRC."""
    data = bytearray(batch)
    (attributes,) = struct.unpack_from(">h", data, ATTRIBUTES_OFFSET)
    attributes = (attributes & (0x07 | 0x10 | 0x20)) | 0x08  # keep compression, transactional, control
    struct.pack_into(">h", data, ATTRIBUTES_OFFSET, attributes)
    struct.pack_into(">q", data, MAX_TIMESTAMP_OFFSET, timestamp_ms)
    struct.pack_into(">I", data, CRC_OFFSET, crc32c_pure_python(bytes(data[ATTRIBUTES_OFFSET:])))
    return bytes(data)


def text(data):
    """Keys, values and header values in these fixtures are UTF-8 text, so the manifest can show them as such."""
    return None if data is None else bytes(data).decode("utf-8")


def record_entry(record):
    """One record as kafka-python's reader returns it (offset and timestamp absolute, LogAppendTime applied)."""
    return {
        "offset": record.offset,
        "timestamp": record.timestamp,
        "key": text(record.key),
        "value": text(record.value),
        "headers": [[key, text(value)] for key, value in record.headers],
    }


def describe(name, codec, batch):
    """Read the batch back with kafka-python's reader; everything in the manifest comes from there."""
    reader = DefaultRecordBatch(batch)
    assert reader.validate_crc(), name
    assert reader.crc == crc32c_pure_python(batch[ATTRIBUTES_OFFSET:]), name
    assert reader.compression_type == CODECS[codec], f"{name}: builder fell back to another codec"
    records = list(reader)
    mutated = with_log_append_time(batch, LOG_APPEND_TIME_MS)
    mutated_reader = DefaultRecordBatch(mutated)
    assert mutated_reader.validate_crc() and mutated_reader.max_timestamp == LOG_APPEND_TIME_MS, name
    return {
        "name": name,
        "file": f"{name}.bin",
        "codec": codec,
        "compression_id": reader.compression_type,
        "size_in_bytes": len(batch),
        "batch_length": len(batch) - 12,
        "base_offset": reader.base_offset,
        "partition_leader_epoch": reader.leader_epoch,
        "crc": reader.crc,
        "attributes": reader.attributes,
        "last_offset_delta": reader.last_offset_delta,
        "record_count": reader.records_count,
        "records_decoded": len(records),
        "base_timestamp": reader.first_timestamp,
        "max_timestamp": reader.max_timestamp,
        "max_record_timestamp": max(r.timestamp for r in records),
        "timestamp_type": "log_append_time" if reader.timestamp_type == 1 else "create_time",
        "is_transactional": reader.is_transactional,
        "is_control": reader.is_control_batch,
        "producer_id": reader.producer_id,
        "producer_epoch": reader.producer_epoch,
        "base_sequence": reader.base_sequence,
        "log_append_time": {
            "timestamp_ms": LOG_APPEND_TIME_MS,
            "attributes": mutated_reader.attributes,
            "crc": mutated_reader.crc,
        },
        "records": [record_entry(r) for r in records],
    }


def main():
    fixtures = []
    # Uncompressed, with out-of-order timestamps (max is not the last record), a null key, a null value and a
    # header with a null value.
    plain = [
        (BASE_TIMESTAMP, b"k0", b"v0", [("h", b"x")]),
        (BASE_TIMESTAMP + 5, None, b"value without key", []),
        (BASE_TIMESTAMP + 2, b"k2", None, [("tombstone", None)]),
        (BASE_TIMESTAMP + 9, b"k3", b"v3" * 20, [("a", b"1"), ("b", b"2")]),
        (BASE_TIMESTAMP + 7, b"k4", b"", []),
    ]
    fixtures.append(("none", "none", build("none", plain)))
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        fixtures.append((codec, codec, build(codec, text_records(8, [0, 3, 1, 11, 4, 6, 2, 8], codec))))
    fixtures.append(("idempotent", "none",
                     build("none", text_records(3, [0, 1, 2], "idem"), producer=(4242, 3, 17))))
    fixtures.append(("transactional", "gzip",
                     build("gzip", text_records(4, [0, 1, 2, 3], "txn"), producer=(777, 1, 0), transactional=True)))
    # What a broker stores for a topic with message.timestamp.type=LogAppendTime (the builder cannot set the bit).
    fixtures.append(("log_append_time", "none",
                     with_log_append_time(build("none", text_records(3, [0, 4, 2], "lat")), BASE_TIMESTAMP + 60_000)))

    manifest = []
    for name, codec, batch in fixtures:
        with open(os.path.join(HERE, f"{name}.bin"), "wb") as f:
            f.write(batch)
        manifest.append(describe(name, codec, batch))
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump({"generator": "kafka-python DefaultRecordBatchBuilder 3.0.12", "batches": manifest}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
