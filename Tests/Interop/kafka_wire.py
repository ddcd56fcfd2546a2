"""Small hand-written Kafka wire encoders and decoders for the interop tests (standard library only).

Layouts follow Apache Kafka's message definitions (clients/src/main/resources/common/message/*.json) and the
protocol guide: every request and response is `int32 size` + payload; request header v1 is `int16 api_key,
int16 api_version, int32 correlation_id, nullable string client_id` (v2 adds an empty tagged-field section);
response header v0 is `int32 correlation_id`. Only non-flexible versions are decoded here, plus the ApiVersions v0
layout that a broker must use to answer an ApiVersions request of a version it does not support.

This is deliberately independent of Gregor's Swift code and of the client libraries: the bad-input tests need
requests that no well-behaved client would send (wrong CRC, bad sizes, unknown API keys and versions).
"""

from __future__ import annotations

import errno
import socket
import struct
import time
from dataclasses import dataclass, field

# API keys (Kafka's ApiKeys).
PRODUCE = 0
FETCH = 1
LIST_OFFSETS = 2
METADATA = 3
LEADER_AND_ISR = 4
STOP_REPLICA = 5
UPDATE_METADATA = 6
CONTROLLED_SHUTDOWN = 7
OFFSET_COMMIT = 8
OFFSET_FETCH = 9
FIND_COORDINATOR = 10
API_VERSIONS = 18
CREATE_TOPICS = 19
DELETE_TOPICS = 20

# Error codes (Kafka's Errors).
NONE = 0
CORRUPT_MESSAGE = 2
UNKNOWN_TOPIC_OR_PARTITION = 3
MESSAGE_TOO_LARGE = 10
COORDINATOR_LOAD_IN_PROGRESS = 14
COORDINATOR_NOT_AVAILABLE = 15
NOT_COORDINATOR = 16
INVALID_TOPIC_EXCEPTION = 17
RECORD_LIST_TOO_LARGE = 18
ILLEGAL_GENERATION = 22
UNKNOWN_MEMBER_ID = 25
REBALANCE_IN_PROGRESS = 27
TOPIC_AUTHORIZATION_FAILED = 29
GROUP_AUTHORIZATION_FAILED = 30
CLUSTER_AUTHORIZATION_FAILED = 31
UNSUPPORTED_VERSION = 35
INVALID_REQUEST = 42
NON_EMPTY_GROUP = 68
GROUP_ID_NOT_FOUND = 69
GROUP_SUBSCRIBED_TO_TOPIC = 86
INVALID_RECORD = 87

ERROR_NAMES = {0: "NONE", 3: "UNKNOWN_TOPIC_OR_PARTITION", 14: "COORDINATOR_LOAD_IN_PROGRESS",
               15: "COORDINATOR_NOT_AVAILABLE", 16: "NOT_COORDINATOR", 22: "ILLEGAL_GENERATION",
               24: "INVALID_GROUP_ID", 25: "UNKNOWN_MEMBER_ID", 27: "REBALANCE_IN_PROGRESS",
               28: "INVALID_COMMIT_OFFSET_SIZE", 68: "NON_EMPTY_GROUP", 69: "GROUP_ID_NOT_FOUND",
               82: "FENCED_INSTANCE_ID", 86: "GROUP_SUBSCRIBED_TO_TOPIC"}


def error_name(code: int) -> str:
    return f"{ERROR_NAMES.get(code, 'error')}({code})"


# ---------------------------------------------------------------------------------------------------------------
# CRC-32C (Castagnoli), for record batches v2. The `crc32c` package (installed by scripts/setup.sh for kafka-python)
# is used when present; the table version is the fallback.

def _make_crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _make_crc32c_table()


