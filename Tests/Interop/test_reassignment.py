"""Partition reassignment with real processes (4 gregor-server brokers on one ZooKeeper):

1. `gregor reassign --generate/--execute/--verify/--list` (kafka-reassign-partitions.sh's flags and JSON) moves a
   partition onto another broker under an idempotent acks=all producer: no failed send, nothing lost, the replica
   that left is deleted from its broker's disk.
2. `/admin/reassign_partitions` written by hand; while the new replica cannot catch up (SIGSTOP) the controller is
   killed with -9: the next controller resumes the reassignment, which completes once the new replica runs again,
   and the znode is deleted; kafka-python's list_partition_reassignments then lists none.
3. `--execute --throttle` sets Kafka's replication throttles: the new replica copies a few MB far slower than
   unthrottled, the in-sync follower keeps up (acks=all produce goes on, the ISR never shrinks), a raised rate
   applies at once, and `--verify` clears every throttle config once the move is complete.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest

from conftest import needs_gregor_process
from replication_cluster import Cluster, StreamingProducer, consume_partition

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def cluster(interop_tmp, zookeeper, server_bin):
    needs_gregor_process()
    c = Cluster(server_bin, zookeeper.connect, interop_tmp / f"reassign-{uuid.uuid4().hex[:6]}", size=4,
                properties={"min.insync.replicas": "1", "replica.lag.time.max.ms": "5000",
                            "auto.leader.rebalance.enable": "false"})
    c.start_for_test()
    yield c
    c.stop()


def _gregor(server_bin, *args, check=True) -> subprocess.CompletedProcess:
    out = subprocess.run([str(server_bin.parent / "gregor"), *args], capture_output=True, text=True, timeout=120)
    if check:
        assert out.returncode == 0, f"gregor {' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}"
    return out


def _replicas(cluster: Cluster, topic: str, partition: int = 0) -> list[int]:
    p = cluster.partition(topic, partition)
    return [] if p is None else list(p.replicas)


def test_cli_moves_a_partition_under_load(cluster, server_bin, tmp_path):
    topic = f"move-{uuid.uuid4().hex[:8]}"
    cluster.create_topic(topic, partitions=1, rf=2)
    before = _replicas(cluster, topic)
    spare = sorted({1, 2, 3, 4} - set(before))
    target = [spare[0], before[0]]
    leaving = before[1]

    topics_file = tmp_path / "topics.json"
    topics_file.write_text(json.dumps({"version": 1, "topics": [{"topic": topic}]}))
    generated = _gregor(server_bin, "reassign", "--bootstrap-server", cluster.bootstrap, "--generate",
                        "--topics-to-move-json-file", str(topics_file), "--broker-list", "1,2,3,4").stdout
    assert generated.startswith("Current partition replica assignment\n"), generated
    current_json, proposed_json = [line for line in generated.splitlines() if line.startswith("{")]
    assert json.loads(current_json)["partitions"] == [
        {"topic": topic, "partition": 0, "replicas": before, "log_dirs": ["any", "any"]}]
    proposed = json.loads(proposed_json)["partitions"][0]["replicas"]
    assert len(proposed) == 2 and set(proposed) <= {1, 2, 3, 4}

    producer = StreamingProducer(cluster.bootstrap, topic, idempotent=True).start()
    try:
        producer.wait_acked(300, 60)
        plan = tmp_path / "plan.json"
        plan.write_text(json.dumps({"version": 1, "partitions": [{"topic": topic, "partition": 0, "replicas": target}]}))
        executed = _gregor(server_bin, "reassign", "--bootstrap-server", cluster.bootstrap, "--execute",
                           "--reassignment-json-file", str(plan)).stdout
        assert "Save this to use as the --reassignment-json-file option during rollback" in executed
        assert f"Successfully started partition reassignment for {topic}-0" in executed, executed

        def verified():
            out = _gregor(server_bin, "reassign", "--bootstrap-server", cluster.bootstrap, "--verify",
                          "--reassignment-json-file", str(plan), check=False)
            return out.returncode == 0 and f"Reassignment of partition {topic}-0 is complete." in out.stdout
        cluster.wait(verified, 60, "the reassignment to complete (--verify)")
        count = producer.acked_count()
        producer.wait_acked(count + 200, 60)
    finally:
        producer.stop()
    assert _replicas(cluster, topic) == target
    listed = _gregor(server_bin, "reassign", "--bootstrap-server", cluster.bootstrap, "--list").stdout
    assert "No partition reassignments found." in listed
    assert not producer.failed, f"failed sends during the reassignment: {list(producer.failed.items())[:5]}"
    _, _, records = consume_partition(cluster.bootstrap, topic)
    present = {int(v) for _, v in records}
    assert producer.acked <= present, f"{len(producer.acked - present)} acknowledged records lost"
    cluster.wait(lambda: not cluster.broker(leaving).partition_dir(topic, 0).exists(), 30,
                 f"the replica on broker {leaving} to be deleted")
    assert cluster.broker(spare[0]).partition_dir(topic, 0).exists()
    logs = "".join(b.log_text(since=0) for b in cluster.brokers)
    assert f"Completed reassignment of partition {topic}-0 to [{target[0]},{target[1]}]" in logs


def test_a_new_controller_resumes_an_unfinished_reassignment(cluster):
    """Through `/admin/reassign_partitions` (what older tools write), so that no client has to reach the frozen
    broker: kafka-python's admin client may pick any broker of the metadata for its requests."""
    from confluent_kafka import Producer
    from kafka import KafkaAdminClient
    from kazoo.client import KazooClient
    from kazoo.exceptions import NoNodeError

    topic = f"resume-{uuid.uuid4().hex[:8]}"
    cluster.create_topic(topic, partitions=1, rf=2)
    producer = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all", "enable.idempotence": True})
    for n in range(1000):
        producer.produce(topic, value=str(n).encode(), partition=0)
    assert producer.flush(60) == 0

    before = _replicas(cluster, topic)
    controller = next(iter(set(cluster.controller_ids().values())))
    adding = next(b for b in sorted({1, 2, 3, 4} - set(before)) if b != controller)
    staying = next(r for r in before if r != controller)
    target = [adding, staying]
    newcomer = cluster.broker(adding)
    zk = KazooClient(hosts=f"{cluster.zk_connect}{cluster.chroot}", timeout=10)
    zk.start(timeout=15)
    try:
        newcomer.suspend()  # registered, but it cannot fetch: the reassignment cannot complete
        try:
            zk.create("/admin/reassign_partitions", json.dumps(
                {"version": 1, "partitions": [{"topic": topic, "partition": 0, "replicas": target}]}).encode(),
                makepath=True)

            def started():
                node = json.loads(zk.get(f"/brokers/topics/{topic}")[0])
                return node.get("adding_replicas", {}).get("0") == [adding]
            cluster.wait(started, 30, "the controller to start the reassignment")
            cluster.broker(controller).kill9()
            cluster.broker(controller).proc.wait()
            cluster.wait(lambda: any(c not in (controller, -1) for c in cluster.controller_ids().values()), 60,
                         "a new controller")
        finally:
            newcomer.resume()
        cluster.broker(controller).start()
        cluster.wait(lambda: _replicas(cluster, topic) == target, 90, f"{topic}-0 reassigned to {target}")
        cluster.wait(lambda: len(cluster.partition(topic).isrs) == 2, 60, "a full ISR")

        def znode_gone():
            try:
                zk.get("/admin/reassign_partitions")
                return False
            except NoNodeError:
                return True
        cluster.wait(znode_gone, 30, "/admin/reassign_partitions deleted once the reassignment completed")
    finally:
        zk.stop()
        zk.close()
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap, request_timeout_ms=30000)
    try:
        assert admin.list_partition_reassignments() == {}
    finally:
        admin.close()
    _, _, records = consume_partition(cluster.bootstrap, topic)
    assert sorted(int(v) for _, v in records) == list(range(1000))
    logs = "".join(b.log_text(since=0) for b in cluster.brokers if b.broker_id != controller)
    assert f"Resuming the reassignment of {topic}-0" in logs, "the new controller did not resume the reassignment"
    assert f"Completed reassignment of partition {topic}-0 to [{target[0]},{target[1]}]" in logs


