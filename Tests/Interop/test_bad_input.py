"""Bad input on raw sockets: the broker answers like Kafka 2.8, or closes that one connection, and keeps serving.

After each bad input: an already-open raw connection still answers Metadata on the same socket, an
already-open kafka-python admin client still lists topics, the broker process is alive, and its log has a line
about the event: a line naming the offending connection (`:<its local port>`, as in `127.0.0.1:54321`) or
matching one of the case's patterns (case-insensitive regular expressions). The broker runs at its default log
level (info; INTEROP_BROKER_LOG_LEVEL changes it).
"""

from __future__ import annotations

import random
import re
import struct
import time
import uuid

import pytest

import kafka_wire as w
from clients import require

CLOSE_TIMEOUT = 15.0
LOG_TIMEOUT = 10.0


@pytest.fixture(scope="module")
def addr(bootstrap):
    return w.parse_bootstrap(bootstrap)


@pytest.fixture(scope="module")
def versions(addr):
    with w.Connection(*addr) as conn:
        v = conn.api_versions_v0()
    assert v.error_code == 0
    return v.api_keys


@pytest.fixture(scope="module")
def good_conn(addr):
    """A connection opened before any bad input, used after each one."""
    conn = w.Connection(*addr, client_id="interop-good-connection")
    assert conn.api_versions_v0().error_code == 0
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def good_client(bootstrap):
    kafka_admin = require("kafka.admin", "kafka-python")
    admin = kafka_admin.KafkaAdminClient(bootstrap_servers=bootstrap, client_id="interop-good-client",
                                         request_timeout_ms=30000)
    admin.list_topics()
    yield admin
    admin.close()


@pytest.fixture
def still_serving(broker, good_conn, good_client):
    """A checker to call after the bad input: check(local port of the bad connection, log patterns). The log is
    searched from the fixture's setup, or from the last check.mark() (call it right before the bad input when
    the test logs expected lines first, e.g. creating its topic)."""
    log_start = [broker.log_size() if broker is not None else 0]

    def check(bad_port: int | None, patterns: list[str]):
        md = good_conn.metadata_v1(None)  # the same socket as before the bad input
        assert md.brokers, "Metadata on the already-open connection lists no broker"
        good_client.list_topics()
        if broker is None:
            return
        assert broker.is_running(), f"gregor-server exited (status {broker.proc.returncode})"
        regexes = [re.compile(p, re.IGNORECASE) for p in patterns]
        if bad_port:
            regexes.append(re.compile(rf":{bad_port}\b"))
        deadline = time.monotonic() + LOG_TIMEOUT
        while True:
            text = broker.log_text(log_start[0])
            if any(r.search(text) for r in regexes):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"no broker log line about it (looked for {[r.pattern for r in regexes]}) "
                                     f"in what the broker logged since:\n{text[-3000:]}")
            time.sleep(0.2)

    def mark():
        if broker is not None:
            log_start[0] = broker.log_size()

    check.mark = mark
    return check


def expect_closed(conn: w.Connection, what: str):
    assert conn.wait_closed(CLOSE_TIMEOUT), f"broker did not close the connection after {what}"


def version_for(versions, api_key: int, lo: int, hi: int, name: str) -> int:
    assert api_key in versions, f"broker does not advertise {name} (key {api_key})"
    b_lo, b_hi = versions[api_key]
    v = min(hi, b_hi)
    assert v >= max(lo, b_lo), f"broker advertises {name} {b_lo}-{b_hi}; these tests use {lo}-{hi}"
    return v


def create_topic(addr, versions, name: str, partitions: int = 1) -> int:
    v = version_for(versions, w.CREATE_TOPICS, 0, 4, "CreateTopics")
    with w.Connection(*addr) as conn:
        result = w.decode_create_topics(v, conn.request(w.CREATE_TOPICS, v, w.create_topics_body(
            v, [(name, partitions, 1)])))
    return result[name][0]


def produce(conn: w.Connection, versions, topic: str, partition: int, batch: bytes):
    v = version_for(versions, w.PRODUCE, 3, 8, "Produce")
    body = conn.request(w.PRODUCE, v, w.produce_body({topic: {partition: batch}}))
    return w.decode_produce(v, body)[topic][partition]


def produce_ok(addr, versions, topic: str, deadline_s: float = 30.0) -> w.ProducePartitionResponse:
    """A good batch, retried while the new partition's leader is still being elected."""
    deadline = time.monotonic() + deadline_s
    while True:
        with w.Connection(*addr) as conn:
            r = produce(conn, versions, topic, 0, w.record_batch([w.Record(b"k", b"good")]))
        if r.error_code == 0 or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


# ---------------------------------------------------------------------------------------------------------------
# Framing and headers: Kafka closes the connection.