def _crc32c_py(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


try:  # pragma: no cover - depends on the environment
    from crc32c import crc32c as _crc32c_c

    def crc32c(data: bytes) -> int:
        return _crc32c_c(data)
except ImportError:  # pragma: no cover
    crc32c = _crc32c_py

assert _crc32c_py(b"123456789") == 0xE3069283  # the standard check value


# ---------------------------------------------------------------------------------------------------------------
# Primitive encoding.

class Writer:
    def __init__(self):
        self.parts: list[bytes] = []

    def raw(self, b: bytes) -> "Writer":
        self.parts.append(bytes(b))
        return self

    def int8(self, v: int) -> "Writer":
        return self.raw(struct.pack(">b", v))

    def int16(self, v: int) -> "Writer":
        return self.raw(struct.pack(">h", v))

    def int32(self, v: int) -> "Writer":
        return self.raw(struct.pack(">i", v))

    def uint32(self, v: int) -> "Writer":
        return self.raw(struct.pack(">I", v))

    def int64(self, v: int) -> "Writer":
        return self.raw(struct.pack(">q", v))

    def boolean(self, v: bool) -> "Writer":
        return self.int8(1 if v else 0)

    def uvarint(self, v: int) -> "Writer":
        out = bytearray()
        while True:
            b = v & 0x7F
            v >>= 7
            if v:
                out.append(b | 0x80)
            else:
                out.append(b)
                break
        return self.raw(bytes(out))

    def varint(self, v: int) -> "Writer":  # zigzag, 32 or 64 bit alike for the values used here
        return self.uvarint((v << 1) ^ (v >> 63))

    def string(self, s: str | None) -> "Writer":
        if s is None:
            return self.int16(-1)
        b = s.encode()
        return self.int16(len(b)).raw(b)

    def bytes_(self, b: bytes | None) -> "Writer":
        if b is None:
            return self.int32(-1)
        return self.int32(len(b)).raw(b)

    def compact_string(self, s: str | None) -> "Writer":
        if s is None:
            return self.uvarint(0)
        b = s.encode()
        return self.uvarint(len(b) + 1).raw(b)

    def empty_tagged_fields(self) -> "Writer":
        return self.uvarint(0)

    def array(self, items, encode) -> "Writer":
        if items is None:
            return self.int32(-1)
        self.int32(len(items))
        for item in items:
            encode(self, item)
        return self

    def build(self) -> bytes:
        return b"".join(self.parts)


class Truncated(Exception):
    pass


class Reader:
    def __init__(self, data: bytes):
        self.data = memoryview(bytes(data))
        self.pos = 0

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise Truncated(f"need {n} bytes at {self.pos}, have {self.remaining()}")
        b = bytes(self.data[self.pos:self.pos + n])
        self.pos += n
        return b

    def _unpack(self, fmt: str, n: int):
        return struct.unpack(fmt, self.take(n))[0]

    def int8(self) -> int:
        return self._unpack(">b", 1)

    def int16(self) -> int:
        return self._unpack(">h", 2)

    def int32(self) -> int:
        return self._unpack(">i", 4)

    def int64(self) -> int:
        return self._unpack(">q", 8)

    def boolean(self) -> bool:
        return self.int8() != 0

    def string(self) -> str | None:
        n = self.int16()
        return None if n < 0 else self.take(n).decode()

    def array(self, decode) -> list | None:
        n = self.int32()
        if n < 0:
            return None
        if n > self.remaining():  # every element takes at least one byte
            raise Truncated(f"array of {n} elements in {self.remaining()} bytes")
        return [decode(self) for _ in range(n)]

    def expect_end(self, what: str):
        if self.remaining():
            raise AssertionError(f"{what}: {self.remaining()} unexpected trailing bytes")


# ---------------------------------------------------------------------------------------------------------------
# Requests.

def request_header(api_key: int, api_version: int, correlation_id: int, client_id: str | None,
                   flexible: bool = False) -> bytes:
    w = Writer().int16(api_key).int16(api_version).int32(correlation_id).string(client_id)
    if flexible:
        w.empty_tagged_fields()
    return w.build()


def frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def api_versions_body(version: int) -> bytes:
    """v0-v2: empty; v3+: compact client_software_name/version and tagged fields."""
    if version < 3:
        return b""
    return (Writer().compact_string("gregor-interop").compact_string("1.0").empty_tagged_fields().build())


def metadata_v1_body(topics: list[str] | None) -> bytes:
    return Writer().array(topics, lambda w, t: w.string(t)).build()


def produce_body(topic_data: dict[str, dict[int, bytes]], acks: int = -1, timeout_ms: int = 10000) -> bytes:
    """Produce v3-v8 (identical request layouts): transactional_id, acks, timeout_ms, topic_data."""
    w = Writer().string(None).int16(acks).int32(timeout_ms)
    w.int32(len(topic_data))
    for name, partitions in topic_data.items():
        w.string(name).int32(len(partitions))
        for index, records in partitions.items():
            w.int32(index).bytes_(records)
    return w.build()


def create_topics_body(version: int, topics: list[tuple[str, int, int]], timeout_ms: int = 10000,
                       validate_only: bool = False) -> bytes:
    """CreateTopics v0-v4 (v5 is flexible): topics of (name, num_partitions, replication_factor)."""
    assert 0 <= version <= 4
    w = Writer().int32(len(topics))
    for name, partitions, replication in topics:
        w.string(name).int32(partitions).int16(replication).int32(0).int32(0)  # no assignments, no configs
    w.int32(timeout_ms)
    if version >= 1:
        w.boolean(validate_only)
    return w.build()


def find_coordinator_body(key: str, key_type: int = 0) -> bytes:
    """FindCoordinator v1-v2 (v3 is flexible): key, key_type (0 = group)."""
    return Writer().string(key).int8(key_type).build()


def offset_commit_body(version: int, group_id: str, offsets: dict[str, dict[int, int]], generation_id: int = -1,
                       member_id: str = "", group_instance_id: str | None = None, metadata: str | None = "") -> bytes:
    """OffsetCommit v2-v7 (v8 is flexible). generation -1 and member "" commit for a group without members, as a
    consumer using assign() does; retention_time_ms (v2-v4) is -1 (the broker's default)."""
    assert 2 <= version <= 7
    w = Writer().string(group_id).int32(generation_id).string(member_id)
    if version >= 7:
        w.string(group_instance_id)
    if version <= 4:
        w.int64(-1)
    w.int32(len(offsets))
    for topic, partitions in offsets.items():
        w.string(topic).int32(len(partitions))
        for index, offset in partitions.items():
            w.int32(index).int64(offset)
            if version >= 6:
                w.int32(-1)  # committed_leader_epoch
            w.string(metadata)
    return w.build()


def offset_fetch_body(version: int, group_id: str, topics: dict[str, list[int]] | None) -> bytes:
    """OffsetFetch v1-v5 (v6 is flexible); topics None (v2+) asks for every committed partition."""
    assert 1 <= version <= 5
    w = Writer().string(group_id)
    if topics is None:
        return w.int32(-1).build()
    w.int32(len(topics))
    for topic, partitions in topics.items():
        w.string(topic).array(partitions, Writer.int32)
    return w.build()


def fetch_v4_body(topics: dict[str, dict[int, int]], replica_id: int = -1, max_wait_ms: int = 0,
                  max_bytes: int = 1 << 20, isolation_level: int = 0) -> bytes:
    """Fetch v4: a consumer's (replica_id -1) or a follower's (a broker id) fetch of {topic: {partition: offset}};
    isolation_level 1 is read_committed."""
    w = Writer().int32(replica_id).int32(max_wait_ms).int32(0).int32(max_bytes).int8(isolation_level)
    w.int32(len(topics))
    for topic, partitions in topics.items():
        w.string(topic).int32(len(partitions))
        for index, offset in partitions.items():
            w.int32(index).int64(offset).int32(max_bytes)
    return w.build()


def leader_and_isr_v0_body(controller_id: int, controller_epoch: int, topic: str, partition: int, leader: int,
                           leader_epoch: int, replicas: list[int]) -> bytes:
    """LeaderAndIsr v0 naming one partition state and no live leaders."""
    w = Writer().int32(controller_id).int32(controller_epoch).int32(1)
    w.string(topic).int32(partition).int32(controller_epoch).int32(leader).int32(leader_epoch)
    w.array(replicas, Writer.int32).int32(0).array(replicas, Writer.int32)
    return w.int32(0).build()


def stop_replica_v0_body(controller_id: int, controller_epoch: int, delete: bool,
                         partitions: list[tuple[str, int]]) -> bytes:
    w = Writer().int32(controller_id).int32(controller_epoch).boolean(delete)
    return w.array(partitions, lambda w, p: w.string(p[0]).int32(p[1])).build()


def update_metadata_v0_body(controller_id: int, controller_epoch: int) -> bytes:
    """UpdateMetadata v0 with no partition states and no live brokers (what would empty the cache)."""
    return Writer().int32(controller_id).int32(controller_epoch).int32(0).int32(0).build()


def decode_partition_errors_v0(body: bytes) -> tuple[int, dict[tuple[str, int], int]]:
    """LeaderAndIsr v0 / StopReplica v0 response: error_code, [topic, partition, error_code]."""
    r = Reader(body)
    error = r.int16()
    errors = r.array(lambda r: (r.string(), r.int32(), r.int16()))
    r.expect_end("partition errors v0 response")
    return error, {(t, p): e for t, p, e in errors or []}


def decode_fetch_v4(body: bytes) -> dict[str, dict[int, dict]]:
    """Fetch v4 response: {topic: {partition: {error_code, high_watermark, last_stable_offset,
    aborted_transactions (None or [(producer_id, first_offset)]), records}}}."""
    r = Reader(body)
    r.int32()  # throttle_time_ms

    def partition(r):
        index, error, hw, lso = r.int32(), r.int16(), r.int64(), r.int64()
        aborted = r.array(lambda r: (r.int64(), r.int64()))
        size = r.int32()
        records = r.take(size) if size > 0 else b""
        return index, {"error_code": error, "high_watermark": hw, "last_stable_offset": lso,
                       "aborted_transactions": aborted, "records": records}

    topics = r.array(lambda r: (r.string(), r.array(partition)))
    r.expect_end("Fetch v4 response")
    return {name: dict(parts or []) for name, parts in topics or []}


# ---------------------------------------------------------------------------------------------------------------
# Record batch v2 (magic 2).

@dataclass
class Record:
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]] = field(default_factory=list)
    timestamp_delta: int = 0


