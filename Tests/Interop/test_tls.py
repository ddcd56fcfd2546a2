"""TLS on real listeners with real clients (issue 16): confluent-kafka and kafka-python produce and consume over an
SSL listener (PEM keystore and truststore from scripts/tls-certs.sh), including fetches of several partitions much
larger than one 64 KiB TLS piece (issue 18); a client that does not trust the broker's CA
is refused while the broker keeps serving others; ssl.client.auth=required refuses a client without a certificate
(or with one from another CA) and names a client with one User:CN=client,O=Gregor; two brokers whose inter-broker
listener is SSL (with client certificates required) replicate and run the controller channel over TLS; a broker
whose TLS listener has no usable keystore refuses to start, saying which key and file."""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gregor_harness as harness  # noqa: E402
from group_clients import ZkView, wait_until  # noqa: E402
from secure_clients import kafka_python_round_trip  # noqa: E402
from tls_certs import CLIENT_PRINCIPAL  # noqa: E402

HANDSHAKE_FAILED = "Failed authentication with /127.0.0.1 (SSL handshake failed"


@pytest.fixture(scope="module")
def tls_broker(module_broker_factory, tls_certs):
    """PLAINTEXT, SSL (no client certificates) and MTLS (an SSL listener requiring them), at debug level so that
    the principals of TLS connections are in the log."""
    properties = {**tls_certs.broker_properties("SSL"), **tls_certs.broker_properties("MTLS", client_auth="required")}
    return module_broker_factory("tls", properties=properties, env={"GREGOR_LOG_LEVEL": "debug"},
                                 extra_listeners={"SSL": "SSL", "MTLS": "SSL"})


def ck_ssl(broker, listener: str, ca: str, **extra) -> dict:
    return {"bootstrap.servers": broker.address(listener), "security.protocol": "SSL", "ssl.ca.location": ca, **extra}


def ck_round_trip(config: dict, count: int = 10) -> list[str]:
    from confluent_kafka import Consumer, Producer
    topic = f"tls-{uuid.uuid4().hex[:8]}"
    producer = Producer(config)
    for i in range(count):
        producer.produce(topic, value=f"m-{i}".encode())
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
    return got


def ck_errors(config: dict, seconds: float = 15) -> list:
    """What librdkafka reports (error_cb) while a producer tries to reach a broker that refuses it."""
    from confluent_kafka import KafkaError, Producer
    errors = []
    producer = Producer({**config, "error_cb": lambda e: errors.append(e)})
    producer.produce(f"tls-refused-{uuid.uuid4().hex[:6]}", value=b"never")

    def reported():
        producer.poll(0.5)
        return any(e.code() in (KafkaError._SSL, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN) for e in errors), errors

    wait_until(reported, seconds, "an SSL error reported to the client")
    producer.purge()
    return errors


def test_confluent_kafka_produces_and_consumes_over_ssl(tls_broker, tls_certs):
    assert ck_round_trip(ck_ssl(tls_broker, "SSL", tls_certs.ca)) == [f"m-{i}" for i in range(10)]


