"""Replication safety with real processes: 3 gregor-server brokers on one ZooKeeper, each with
zookeeper.session.timeout.ms=6000, and faults injected with SIGSTOP / SIGKILL.

1. acks=all + min.insync.replicas=2: freeze the leader and kill a follower at once, then kill the frozen leader;
   the last replica (in the ISR) is elected; after restarting the others, every acknowledged record is there.
2. acks=all, kill -9 of every broker at once, all started again at once: nothing acknowledged is lost and
   every replica ends with the same log.
3. Unclean leader election: the old leader has records the unclean new leader never had; once it rejoins as a
   follower, every replica's segment files hold byte-identical record batches (KIP-101 truncation).
4. A broker restarted straight after kill -9 serves within the session timeout + 10 s, with no retry; a second
   process with the same broker.id while the first is alive exits non-zero saying a live broker holds the id.
5. The controller's ZooKeeper session expires (SIGSTOP longer than the session timeout): afterwards all brokers
   agree on one controller, the epoch went up, every partition has a leader.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import gregor_harness as harness
from conftest import needs_gregor_process
from replication_cluster import SESSION_TIMEOUT_S, Cluster, StreamingProducer, consume_partition

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def cluster(interop_tmp, zookeeper, server_bin):
    needs_gregor_process()
    c = Cluster(server_bin, zookeeper.connect, interop_tmp / f"repl-{uuid.uuid4().hex[:6]}")
    c.start_for_test()
    yield c
    c.stop()


def _topic(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _ranges(numbers) -> str:
    """[1, 2, 3, 7, 9, 10] -> '1-3, 7, 9-10' (first 20 ranges)."""
    numbers = sorted(numbers)
    out, start, prev = [], None, None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(f"{start}-{prev}" if prev != start else str(start))
            start = prev = n
    if start is not None:
        out.append(f"{start}-{prev}" if prev != start else str(start))
    return ", ".join(out[:20]) + (f", ... ({len(out)} ranges)" if len(out) > 20 else "")


def _check_no_loss(cluster: Cluster, topic: str, acked: set[int], what: str):
    low, high, records = consume_partition(cluster.bootstrap, topic)
    offsets = [o for o, _ in records]
    assert len(offsets) == len(set(offsets)), f"{what}: duplicate offsets in the consumed partition"
    assert offsets == sorted(offsets), f"{what}: offsets out of order"
    present = {int(v) for _, v in records}
    lost = acked - present
    assert not lost, (f"{what}: {len(lost)} of {len(acked)} acknowledged records lost (values {_ranges(lost)}); "
                      f"partition holds offsets {low}..{high} ({len(records)} records)\n{cluster.tails()}")
    return records


def _wait_identical(cluster: Cluster, topic: str, partition: int = 0, timeout: float = 40.0):
    """Until every broker's segment files hold the same batch bytes; on timeout, fail showing the first
    difference (baseOffsets and which brokers)."""
    deadline = time.monotonic() + timeout
    while True:
        logs = {b.broker_id: b.partition_batches(topic, partition) for b in cluster.brokers}
        reference = logs[cluster.brokers[0].broker_id]
        if reference and all(batches == reference for batches in logs.values()):
            return reference
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    summary = []
    for bid, batches in logs.items():
        summary.append(f"broker {bid}: {len(batches)} batches, baseOffsets {[o for o, _ in batches][:8]}"
                       f"{'...' if len(batches) > 8 else ''} last {batches[-1][0] if batches else None}")
    first_diff = None
    ids = list(logs)
    for i in range(max(len(v) for v in logs.values())):
        row = {bid: logs[bid][i] if i < len(logs[bid]) else None for bid in ids}
        if len({r[1] if r else None for r in row.values()}) > 1:
            first_diff = (i, {bid: (r[0], len(r[1])) if r else None for bid, r in row.items()})
            break
    pytest.fail(f"replicas of {topic}-{partition} differ after {timeout}s:\n" + "\n".join(summary) +
                f"\nfirst differing batch #{first_diff[0] if first_diff else '?'} "
                f"(baseOffset, bytes) per broker: {first_diff[1] if first_diff else '?'}\n{cluster.tails(25)}",
                pytrace=False)


# -----------------------------------------------------------------------------------------------------------------

def test_acked_records_survive_leader_freeze_and_follower_kill(cluster):
    topic = _topic("repl-freeze")
    cluster.create_topic(topic, 1, 3, {"min.insync.replicas": "2"})
    p = cluster.wait_leader(topic, isr_size=3)
    leader_id = p.leader
    followers = [r for r in p.replicas if r != leader_id]
    killed_follower, last = cluster.broker(followers[0]), cluster.broker(followers[1])
    leader = cluster.broker(leader_id)

    producer = StreamingProducer(cluster.bootstrap, topic).start()
    try:
        producer.wait_acked(2000, 60)
        # The same moment: freeze the leader, kill a follower.
        leader.suspend()
        killed_follower.kill9()
        killed_follower.kill()  # reap
        acked_before_faults = producer.acked_count()
        # While the leader is frozen nothing new can be acknowledged; let the follower's session expire.
        time.sleep(SESSION_TIMEOUT_S + 1)
        leader.kill9()
        leader.kill()
        # The last replica was in the ISR: it must be elected (clean election).
        cluster.wait_leader(topic, among={last.broker_id}, timeout=SESSION_TIMEOUT_S + 20)
        # Bring the others back; the producer goes on (acks=all needs 2 in-sync replicas again).
        for b in (leader, killed_follower):
            b.spawn()
        for b in (leader, killed_follower):
            b.wait_ready(60)
        cluster.wait_leader(topic, isr_size=3, timeout=60)
        target = producer.acked_count() + 500
        producer.wait_acked(target, 60)
    finally:
        producer.stop()
    acked = set(producer.acked)
    assert len(acked) >= acked_before_faults
    _check_no_loss(cluster, topic, acked, "after leader freeze + follower kill, leader kill, restarts")
    _wait_identical(cluster, topic)


@pytest.mark.parametrize("wait_for_expiry", [False, True], ids=["restart-at-once", "restart-after-session-expiry"])
def test_acked_records_survive_full_cluster_kill9(cluster, wait_for_expiry):
    """restart-at-once also needs a broker to start while ZooKeeper still holds its previous session's
    registration; restart-after-session-expiry checks the data alone."""
    topic = _topic("repl-allkill")
    cluster.create_topic(topic, 1, 3, {"min.insync.replicas": "2"})
    cluster.wait_leader(topic, isr_size=3)
    producer = StreamingProducer(cluster.bootstrap, topic).start()
    try:
        producer.wait_acked(3000, 60)
        for b in cluster.brokers:  # kill -9 every broker at once
            b.kill9()
        for b in cluster.brokers:
            b.kill()
        acked_at_kill = producer.acked_count()
        if wait_for_expiry:
            time.sleep(SESSION_TIMEOUT_S + 2)
        for b in cluster.brokers:  # and start them all at once
            b.spawn()
        for b in cluster.brokers:
            try:
                b.wait_ready(SESSION_TIMEOUT_S + 60)
            except harness.HarnessError as e:
                pytest.fail(f"broker {b.broker_id} did not come back after kill -9 of the whole cluster: {e}",
                            pytrace=False)
        cluster.wait_leader(topic, isr_size=3, timeout=60)
        producer.wait_acked(acked_at_kill + 500, 60)
    finally:
        producer.stop()
    _check_no_loss(cluster, topic, set(producer.acked), "after kill -9 of all brokers and a restart of all")
    _wait_identical(cluster, topic)


def test_sigterm_of_every_broker_at_once_shuts_each_down_cleanly(cluster):
    """SIGTERM to all three at once: their controlled shutdowns race (the controller itself is leaving), and each
    broker's fetchers hold hundreds of partitions when they stop. Every broker exits 0 having closed its logs
    cleanly, with nothing scheduled on its stopped event loops; after a restart nothing acknowledged is lost."""
    topic = _topic("repl-allterm")
    partitions = 300
    cluster.create_topic(topic, partitions, 3, {"min.insync.replicas": "2"})
    def all_in_sync():
        md = cluster.topic_metadata(topic)
        return md is not None and len(md) == partitions and all(len(p.isrs) == 3 for p in md.values())
    cluster.wait(all_in_sync, 60, f"all {partitions} partitions with a full ISR")
    producer = StreamingProducer(cluster.bootstrap, topic).start()
    try:
        producer.wait_acked(500, 60)
    finally:
        producer.stop()
    for b in cluster.brokers:  # one SIGTERM each, at once
        b.proc.send_signal(signal.SIGTERM)
    statuses = {}
    for b in cluster.brokers:
        try:
            statuses[b.broker_id] = b.proc.wait(90)
        except subprocess.TimeoutExpired:
            b.kill()
            statuses[b.broker_id] = "still running 90 s after SIGTERM"
    logs = {b.broker_id: b.log_text(b.run_log_start) for b in cluster.brokers}
    for broker_id, status in statuses.items():
        log = logs[broker_id]
        assert status == 0, f"broker {broker_id} exited with {status} after SIGTERM:\n{log[-6000:]}"
        assert "Shut down completed" in log, f"broker {broker_id} did not finish its shutdown:\n{log[-6000:]}"
        assert "Log manager shut down cleanly" in log, f"broker {broker_id} did not close its logs cleanly"
        assert "Cannot schedule tasks on an EventLoop" not in log, (
            f"broker {broker_id} scheduled work on a stopped event loop:\n{log[-6000:]}")
    for b in cluster.brokers:
        b.spawn()
    for b in cluster.brokers:
        b.wait_ready(90)
    cluster.wait_leader(topic, isr_size=3, timeout=60)
    _check_no_loss(cluster, topic, set(producer.acked), "after SIGTERM of all brokers and a restart of all")


def _produce(bootstrap: str, topic: str, values: list[bytes], acks: str, one_per_batch: bool = False) -> None:
    import confluent_kafka
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap, "acks": acks, "linger.ms": 5,
                                         "message.timeout.ms": 30000, "enable.idempotence": False})
    errors = []
    for v in values:
        producer.produce(topic, value=v, partition=0,
                         on_delivery=lambda err, _m: errors.append(err) if err is not None else None)
        if one_per_batch:
            producer.flush(30)
        producer.poll(0)
    left = producer.flush(40)
    assert left == 0 and not errors, f"produce of {len(values)} records: {left} undelivered, errors {errors[:3]}"


def test_unclean_election_then_old_leader_rejoins_byte_identical(cluster):
    topic = _topic("repl-unclean")
    cluster.create_topic(topic, 1, 3, {"min.insync.replicas": "1", "unclean.leader.election.enable": "true"})
    p = cluster.wait_leader(topic, isr_size=3)
    old_leader = cluster.broker(p.leader)
    stale, other = (cluster.broker(r) for r in p.replicas if r != p.leader)

    _produce(cluster.bootstrap, topic, [f"common-{i}".encode() for i in range(300)], "all")
    # Both followers die; once their sessions expire the leader is alone in the ISR.
    for b in (stale, other):
        b.kill9()
        b.kill()
    cluster.wait(lambda: (lambda q: q is not None and list(q.isrs) == [old_leader.broker_id])(
        cluster.partition(topic)), SESSION_TIMEOUT_S + 20, "ISR shrunk to the old leader alone")
    # Records only the old leader has (in batches of different sizes than what comes next).
    _produce(old_leader.bootstrap, topic, [f"only-old-leader-{i}".encode() for i in range(200)], "1")
    # Its high watermark (500, it is alone in the ISR) reaches its checkpoint file (written every few seconds).
    time.sleep(6)
    old_leader.kill9()
    old_leader.kill()
    time.sleep(SESSION_TIMEOUT_S + 1)  # the old leader's session expires
    # The stale follower comes back alone and is elected uncleanly.
    stale.spawn()
    stale.wait_ready(60)
    cluster.wait_leader(topic, among={stale.broker_id}, timeout=30)
    # More than the old leader's divergent records: the new leader's log end (700) passes the old leader's high
    # watermark (500), so truncating to the high watermark (pre-KIP-101) keeps offsets 300..499 diverged. One
    # record per batch: the leader's batch at offset 500 starts at 500, so a follower fetching from its high
    # watermark gets no hint (a batch starting inside its log) that its own records before 500 differ.
    _produce(stale.bootstrap, topic, [f"after-unclean-{i}".encode() for i in range(400)], "1", one_per_batch=True)
    # The old leader and the other follower rejoin as followers.
    for b in (old_leader, other):
        b.spawn()
    for b in (old_leader, other):
        b.wait_ready(60)
    _produce(cluster.bootstrap, topic, [f"after-rejoin-{i}".encode() for i in range(50)], "all")
    cluster.wait_leader(topic, isr_size=3, timeout=60)
    batches = _wait_identical(cluster, topic)
    assert batches, "no batches"
    # The leader's view must agree with the bytes: the unclean leader's records, not the old leader's.
    _low, _high, records = consume_partition(cluster.bootstrap, topic)
    values = [v for _, v in records]
    assert not any(v.startswith(b"only-old-leader-") for v in values), \
        "records written only to the old leader survived an unclean election over them"
    for prefix, n in ((b"common-", 300), (b"after-unclean-", 400), (b"after-rejoin-", 50)):
        got = sum(1 for v in values if v.startswith(prefix))
        assert got == n, f"{got} records {prefix!r}, expected {n}"


def test_restart_straight_after_kill9(cluster):
    victim = cluster.brokers[1]
    victim.kill9()
    victim.kill()
    t0 = time.monotonic()
    victim.spawn()  # no retry by the test: this one process must come up
    deadline = SESSION_TIMEOUT_S + 10
    try:
        victim.wait_ready(deadline)
    except harness.HarnessError as e:
        pytest.fail(f"broker {victim.broker_id} restarted right after kill -9 was not serving within {deadline}s "
                    f"(session timeout {SESSION_TIMEOUT_S}s + 10 s): {e}", pytrace=False)
    elapsed = time.monotonic() - t0
    print(f"\nrestart after kill -9: serving after {elapsed:.2f}s (session timeout {SESSION_TIMEOUT_S}s)")
    assert victim.is_running()


def test_duplicate_broker_id_refused(cluster, interop_tmp):
    """A second process with the same broker.id, a port and log dir of its own, while the first is alive."""
    live = cluster.brokers[0]
    twin = harness.Broker(live.server_bin, cluster.zk_connect, Path(interop_tmp) / f"twin-{uuid.uuid4().hex[:6]}",
                          broker_id=live.broker_id, chroot=cluster.chroot,
                          properties={"zookeeper.session.timeout.ms": str(int(SESSION_TIMEOUT_S * 1000))})
    twin.spawn()
    try:
        status = twin.proc.wait(timeout=SESSION_TIMEOUT_S + 20)
    except subprocess.TimeoutExpired:
        twin.kill()
        pytest.fail(f"a second gregor-server with broker.id={live.broker_id} (live broker pid {live.pid}) was still "
                    f"running after {SESSION_TIMEOUT_S + 20}s:\n{twin.tail(20)}", pytrace=False)
    text = twin.log_text()
    assert status != 0, f"the duplicate broker exited with status 0:\n{twin.tail(20)}"
    assert re.search(r"(already|live|registered|in use|held|holds)", text, re.I) and str(live.broker_id) in text, \
        f"the duplicate broker's output does not say a live broker holds id {live.broker_id}:\n{twin.tail(20)}"
    # The live broker is unharmed.
    assert live.is_running()
    live.wait_ready(10)


def _gregor_cluster(cluster: Cluster, server_bin: Path) -> str:
    cli = Path(server_bin).parent / "gregor"
    return subprocess.run([str(cli), "cluster", "--zookeeper", f"{cluster.zk_connect}{cluster.chroot}"],
                          capture_output=True, text=True, timeout=30).stdout


def _controller_epoch(text: str) -> int | None:
    m = re.search(r"epoch\D*(\d+)", text, re.I)
    return int(m.group(1)) if m else None


def test_controller_session_expiry(cluster, server_bin):
    topic = _topic("repl-ctl")
    cluster.create_topic(topic, 6, 3, {"min.insync.replicas": "1"})
    ids = cluster.wait(lambda: (lambda c: c if len(c) == 3 and len(set(c.values())) == 1 else None)(
        cluster.controller_ids()), 30, "all brokers agree on a controller")
    controller = cluster.broker(next(iter(ids.values())))
    before = _gregor_cluster(cluster, server_bin)
    epoch_before = _controller_epoch(before)
    controller.suspend()
    time.sleep(SESSION_TIMEOUT_S * 2)
    controller.resume()
    agreed = cluster.wait(lambda: (lambda c: c if len(c) == 3 and len(set(c.values())) == 1
                                   and next(iter(c.values())) >= 0 else None)(cluster.controller_ids()),
                          40, "all three brokers agree on one controller after the expiry")
    after = _gregor_cluster(cluster, server_bin)
    epoch_after = _controller_epoch(after)
    assert epoch_before is not None and epoch_after is not None, f"no epoch in `gregor cluster`:\n{before}\n{after}"
    assert epoch_after > epoch_before, f"controller epoch {epoch_before} -> {epoch_after}\n{after}"
    md = cluster.wait(lambda: (lambda m: m if m and all(p.leader >= 0 for p in m.values()) else None)(
        cluster.topic_metadata(topic)), 30, "every partition led")
    assert len(md) == 6
    print(f"\ncontroller {controller.broker_id} -> {agreed}, epoch {epoch_before} -> {epoch_after}")