def _log_bytes(broker, topic: str, partition: int = 0) -> int:
    directory = broker.partition_dir(topic, partition)
    return sum(f.stat().st_size for f in directory.glob("*.log")) if directory.exists() else 0


def _configs(admin, kind: str, name: str) -> dict:
    from confluent_kafka.admin import ConfigResource
    described = admin.describe_configs([ConfigResource(kind, name)], request_timeout=30)
    return list(described.values())[0].result(30)


THROTTLE = "100000"


def test_throttle_slows_the_move_but_not_in_sync_replicas(cluster, server_bin, tmp_path):
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, ConfigSource

    topic = f"throttle-{uuid.uuid4().hex[:8]}"
    cluster.create_topic(topic, partitions=1, rf=2)
    before = _replicas(cluster, topic)
    cluster.wait_leader(topic, isr_size=2)
    leader = cluster.partition(topic).leader
    follower = next(b for b in before if b != leader)
    adding = sorted({1, 2, 3, 4} - set(before))[0]
    target = [leader, adding]
    value = b"x" * 1000
    producer = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all", "linger.ms": 5})
    for _ in range(5000):
        producer.produce(topic, value=value, partition=0)
    assert producer.flush(60) == 0
    cluster.wait(lambda: _log_bytes(cluster.broker(follower), topic) >= 5_000_000, 30, "the follower to catch up")
    total = _log_bytes(cluster.broker(leader), topic)

    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"version": 1, "partitions": [{"topic": topic, "partition": 0, "replicas": target}]}))
    executed = _gregor(server_bin, "reassign", "--bootstrap-server", cluster.bootstrap, "--execute",
                       "--reassignment-json-file", str(plan), "--throttle", THROTTLE).stdout
    assert ("Warning: You must run --verify periodically, until the reassignment completes, to ensure the "
            "throttle is removed.") in executed, executed
    assert f"The inter-broker throttle limit was set to {THROTTLE} B/s" in executed, executed
    assert f"Successfully started partition reassignment for {topic}-0" in executed, executed

    admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
    topic_configs = _configs(admin, "topic", topic)
    assert topic_configs["leader.replication.throttled.replicas"].value == ",".join(
        sorted(f"0:{b}" for b in before))
    assert topic_configs["follower.replication.throttled.replicas"].value == f"0:{adding}"
    for broker in sorted({leader, follower, adding}):
        broker_configs = _configs(admin, "broker", str(broker))
        for key in ("leader.replication.throttled.rate", "follower.replication.throttled.rate"):
            assert broker_configs[key].value == THROTTLE, (broker, key, broker_configs[key].value)
            assert broker_configs[key].source == ConfigSource.DYNAMIC_BROKER_CONFIG.value

    # The first fetch goes unthrottled (Kafka's rate spreads it over 10 windows), then the quota holds the copy:
    # an unthrottled one is done in well under a second here. Meanwhile the in-sync follower is never held back.
    newcomer = cluster.broker(adding)
    cluster.wait(lambda: _log_bytes(newcomer, topic) > 0, 30, "the new replica to start copying")
    for n in range(200):
        producer.produce(topic, value=str(n).encode(), partition=0)
    assert producer.flush(30) == 0, "acks=all produce stalled while the move was throttled"
    # Longer than replica.lag.time.max.ms (5 s): a held-back in-sync follower would leave the ISR meanwhile.
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        assert _log_bytes(newcomer, topic) < total // 2, "the new replica copied at an unthrottled pace"
        p = cluster.partition(topic)
        isr = list(p.isrs) if p is not None else []
        assert follower in isr and leader in isr, f"the in-sync follower left the ISR: {isr}"
        time.sleep(0.2)
    pending = _gregor(server_bin, "reassign", "--bootstrap-server", cluster.bootstrap, "--verify",
                      "--reassignment-json-file", str(plan), check=False)
    assert pending.returncode != 0 and "is still in progress" in pending.stdout, pending.stdout
    assert "Clearing" not in pending.stdout

    # A raised rate applies at once (the brokers' config change handler), and the copy completes.
    for broker in sorted({leader, follower, adding}):
        _gregor(server_bin, "configs", "--bootstrap-server", cluster.bootstrap, "--alter", "--entity-type", "brokers",
                "--entity-name", str(broker), "--add-config",
                "leader.replication.throttled.rate=1000000000,follower.replication.throttled.rate=1000000000")
    cluster.wait(lambda: _replicas(cluster, topic) == target, 60, f"{topic}-0 reassigned to {target}")

    verified = _gregor(server_bin, "reassign", "--bootstrap-server", cluster.bootstrap, "--verify",
                       "--reassignment-json-file", str(plan)).stdout
    assert f"Reassignment of partition {topic}-0 is complete." in verified, verified
    assert "Clearing broker-level throttles on brokers 1,2,3,4" in verified, verified
    assert f"Clearing topic-level throttles on topic {topic}" in verified, verified
    topic_configs = _configs(admin, "topic", topic)
    for key in ("leader.replication.throttled.replicas", "follower.replication.throttled.replicas"):
        assert topic_configs[key].value == "" and topic_configs[key].source == ConfigSource.DEFAULT_CONFIG.value
    for broker in (1, 2, 3, 4):
        broker_configs = _configs(admin, "broker", str(broker))
        for key in ("leader.replication.throttled.rate", "follower.replication.throttled.rate"):
            assert broker_configs[key].source == ConfigSource.DEFAULT_CONFIG.value, (broker, key)
            assert broker_configs[key].value == str(2**63 - 1)
    _, _, records = consume_partition(cluster.bootstrap, topic)
    assert len(records) == 5200