def test_random_bytes(addr, still_serving):
    rng = random.Random(20261124)
    payload = bytearray(rng.randbytes(1020))
    if struct.unpack(">h", payload[:2])[0] == w.API_VERSIONS:
        payload[0] ^= 0x40  # never the one API whose unknown versions get an answer
    with w.Connection(*addr) as conn:
        port = conn.local_port
        conn.send_raw(w.frame(bytes(payload)))
        expect_closed(conn, "a frame of random bytes")
    still_serving(port, [r"unknown api", r"invalid request", r"malformed", r"(could not|cannot|failed to) (decode|parse)"])


def test_negative_size_prefix(addr, still_serving):
    with w.Connection(*addr) as conn:
        port = conn.local_port
        conn.send_raw(struct.pack(">i", -16) + b"\x00" * 16)
        expect_closed(conn, "a negative size prefix")
    still_serving(port, [r"negative", r"invalid (frame |request )?size", r"size -16\b"])


def test_two_gib_size_prefix(addr, still_serving):
    with w.Connection(*addr) as conn:
        port = conn.local_port
        conn.send_raw(struct.pack(">i", 0x7FFFFFFF) + b"\x00" * 64)
        expect_closed(conn, "a size prefix of 2 GiB (above socket.request.max.bytes)")
    still_serving(port, [r"socket\.request\.max\.bytes", r"\b2147483647\b", r"too large", r"exceeds"])


def test_unknown_api_key(addr, still_serving):
    with w.Connection(*addr) as conn:
        port = conn.local_port
        conn.send_raw(w.frame(w.request_header(999, 0, 7, "interop-bad")))
        expect_closed(conn, "API key 999")
    still_serving(port, [r"\b999\b", r"unknown api"])


def test_unsupported_metadata_version(addr, still_serving):
    with w.Connection(*addr) as conn:
        port = conn.local_port
        conn.send_raw(w.frame(w.request_header(w.METADATA, 99, 7, "interop-bad") + w.metadata_v1_body(None)))
        expect_closed(conn, "Metadata v99 (Kafka answers unsupported versions only for ApiVersions)")
    still_serving(port, [r"\bv?99\b", r"unsupported (api )?version"])


def test_unsupported_api_versions_version(addr, versions, still_serving):
    """ApiVersions v99: error 35 and the broker's ranges in the v0 layout (any client can parse it); the
    connection stays open for the client's retry at a version the broker lists."""
    with w.Connection(*addr) as conn:
        port = conn.local_port
        # As a newer client sends it: request header v2, a flexible (v3-style) body.
        body = conn.request(w.API_VERSIONS, 99, w.api_versions_body(3), flexible_header=True)
        answer = w.decode_api_versions_v0(body)  # fails on any byte beyond the v0 layout
        assert answer.error_code == w.UNSUPPORTED_VERSION, f"error code {answer.error_code}, expected 35"
        assert w.API_VERSIONS in answer.api_keys, f"ApiVersions' own range missing from {answer.api_keys}"
        lo, hi = answer.api_keys[w.API_VERSIONS]
        assert lo == 0 and hi >= 3, f"ApiVersions range {lo}-{hi}"
        for key, rng in answer.api_keys.items():
            assert versions.get(key) == rng, f"API {key}: {rng} in the error answer, {versions.get(key)} advertised"
        # The retry on the same connection.
        again = conn.api_versions_v0()
        assert again.error_code == 0 and again.api_keys == versions
    still_serving(port, [r"\bv?99\b", r"unsupported (api )?version"])


def test_truncated_frame(addr, still_serving):
    with w.Connection(*addr) as conn:
        port = conn.local_port
        conn.send_raw(struct.pack(">i", 100) + w.request_header(w.METADATA, 1, 7, "x")[:10])
    still_serving(port, [r"truncat", r"incomplete", r"partial (frame|request)", r"mid-frame", r"\beof\b",
                         r"end of (stream|input|file)"])


# ---------------------------------------------------------------------------------------------------------------
# Produce: per-partition errors, the log untouched.

def test_produce_corrupt_crc(addr, versions, still_serving):
    topic = f"interop-bad-crc-{uuid.uuid4().hex[:8]}"
    assert create_topic(addr, versions, topic) == w.NONE
    assert produce_ok(addr, versions, topic).error_code == 0, "the good first batch was refused"
    with w.Connection(*addr) as conn:
        port = conn.local_port
        still_serving.mark()
        batch = w.record_batch([w.Record(b"k", b"v" * 100) for _ in range(5)], corrupt_crc=True)
        r = produce(conn, versions, topic, 0, batch)
        assert r.error_code == w.CORRUPT_MESSAGE, f"error {r.error_code} for a wrong CRC, expected 2"
        good = produce(conn, versions, topic, 0, w.record_batch([w.Record(b"k", b"after")]))
        assert good.error_code == 0 and good.base_offset == 1, \
            f"the next good batch got error {good.error_code} at offset {good.base_offset}, expected 0 at 1"
    still_serving(port, [r"\bcrc", r"corrupt", re.escape(topic)])


