"""A broker under a small `ulimit -n` (400, soft and hard): it never runs out of descriptors, because running out
kills a Swift process (libdispatch crashes when it cannot open /proc/<tid>/stat to watch its threads).

- Topic creation and new partitions that would put more replicas on the broker than its descriptor budget allows
  are refused with POLICY_VIOLATION, and nothing is created.
- Replicas assigned past the budget anyway (an assignment written to ZooKeeper directly) are answered
  KAFKA_STORAGE_ERROR, so the controller takes them offline; the broker keeps serving the rest.
- Connections past the budget are closed at once; open ones keep being served.
"""

from __future__ import annotations

import json
import re
import socket
import time
import uuid

import pytest

import kafka_wire as w
from clients import require
from group_clients import ZkView

OPEN_FILES = 400
TIMEOUT = 60


@pytest.fixture
def small_broker(broker_factory):
    return broker_factory("descriptor-limit", open_files=OPEN_FILES)


def client_ceiling(broker) -> int:
    """The descriptor count past which the broker refuses new partitions and client connections (from its log)."""
    found = re.search(r"Open file limit \(ulimit -n\) (\d+).*refused past (\d+)", broker.log_text())
    assert found, f"the broker did not log its descriptor budget:\n{broker.tail()}"
    assert int(found.group(1)) == OPEN_FILES
    return int(found.group(2))


def admin(broker):
    confluent_admin = require("confluent_kafka.admin", "confluent-kafka")
    return confluent_admin.AdminClient({"bootstrap.servers": broker.bootstrap})


def led_partitions(broker, topic: str) -> dict[int, int]:
    """{partition: leader} from a Metadata request."""
    with w.Connection("127.0.0.1", broker.port) as conn:
        md = conn.metadata_v1([topic])
    found = md.topics.get(topic)
    return {index: p["leader"] for index, p in found.partitions.items()} if found else {}


def assert_serves(broker, topic: str, partition: int):
    """The broker is alive, answers on a new connection, and takes and returns a record."""
    assert broker.is_running(), f"gregor-server exited (status {broker.proc.returncode}):\n{broker.tail()}"
    ck = require("confluent_kafka", "confluent-kafka")
    value = uuid.uuid4().hex.encode()
    producer = ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
    producer.produce(topic, value=value, partition=partition)
    assert producer.flush(TIMEOUT) == 0
    consumer = ck.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"g-{uuid.uuid4().hex[:8]}",
                            "auto.offset.reset": "earliest", "enable.auto.commit": False})
    try:
        consumer.assign([ck.TopicPartition(topic, partition, 0)])
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is not None and message.error() is None and message.value() == value:
                return
        raise AssertionError(f"the record produced to {topic}-{partition} was not consumed")
    finally:
        consumer.close()


def test_partitions_past_the_budget_are_refused(small_broker):
    ck_admin = require("confluent_kafka.admin", "confluent-kafka")
    ceiling = client_ceiling(small_broker)
    client = admin(small_broker)

    too_many = client.create_topics([ck_admin.NewTopic("too-many", ceiling + 10, 1)], request_timeout=TIMEOUT)
    with pytest.raises(Exception) as refused:
        too_many["too-many"].result(timeout=TIMEOUT)
    assert "POLICY_VIOLATION" in str(refused.value), refused.value
    assert f"more than the {ceiling}" in str(refused.value), refused.value

    fits = client.create_topics([ck_admin.NewTopic("fits", 20, 1)], request_timeout=TIMEOUT)
    fits["fits"].result(timeout=TIMEOUT)
    grow = client.create_partitions([ck_admin.NewPartitions("fits", ceiling + 1)], request_timeout=TIMEOUT)
    with pytest.raises(Exception) as refused:
        grow["fits"].result(timeout=TIMEOUT)
    assert "POLICY_VIOLATION" in str(refused.value), refused.value

    # Nothing of the refused requests exists.
    with w.Connection("127.0.0.1", small_broker.port) as conn:
        md = conn.metadata_v1(None)
    assert "too-many" not in md.topics
    assert len(md.topics["fits"].partitions) == 20
    assert not (small_broker.data_dir / "too-many-0").exists()
    assert_serves(small_broker, "fits", 19)