def encode_record(offset_delta: int, record: Record) -> bytes:
    w = Writer().int8(0).varint(record.timestamp_delta).varint(offset_delta)
    for part in (record.key, record.value):
        if part is None:
            w.varint(-1)
        else:
            w.varint(len(part)).raw(part)
    w.varint(len(record.headers))
    for hkey, hvalue in record.headers:
        kb = hkey.encode()
        w.varint(len(kb)).raw(kb)
        if hvalue is None:
            w.varint(-1)
        else:
            w.varint(len(hvalue)).raw(hvalue)
    body = w.build()
    return Writer().varint(len(body)).raw(body).build()


def record_batch(records: list[Record], base_timestamp: int | None = None, base_offset: int = 0,
                 corrupt_crc: bool = False) -> bytes:
    """An uncompressed, non-idempotent, non-transactional batch as a producer sends it."""
    if base_timestamp is None:
        base_timestamp = int(time.time() * 1000)
    encoded = b"".join(encode_record(i, r) for i, r in enumerate(records))
    max_ts = base_timestamp + max((r.timestamp_delta for r in records), default=0)
    after_crc = (Writer()
                 .int16(0)                      # attributes: no compression, CreateTime
                 .int32(len(records) - 1)       # lastOffsetDelta
                 .int64(base_timestamp)
                 .int64(max_ts)
                 .int64(-1).int16(-1).int32(-1)  # producerId, producerEpoch, baseSequence
                 .int32(len(records))
                 .raw(encoded).build())
    crc = crc32c(after_crc)
    if corrupt_crc:
        crc ^= 0xDEADBEEF
    rest = Writer().int32(-1).int8(2).uint32(crc).raw(after_crc).build()  # partitionLeaderEpoch, magic, crc
    return Writer().int64(base_offset).int32(len(rest)).raw(rest).build()


