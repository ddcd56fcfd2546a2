"""Load on one broker: 5,000 idle connections plus 200 clients that pipeline Metadata and Fetch requests and never
read a byte of the answers. The broker must keep its memory bounded (it stops reading from a connection whose
answers are not being read, and holds at most `queued.max.requests` requests read but not answered) and keep
serving a normal producer and consumer.

Throughput under this load is printed next to the idle broker's (loopback, this machine); the test asserts the
behaviour (bounded memory, every record produced and consumed), not the figures.
"""

from __future__ import annotations

import socket
import time
import uuid

import kafka_wire as w
from clients import require

IDLE_CONNECTIONS = 5000
STALLED_CLIENTS = 200
REQUESTS_PER_CLIENT = 200
RECORDS = 5000
# The bound the broker's resident memory must stay under with all of the above (it idles at ~40 MiB).
RSS_BOUND_MIB = 512


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def fetch_v4_body(topic: str, partition: int) -> bytes:
    partitions = [(partition, 0, 1 << 20)]
    return (w.Writer().int32(-1).int32(0).int32(0).int32(1 << 20).int8(0)
            .array([(topic, partitions)], lambda wr, t: wr.string(t[0]).array(
                t[1], lambda pw, p: pw.int32(p[0]).int64(p[1]).int32(p[2])))
            .build())


def produce_and_consume(bootstrap: str, topic: str, tag: str) -> float:
    """Produces RECORDS records (acks=all) and reads them back; returns records per second over both."""
    from confluent_kafka import Consumer, Producer

    start = time.monotonic()
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    delivered = []
    for i in range(RECORDS):
        producer.produce(topic, value=f"{tag}-{i}".encode(), on_delivery=lambda err, msg: delivered.append(err))
        producer.poll(0)
    assert producer.flush(120) == 0, "records still unsent after 120 s"
    assert len(delivered) == RECORDS and not any(delivered), f"delivery errors: {[e for e in delivered if e][:3]}"
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"load-{uuid.uuid4().hex[:6]}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    seen = 0
    deadline = time.monotonic() + 120
    while seen < RECORDS and time.monotonic() < deadline:
        for msg in consumer.consume(500, timeout=1.0):
            if msg.error() is None and msg.value().decode().startswith(tag + "-"):
                seen += 1
    consumer.close()
    assert seen == RECORDS, f"consumed {seen} of {RECORDS} {tag} records"
    return 2 * RECORDS / (time.monotonic() - start)


def test_idle_and_stalled_clients_keep_memory_bounded_and_service_going(broker_factory):
    require("confluent_kafka", "confluent-kafka")
    from confluent_kafka.admin import AdminClient, NewTopic

    broker = broker_factory("load")
    host, port = w.parse_bootstrap(broker.bootstrap)
    topic = f"load-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    idle_rate = produce_and_consume(broker.bootstrap, topic, "idle")
    rss_idle = rss_mib(broker.pid)

    sockets: list[socket.socket] = []
    try:
        for _ in range(IDLE_CONNECTIONS):
            sockets.append(socket.create_connection((host, port), timeout=10))
        frames = b"".join(
            w.frame(w.request_header(w.METADATA, 1, i, "stalled") + w.metadata_v1_body([topic])) if i % 2 == 0
            else w.frame(w.request_header(w.FETCH, 4, i, "stalled") + fetch_v4_body(topic, 0))
            for i in range(REQUESTS_PER_CLIENT))
        stalled_bytes = 0
        for _ in range(STALLED_CLIENTS):
            s = socket.create_connection((host, port), timeout=10)
            s.setblocking(False)
            try:
                stalled_bytes += s.send(frames)  # as much as the socket takes; the rest is never sent
            except BlockingIOError:
                pass
            sockets.append(s)
        time.sleep(3)  # the broker answers what it read until the stalled connections' buffers are full
        rss_loaded = rss_mib(broker.pid)
        loaded_rate = produce_and_consume(broker.bootstrap, topic, "loaded")
        rss_after = rss_mib(broker.pid)
        print(f"\n{IDLE_CONNECTIONS} idle + {STALLED_CLIENTS} stalled connections ({stalled_bytes // 1024} KiB of "
              f"pipelined requests): broker RSS idle {rss_idle:.0f} MiB, loaded {rss_loaded:.0f} MiB, after produce "
              f"and consume {rss_after:.0f} MiB (bound {RSS_BOUND_MIB}); produce+consume {idle_rate:.0f} records/s "
              f"idle, {loaded_rate:.0f} records/s loaded ({100 * loaded_rate / idle_rate:.0f}%)")
        assert broker.is_running()
        assert max(rss_loaded, rss_after) < RSS_BOUND_MIB, f"broker RSS {max(rss_loaded, rss_after):.0f} MiB"
    finally:
        for s in sockets:
            s.close()
    # Every connection closed: the broker still serves a new one.
    with w.Connection(host, port) as conn:
        assert conn.api_versions_v0().error_code == 0
