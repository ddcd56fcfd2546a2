"""Round trips through real clients on secured listeners, shared by the TLS, SASL and SASL_SSL tests: each client
connects with the settings it is given (security protocol, CA, SASL login), produces a few records to a fresh topic
and reads them back from the beginning."""

from __future__ import annotations

import time
import uuid


def kafka_python_round_trip(config: dict, prefix: str = "kp", count: int = 5, acks="all"):
    """kafka-python: `count` records produced one by one (each acknowledged), then consumed; asserts they match."""
    from kafka import KafkaConsumer, KafkaProducer
    topic = f"{prefix}-{uuid.uuid4().hex[:8]}"
    producer = KafkaProducer(acks=acks, **config)
    for i in range(count):
        producer.send(topic, f"kp-{i}".encode()).get(timeout=30)
    producer.close()
    consumer = KafkaConsumer(topic, auto_offset_reset="earliest", consumer_timeout_ms=15000, **config)
    got = [m.value.decode() for m in consumer]
    consumer.close()
    assert got == [f"kp-{i}" for i in range(count)]


def confluent_round_trip(config: dict, prefix: str = "ck", count: int = 10, label: str = "m"):
    """confluent-kafka: `count` records produced and flushed, then consumed by a fresh group; asserts they match."""
    from confluent_kafka import Consumer, Producer
    topic = f"{prefix}-{uuid.uuid4().hex[:8]}"
    producer = Producer(config)
    for i in range(count):
        producer.produce(topic, value=f"{label}-{i}".encode())
    assert producer.flush(30) == 0
    consumer = Consumer({**config, "group.id": f"g-{uuid.uuid4().hex[:6]}", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    got = []
    deadline = time.time() + 30
    while len(got) < count and time.time() < deadline:
        message = consumer.poll(1.0)
        if message is not None and message.error() is None:
            got.append(message.value().decode())
    consumer.close()
    assert got == [f"{label}-{i}" for i in range(count)]