# ---------------------------------------------------------------------------------------------------------------
# Responses.

@dataclass
class ApiVersionsResponse:
    error_code: int
    api_keys: dict[int, tuple[int, int]]


def decode_api_versions_v0(body: bytes) -> ApiVersionsResponse:
    """ApiVersions response v0 (after the correlation id): error_code, [api_key, min_version, max_version]."""
    r = Reader(body)
    error = r.int16()
    keys = r.array(lambda r: (r.int16(), r.int16(), r.int16()))
    r.expect_end("ApiVersions v0 response")
    return ApiVersionsResponse(error, {k: (lo, hi) for k, lo, hi in keys or []})


@dataclass
class MetadataTopic:
    error_code: int
    name: str
    is_internal: bool
    partitions: dict[int, dict]


@dataclass
class MetadataResponse:
    brokers: dict[int, tuple[str, int]]
    controller_id: int
    topics: dict[str, MetadataTopic]


def decode_metadata_v1(body: bytes) -> MetadataResponse:
    r = Reader(body)
    brokers = r.array(lambda r: (r.int32(), r.string(), r.int32(), r.string()))
    controller = r.int32()

    def partition(r):
        return {"error_code": r.int16(), "index": r.int32(), "leader": r.int32(),
                "replicas": r.array(Reader.int32), "isr": r.array(Reader.int32)}

    def topic(r):
        error, name, internal = r.int16(), r.string(), r.boolean()
        parts = r.array(partition)
        return MetadataTopic(error, name, internal, {p["index"]: p for p in parts or []})

    topics = r.array(topic)
    r.expect_end("Metadata v1 response")
    return MetadataResponse({b[0]: (b[1], b[2]) for b in brokers or []}, controller,
                            {t.name: t for t in topics or []})