def test_replicas_past_the_budget_go_offline_and_the_rest_are_served(small_broker, zookeeper):
    ceiling = client_ceiling(small_broker)
    topic = "by-hand"
    partitions = ceiling + 100
    # Written as an operator (or another tool) could, past the broker's admin checks.
    with ZkView(zookeeper.connect + small_broker.chroot) as zk:
        zk.kz.create(f"/config/topics/{topic}", json.dumps({"version": 1, "config": {}}).encode(), makepath=True)
        assignment = {str(p): [small_broker.broker_id] for p in range(partitions)}
        zk.kz.create(f"/brokers/topics/{topic}",
                     json.dumps({"version": 2, "partitions": assignment, "adding_replicas": {},
                                 "removing_replicas": {}}).encode(), makepath=True)

    deadline = time.monotonic() + TIMEOUT
    while True:
        leaders = led_partitions(small_broker, topic) if small_broker.is_running() else {}
        offline = [p for p, leader in leaders.items() if leader < 0]
        if len(leaders) == partitions and offline:
            break
        assert small_broker.is_running(), f"gregor-server exited:\n{small_broker.tail()}"
        assert time.monotonic() < deadline, f"no replica went offline; leaders: {leaders}\n{small_broker.tail()}"
        time.sleep(0.5)
    time.sleep(2)  # the controller's last offline transitions, and anything that would kill the broker late
    leaders = led_partitions(small_broker, topic)
    online = sorted(p for p, leader in leaders.items() if leader == small_broker.broker_id)
    offline = [p for p, leader in leaders.items() if leader < 0]
    assert online and offline, leaders
    assert len(online) + len(offline) == partitions
    assert len(online) <= ceiling
    log = small_broker.log_text()
    assert "KAFKA_STORAGE_ERROR" in log or "descriptor" in log
    # Offline replicas have no directory left behind for the next start to load.
    directories = {d.name for d in small_broker.data_dir.iterdir() if d.name.startswith(f"{topic}-")}
    assert directories == {f"{topic}-{p}" for p in online}
    assert_serves(small_broker, topic, online[-1])


def test_connections_past_the_budget_are_closed_and_open_ones_served(small_broker):
    ceiling = client_ceiling(small_broker)
    first = w.Connection("127.0.0.1", small_broker.port, client_id="opened-first")
    assert first.api_versions_v0().error_code == 0
    sockets = []
    refused = 0
    try:
        for _ in range(ceiling + 50):
            s = socket.create_connection(("127.0.0.1", small_broker.port), timeout=10)
            sockets.append(s)
        # The broker closes the ones past its budget: they read end of file.
        for s in sockets:
            s.settimeout(0.2)
            try:
                if s.recv(1) == b"":
                    refused += 1
            except (socket.timeout, TimeoutError):
                pass
            except OSError:
                refused += 1
        assert refused > 0, "the broker kept every connection past its descriptor budget"
        assert small_broker.is_running(), f"gregor-server exited:\n{small_broker.tail()}"
        md = first.metadata_v1(None)
        assert small_broker.broker_id in md.brokers
        assert re.search(r"Rejected connection: .*descriptor limit", small_broker.log_text())
    finally:
        for s in sockets:
            s.close()
        first.close()
    # Freed descriptors are taken again.
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            with w.Connection("127.0.0.1", small_broker.port, timeout=5) as conn:
                if conn.api_versions_v0().error_code == 0:
                    break
        except (OSError, w.ConnectionClosed):
            pass
        assert time.monotonic() < deadline, "the broker did not take connections again after they closed"
        time.sleep(0.2)
