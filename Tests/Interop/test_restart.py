"""A broker restart between two produce phases loses nothing: every acknowledged message comes back, in order,
at contiguous offsets. The producer instance lives through the restart and reconnects by itself."""

from __future__ import annotations

import os
import time
import uuid

from clients import ConfluentKafka, KafkaPython, Msg, require
from test_clients import PARTITIONS, check_consumed, expected_by_partition, make_messages

PHASE_MESSAGES = int(os.environ.get("INTEROP_RESTART_MESSAGES", "20000"))


def _produce_phase(ck, producer, topic: str, messages: list[Msg]):
    errors = []

    def on_delivery(err, _msg):
        if err is not None:
            errors.append(err)

    for m in messages:
        while True:
            try:
                producer.produce(topic, value=m.value, key=m.key, partition=m.partition, headers=m.headers,
                                 timestamp=m.timestamp, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    remaining = producer.flush(120)
    assert remaining == 0, f"{remaining} messages not delivered"
    assert not errors, f"{len(errors)} delivery errors, first: {errors[0]}"


def test_restart_between_produce_phases(broker_factory, restart_broker):
    broker = broker_factory("broker-restart")
    ck = require("confluent_kafka", "confluent-kafka")
    admin = ConfluentKafka(broker.bootstrap)
    topic = f"interop-restart-{uuid.uuid4().hex[:8]}"
    admin.create_topic(topic, PARTITIONS)
    admin.wait_topic_ready(topic, PARTITIONS)

    base_ts = int(time.time() * 1000) - 600_000
    messages = make_messages(2 * PHASE_MESSAGES, "restart", True, base_ts)
    producer = ck.Producer({
        "bootstrap.servers": broker.bootstrap, "client.id": "interop-restart-producer", "acks": "all",
        "linger.ms": 5, "compression.type": "lz4", "message.timeout.ms": 120000,
    })
    _produce_phase(ck, producer, topic, messages[:PHASE_MESSAGES])

    restart_broker(broker)  # SIGTERM, clean exit, same config and log.dirs

    _produce_phase(ck, producer, topic, messages[PHASE_MESSAGES:])
    producer.flush(10)
    del producer

    expected = expected_by_partition(messages)
    counts = {p: len(ms) for p, ms in expected.items()}
    # Read back with two different clients: librdkafka and kafka-python's own fetch path.
    for client in (ConfluentKafka(broker.bootstrap), KafkaPython(broker.bootstrap)):
        got = client.consume(topic, counts)
        check_consumed(f"{client.name} after restart", expected, got)
        earliest, latest, _ = client.list_offsets(topic, list(range(PARTITIONS)), [])
        assert earliest == {p: 0 for p in range(PARTITIONS)} and latest == counts, (earliest, latest, counts)
    assert broker.starts == 2