@dataclass
class ProducePartitionResponse:
    index: int
    error_code: int
    base_offset: int
    error_message: str | None = None


def decode_produce(version: int, body: bytes) -> dict[str, dict[int, ProducePartitionResponse]]:
    assert 3 <= version <= 8
    r = Reader(body)

    def partition(r):
        index, error, base = r.int32(), r.int16(), r.int64()
        r.int64()  # log_append_time_ms (v2+)
        if version >= 5:
            r.int64()  # log_start_offset
        message = None
        if version >= 8:
            r.array(lambda r: (r.int32(), r.string()))  # record_errors
            message = r.string()
        return ProducePartitionResponse(index, error, base, message)

    responses = r.array(lambda r: (r.string(), r.array(partition)))
    r.int32()  # throttle_time_ms
    r.expect_end(f"Produce v{version} response")
    return {name: {p.index: p for p in parts or []} for name, parts in responses or []}


def decode_create_topics(version: int, body: bytes) -> dict[str, tuple[int, str | None]]:
    assert 0 <= version <= 4
    r = Reader(body)
    if version >= 2:
        r.int32()  # throttle_time_ms

    def topic(r):
        name, error = r.string(), r.int16()
        message = r.string() if version >= 1 else None
        return name, error, message

    topics = r.array(topic)
    r.expect_end(f"CreateTopics v{version} response")
    return {name: (error, message) for name, error, message in topics or []}


@dataclass
class FindCoordinatorResponse:
    error_code: int
    error_message: str | None
    node_id: int
    host: str
    port: int


def decode_find_coordinator(version: int, body: bytes) -> FindCoordinatorResponse:
    assert 1 <= version <= 2
    r = Reader(body)
    r.int32()  # throttle_time_ms
    response = FindCoordinatorResponse(r.int16(), r.string(), r.int32(), r.string(), r.int32())
    r.expect_end(f"FindCoordinator v{version} response")
    return response


def decode_offset_commit(version: int, body: bytes) -> dict[str, dict[int, int]]:
    """{topic: {partition: error_code}}."""
    assert 2 <= version <= 7
    r = Reader(body)
    if version >= 3:
        r.int32()  # throttle_time_ms
    topics = r.array(lambda r: (r.string(), r.array(lambda r: (r.int32(), r.int16()))))
    r.expect_end(f"OffsetCommit v{version} response")
    return {name: dict(parts or []) for name, parts in topics or []}


@dataclass
class OffsetFetchResponse:
    error_code: int
    # {topic: {partition: (committed_offset, metadata, error_code)}}
    partitions: dict[str, dict[int, tuple[int, str | None, int]]]


def decode_offset_fetch(version: int, body: bytes) -> OffsetFetchResponse:
    assert 1 <= version <= 5
    r = Reader(body)
    if version >= 3:
        r.int32()  # throttle_time_ms

    def partition(r):
        index, offset = r.int32(), r.int64()
        if version >= 5:
            r.int32()  # committed_leader_epoch
        metadata, error = r.string(), r.int16()
        return index, (offset, metadata, error)

    topics = r.array(lambda r: (r.string(), r.array(partition)))
    error = r.int16() if version >= 2 else 0
    r.expect_end(f"OffsetFetch v{version} response")
    return OffsetFetchResponse(error, {name: dict(parts or []) for name, parts in topics or []})