def test_fetches_of_several_partitions_larger_than_a_tls_piece_arrive_whole_over_ssl(tls_broker, tls_certs):
    """Over TLS a fetch response goes out in 64 KiB pieces (no sendfile): 3 partitions of about 600 KB each, records
    of 1-3 KB of random bytes, so one response holds several partitions' records and every piece boundary falls
    somewhere inside them. Every record comes back byte for byte, in order per partition."""
    import os
    import random
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    config = ck_ssl(tls_broker, "SSL", tls_certs.ca)
    topic = f"tls-big-{uuid.uuid4().hex[:8]}"
    admin = AdminClient(config)
    assert admin.create_topics([NewTopic(topic, 3, 1)])[topic].result(30) is None
    rng = random.Random(18)
    sent = {0: [], 1: [], 2: []}
    producer = Producer({**config, "linger.ms": 20})
    for i in range(900):
        partition = i % 3
        value = i.to_bytes(4, "big") + os.urandom(rng.randint(1000, 3000))
        producer.produce(topic, value=value, partition=partition)
        sent[partition].append(value)
    assert producer.flush(30) == 0
    consumer = Consumer({**config, "group.id": f"g-{uuid.uuid4().hex[:6]}", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    got = {0: [], 1: [], 2: []}
    deadline = time.time() + 60
    while sum(map(len, got.values())) < 900 and time.time() < deadline:
        message = consumer.poll(1.0)
        if message is not None and message.error() is None:
            got[message.partition()].append(message.value())
    consumer.close()
    for partition in range(3):
        assert len(got[partition]) == len(sent[partition])
        assert got[partition] == sent[partition], f"partition {partition} differs"


def test_kafka_python_produces_and_consumes_over_ssl(tls_broker, tls_certs):
    kafka_python_round_trip(dict(bootstrap_servers=tls_broker.address("SSL"), security_protocol="SSL",
                                 ssl_cafile=tls_certs.ca), prefix="tls-kp", acks=1)


def test_client_that_does_not_trust_the_broker_ca_is_refused_and_others_keep_working(tls_broker, tls_certs):
    since = tls_broker.log_size()
    errors = ck_errors(ck_ssl(tls_broker, "SSL", tls_certs.other_ca))
    text = " ".join(str(e) for e in errors)
    assert "certificate verify failed" in text, text
    # The broker logs the failed handshake with the client's address, and serves the next client.
    wait_until(lambda: (HANDSHAKE_FAILED in tls_broker.log_text(since), None), 10, "the failed handshake in the broker log")
    assert ck_round_trip(ck_ssl(tls_broker, "SSL", tls_certs.ca), count=3) == ["m-0", "m-1", "m-2"]


def test_kafka_python_that_does_not_trust_the_broker_ca_gets_an_ssl_error(tls_broker, tls_certs, caplog):
    from kafka import KafkaProducer
    from kafka.errors import KafkaError
    with pytest.raises(KafkaError):
        KafkaProducer(bootstrap_servers=tls_broker.address("SSL"), security_protocol="SSL",
                      ssl_cafile=tls_certs.other_ca, bootstrap_timeout_ms=3000)
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text


def test_client_auth_required_refuses_a_client_without_a_certificate(tls_broker, tls_certs):
    since = tls_broker.log_size()
    errors = ck_errors(ck_ssl(tls_broker, "MTLS", tls_certs.ca))
    assert errors, "no error reported"
    wait_until(lambda: (HANDSHAKE_FAILED in tls_broker.log_text(since), None), 10, "the refused handshake in the broker log")


def test_client_auth_required_refuses_a_certificate_from_another_ca(tls_broker, tls_certs):
    since = tls_broker.log_size()
    ck_errors(ck_ssl(tls_broker, "MTLS", tls_certs.ca, **{
        "ssl.certificate.location": tls_certs.other_client_cert, "ssl.key.location": tls_certs.other_client_key}))
    wait_until(lambda: (HANDSHAKE_FAILED in tls_broker.log_text(since), None), 10, "the refused handshake in the broker log")


def test_client_auth_required_accepts_a_client_certificate_and_names_its_principal(tls_broker, tls_certs):
    since = tls_broker.log_size()
    config = ck_ssl(tls_broker, "MTLS", tls_certs.ca, **{
        "ssl.certificate.location": tls_certs.client_cert, "ssl.key.location": tls_certs.client_key})
    assert ck_round_trip(config, count=3) == ["m-0", "m-1", "m-2"]
    assert f"principal {CLIENT_PRINCIPAL}" in tls_broker.log_text(since)


def test_kafka_python_with_a_client_certificate(tls_broker, tls_certs):
    from kafka import KafkaProducer
    producer = KafkaProducer(bootstrap_servers=tls_broker.address("MTLS"), security_protocol="SSL",
                             ssl_cafile=tls_certs.ca, ssl_certfile=tls_certs.client_cert,
                             ssl_keyfile=tls_certs.client_key)
    metadata = producer.send(f"tls-kp-mtls-{uuid.uuid4().hex[:6]}", b"hello").get(timeout=30)
    producer.close()
    assert metadata.offset == 0


def test_ssl_listener_without_certificates_leaves_the_client_anonymous(tls_broker, tls_certs):
    since = tls_broker.log_size()
    assert ck_round_trip(ck_ssl(tls_broker, "SSL", tls_certs.ca), count=1) == ["m-0"]
    log = tls_broker.log_text(since)
    assert "TLS handshake with /127.0.0.1" in log
    assert "principal User:" not in log


def inter_broker_tls_properties(tls_certs) -> dict:
    return {**tls_certs.broker_properties("SSL", client_auth="required"),
            "inter.broker.listener.name": "SSL", "default.replication.factor": "2", "min.insync.replicas": "2",
            "offsets.topic.replication.factor": "2"}


def test_two_brokers_replicate_and_run_the_controller_channel_over_tls(broker_factory, tls_certs):
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    properties = inter_broker_tls_properties(tls_certs)
    env = {"GREGOR_LOG_LEVEL": "debug"}
    first = broker_factory("tls-ib-0", broker_id=0, properties=properties, env=env, extra_listeners={"SSL": "SSL"})
    second = broker_factory("tls-ib-1", broker_id=1, chroot=first.chroot, properties=properties, env=env,
                            extra_listeners={"SSL": "SSL"})
    brokers = [first, second]
    # Topics created through either broker (CreateTopics goes to the controller) get leaders on both brokers:
    # LeaderAndIsr and UpdateMetadata reached them over the SSL listener.
    topics = []
    for broker in brokers:
        topic = f"tls-rf2-{uuid.uuid4().hex[:6]}"
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        for future in admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=2)]).values():
            future.result(timeout=30)
        topics.append(topic)
    admin = AdminClient({"bootstrap.servers": first.bootstrap})

    def led_everywhere():
        metadata = admin.list_topics(timeout=10)
        partitions = [p for t in topics for p in metadata.topics[t].partitions.values()]
        return len(partitions) == 4 and all(p.leader in (0, 1) and sorted(p.isrs) == [0, 1] for p in partitions), \
            {t: {p.id: (p.leader, p.isrs) for p in metadata.topics[t].partitions.values()} for t in topics}

    wait_until(led_everywhere, 60, "leaders and a full ISR for every partition")
    assert {p.leader for t in topics for p in admin.list_topics(timeout=10).topics[t].partitions.values()} == {0, 1}
    # acks=all with min.insync.replicas=2: every append waits for the follower's fetch over TLS.
    producer = Producer({"bootstrap.servers": first.bootstrap, "acks": "all"})
    for i in range(20):
        producer.produce(topics[0], value=f"r-{i}".encode(), partition=i % 2)
    assert producer.flush(30) == 0
    with ZkView(first.zk_connect + first.chroot) as zk:
        for partition in (0, 1):
            state, _ = zk.get(f"/brokers/topics/{topics[0]}/partitions/{partition}/state")
            assert sorted(__import__("json").loads(state)["isr"]) == [0, 1]
        registered = __import__("json").loads(zk.get("/brokers/ids/1")[0])
        assert any(e.startswith("SSL://") for e in registered["endpoints"]), registered
    # Each broker's SSL listener saw the other broker's certificate (fetchers, controller channel).
    for broker in brokers:
        assert "principal User:CN=localhost,O=Gregor" in broker.log_text(), broker.dir


@pytest.mark.parametrize("case,properties,expected", [
    ("no keystore", {}, "Missing configuration 'ssl.keystore.location': listener SSL uses TLS and needs a keystore"),
    ("jks", {"ssl.keystore.location": "/nonexistent/broker.jks"}, "is a JKS store (ssl.keystore.type=JKS, Kafka's default)"),
    ("missing file", {"ssl.keystore.type": "PEM", "ssl.keystore.location": "/nonexistent/broker.pem"},
     "Cannot read /nonexistent/broker.pem (ssl.keystore.location): No such file or directory"),
])
def test_broker_with_an_unusable_keystore_refuses_to_start(server_bin, zookeeper, interop_tmp, case, properties, expected):
    broker = harness.Broker(server_bin, zookeeper.connect, interop_tmp / f"tls-bad-{uuid.uuid4().hex[:6]}",
                            properties=properties, extra_listeners={"SSL": "SSL"})
    try:
        with pytest.raises(harness.HarnessError):
            broker.start(timeout=60)
        assert expected in broker.log_text(), broker.tail()
        assert "TLS for listener SSL" in broker.log_text()
    finally:
        broker.kill()
