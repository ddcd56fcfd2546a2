"""Leadership on a running cluster, with real processes (3 gregor-server brokers on one ZooKeeper):

1. Controlled shutdown: a rolling restart (SIGTERM, start, wait for full ISRs) of all three brokers under an
   idempotent acks=all producer with min.insync.replicas=2. Each broker asks the controller to move its leaderships
   before it stops; the producer sees no failed send; every acknowledged record is there afterwards.
2. ElectLeaders with kafka-python's and confluent-kafka's admin clients, and `gregor topics --elect-leaders`:
   after a restart moved leadership away, a preferred election moves it back; asked again, ELECTION_NOT_NEEDED.
3. auto.leader.rebalance.enable: with a 1 s check interval, leadership returns to preferred replicas by itself.
"""

from __future__ import annotations

import subprocess
import uuid

import pytest

from conftest import needs_gregor_process
from replication_cluster import Cluster, StreamingProducer, consume_partition

pytestmark = pytest.mark.timeout(300)


def _cluster(tmp, zookeeper, server_bin, properties: dict) -> Cluster:
    needs_gregor_process()
    c = Cluster(server_bin, zookeeper.connect, tmp / f"day2-{uuid.uuid4().hex[:6]}", properties=properties)
    c.start_for_test()
    return c


@pytest.fixture
def cluster(interop_tmp, zookeeper, server_bin):
    c = _cluster(interop_tmp, zookeeper, server_bin, {
        "min.insync.replicas": "2", "auto.leader.rebalance.enable": "false", "replica.lag.time.max.ms": "5000"})
    yield c
    c.stop()


def _leaders(cluster: Cluster, topic: str) -> dict[int, int]:
    md = cluster.topic_metadata(topic) or {}
    return {p: m.leader for p, m in md.items()}


def _wait_full_isrs(cluster: Cluster, topic: str, partitions: int, timeout: float = 60.0):
    cluster.wait(lambda: cluster._all_led(topic, partitions, 3), timeout, f"{topic}: every partition led, ISR of 3")


def test_rolling_restart_with_controlled_shutdown_fails_no_send(cluster):
    topic = f"rolling-{uuid.uuid4().hex[:8]}"
    cluster.create_topic(topic, partitions=1, rf=3)
    producer = StreamingProducer(cluster.bootstrap, topic, idempotent=True).start()
    try:
        producer.wait_acked(200, 60)
        for broker in cluster.brokers:
            log_start = broker.log_size()
            led_before = [p for p, leader in _leaders(cluster, topic).items() if leader == broker.broker_id]
            broker.restart()
            stopped_log = broker.log_text(since=log_start)
            assert "Controlled shutdown succeeded" in stopped_log, (
                f"broker {broker.broker_id} did not complete a controlled shutdown:\n{stopped_log[-4000:]}")
            _wait_full_isrs(cluster, topic, 1)
            count = producer.acked_count()
            producer.wait_acked(count + 100, 60)
            if led_before:
                controller_logs = "".join(b.log_text(since=0) for b in cluster.brokers)
                assert f"Controlled shutdown of broker {broker.broker_id}: moving the leadership of" in controller_logs
    finally:
        producer.stop()
    assert not producer.failed, f"failed sends during the rolling restart: {list(producer.failed.items())[:5]}"
    _, _, records = consume_partition(cluster.bootstrap, topic)
    present = {int(v) for _, v in records}
    assert producer.acked <= present, f"{len(producer.acked - present)} acknowledged records lost"
    assert len(records) == len(present), "duplicates in the log despite the idempotent producer"


def _move_leadership_off(cluster: Cluster, topic: str, partitions: int, broker_id: int):
    """Restarts broker `broker_id` (controlled shutdown) and waits until it is back in every ISR, leading nothing."""
    cluster.broker(broker_id).restart()
    _wait_full_isrs(cluster, topic, partitions)
    leaders = _leaders(cluster, topic)
    assert broker_id not in leaders.values(), f"broker {broker_id} leads again already: {leaders}"