def pick_version(versions: ApiVersionsResponse, api_key: int, highest: int, lowest: int = 0) -> int:
    """The highest version <= `highest` (this module's codecs) that the broker supports."""
    if api_key not in versions.api_keys:
        raise AssertionError(f"the broker does not support API key {api_key} (ApiVersions lists "
                             f"{sorted(versions.api_keys)})")
    lo, hi = versions.api_keys[api_key]
    version = min(hi, highest)
    if version < max(lo, lowest):
        raise AssertionError(f"API key {api_key}: the broker supports v{lo}-v{hi}, this helper v{lowest}-v{highest}")
    return version


# ---------------------------------------------------------------------------------------------------------------
# A blocking connection.

class ConnectionClosed(Exception):
    pass


class Connection:
    """One TCP connection to a broker; requests are answered in order."""

    def __init__(self, host: str, port: int, timeout: float = 10.0, client_id: str = "gregor-interop-wire",
                 source_host: str | None = None):
        """`source_host` binds the client end (e.g. 127.0.0.2, any loopback address on Linux): the host ACLs see."""
        source = (source_host, 0) if source_host else None
        self.sock = socket.create_connection((host, port), timeout=timeout, source_address=source)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.client_id = client_id
        self.next_correlation_id = 1

    @property
    def local_port(self) -> int:
        return self.sock.getsockname()[1]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def _recv_exactly(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except ConnectionResetError as e:
                raise ConnectionClosed(f"connection reset after {len(buf)} of {n} bytes") from e
            if not chunk:
                raise ConnectionClosed(f"connection closed after {len(buf)} of {n} bytes")
            buf += chunk
        return bytes(buf)

    def recv_frame(self, timeout: float | None = None) -> bytes:
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        (size,) = struct.unpack(">i", self._recv_exactly(4))
        if size < 4 or size > 256 << 20:
            raise AssertionError(f"implausible response size {size}")
        return self._recv_exactly(size)

    def send_request(self, api_key: int, version: int, body: bytes, flexible_header: bool = False) -> int:
        cid = self.next_correlation_id
        self.next_correlation_id += 1
        self.send_raw(frame(request_header(api_key, version, cid, self.client_id, flexible_header) + body))
        return cid

    def request(self, api_key: int, version: int, body: bytes, flexible_header: bool = False,
                timeout: float | None = None) -> bytes:
        """Sends one request and returns the response body after the v0 response header (correlation id)."""
        cid = self.send_request(api_key, version, body, flexible_header)
        payload = self.recv_frame(timeout)
        (got,) = struct.unpack(">i", payload[:4])
        if got != cid:
            raise AssertionError(f"correlation id {got} in the response, expected {cid}")
        return payload[4:]

    def wait_closed(self, timeout: float) -> bool:
        """True if the peer closes (EOF or reset) within `timeout`, reading and discarding anything it sends."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except OSError as e:
                if e.errno in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED):
                    return True
                raise
            if not chunk:
                return True

    # Convenience wrappers.

    def api_versions_v0(self) -> ApiVersionsResponse:
        return decode_api_versions_v0(self.request(API_VERSIONS, 0, b""))

    def metadata_v1(self, topics: list[str] | None) -> MetadataResponse:
        return decode_metadata_v1(self.request(METADATA, 1, metadata_v1_body(topics)))

    def find_coordinator(self, group_id: str, version: int = 1) -> FindCoordinatorResponse:
        return decode_find_coordinator(version, self.request(FIND_COORDINATOR, version,
                                                             find_coordinator_body(group_id)))

    def offset_commit(self, version: int, group_id: str, offsets: dict[str, dict[int, int]],
                      **kwargs) -> dict[str, dict[int, int]]:
        return decode_offset_commit(version, self.request(OFFSET_COMMIT, version,
                                                          offset_commit_body(version, group_id, offsets, **kwargs)))

    def offset_fetch(self, version: int, group_id: str, topics: dict[str, list[int]] | None) -> OffsetFetchResponse:
        return decode_offset_fetch(version, self.request(OFFSET_FETCH, version,
                                                         offset_fetch_body(version, group_id, topics)))


def parse_bootstrap(bootstrap: str) -> tuple[str, int]:
    host, _, port = bootstrap.rpartition(":")
    return host, int(port)
