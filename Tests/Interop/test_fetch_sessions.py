"""Fetch sessions (KIP-227) on the wire, with raw Fetch v7 requests against a real broker: a full fetch with epoch 0
opens a session; incremental fetches carry only the partitions whose position changed and are answered with only
the partitions that have something new; wrong ids and epochs get Kafka's errors; epoch -1 closes the session.
(librdkafka, kafka-python and aiokafka never open sessions; the brokers' own followers do, see the replication
tests.)"""

from __future__ import annotations

import uuid

import pytest

import kafka_wire as w
from conftest import needs_gregor_process

FETCH = 1
FETCH_SESSION_ID_NOT_FOUND = 70
INVALID_FETCH_SESSION_EPOCH = 71

pytestmark = pytest.mark.timeout(120)


def fetch_v7_body(session_id: int, epoch: int, partitions: dict[tuple[str, int], int],
                  forgotten: list[tuple[str, int]] = (), max_wait_ms: int = 0) -> bytes:
    by_topic: dict[str, list[tuple[int, int]]] = {}
    for (topic, partition), offset in sorted(partitions.items()):
        by_topic.setdefault(topic, []).append((partition, offset))
    gone: dict[str, list[int]] = {}
    for topic, partition in forgotten:
        gone.setdefault(topic, []).append(partition)
    out = w.Writer().int32(-1).int32(max_wait_ms).int32(1).int32(1 << 20).int8(0).int32(session_id).int32(epoch)
    out.array(list(by_topic.items()), lambda wr, t: wr.string(t[0]).array(
        t[1], lambda wp, p: wp.int32(p[0]).int64(p[1]).int64(-1).int32(1 << 20)))
    out.array(list(gone.items()), lambda wr, t: wr.string(t[0]).array(t[1], lambda wp, p: wp.int32(p)))
    return out.build()


def decode_fetch_v7(body: bytes) -> tuple[int, int, dict[tuple[str, int], dict]]:
    """(error code, session id, {(topic, partition): {error, high_watermark, records_bytes}})."""
    r = w.Reader(body)
    r.int32()  # throttle
    error, session_id = r.int16(), r.int32()
    partitions = {}

    def partition(rd, topic):
        index, err, hw = rd.int32(), rd.int16(), rd.int64()
        rd.int64(), rd.int64()  # last stable offset, log start offset
        rd.array(lambda ra: (ra.int64(), ra.int64()))
        size = rd.int32()
        records = rd.take(size) if size > 0 else b""
        partitions[(topic, index)] = {"error": err, "high_watermark": hw, "records_bytes": len(records)}

    def topic(rd):
        name = rd.string()
        rd.array(lambda rp: partition(rp, name))

    r.array(topic)
    r.expect_end("Fetch v7 response")
    return error, session_id, partitions


def fetch(conn, session_id, epoch, partitions, forgotten=(), max_wait_ms=0):
    return decode_fetch_v7(conn.request(FETCH, 7, fetch_v7_body(session_id, epoch, partitions, forgotten, max_wait_ms)))


def produce(bootstrap: str, topic: str, partition: int, count: int):
    import confluent_kafka
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
    for i in range(count):
        producer.produce(topic, value=f"v{i}".encode(), partition=partition)
    assert producer.flush(30) == 0


def test_fetch_session_lifecycle_on_the_wire(broker_factory):
    needs_gregor_process()
    broker = broker_factory("fetch-sessions")
    topic = f"sessions-{uuid.uuid4().hex[:8]}"
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, 3, 1)])[topic].result(30)
    produce(broker.bootstrap, topic, 0, 5)
    p0, p1, p2 = (topic, 0), (topic, 1), (topic, 2)

    with w.Connection(broker.host, broker.port) as conn:
        # Full fetch with epoch 0: a session opens, every partition is answered.
        error, session, answered = fetch(conn, 0, 0, {p0: 0, p1: 0, p2: 0})
        assert error == 0 and session > 0
        assert set(answered) == {p0, p1, p2}
        assert answered[p0]["records_bytes"] > 0 and answered[p0]["high_watermark"] == 5

        # Incremental, p0 moved to its end: nothing new anywhere, so nothing is answered.
        error, same, answered = fetch(conn, session, 1, {p0: 5})
        assert (error, same, answered) == (0, session, {})

        # Records arrive on p2: an incremental fetch carrying no partition answers p2 alone.
        produce(broker.bootstrap, topic, 2, 3)
        error, _, answered = fetch(conn, session, 2, {}, max_wait_ms=2000)
        assert error == 0 and set(answered) == {p2}
        assert answered[p2]["records_bytes"] > 0 and answered[p2]["high_watermark"] == 3

        # Forgotten partitions leave the session: records on p1 are not answered.
        produce(broker.bootstrap, topic, 1, 2)
        error, _, answered = fetch(conn, session, 3, {p2: 3}, forgotten=[p1])
        assert (error, answered) == (0, {})

        # The same epoch twice, or an unknown session: the whole request fails.
        error, _, answered = fetch(conn, session, 3, {})
        assert (error, answered) == (INVALID_FETCH_SESSION_EPOCH, {})
        error, _, _ = fetch(conn, session + 1, 1, {})
        assert error == FETCH_SESSION_ID_NOT_FOUND

        # Epoch -1 closes the session and is answered in full without one; the session is gone afterwards.
        error, none, answered = fetch(conn, session, -1, {p0: 5, p1: 0})
        assert (error, none) == (0, 0) and set(answered) == {p0, p1}
        error, _, _ = fetch(conn, session, 4, {})
        assert error == FETCH_SESSION_ID_NOT_FOUND


def test_sessions_off_when_the_cache_has_no_slots(broker_factory):
    needs_gregor_process()
    broker = broker_factory("fetch-sessions-off", properties={"max.incremental.fetch.session.cache.slots": "0"})
    topic = f"nosessions-{uuid.uuid4().hex[:8]}"
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    with w.Connection(broker.host, broker.port) as conn:
        error, session, answered = fetch(conn, 0, 0, {(topic, 0): 0})
        assert (error, session) == (0, 0) and set(answered) == {(topic, 0)}
