"""`gregor cluster` on a real 3-broker cluster, read from ZooKeeper and through --bootstrap-server: a follower stopped
makes a partition under-replicated, a group committed (with confluent-kafka) behind the end shows its lag; and
`gregor produce --progress` reports on stderr."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from conftest import needs_gregor_process
from replication_cluster import Cluster

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def cluster(interop_tmp, zookeeper, server_bin):
    needs_gregor_process()
    c = Cluster(server_bin, zookeeper.connect, interop_tmp / f"cli-cluster-{uuid.uuid4().hex[:6]}")
    c.start_for_test()
    yield c
    c.stop()


def gregor(server_bin: Path, *args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(server_bin).parent / "gregor"), *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout)


def section(text: str, title: str) -> list[str]:
    """The indented lines under the line starting with `title`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    out = []
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            break
        out.append(line.split())
    return out


def test_cluster_shows_under_replicated_partition_and_group_lag(cluster, server_bin):
    from confluent_kafka import Consumer, Producer, TopicPartition

    topic, group = f"screen-{uuid.uuid4().hex[:8]}", f"g-screen-{uuid.uuid4().hex[:8]}"
    cluster.create_topic(topic, 2, 3)
    producer = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all"})
    for i in range(20):
        producer.produce(topic, value=f"v{i}".encode(), partition=0)
    assert producer.flush(30) == 0
    consumer = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(topic, 0, 5)], asynchronous=False)
    finally:
        consumer.close()

    leader = cluster.leader(topic, 0)
    follower = next(b for b in cluster.brokers if b.broker_id != leader)
    assert follower.stop() in (0, None), follower.tail()
    # Every partition has a replica on each of the 3 brokers: both lose one from their ISR.
    cluster.wait(lambda: (lambda md: md if md and len(md) == 2 and all(len(p.isrs) == 2 for p in md.values()) else None)(
        cluster.topic_metadata(topic)), 60, f"{topic} with 2 in-sync replicas after broker {follower.broker_id} stopped")

    zk = gregor(server_bin, "cluster", "--zookeeper", f"{cluster.zk_connect}{cluster.chroot}")
    live = [b for b in cluster.brokers if b.is_running()]
    via_broker = gregor(server_bin, "cluster", "--bootstrap-server", live[0].bootstrap)
    for name, result in (("--zookeeper", zk), ("--bootstrap-server", via_broker)):
        out = result.stdout
        print(f"--- gregor cluster {name}\n{out}")
        assert result.returncode == 0, f"{name}: {result.stderr}\n{out}"
        assert re.search(r"^Brokers \(2\):$", out, re.M), f"{name}:\n{out}"
        assert not re.search(rf"^  {follower.broker_id}  ", out, re.M), f"{name}: stopped broker listed\n{out}"
        under = [row for row in section(out, "Under-replicated partitions:") if row[0] == topic]
        assert [row[1] for row in under] == ["0", "1"], f"{name}:\n{out}"
        assert all(str(follower.broker_id) not in row[4].split(",") for row in under), f"{name}:\n{out}"
        assert re.search(r"^Offline partitions: 0$", out, re.M), f"{name}:\n{out}"
        groups = {row[0]: row for row in section(out, "Consumer groups:")}
        assert group in groups, f"{name}:\n{out}"
        # GROUP STATE PARTITIONS LAG: one committed partition, 20 records, committed at 5.
        assert groups[group][2:] == ["1", "15"], f"{name}:\n{out}"
    assert re.search(r"^Controller epoch: \d+$", zk.stdout, re.M), zk.stdout
    assert "Controller epoch: unknown" in via_broker.stdout, via_broker.stdout


def test_cluster_watch_prints_one_snapshot_per_interval_without_a_terminal(cluster, server_bin):
    proc = subprocess.Popen([str(Path(server_bin).parent / "gregor"), "cluster", "--zookeeper",
                             f"{cluster.zk_connect}{cluster.chroot}", "--watch", "0.5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        lines: list[str] = []
        while time.monotonic() < deadline and sum(line.startswith("Cluster id:") for line in lines) < 2:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
    finally:
        proc.kill()
        proc.wait()
    text = "\n".join(lines)
    assert sum(line.startswith("Cluster id:") for line in lines) >= 2, text
    assert "\x1b[" not in text, "screen clearing without a terminal"
    second = max(i for i, line in enumerate(lines) if line.startswith("Cluster id:"))
    assert lines[second - 1] == "", text


def test_produce_and_consume_progress_on_stderr(cluster, server_bin):
    topic = f"progress-{uuid.uuid4().hex[:8]}"
    cluster.create_topic(topic, 1, 3)
    bootstrap = cluster.bootstrap
    records = "".join(f"record-{i:04d}\n" for i in range(300))
    produced = gregor(server_bin, "produce", "--topic", topic, "--bootstrap-server", bootstrap, "--progress",
                      stdin=records)
    assert produced.returncode == 0, produced.stderr
    # Without a terminal: whole lines, no carriage returns; the summary counts every record and its 11-byte values.
    assert "\r" not in produced.stderr, produced.stderr
    summary = [line for line in produced.stderr.splitlines() if line.startswith("produce: done, ")]
    assert len(summary) == 1 and summary[0].startswith("produce: done, 300 records, 0.0 MB in "), produced.stderr
    assert produced.stdout == ""

    consumed = gregor(server_bin, "consume", "--topic", topic, "--bootstrap-server", bootstrap, "--from-beginning",
                      "--max-messages", "300", "--progress")
    assert consumed.returncode == 0, consumed.stderr
    assert consumed.stdout.splitlines() == [f"record-{i:04d}" for i in range(300)]
    assert any(line.startswith("consume: done, 300 records, ") for line in consumed.stderr.splitlines()), consumed.stderr