def test_produce_batch_above_message_max_bytes(addr, versions, still_serving):
    topic = f"interop-bad-size-{uuid.uuid4().hex[:8]}"
    assert create_topic(addr, versions, topic) == w.NONE
    assert produce_ok(addr, versions, topic).error_code == 0, "the good first batch was refused"
    with w.Connection(*addr, timeout=30) as conn:
        port = conn.local_port
        still_serving.mark()
        big = w.record_batch([w.Record(b"k", b"x" * (1048588 + 1000))])  # message.max.bytes default + 1000
        r = produce(conn, versions, topic, 0, big)
        assert r.error_code == w.MESSAGE_TOO_LARGE, f"error {r.error_code} for a batch above message.max.bytes"
        good = produce(conn, versions, topic, 0, w.record_batch([w.Record(b"k", b"after")]))
        assert good.error_code == 0 and good.base_offset == 1
    still_serving(port, [r"message\.max\.bytes", r"too large", r"message_too_large", r"exceeds", re.escape(topic)])


# ---------------------------------------------------------------------------------------------------------------
# Illegal topic names (Kafka's Topic.validate: not empty, not "." or "..", at most 249 of [a-zA-Z0-9._-]).

ILLEGAL_NAMES = {"dotdot": "..", "slash": "a/b", "250-chars": "t" * 250}
TOPIC_NAME_PATTERNS = [r"invalid[ _]topic", r"illegal", r"topic name"]


def name_pattern(name: str) -> list[str]:
    return [] if name == ".." else [re.escape(name)]


def assert_not_created(addr, name: str, broker):
    with w.Connection(*addr) as conn:
        md = conn.metadata_v1(None)
    assert name not in md.topics, f"illegal topic {name!r} appears in the metadata"
    if broker is not None and broker.data_dir.exists():
        first = name.split("/")[0]
        leftovers = [p.name for p in broker.data_dir.iterdir() if p.name == first or p.name.startswith(first + "-")]
        assert not leftovers, f"log.dirs holds {leftovers} after the illegal name {name!r}"


@pytest.mark.parametrize("name", ILLEGAL_NAMES.values(), ids=ILLEGAL_NAMES.keys())
def test_create_topics_illegal_name(addr, versions, broker, name, still_serving):
    v = version_for(versions, w.CREATE_TOPICS, 0, 4, "CreateTopics")
    with w.Connection(*addr) as conn:
        port = conn.local_port
        result = w.decode_create_topics(v, conn.request(w.CREATE_TOPICS, v, w.create_topics_body(v, [(name, 1, 1)])))
    assert result.get(name, (None,))[0] == w.INVALID_TOPIC_EXCEPTION, f"CreateTopics {name!r}: {result}"
    assert_not_created(addr, name, broker)
    still_serving(port, TOPIC_NAME_PATTERNS + name_pattern(name))


@pytest.mark.parametrize("name", ILLEGAL_NAMES.values(), ids=ILLEGAL_NAMES.keys())
def test_metadata_illegal_name(addr, broker, name, still_serving):
    """Metadata v1 asks for auto-creation; Kafka 2.8 answers INVALID_TOPIC_EXCEPTION for the name."""
    with w.Connection(*addr) as conn:
        port = conn.local_port
        md = conn.metadata_v1([name])
    assert name in md.topics, f"no entry for {name!r} in the Metadata answer: {sorted(md.topics)}"
    assert md.topics[name].error_code == w.INVALID_TOPIC_EXCEPTION, \
        f"Metadata {name!r}: error {md.topics[name].error_code}, expected 17"
    assert_not_created(addr, name, broker)
    still_serving(port, TOPIC_NAME_PATTERNS + name_pattern(name))


@pytest.mark.parametrize("name", ILLEGAL_NAMES.values(), ids=ILLEGAL_NAMES.keys())
def test_produce_illegal_name(addr, versions, broker, name, still_serving):
    """Kafka 2.8 answers UNKNOWN_TOPIC_OR_PARTITION (3): Produce never creates topics. INVALID_TOPIC (17) is
    accepted too. Either way nothing is written."""
    with w.Connection(*addr) as conn:
        port = conn.local_port
        r = produce(conn, versions, name, 0, w.record_batch([w.Record(b"k", b"v")]))
    assert r.error_code in (w.UNKNOWN_TOPIC_OR_PARTITION, w.INVALID_TOPIC_EXCEPTION), \
        f"Produce to {name!r}: error {r.error_code}"
    assert_not_created(addr, name, broker)
    still_serving(port, TOPIC_NAME_PATTERNS + [r"unknown[ _]topic", r"does not exist"] + name_pattern(name))
