"""Real Kafka clients against Gregor: kcat, confluent-kafka, kafka-python and aiokafka.

For each client: metadata (brokers, topics); and for each compression codec: create a 3-partition topic (the
client's admin API; kcat: confluent-kafka's), produce INTEROP_MESSAGES keyed messages with headers and acks=all,
consume them back by assign() without a consumer group, compare keys, values, headers, timestamps and the order
per partition, list offsets (earliest, latest, by timestamp), delete the topic and see it leave the metadata.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest

from clients import ALL_CLIENTS, CODECS, ConfluentKafka, KafkaPython, Kcat, Msg

MESSAGES = int(os.environ.get("INTEROP_MESSAGES", "100000"))
PARTITIONS = 3

CLIENT_NAMES = list(ALL_CLIENTS)


def unique_topic(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_messages(n: int, tag: str, per_message_headers: bool, base_ts: int | None) -> list[Msg]:
    """n small keyed messages, round-robin over the partitions; message i has timestamp base_ts + i."""
    messages = []
    for i in range(n):
        p = i % PARTITIONS
        key = f"key-{i:07d}".encode()
        # Small, partly repetitive values so that every codec has something to do.
        value = f"{tag}|{i:07d}|{'abcdefgh'[i % 8] * (i % 17)}|v".encode()
        if per_message_headers:
            headers = [("idx", str(i).encode()), ("tag", tag.encode())]
        else:
            headers = [("tag", tag.encode()), ("part", str(p).encode())]
        messages.append(Msg(p, key, value, headers, None if base_ts is None else base_ts + i))
    return messages


def expected_by_partition(messages: list[Msg]) -> dict[int, list[Msg]]:
    out: dict[int, list[Msg]] = {p: [] for p in range(PARTITIONS)}
    for m in messages:
        out[m.partition].append(m)
    return out


def check_consumed(client, expected: dict[int, list[Msg]], got, start_offsets: dict[int, int] | None = None):
    for p, want in expected.items():
        have = got.get(p, [])
        start = (start_offsets or {}).get(p, 0)
        assert len(have) == len(want), f"{client}: partition {p}: consumed {len(have)} messages, produced {len(want)}"
        offsets = [g.offset for g in have]
        assert offsets == list(range(start, start + len(want))), \
            f"{client}: partition {p}: offsets not contiguous from {start}: first {offsets[:5]}, last {offsets[-5:]}"
        for j, (w, h) in enumerate(zip(want, have)):
            if (w.key, w.value) != (h.key, h.value):
                raise AssertionError(f"{client}: partition {p} offset {h.offset}: got key={h.key!r} value={h.value!r},"
                                     f" expected key={w.key!r} value={w.value!r} (message {j} of the partition)")
            if [(k, bytes(v) if v is not None else None) for k, v in h.headers] != w.headers:
                raise AssertionError(f"{client}: partition {p} offset {h.offset}: headers {h.headers!r}, "
                                     f"expected {w.headers!r}")
            if w.timestamp is not None and h.timestamp != w.timestamp:
                raise AssertionError(f"{client}: partition {p} offset {h.offset}: timestamp {h.timestamp}, "
                                     f"expected {w.timestamp} (CreateTime)")
    extra = set(got) - set(expected)
    assert not any(got[p] for p in extra), f"{client}: messages in unexpected partitions {sorted(extra)}"


@pytest.fixture(params=CLIENT_NAMES)
def client(request, bootstrap):
    return ALL_CLIENTS[request.param](bootstrap)


def test_metadata(client, bootstrap, broker):
    """The broker list holds exactly the broker we started, at its advertised address; topics are listed."""
    admin = ConfluentKafka(bootstrap)
    topic = unique_topic(f"interop-md-{client.name}")
    admin.create_topic(topic, PARTITIONS)
    try:
        deadline = time.monotonic() + 30
        brokers, topics = client.metadata()
        while topics.get(topic) != PARTITIONS and time.monotonic() < deadline:
            time.sleep(0.25)
            brokers, topics = client.metadata()
        assert topics.get(topic) == PARTITIONS, f"{client.name}: topic {topic} not listed with 3 partitions: {topics}"
        if broker is not None:
            assert brokers == {broker.broker_id: ("127.0.0.1", broker.port)}, f"{client.name}: brokers {brokers}"
        else:
            assert brokers, f"{client.name}: no brokers in metadata"
    finally:
        admin.delete_topic(topic)


@pytest.mark.parametrize("codec", CODECS)
def test_produce_consume_offsets_delete(client, codec, bootstrap):
    if codec not in client.codecs:
        pytest.fail(f"{client.name} does not support {codec}")  # all four support all five codecs
    topic = unique_topic(f"interop-{client.name}-{codec}")
    admin = client if client.has_admin else ConfluentKafka(bootstrap)

    # 1. create (kcat: through confluent-kafka's AdminClient)
    admin.create_topic(topic, PARTITIONS)
    client.wait_topic_ready(topic, PARTITIONS)

    # 2. produce, acks=all; timestamps in the past (within retention) so offsets by time are exact
    base_ts = int(time.time() * 1000) - 3_600_000 if client.explicit_timestamps else None
    messages = make_messages(MESSAGES, f"{client.name}/{codec}", client.per_message_headers, base_ts)
    t0 = time.monotonic()
    marks = client.produce(topic, messages, codec)
    produce_s = time.monotonic() - t0
    expected = expected_by_partition(messages)
    counts = {p: len(ms) for p, ms in expected.items()}

    # 3. consume everything back by assign(), no group
    t0 = time.monotonic()
    got = client.consume(topic, counts)
    consume_s = time.monotonic() - t0
    check_consumed(client.name, expected, got)
    print(f"{client.name} {codec}: produced {MESSAGES} in {produce_s:.1f}s, consumed in {consume_s:.1f}s")

    # 4. list offsets: earliest, latest, by timestamp
    if client.explicit_timestamps:
        # message i (timestamp base_ts + i) is at offset i // 3 of partition i % 3
        ks = [0, 1, MESSAGES // 2 + 1, MESSAGES - 1]
        expect_time = {}
        for k in ks:
            for p in range(PARTITIONS):
                first = k + ((p - k) % PARTITIONS)  # the first message index >= k in partition p
                expect_time[(p, base_ts + k)] = first // PARTITIONS if first < MESSAGES else None
        future = base_ts + MESSAGES + 60_000
    else:
        expect_time = {(p, ts): offset for ts, per_p in marks.items() for p, offset in per_p.items()}
        future = int(time.time() * 1000) + 3_600_000
    for p in range(PARTITIONS):
        expect_time[(p, future)] = None  # nothing that late: offset -1 / None
    timestamps = sorted({ts for _, ts in expect_time})
    earliest, latest, by_time = client.list_offsets(topic, list(range(PARTITIONS)), timestamps)
    assert earliest == {p: 0 for p in range(PARTITIONS)}, f"{client.name}: earliest offsets {earliest}"
    assert latest == counts, f"{client.name}: latest offsets {latest}, expected {counts}"
    wrong = {k: (by_time.get(k), v) for k, v in expect_time.items() if by_time.get(k) != v}

    # 5. delete; the topic leaves the metadata (asked for all topics: asking for the topic would re-create it)
    admin.delete_topic(topic)
    client.wait_topic_gone(topic)

    # Checked last so that a wrong answer does not hide what deletion does. Kafka answers the first record whose
    # timestamp is >= the target, also inside a batch (it reads the batch's records, decompressing if needed).
    assert not wrong, f"{client.name}: offsets by (partition, timestamp): (got, expected): {wrong}"


def test_kcat_auto_creates_topic_on_produce(bootstrap):
    """kcat has no admin API: producing to an unknown topic creates it with num.partitions (1)."""
    kcat = Kcat(bootstrap)
    topic = unique_topic("interop-kcat-auto")
    messages = [Msg(0, f"k{i}".encode(), f"v{i}".encode(), [("h", b"1")]) for i in range(10)]
    kcat._produce_run(topic, 0, messages, "none")
    kcat.wait_topic_ready(topic, 1)
    got = kcat.consume(topic, {0: 10})
    check_consumed("kcat", {0: messages}, got)
    ConfluentKafka(bootstrap).delete_topic(topic)
    kcat.wait_topic_gone(topic)


def test_kafka_python_default_idempotent_producer(bootstrap):
    """kafka-python 3's default producer is idempotent (KIP-679): InitProducerId, then batches with producer id,
    epoch and sequence numbers. Without InitProducerId in ApiVersions it raises IncompatibleBrokerVersion."""
    kp = KafkaPython(bootstrap)
    topic = unique_topic("interop-kafka-python-idempotent")
    kp.create_topic(topic, PARTITIONS)
    kp.wait_topic_ready(topic, PARTITIONS)
    messages = make_messages(min(MESSAGES, 10000), "kafka-python/idempotent", True, int(time.time() * 1000) - 60_000)
    kp.produce(topic, messages, "lz4", idempotent=True)
    expected = expected_by_partition(messages)
    got = kp.consume(topic, {p: len(ms) for p, ms in expected.items()})
    check_consumed("kafka-python idempotent", expected, got)
    kp.delete_topic(topic)
    kp.wait_topic_gone(topic)
