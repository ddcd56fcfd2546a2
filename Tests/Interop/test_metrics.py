"""Prometheus metrics on `metrics.listener`, scraped from a real 3-broker cluster driven by real clients.

A known workload (records of a known size, produced with acks=all and consumed back) must show in Kafka's
BrokerTopicMetrics counters, summed over the brokers exactly as Prometheus would; the ReplicaManager and controller
gauges must add up to the cluster's shape; a group that stops consuming while records keep coming must show its
lag; a killed follower must make its partitions under-replicated on the leaders. Every scrape must parse with the
Prometheus client library's own text-format parser.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid

import pytest

from conftest import needs_gregor_process
from replication_cluster import Cluster

pytestmark = pytest.mark.timeout(300)

RECORDS = 400
VALUE = b"v" * 100


@pytest.fixture(scope="module")
def cluster(interop_tmp, zookeeper, server_bin):
    needs_gregor_process()
    c = Cluster(server_bin, zookeeper.connect, interop_tmp / f"metrics-{uuid.uuid4().hex[:6]}",
                properties={"min.insync.replicas": "2", "auto.leader.rebalance.enable": "false",
                            "replica.lag.time.max.ms": "3000"})
    c.serve_metrics()
    c.start_for_test()
    yield c
    c.stop()


def scrape_text(broker) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{broker.metrics_port}/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return response.read().decode()


def scrape(broker) -> dict[tuple[str, frozenset], float]:
    """Every sample of one broker, parsed by prometheus_client: (name, labels) -> value."""
    from prometheus_client.parser import text_string_to_metric_families
    samples = {}
    for family in text_string_to_metric_families(scrape_text(broker)):
        for sample in family.samples:
            # An empty label value is no label at all to Prometheus.
            labels = frozenset((k, v) for k, v in sample.labels.items() if v != "")
            samples[(sample.name, labels)] = sample.value
    return samples


def total(brokers, name: str, **labels) -> float:
    """The sum over brokers of the series `name` with exactly `labels`, as a PromQL sum() would give."""
    wanted = frozenset((k, str(v)) for k, v in labels.items())
    return sum(scrape(b).get((name, wanted), 0.0) for b in brokers)


def produce(bootstrap: str, topic: str, count: int):
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                         "enable.idempotence": False, "compression.type": "none"})
    failures = []
    for i in range(count):
        producer.produce(topic, value=VALUE, key=str(i).encode(), partition=i % 3,
                         on_delivery=lambda err, _msg: failures.append(err) if err else None)
        producer.poll(0)
    assert producer.flush(60) == 0
    assert not failures, failures


def consume_and_commit(bootstrap: str, topic: str, group: str, expected: int):
    from confluent_kafka import Consumer
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    seen = 0
    try:
        deadline_polls = 600
        while seen < expected and deadline_polls > 0:
            deadline_polls -= 1
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            seen += 1
        assert seen == expected, f"consumed {seen} of {expected}"
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()


def test_known_workload_shows_in_the_counters_and_gauges(cluster):
    topic = f"metrics-{uuid.uuid4().hex[:8]}"
    cluster.create_topic(topic, partitions=3, rf=3)
    brokers = cluster.brokers
    produce(cluster.bootstrap, topic, RECORDS)

    # Records in, counted once, on the leaders only (followers count replication bytes instead).
    assert total(brokers, "kafka_server_brokertopicmetrics_messagesin_total", topic=topic) == RECORDS
    assert total(brokers, "kafka_server_brokertopicmetrics_messagesin_total") >= RECORDS
    bytes_in = total(brokers, "kafka_server_brokertopicmetrics_bytesin_total", topic=topic)
    assert bytes_in > RECORDS * len(VALUE), bytes_in
    assert bytes_in < RECORDS * (len(VALUE) + 100), bytes_in
    cluster.wait(lambda: total(brokers, "kafka_server_brokertopicmetrics_replicationbytesin_total") >= 2 * bytes_in,
                 30, "followers' replication bytes in")

    consume_and_commit(cluster.bootstrap, topic, f"metrics-reader-{uuid.uuid4().hex[:6]}", RECORDS)
    bytes_out = total(brokers, "kafka_server_brokertopicmetrics_bytesout_total", topic=topic)
    assert bytes_out >= bytes_in, (bytes_out, bytes_in)

    # Requests: counted per name and version, with latency histograms per name.
    produce_requests = sum(v for (name, labels), v in scrape_all(brokers).items()
                           if name == "kafka_network_requestmetrics_requests_total" and ("request", "Produce") in labels)
    assert produce_requests > 0
    for part in ("totaltimems", "requestqueuetimems", "localtimems", "remotetimems", "responsesendtimems"):
        assert total(brokers, f"kafka_network_requestmetrics_{part}_count", request="Produce") == produce_requests, part
    assert total(brokers, "kafka_network_requestmetrics_totaltimems_count", request="FetchConsumer") > 0
    assert total(brokers, "kafka_network_requestmetrics_totaltimems_count", request="FetchFollower") > 0
    # acks=all waits for the followers: that wait is remote time, and it is part of the total.
    assert total(brokers, "kafka_network_requestmetrics_remotetimems_sum", request="Produce") > 0
    assert (total(brokers, "kafka_network_requestmetrics_totaltimems_sum", request="Produce")
            >= total(brokers, "kafka_network_requestmetrics_remotetimems_sum", request="Produce"))

    # The cluster's shape: 3 partitions x 3 replicas, 3 leaders, one controller.
    assert total(brokers, "kafka_server_replicamanager_partitioncount") >= 9
    assert total(brokers, "kafka_server_replicamanager_leadercount") >= 3
    assert total(brokers, "kafka_server_replicamanager_underreplicatedpartitions") == 0
    assert total(brokers, "kafka_controller_kafkacontroller_activecontrollercount") == 1
    assert total(brokers, "kafka_controller_kafkacontroller_offlinepartitionscount") == 0
    for p in range(3):
        sizes = [scrape(b).get(("kafka_log_log_size", frozenset({("topic", topic), ("partition", str(p))})))
                 for b in brokers]
        assert all(s is not None and s > 0 for s in sizes), (p, sizes)

    for b in brokers:
        samples = scrape(b)
        assert samples[("kafka_server_sessionexpirelistener_sessionstate", frozenset({("state", "CONNECTED")}))] == 1
        assert samples[("kafka_server_sessionexpirelistener_sessionstate", frozenset({("state", "CLOSED")}))] == 0
        assert samples[("kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms_count", frozenset())] > 0
        assert samples[("process_resident_memory_bytes", frozenset())] > 1_000_000
        assert samples[("process_open_fds", frozenset())] > 3
        assert samples[("process_cpu_seconds_total", frozenset())] > 0


def scrape_all(brokers) -> dict:
    merged: dict = {}
    for b in brokers:
        for key, value in scrape(b).items():
            merged[key] = merged.get(key, 0.0) + value
    return merged


def test_lag_of_a_stopped_group_rises_with_new_records(cluster):
    topic = f"lag-{uuid.uuid4().hex[:8]}"
    group = f"lagging-{uuid.uuid4().hex[:6]}"
    cluster.create_topic(topic, partitions=3, rf=3)
    produce(cluster.bootstrap, topic, 90)
    consume_and_commit(cluster.bootstrap, topic, group, 90)
    brokers = cluster.brokers

    def lag() -> float | None:
        value = total(brokers, "kafka_consumergroup_lag_sum", consumergroup=group)
        offsets = total(brokers, "kafka_consumergroup_current_offset", consumergroup=group, topic=topic, partition=0)
        return value if offsets == 30 else None

    cluster.wait(lambda: lag() == 0, 40, f"group {group} reported with no lag")
    produce(cluster.bootstrap, topic, 60)
    cluster.wait(lambda: lag() == 60, 40, f"group {group} lag of 60")
    # One coordinator reports the group: the series are not repeated by every broker.
    reporting = [b for b in brokers
                 if ("kafka_consumergroup_lag_sum", frozenset({("consumergroup", group)})) in scrape(b)]
    assert len(reporting) == 1
    per_partition = [total(brokers, "kafka_consumergroup_lag", consumergroup=group, topic=topic, partition=p)
                     for p in range(3)]
    assert per_partition == [20, 20, 20]


def test_killed_follower_makes_partitions_under_replicated(cluster):
    topic = f"urp-{uuid.uuid4().hex[:8]}"
    cluster.create_topic(topic, partitions=3, rf=3)
    controller = next(b for b in cluster.brokers
                      if total([b], "kafka_controller_kafkacontroller_activecontrollercount") == 1)
    victim = next(b for b in cluster.brokers if b is not controller)
    survivors = [b for b in cluster.brokers if b is not victim]
    victim.kill9()
    try:
        # Every partition of every topic has a replica on every broker: each one left with a leader is now
        # under-replicated; the leaders that died were replaced from the ISR, so none is offline.
        cluster.wait(lambda: total(survivors, "kafka_server_replicamanager_leadercount")
                     == total(survivors, "kafka_server_replicamanager_underreplicatedpartitions") > 0,
                     40, "every led partition under-replicated")
        for p in range(3):
            assert total(survivors, "kafka_cluster_partition_underreplicated", topic=topic, partition=p) == 1
        assert total(survivors, "kafka_controller_kafkacontroller_offlinepartitionscount") == 0
    finally:
        victim.start()
    cluster.wait(lambda: total(cluster.brokers, "kafka_server_replicamanager_underreplicatedpartitions") == 0,
                 60, "ISR full again after the restart")


def test_frozen_follower_is_shrunk_out_of_the_isr_and_expanded_back(cluster):
    """The leaders' own ISR changes (replica.lag.time.max.ms), counted once they are in ZooKeeper."""
    topic = f"isr-{uuid.uuid4().hex[:8]}"
    cluster.create_topic(topic, partitions=3, rf=3)
    controller = next(b for b in cluster.brokers
                      if total([b], "kafka_controller_kafkacontroller_activecontrollercount") == 1)
    victim = next(b for b in cluster.brokers if b is not controller)
    survivors = [b for b in cluster.brokers if b is not victim]
    shrinks = total(survivors, "kafka_server_replicamanager_isrshrinks_total")
    expands = total(survivors, "kafka_server_replicamanager_isrexpands_total")
    led_elsewhere = [p for p, m in cluster.topic_metadata(topic).items() if m.leader != victim.broker_id]
    victim.suspend()
    try:
        # Records the frozen follower cannot fetch (acks=1: the leaders do not wait for it). A follower at the
        # leader's log end never counts as lagging, however long it is silent, as in Kafka.
        from confluent_kafka import Producer
        producer = Producer({"bootstrap.servers": ",".join(b.bootstrap for b in survivors), "acks": 1})
        for i in range(30):
            producer.produce(topic, value=b"x", partition=led_elsewhere[i % len(led_elsewhere)])
        assert producer.flush(30) == 0
        # It stops fetching: after 3 s behind, its leaders take it out of their ISRs themselves.
        cluster.wait(lambda: total(survivors, "kafka_server_replicamanager_isrshrinks_total") > shrinks, 30,
                     "a leader shrinking its ISR")
    finally:
        victim.resume()
    cluster.wait(lambda: total(survivors, "kafka_server_replicamanager_isrexpands_total") > expands
                 and total(cluster.brokers, "kafka_server_replicamanager_underreplicatedpartitions") == 0,
                 90, "the follower back in every ISR")


def test_http_listener_answers_only_what_it_serves(cluster):
    broker = cluster.brokers[0]
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"http://127.0.0.1:{broker.metrics_port}/no-such-page", timeout=10)
    assert missing.value.code == 404
    request = urllib.request.Request(f"http://127.0.0.1:{broker.metrics_port}/metrics", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 405
    # A scrape still answers afterwards, and the broker still serves Kafka clients.
    assert "kafka_server_replicamanager_partitioncount" in scrape_text(broker)