def test_preferred_election_with_admin_clients_and_cli(cluster, server_bin):
    from confluent_kafka import ElectionType, TopicPartition
    from kafka import KafkaAdminClient

    topic = f"elect-{uuid.uuid4().hex[:8]}"
    cluster.create_topic(topic, partitions=3, rf=3)
    preferred = {p: m.replicas[0] for p, m in cluster.topic_metadata(topic).items()}
    assert sorted(preferred.values()) == [1, 2, 3], preferred
    by_broker = {b: p for p, b in preferred.items()}

    # confluent-kafka: PREFERRED for the partition broker 1 prefers.
    _move_leadership_off(cluster, topic, 3, 1)
    p1 = by_broker[1]
    admin = cluster.admin()
    result = admin.elect_leaders(ElectionType.PREFERRED, [TopicPartition(topic, p1)]).result(timeout=30)
    assert result[TopicPartition(topic, p1)] is None, result
    assert _leaders(cluster, topic)[p1] == 1
    # Asked again: Kafka's ELECTION_NOT_NEEDED.
    again = admin.elect_leaders(ElectionType.PREFERRED, [TopicPartition(topic, p1)]).result(timeout=30)
    assert "ELECTION_NOT_NEEDED" in str(again[TopicPartition(topic, p1)].code()) or \
        again[TopicPartition(topic, p1)].code() == 84, again

    # kafka-python: every partition (None), after broker 2 lost its leadership.
    _move_leadership_off(cluster, topic, 3, 2)
    kp = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, request_timeout_ms=30000)
    try:
        kp.elect_leaders(election_type=0, topic_partitions=None)
    finally:
        kp.close()
    cluster.wait(lambda: _leaders(cluster, topic)[by_broker[2]] == 2, 30, "broker 2 leading its preferred partition")

    # gregor topics --elect-leaders, as kafka-leader-election.sh.
    _move_leadership_off(cluster, topic, 3, 3)
    cli = server_bin.parent / "gregor"
    out = subprocess.run(
        [str(cli), "topics", "--bootstrap-server", cluster.bootstrap, "--elect-leaders", "--election-type", "preferred",
         "--all-topic-partitions"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr + out.stdout
    assert f"Successfully completed leader election (PREFERRED) for partitions {topic}-{by_broker[3]}" in out.stdout, out.stdout
    assert _leaders(cluster, topic) == preferred


def test_auto_leader_rebalance_restores_preferred_leaders(interop_tmp, zookeeper, server_bin):
    c = _cluster(interop_tmp, zookeeper, server_bin, {
        "auto.leader.rebalance.enable": "true", "leader.imbalance.check.interval.seconds": "1",
        "replica.lag.time.max.ms": "5000"})
    try:
        topic = f"rebalance-{uuid.uuid4().hex[:8]}"
        c.create_topic(topic, partitions=3, rf=3)
        preferred = {p: m.replicas[0] for p, m in c.topic_metadata(topic).items()}
        c.broker(1).restart()
        c.wait(lambda: _leaders(c, topic) == preferred, 60, f"leaders back to the preferred replicas {preferred}")
        logs = "".join(b.log_text(since=0) for b in c.brokers)
        assert "triggered by AutoTriggered" in logs
    finally:
        c.stop()


@pytest.mark.parametrize("stop", ["sigterm", "kill9"])
def test_a_restarted_brokers_first_metadata_lists_the_brokers(cluster, stop):
    """Its first Metadata answer waits for its registration (after kill -9, until its old one expired) and the
    controller's UpdateMetadata instead of listing no broker: librdkafka 2.x forgets every broker a Metadata answer
    leaves out, and a producer bootstrapped there would stall."""
    import socket
    import time

    import kafka_wire

    broker = cluster.broker(2)
    if stop == "sigterm":
        broker.stop()
    else:
        broker.kill9()
        broker.proc.wait()
    broker.spawn()
    deadline = time.monotonic() + 90
    while True:
        assert time.monotonic() < deadline, "the restarted broker never answered Metadata"
        try:
            with kafka_wire.Connection("127.0.0.1", broker.port, timeout=30.0, client_id="first-metadata") as conn:
                md = conn.metadata_v1([])
                break
        except (OSError, socket.timeout, kafka_wire.ConnectionClosed):
            time.sleep(0.01)
    assert sorted(md.brokers) == [1, 2, 3], f"first Metadata answer listed brokers {sorted(md.brokers)}"
