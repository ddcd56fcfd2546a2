"""Consumer groups with real clients, real brokers and a real ZooKeeper.

The group coordinator of a group is one live broker (rendezvous hashing); committed offsets live in ZooKeeper at
/consumers/<g>/offsets/<t>/<p> (decimal text), with a JSON sibling under offsets_metadata and the group's fencing
node /consumers/<g>/coordinator. Every check of ZooKeeper goes through kazoo on `zookeeper.connect` + the
cluster's chroot (group_clients.ZkView).

Single-broker tests use the session broker; the 3-broker tests share one module cluster (`cluster3`), except the
two that kill or freeze a broker, which get their own. Members that must be SIGKILLed run as processes
(group_consumer.py) and report rebalance callbacks, processed records and acknowledged commits as events.
Brokers run with group.initial.rebalance.delay.ms=0; members use session.timeout.ms=6000 (the smallest Kafka
allows by default) and heartbeat.interval.ms=1000 unless a test says otherwise.
"""

from __future__ import annotations

import asyncio
import collections
import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest

import kafka_wire
from clients import require
from group_clients import (BackgroundProducer, Members, OffsetMonitor, ZkView, admin_client, agreed_coordinator,
                           create_topic, describe_group, end_offsets, fetch_committed, produce, single_broker_cluster,
                           start_cluster, state_name, try_end_offsets, wait_until)

PARTITIONS = 6


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------------------------------------------------------
# Fixtures.

@pytest.fixture(scope="module")
def cluster3(module_broker_factory):
    """Brokers 0, 1, 2 in one chroot, shared by the module's 3-broker tests that leave them running."""
    return start_cluster(module_broker_factory, "groups3", 3)


@pytest.fixture
def single(broker, zookeeper):
    if broker is None:
        pytest.skip("needs the session's gregor-server (INTEROP_BOOTSTRAP is set)")
    return single_broker_cluster(broker, zookeeper)


@pytest.fixture
def members(interop_tmp):
    m = Members(interop_tmp / "group-members")
    yield m
    m.cleanup()


@pytest.fixture
def zk_of():
    views = []

    def open_view(cluster):
        view = ZkView(cluster.zk_hosts)
        views.append(view)
        return view

    yield open_view
    for v in views:
        v.close()


# ---------------------------------------------------------------------------------------------------------------
# Checks shared by the tests.

def tps(topic: str, n: int = PARTITIONS) -> set[tuple[str, int]]:
    return {(topic, p) for p in range(n)}


def split_is(procs, topic: str, sizes: list[int], n: int = PARTITIONS):
    """Predicate: the members' current assignments are disjoint, cover the topic and have these sizes."""
    def check():
        owned = {c.name: c.owned() for c in procs}
        union = set().union(*owned.values())
        disjoint = sum(len(o) for o in owned.values()) == len(union)
        ok = disjoint and union == tps(topic, n) and sorted(len(o) for o in owned.values()) == sorted(sizes)
        return ok, {name: sorted(p for _, p in o) for name, o in owned.items()}
    return check


def all_committed_something(procs):
    def check():
        return all(c.committed() for c in procs), {c.name: len(c.of("commit")) for c in procs}
    return check


def consumed_counts(procs) -> collections.Counter:
    return collections.Counter(r for c in procs for r in c.records())


def wait_everything_consumed(procs, topic: str, ends: dict[int, int], seconds: float = 90.0):
    def check():
        seen = consumed_counts(procs)
        missing = {p: sum(1 for o in range(ends[p]) if (topic, p, o) not in seen) for p in ends}
        return not any(missing.values()), f"missing per partition {missing}"
    wait_until(check, seconds, f"every offset below {ends} consumed by the group", interval=0.25)


def wait_zk_offsets(zk, group: str, topic: str, want: dict[int, int], seconds: float = 60.0):
    expected = {(topic, p): o for p, o in want.items()}
    wait_until(lambda: (zk.offsets(group, topic) == expected, zk.offsets(group, topic)), seconds,
               f"/consumers/{group}/offsets/{topic}/* == {want}")


def commit_errors(procs) -> list[dict]:
    return [e for c in procs for e in c.of("commit_error")]


# ---------------------------------------------------------------------------------------------------------------
# Three confluent-kafka members: split, clean leave, kill -9.

def test_three_members_split_partitions_then_survive_close_and_kill9(cluster3, members, zk_of):
    """Three members get 2 of 6 partitions each; a clean close() hands its 2 to the others at once (LeaveGroup);
    a SIGKILLed member's partitions move only once its session (6 s) expires; every offset produced before and
    during the churn is consumed, duplicates only in the killed member's uncommitted range; ZooKeeper ends at the
    log end offsets and never goes backwards."""
    require("confluent_kafka", "confluent-kafka")
    bootstrap = cluster3.bootstrap
    topic, group = unique("grp-churn"), unique("g-churn")
    create_topic(bootstrap, topic, PARTITIONS, replication=3)
    produce(bootstrap, topic, PARTITIONS, 1200, "pre")
    zk = zk_of(cluster3)
    monitor = OffsetMonitor(cluster3.zk_hosts, group)
    producer = BackgroundProducer(bootstrap, topic, PARTITIONS, rate=150)
    stopped = False
    try:
        a, b, c = (members.start(f"churn-{n}", bootstrap, group, [topic]) for n in "abc")
        wait_until(split_is([a, b, c], topic, [2, 2, 2]), 60, "three members with 2 partitions each")
        wait_until(all_committed_something([a, b, c]), 30, "every member committed")

        # Clean close: LeaveGroup, the others rebalance without waiting for a session to expire.
        c_owned = c.owned()
        t_close = time.monotonic()
        assert c.terminate() == 0 and c.of("closed"), f"member c did not close cleanly: {c.describe()}"
        wait_until(split_is([a, b], topic, [3, 3]), 30, f"a and b take over c's partitions {sorted(c_owned)}")
        moved_after = max(x.of("assign")[-1]["t"] for x in (a, b)) - t_close
        assert moved_after < 5.0, (
            f"c's partitions moved {moved_after:.1f}s after its close(): a LeaveGroup must start the rebalance at "
            f"once, not after the session timeout (6 s)")

        # kill -9: no LeaveGroup; the coordinator notices when the session expires.
        wait_until(all_committed_something([a, b]), 30, "a and b committed after the rebalance")
        b_owned = b.owned()
        t_kill = time.monotonic()
        b.kill()
        a.wait_owned(want=tps(topic), seconds=40, after=t_kill)
        moved_after = a.of("assign")[-1]["t"] - t_kill
        assert moved_after >= 4.0, (
            f"the killed member's partitions moved {moved_after:.1f}s after SIGKILL: the session (6 s, heartbeats "
            f"every 1 s) cannot have expired yet")
        assert moved_after <= 26.0, f"the killed member's partitions moved only {moved_after:.1f}s after SIGKILL"

        # A keeps consuming what is produced after the churn, then production stops.
        wait_until(lambda: (any(e["t"] > a.of("assign")[-1]["t"] for e in a.of("commit")), None), 30,
                   "a commits with its new assignment")
        producer.stop()
        stopped = True
        ends = end_offsets(bootstrap, topic, PARTITIONS)
        assert sum(ends.values()) >= 1200 + producer.sent, f"log end offsets {ends} < {1200 + producer.sent} produced"
        wait_everything_consumed([a, b, c], topic, ends)
        wait_zk_offsets(zk, group, topic, ends)
    finally:
        if not stopped:
            producer.stop()
        monitor.stop()

    seen = consumed_counts([a, b, c])
    b_records = set(b.records())
    b_committed = b.committed()
    duplicates = sorted(k for k, n in seen.items() if n > 1)
    unexplained = [(t, p, o) for t, p, o in duplicates
                   if not ((t, p, o) in b_records and (t, p) in b_owned and o >= b_committed.get((t, p), 0))]
    assert not unexplained, (
        f"{len(unexplained)} offsets consumed twice outside the killed member's uncommitted range "
        f"(b owned {sorted(b_owned)}, its last commits {b_committed}): first {unexplained[:10]}; "
        f"commit errors: {commit_errors([a, b, c])[:5]}")
    monitor.assert_never_decreased("while members closed and were killed")


# ---------------------------------------------------------------------------------------------------------------
# Other clients as group members.

def _expected(topic: str, counts: dict[int, int]) -> set[tuple[int, int]]:
    return {(p, o) for p, n in counts.items() for o in range(n)}


def test_kafka_python_group_member_consumes_commits_and_resumes(single, zk_of):
    """kafka-python subscribes in a group (JoinGroup/SyncGroup with its own assignor), consumes everything,
    commits; OffsetFetch (committed()) and ZooKeeper hold the commits, the metadata string is kept beside the
    offset; a second member of the group resumes at the committed offsets."""
    kafka = require("kafka", "kafka-python")
    from kafka import TopicPartition
    from kafka.structs import OffsetAndMetadata
    bootstrap = single.bootstrap
    topic, group = unique("grp-kp"), unique("g-kp")
    create_topic(bootstrap, topic, 3)
    counts = produce(bootstrap, topic, 3, 300, "kp")
    zk = zk_of(single)

    def consumer():
        return kafka.KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id="interop-kp-group",
                                   enable_auto_commit=False, auto_offset_reset="earliest", session_timeout_ms=6000,
                                   heartbeat_interval_ms=1000)

    c1 = consumer()
    try:
        got = set()
        deadline = time.monotonic() + 60
        while len(got) < 300 and time.monotonic() < deadline:
            for tp, records in c1.poll(timeout_ms=500).items():
                got.update((tp.partition, r.offset) for r in records)
        assert got == _expected(topic, counts), f"kafka-python consumed {len(got)} of 300: missing " \
                                                f"{sorted(_expected(topic, counts) - got)[:10]}"
        assert c1.assignment() == {TopicPartition(topic, p) for p in range(3)}, c1.assignment()
        c1.commit()  # the positions, i.e. the end of each partition
        committed = {p: c1.committed(TopicPartition(topic, p)) for p in range(3)}
        assert committed == counts, f"OffsetFetch after commit(): {committed}, expected {counts}"
        wait_zk_offsets(zk, group, topic, counts, seconds=10)

        c1.commit({TopicPartition(topic, 1): OffsetAndMetadata(7, "kafka-python-meta", -1)})
        assert c1.committed(TopicPartition(topic, 1)) == 7
        with_meta = c1.committed(TopicPartition(topic, 1), metadata=True)
        assert with_meta.metadata == "kafka-python-meta", f"OffsetFetch metadata: {with_meta}"
        wait_zk_offsets(zk, group, topic, {0: counts[0], 1: 7, 2: counts[2]}, seconds=10)
        meta = zk.offset_metadata(group, topic, 1)
        assert meta is not None and meta.get("metadata") == "kafka-python-meta", \
            f"/consumers/{group}/offsets_metadata/{topic}/1: {meta}"
    finally:
        c1.close()

    c2 = consumer()
    try:
        got = []
        deadline = time.monotonic() + 60
        while len(got) < counts[1] - 7 and time.monotonic() < deadline:
            for tp, records in c2.poll(timeout_ms=500).items():
                got += [(tp.partition, r.offset) for r in records]
        for _ in range(3):  # nothing else may follow
            for tp, records in c2.poll(timeout_ms=300).items():
                got += [(tp.partition, r.offset) for r in records]
        assert sorted(got) == [(1, o) for o in range(7, counts[1])], \
            f"a new member should resume at the committed offsets (p1 from 7, others at the end); got {sorted(got)[:10]}" \
            f"... ({len(got)} records)"
    finally:
        c2.close()


def test_aiokafka_group_member_consumes_commits_and_resumes(single, zk_of):
    """aiokafka (its own, older protocol versions) as a group member: consumes, commits, reads back with
    committed(); ZooKeeper holds the offsets and the metadata; a restarted member resumes at the commit."""
    aiokafka = require("aiokafka", "aiokafka")
    from aiokafka import TopicPartition
    from aiokafka.structs import OffsetAndMetadata
    bootstrap = single.bootstrap
    topic, group = unique("grp-aio"), unique("g-aio")
    create_topic(bootstrap, topic, 3)
    counts = produce(bootstrap, topic, 3, 300, "aio")
    zk = zk_of(single)

    def consumer():
        return aiokafka.AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                                         client_id="interop-aio-group", enable_auto_commit=False,
                                         auto_offset_reset="earliest", session_timeout_ms=6000,
                                         heartbeat_interval_ms=1000)

    async def first():
        c = consumer()
        await c.start()
        try:
            got = set()
            deadline = time.monotonic() + 60
            while len(got) < 300 and time.monotonic() < deadline:
                for tp, records in (await c.getmany(timeout_ms=500)).items():
                    got.update((tp.partition, r.offset) for r in records)
            assert got == _expected(topic, counts), f"aiokafka consumed {len(got)} of 300"
            assert c.assignment() == {TopicPartition(topic, p) for p in range(3)}, c.assignment()
            await c.commit()
            committed = {p: await c.committed(TopicPartition(topic, p)) for p in range(3)}
            assert committed == counts, f"OffsetFetch after commit(): {committed}, expected {counts}"
            await c.commit({TopicPartition(topic, 2): OffsetAndMetadata(11, "aiokafka-meta")})
            assert await c.committed(TopicPartition(topic, 2)) == 11
        finally:
            await c.stop()

    async def second():
        c = consumer()
        await c.start()
        try:
            got = []
            deadline = time.monotonic() + 60
            while len(got) < counts[2] - 11 and time.monotonic() < deadline:
                for tp, records in (await c.getmany(timeout_ms=500)).items():
                    got += [(tp.partition, r.offset) for r in records]
            for _ in range(3):
                for tp, records in (await c.getmany(timeout_ms=300)).items():
                    got += [(tp.partition, r.offset) for r in records]
            return got
        finally:
            await c.stop()

    asyncio.run(asyncio.wait_for(first(), 120))
    wait_zk_offsets(zk, group, topic, {0: counts[0], 1: counts[1], 2: 11}, seconds=10)
    meta = zk.offset_metadata(group, topic, 2)
    assert meta is not None and meta.get("metadata") == "aiokafka-meta", \
        f"/consumers/{group}/offsets_metadata/{topic}/2: {meta}"
    got = asyncio.run(asyncio.wait_for(second(), 120))
    assert sorted(got) == [(2, o) for o in range(11, counts[2])], \
        f"a new member should resume at the committed offsets (p2 from 11); got {sorted(got)[:10]} ({len(got)})"


def test_kcat_balanced_consumer_commits_on_exit(single, zk_of):
    """`kcat -G` (librdkafka's balanced consumer, auto-commit) consumes everything and commits on exit; the
    committed offsets read back through OffsetFetch (AdminClient) and in ZooKeeper; a second run in the same
    group has nothing left to consume."""
    require("confluent_kafka", "confluent-kafka")
    from confluent_kafka import ConsumerGroupTopicPartitions
    kcat = shutil.which("kcat")
    if not kcat:
        pytest.fail("kcat is not installed; scripts/setup.sh installs Debian's kcat", pytrace=False)
    bootstrap = single.bootstrap
    topic, group = unique("grp-kcat"), unique("g-kcat")
    create_topic(bootstrap, topic, 3)
    counts = produce(bootstrap, topic, 3, 300, "kcat")
    zk = zk_of(single)

    def run():
        argv = [kcat, "-b", bootstrap, "-G", group, "-X", "client.id=interop-kcat-group",
                "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000",
                "-X", "heartbeat.interval.ms=1000", "-e", "-q", "-f", "%p %o\\n", topic]
        proc = subprocess.run(argv, capture_output=True, timeout=120)
        assert proc.returncode == 0, f"{' '.join(argv)} exited with {proc.returncode}: {proc.stderr.decode()[-2000:]}"
        return [tuple(map(int, line.split())) for line in proc.stdout.decode().splitlines() if line.strip()]

    got = run()
    assert sorted(got) == sorted(_expected(topic, counts)), \
        f"kcat -G consumed {len(got)} records, expected 300; missing {sorted(_expected(topic, counts) - set(got))[:10]}"
    wait_zk_offsets(zk, group, topic, counts, seconds=15)
    admin = admin_client(bootstrap)
    listed = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)],
                                               request_timeout=20)[group].result(timeout=30)
    fetched = {tp.partition: tp.offset for tp in listed.topic_partitions if tp.topic == topic}
    assert fetched == counts, f"OffsetFetch (list_consumer_group_offsets) after kcat -G: {fetched}, expected {counts}"
    again = run()
    assert again == [], f"a second kcat -G run in the group should start at the committed end; it read {again[:10]}"


# ---------------------------------------------------------------------------------------------------------------
# Group admin APIs and standalone commits (single broker).

def test_group_admin_apis(single, zk_of):
    """ListGroups and DescribeGroups show a Stable group with its member, protocol and assignment and an Empty
    group that only has commits; DeleteGroups answers NON_EMPTY_GROUP for a group with members and
    GROUP_ID_NOT_FOUND for an unknown one; OffsetDelete answers GROUP_SUBSCRIBED_TO_TOPIC while the group
    consumes the topic and works once it is empty; deleting the empty group removes its offset znodes."""
    ck = require("confluent_kafka", "confluent-kafka")
    kafka = require("kafka", "kafka-python")
    from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicPartition
    from kafka.admin import KafkaAdminClient
    bootstrap = single.bootstrap
    topic = unique("grp-admin")
    active, simple, unknown = unique("g-admin-active"), unique("g-admin-simple"), unique("g-admin-unknown")
    create_topic(bootstrap, topic, 3)
    produce(bootstrap, topic, 3, 90, "admin")
    zk = zk_of(single)
    admin = admin_client(bootstrap)
    kp_admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="interop-kp-group-admin")

    # A group with only standalone commits (no member ever joined).
    s = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": simple, "enable.auto.commit": False})
    s.commit(offsets=[TopicPartition(topic, 0, 3)], asynchronous=False)
    s.close()

    member = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": active, "client.id": "interop-admin-member",
                          "enable.auto.commit": False, "auto.offset.reset": "earliest",
                          "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000})
    closed = False
    try:
        member.subscribe([topic])
        got = 0
        deadline = time.monotonic() + 60
        while (got < 90 or len(member.assignment()) < 3) and time.monotonic() < deadline:
            got += sum(1 for m in member.consume(100, timeout=0.5) if not m.error())
        assert got == 90 and len(member.assignment()) == 3, f"consumed {got}/90, assignment {member.assignment()}"
        member.commit(asynchronous=False)
        wait_zk_offsets(zk, active, topic, {0: 30, 1: 30, 2: 30}, seconds=10)

        listing = admin.list_consumer_groups(request_timeout=20).result(timeout=30)
        assert not listing.errors, f"ListGroups errors: {listing.errors}"
        listed = {g.group_id: g for g in listing.valid}
        assert active in listed and simple in listed, f"ListGroups: {sorted(listed)}"
        assert state_name(listed[active]) == "STABLE" and not listed[active].is_simple_consumer_group, \
            f"ListGroups entry of the active group: {listed[active]}"
        assert listed[simple].is_simple_consumer_group and state_name(listed[simple]) in ("EMPTY", "UNKNOWN"), \
            f"ListGroups entry of the commit-only group: {listed[simple]}"

        d = describe_group(bootstrap, active)
        assert state_name(d) == "STABLE", f"DescribeGroups state {d.state}"
        assert d.partition_assignor == "range", f"protocol {d.partition_assignor!r} (librdkafka offers range first)"
        assert not d.is_simple_consumer_group
        assert d.coordinator is not None and d.coordinator.id == single.brokers[0].broker_id, d.coordinator
        assert len(d.members) == 1, f"members {d.members}"
        m = d.members[0]
        assert m.client_id == "interop-admin-member" and m.member_id and m.host, m
        assert {(tp.topic, tp.partition) for tp in m.assignment.topic_partitions} == tps(topic, 3), m.assignment
        kp_desc = kp_admin.describe_groups([active])[active]
        assert (kp_desc.get("protocol_type"), kp_desc.get("protocol_data"), kp_desc.get("group_state")) == \
            ("consumer", "range", "Stable"), f"kafka-python describe_groups: {kp_desc}"
        subscription = kp_desc["members"][0]["member_metadata"]
        topics = subscription.get("topics") if isinstance(subscription, dict) else getattr(subscription, "topics", None)
        assert list(topics or []) == [topic], f"member metadata (the subscription) {subscription!r}"

        # DeleteGroups: not while a member is in the group; not a group nobody knows.
        futures = admin.delete_consumer_groups([active, unknown], request_timeout=20)
        for group, code in ((active, KafkaError.NON_EMPTY_GROUP), (unknown, KafkaError.GROUP_ID_NOT_FOUND)):
            with pytest.raises(KafkaException) as excinfo:
                futures[group].result(timeout=30)
            assert excinfo.value.args[0].code() == code, f"DeleteGroups {group}: {excinfo.value}, expected {code}"

        # OffsetDelete: refused for the topic the group consumes, per partition.
        result = kp_admin.delete_group_offsets(active, [kafka.TopicPartition(topic, 0)])
        errors = {tp.partition: e.__name__ for tp, e in result.items()}
        assert errors == {0: "GroupSubscribedToTopicError"}, f"OffsetDelete while subscribed: {errors}"
        assert (topic, 0) in zk.offsets(active, topic), "a refused OffsetDelete removed the offset znode"

        member.close()
        closed = True
        wait_until(lambda: (state_name(describe_group(bootstrap, active).state) == "EMPTY",
                            state_name(describe_group(bootstrap, active).state)), 20, "the group is Empty after close()")

        result = kp_admin.delete_group_offsets(active, [kafka.TopicPartition(topic, 0)])
        errors = {tp.partition: e.__name__ for tp, e in result.items()}
        assert errors == {0: "NoError"}, f"OffsetDelete on the empty group: {errors}"
        wait_zk_offsets(zk, active, topic, {1: 30, 2: 30}, seconds=10)
        assert zk.offset_metadata(active, topic, 0) is None, "offsets_metadata/<t>/0 outlived OffsetDelete"
        fetched = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(active)],
                                                    request_timeout=20)[active].result(timeout=30)
        offsets = {tp.partition: tp.offset for tp in fetched.topic_partitions if tp.topic == topic}
        assert offsets.get(0, -1001) < 0 and offsets.get(1) == 30 and offsets.get(2) == 30, \
            f"OffsetFetch after OffsetDelete of partition 0: {offsets}"

        admin.delete_consumer_groups([active], request_timeout=20)[active].result(timeout=30)
        assert zk.offset_znodes(active) == [], f"znodes left after DeleteGroups: {zk.offset_znodes(active)}"
        listing = admin.list_consumer_groups(request_timeout=20).result(timeout=30)
        assert active not in {g.group_id for g in listing.valid}, "ListGroups still lists the deleted group"
        assert simple in {g.group_id for g in listing.valid}, "ListGroups lost the other group"
        # Kafka forgets a deleted group: DescribeGroups answers Dead (as for a group nobody ever used), and the
        # question does not bring it back (ListGroups, DeleteGroups).
        gone = describe_group(bootstrap, active)
        assert state_name(gone) == "DEAD" and not gone.members, \
            f"DescribeGroups of a deleted group: state {state_name(gone)}, members {gone.members}; Kafka: Dead"
        listing = admin.list_consumer_groups(request_timeout=20).result(timeout=30)
        assert active not in {g.group_id for g in listing.valid}, \
            "ListGroups lists the deleted group again after a DescribeGroups of it"
        with pytest.raises(KafkaException) as excinfo:
            admin.delete_consumer_groups([active], request_timeout=20)[active].result(timeout=30)
        assert excinfo.value.args[0].code() == KafkaError.GROUP_ID_NOT_FOUND, \
            f"DeleteGroups of an already deleted group: {excinfo.value}"
    finally:
        if not closed:
            member.close()
        kp_admin.close()


def test_standalone_commits_with_assign(single, zk_of):
    """assign() + commit with a group id and no subscription (generation -1, no member id): stored in ZooKeeper,
    fetched back by OffsetFetch (confluent-kafka, kafka-python, raw v2+ for all partitions); a lower offset may be
    committed later (Kafka stores what the client commits); the group stays Empty and simple."""
    ck = require("confluent_kafka", "confluent-kafka")
    kafka = require("kafka", "kafka-python")
    from confluent_kafka import TopicPartition
    from kafka.structs import OffsetAndMetadata
    bootstrap = single.bootstrap
    topic, group = unique("grp-standalone"), unique("g-standalone")
    create_topic(bootstrap, topic, 3)
    produce(bootstrap, topic, 3, 60, "sa")
    zk = zk_of(single)

    c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        c.assign([TopicPartition(topic, p, 0) for p in range(3)])
        result = c.commit(offsets=[TopicPartition(topic, p, 5 + p) for p in range(3)], asynchronous=False)
        assert all(tp.error is None for tp in result), f"standalone commit: {result}"
        committed = {tp.partition: tp.offset for tp in c.committed([TopicPartition(topic, p) for p in range(3)],
                                                                     timeout=20)}
        assert committed == {0: 5, 1: 6, 2: 7}, f"OffsetFetch: {committed}"
        wait_zk_offsets(zk, group, topic, {0: 5, 1: 6, 2: 7}, seconds=10)
        c.commit(offsets=[TopicPartition(topic, 0, 2)], asynchronous=False)
        assert c.committed([TopicPartition(topic, 0)], timeout=20)[0].offset == 2, "a lower commit was not stored"
        wait_zk_offsets(zk, group, topic, {0: 2, 1: 6, 2: 7}, seconds=10)
    finally:
        c.close()

    kp = kafka.KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                             client_id="interop-kp-standalone")
    try:
        tp1 = kafka.TopicPartition(topic, 1)
        kp.assign([tp1])
        kp.commit({tp1: OffsetAndMetadata(9, "standalone", -1)})
        assert kp.committed(tp1) == 9
    finally:
        kp.close()
    wait_zk_offsets(zk, group, topic, {0: 2, 1: 9, 2: 7}, seconds=10)

    with kafka_wire.Connection("127.0.0.1", single.brokers[0].port) as conn:
        version = kafka_wire.pick_version(conn.api_versions_v0(), kafka_wire.OFFSET_FETCH, 5, lowest=2)
        fetched = conn.offset_fetch(version, group, None)
    assert fetched.error_code == 0, f"OffsetFetch v{version} (all partitions): {kafka_wire.error_name(fetched.error_code)}"
    offsets = {p: (o, meta, err) for p, (o, meta, err) in fetched.partitions.get(topic, {}).items()}
    assert {p: v[0] for p, v in offsets.items()} == {0: 2, 1: 9, 2: 7} and offsets[1][1] == "standalone", \
        f"OffsetFetch v{version} for all partitions: {fetched.partitions}"
    d = describe_group(bootstrap, group)
    assert state_name(d) == "EMPTY" and not d.members and d.is_simple_consumer_group, \
        f"a group with only standalone commits is Empty, without members and simple: {d}"


# ---------------------------------------------------------------------------------------------------------------
# Rebalance protocols and static membership (3 brokers).

def test_cooperative_sticky_incremental_rebalance(cluster3, members, zk_of):
    """cooperative-sticky: when a second member joins, the first gives up only 3 of its 6 partitions (incremental
    revoke, never its whole assignment, nothing lost), the newcomer gets exactly those; every offset is consumed
    once."""
    require("confluent_kafka", "confluent-kafka")
    bootstrap = cluster3.bootstrap
    topic, group = unique("grp-coop"), unique("g-coop")
    create_topic(bootstrap, topic, PARTITIONS, replication=3)
    produce(bootstrap, topic, PARTITIONS, 600, "pre")
    zk = zk_of(cluster3)
    config = {"partition.assignment.strategy": "cooperative-sticky"}
    producer = BackgroundProducer(bootstrap, topic, PARTITIONS, rate=100)
    stopped = False
    try:
        a = members.start("coop-a", bootstrap, group, [topic], config=config)
        a.wait_owned(want=tps(topic), seconds=60)
        wait_until(all_committed_something([a]), 30, "a committed")
        t_join = time.monotonic()
        b = members.start("coop-b", bootstrap, group, [topic], config=config)
        wait_until(split_is([a, b], topic, [3, 3]), 60, "a and b with 3 partitions each")
        time.sleep(1.0)  # a settled group: no further callbacks may follow (checked below)
        described = describe_group(bootstrap, group)
        producer.stop()
        stopped = True
        ends = end_offsets(bootstrap, topic, PARTITIONS)
        wait_everything_consumed([a, b], topic, ends)
        wait_zk_offsets(zk, group, topic, ends)
    finally:
        if not stopped:
            producer.stop()

    a_events = [e for e in a.of("assign", "revoke", "lost") if e["t"] >= t_join]
    revoked = {(t, p) for e in a_events if e["ev"] == "revoke" for t, p in e["partitions"]}
    assert not [e for e in a_events if e["ev"] == "lost"], f"a lost partitions: {a.describe()}"
    assert len(revoked) == 3, f"a should revoke exactly 3 partitions incrementally, revoked {sorted(revoked)}"
    assert min(len(e["owned"]) for e in a_events) == 3, (
        f"a's assignment dipped below 3 partitions during the rebalance (an eager revoke-all?): "
        f"{[(e['ev'], len(e['owned'])) for e in a_events]}")
    readded = [e for e in a_events if e["ev"] == "assign" and e["partitions"]]
    assert not readded, f"a was assigned partitions again after the newcomer joined: {readded}"
    b_assigned = {(t, p) for e in b.of("assign") for t, p in e["partitions"]}
    assert b_assigned == revoked, f"b got {sorted(b_assigned)}, a gave up {sorted(revoked)}"
    assert described.partition_assignor == "cooperative-sticky", \
        f"DescribeGroups protocol {described.partition_assignor!r}, expected cooperative-sticky"
    seen = consumed_counts([a, b])
    duplicates = sorted(k for k, n in seen.items() if n > 1)
    assert not duplicates, (f"{len(duplicates)} offsets consumed twice although every batch was committed before "
                            f"the next poll: {duplicates[:10]}; commit errors {commit_errors([a, b])[:5]}")


def test_static_member_restart_keeps_its_partitions_without_rebalance(cluster3, members):
    """group.instance.id: a member SIGKILLed and restarted within its session timeout gets the same partitions
    back; the other member sees no rebalance (no callbacks, librdkafka's rebalance count unchanged, its commits
    with the current generation keep succeeding); DescribeGroups shows the same instance with a new member id."""
    require("confluent_kafka", "confluent-kafka")
    bootstrap = cluster3.bootstrap
    topic, group = unique("grp-static"), unique("g-static")
    create_topic(bootstrap, topic, PARTITIONS, replication=3)
    produce(bootstrap, topic, PARTITIONS, 600, "pre")

    def static(instance):
        return {"group.instance.id": f"{group}-{instance}", "session.timeout.ms": 15000}

    producer = BackgroundProducer(bootstrap, topic, PARTITIONS, rate=100)
    stopped = False
    try:
        a = members.start("static-a", bootstrap, group, [topic], config=static("a"))
        b = members.start("static-b", bootstrap, group, [topic], config=static("b"))
        wait_until(split_is([a, b], topic, [3, 3]), 60, "two static members with 3 partitions each")
        wait_until(all_committed_something([a, b]), 30, "both committed")
        b_steady = b.fresh_stats()
        assert b_steady["join_state"] == "steady", f"b's librdkafka is not in a steady group: {b_steady}"
        before = describe_group(bootstrap, group)
        assert state_name(before.state) == "STABLE" and len(before.members) == 2, before
        ids_before = {m.group_instance_id: m.member_id for m in before.members}
        assert set(ids_before) == {f"{group}-a", f"{group}-b"}, f"instance ids in DescribeGroups: {ids_before}"
        a_owned = a.owned()
        b_callbacks = len(b.of("assign", "revoke", "lost"))
        b_rebalances = b_steady["rebalance_cnt"]

        t_kill = time.monotonic()
        a.kill()
        a2 = members.start("static-a2", bootstrap, group, [topic], config=static("a"))
        a2.wait_owned(want=a_owned, seconds=14)
        back_after = a2.of("assign")[-1]["t"] - t_kill
        wait_until(lambda: (any(e["t"] > t_kill + back_after + 2.0 for e in b.of("commit")), None), 20,
                   "b keeps committing after a's return")
        after = describe_group(bootstrap, group)
        b_final = b.fresh_stats()
        producer.stop()
        stopped = True
        ends = end_offsets(bootstrap, topic, PARTITIONS)
        wait_everything_consumed([a, a2, b], topic, ends)
    finally:
        if not stopped:
            producer.stop()

    assert len(b.of("assign", "revoke", "lost")) == b_callbacks, (
        f"b saw rebalance callbacks while static member a restarted ({back_after:.1f}s): {b.describe()}")
    assert b_final["rebalance_cnt"] == b_rebalances, \
        f"b's librdkafka counted rebalances while a restarted: {b_rebalances} -> {b_final}"
    late_errors = [e for e in b.of("commit_error") if e["t"] >= t_kill]
    assert not late_errors, f"b's commits failed while a restarted (generation changed?): {late_errors[:3]}"
    assert state_name(after.state) == "STABLE" and len(after.members) == 2, after
    ids_after = {m.group_instance_id: m.member_id for m in after.members}
    assert ids_after[f"{group}-b"] == ids_before[f"{group}-b"], f"b's member id changed: {ids_before} -> {ids_after}"
    assert ids_after[f"{group}-a"] != ids_before[f"{group}-a"], \
        f"the restarted instance a should have a new member id: {ids_before} -> {ids_after}"
    a_desc = next(m for m in after.members if m.group_instance_id == f"{group}-a")
    assert {(tp.topic, tp.partition) for tp in a_desc.assignment.topic_partitions} == a_owned, a_desc.assignment
    seen = consumed_counts([a, a2, b])
    a_records, a_committed = set(a.records()), a.committed()
    unexplained = [k for k, n in seen.items() if n > 1
                   and not (k in a_records and k[2] >= a_committed.get((k[0], k[1]), 0))]
    assert not unexplained, f"duplicates outside the killed instance's uncommitted range: {sorted(unexplained)[:10]}"


# ---------------------------------------------------------------------------------------------------------------
# Offsets in ZooKeeper across a restart of every broker (3 brokers).

def test_committed_offsets_survive_restart_of_every_broker(cluster3, zk_of):
    """After commits, /consumers/<g>/offsets/<t>/<p> holds exactly the committed offsets (and offsets_metadata the
    metadata); stopping and starting all three brokers loses none (ZooKeeper and OffsetFetch agree); a member
    that joins the group afterwards starts at exactly the committed offsets."""
    ck = require("confluent_kafka", "confluent-kafka")
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
    topic, group = unique("grp-restart"), unique("g-restart")
    create_topic(cluster3.bootstrap, topic, PARTITIONS, replication=3)
    counts = produce(cluster3.bootstrap, topic, PARTITIONS, 600, "rs")
    zk = zk_of(cluster3)
    want = {p: 11 + 7 * p for p in range(PARTITIONS)}

    def member():
        return ck.Consumer({"bootstrap.servers": cluster3.bootstrap, "group.id": group, "enable.auto.commit": False,
                            "auto.offset.reset": "earliest", "session.timeout.ms": 6000,
                            "heartbeat.interval.ms": 1000, "client.id": "interop-restart-member"})

    c = member()
    try:
        c.subscribe([topic])
        deadline = time.monotonic() + 60
        while len(c.assignment()) < PARTITIONS and time.monotonic() < deadline:
            c.poll(0.2)
        assert len(c.assignment()) == PARTITIONS, f"assignment {c.assignment()}"
        result = c.commit(offsets=[TopicPartition(topic, p, o, metadata=f"meta-{p}") for p, o in want.items()],
                          asynchronous=False)
        assert all(tp.error is None for tp in result), f"commit: {[(tp.partition, tp.error) for tp in result]}"
    finally:
        c.close()

    expected = {(topic, p): o for p, o in want.items()}
    assert zk.offsets(group) == expected, f"ZooKeeper right after the commit: {zk.offsets(group)}, want {expected}"
    # confluent-kafka (2.16) sends the metadata string with its C terminator; the broker keeps the bytes it got.
    metas = {p: (zk.offset_metadata(group, topic, p) or {}).get("metadata", "").rstrip("\x00") for p in want}
    assert metas == {p: f"meta-{p}" for p in want}, f"offsets_metadata: {metas}"

    for b in cluster3.brokers:
        status = b.stop()
        assert status == 0, f"broker {b.broker_id} exited with {status} on SIGTERM:\n{b.tail(30)}"
    assert zk.offsets(group) == expected, f"ZooKeeper with every broker down: {zk.offsets(group)}"
    for b in cluster3.brokers:
        b.start()
    cluster3.wait_formed([0, 1, 2])
    assert zk.offsets(group) == expected, f"ZooKeeper after the restart: {zk.offsets(group)}"

    admin = admin_client(cluster3.bootstrap)

    def fetched():
        try:
            r = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)],
                                                  request_timeout=15)[group].result(timeout=30)
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            return False, f"{type(e).__name__}: {e}"
        got = {tp.partition: (tp.offset, (tp.metadata or "").rstrip("\x00")) for tp in r.topic_partitions
               if tp.topic == topic}
        return got == {p: (o, f"meta-{p}") for p, o in want.items()}, got
    wait_until(fetched, 60, "OffsetFetch after the restart returns the commits with their metadata", interval=1.0)

    # Not about groups, but the next step needs it: every acknowledged (acks=all) message survived the restart.
    wait_until(lambda: (lambda ends: (ends == counts, ends))(try_end_offsets(cluster3.bootstrap, topic, PARTITIONS)), 30,
               f"log end offsets of {topic} back at {counts} after the restart (else acknowledged messages were "
               f"lost by replication across the restart)")

    c = member()
    firsts: dict[int, int] = {}
    got = collections.defaultdict(list)
    try:
        c.subscribe([topic])
        total = sum(counts[p] - want[p] for p in want)
        deadline = time.monotonic() + 90
        while sum(map(len, got.values())) < total and time.monotonic() < deadline:
            for m in c.consume(500, timeout=0.5):
                if m.error():
                    continue
                firsts.setdefault(m.partition(), m.offset())
                got[m.partition()].append(m.offset())
    finally:
        c.close()
    assert firsts == want, f"a member joining after the restart started at {firsts}, committed were {want}"
    for p in want:
        assert got[p] == list(range(want[p], counts[p])), f"partition {p}: consumed {got[p][:5]}... ({len(got[p])})"


# ---------------------------------------------------------------------------------------------------------------
# Coordinator failures (own 3-broker clusters).

def _start_two_members(members, bootstrap, group, topic):
    a = members.start("ha-a", bootstrap, group, [topic])
    b = members.start("ha-b", bootstrap, group, [topic])
    wait_until(split_is([a, b], topic, [3, 3]), 60, "two members with 3 partitions each")
    wait_until(all_committed_something([a, b]), 30, "both members committed")
    return a, b


def _group_stable_elsewhere(bootstrap: str, group: str, old: int, topic: str):
    def check():
        try:
            d = describe_group(bootstrap, group, timeout=10)
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            return False, f"{type(e).__name__}: {e}"
        assigned = {(tp.topic, tp.partition) for m in d.members for tp in m.assignment.topic_partitions}
        ok = (state_name(d) == "STABLE" and len(d.members) == 2 and d.coordinator.id != old
              and assigned == tps(topic))
        return ok, (state_name(d), len(d.members), d.coordinator.id, sorted(p for _, p in assigned))
    return check


def test_coordinator_kill9_group_moves_and_offsets_never_go_back(broker_factory, members, zk_of):
    """kill -9 of the group's coordinator (found through the AdminClient's FindCoordinator) while messages flow:
    the surviving brokers agree on a new coordinator, the group re-forms there (Stable, both members, all
    partitions), the new coordinator claimed the fencing node, commits continue from where ZooKeeper was, no
    committed offset in ZooKeeper ever goes backwards and every offset is consumed."""
    require("confluent_kafka", "confluent-kafka")
    cluster = start_cluster(broker_factory, "kill9", 3)
    bootstrap = cluster.bootstrap
    topic, group = unique("grp-kill9"), unique("g-kill9")
    create_topic(bootstrap, topic, PARTITIONS, replication=3)
    produce(bootstrap, topic, PARTITIONS, 600, "pre")
    zk = zk_of(cluster)
    monitor = OffsetMonitor(cluster.zk_hosts, group)
    producer = BackgroundProducer(bootstrap, topic, PARTITIONS, rate=100)
    stopped = False
    try:
        a, b = _start_two_members(members, bootstrap, group, topic)
        coordinator = describe_group(bootstrap, group).coordinator.id
        ok, raw = agreed_coordinator(cluster, group)
        assert ok and raw == coordinator, f"AdminClient says coordinator {coordinator}, FindCoordinator: {raw}"
        fence, fence_version = zk.coordinator_node(group)
        assert fence_version >= 0, f"/consumers/{group}/coordinator does not exist while broker {coordinator} " \
                                   f"coordinates the group"
        at_kill = zk.offsets(group, topic)

        cluster.broker(coordinator).kill()
        t_kill = time.monotonic()
        new = wait_until(lambda: agreed_coordinator(cluster, group), 60,
                         f"the surviving brokers agree on a new coordinator after broker {coordinator}'s death")
        assert new != coordinator
        wait_until(_group_stable_elsewhere(cluster.bootstrap, group, coordinator, topic), 90,
                   f"the group Stable with both members on broker {new}")
        moved_after = time.monotonic() - t_kill
        new_fence, new_version = zk.coordinator_node(group)
        assert new_version > fence_version, f"the fencing node was not rewritten: {fence} v{fence_version} -> " \
                                            f"{new_fence} v{new_version}"
        wait_until(lambda: (any(zk.offsets(group, topic).get(k, -1) > v for k, v in at_kill.items()),
                            zk.offsets(group, topic)), 60, f"commits progress past {at_kill} on the new coordinator")
        producer.stop()
        stopped = True
        ends = end_offsets(cluster.bootstrap, topic, PARTITIONS)
        wait_everything_consumed([a, b], topic, ends)
        wait_zk_offsets(zk, group, topic, ends)
    finally:
        if not stopped:
            producer.stop()
        monitor.stop()
    monitor.assert_never_decreased(f"across the death of coordinator {coordinator} (group stable on {new} after "
                                   f"{moved_after:.1f}s)")
    fetched = fetch_committed(cluster.bootstrap, group, topic)
    assert fetched == ends, f"OffsetFetch from the new coordinator {new}: {fetched}; ZooKeeper and the logs: {ends}"


def _coordinated_by(cluster, target: int, prefix: str, exclude=frozenset()) -> str:
    for i in range(200):
        group = f"{prefix}-{i}"
        ok, who = agreed_coordinator(cluster, group, exclude)
        if ok and who == target:
            return group
    raise AssertionError(f"no group id {prefix}-0..199 hashes to broker {target}")


def test_frozen_coordinator_cannot_commit_after_its_session_expired(broker_factory, members, zk_of):
    """SIGSTOP the coordinator past its ZooKeeper session (6 s): its broker znode goes, another broker takes the
    groups and claims them (a commit there succeeds); an OffsetCommit that reached the frozen broker is refused
    when it wakes (SIGCONT) because it no longer holds the fence, ZooKeeper keeps the newer offsets; the live
    group re-formed elsewhere and its offsets never went backwards; the woken broker rejoins the cluster."""
    require("confluent_kafka", "confluent-kafka")
    cluster = start_cluster(broker_factory, "frozen", 3)
    bootstrap = cluster.bootstrap
    topic, group = unique("grp-frozen"), unique("g-frozen")
    create_topic(bootstrap, topic, PARTITIONS, replication=3)
    produce(bootstrap, topic, PARTITIONS, 600, "pre")
    zk = zk_of(cluster)
    monitor = OffsetMonitor(cluster.zk_hosts, group)
    producer = BackgroundProducer(bootstrap, topic, PARTITIONS, rate=100)
    stopped = False
    frozen = None
    try:
        a, b = _start_two_members(members, bootstrap, group, topic)
        coordinator = describe_group(bootstrap, group).coordinator.id
        frozen = cluster.broker(coordinator)
        others = [x for x in cluster.brokers if x.broker_id != coordinator]
        others_bootstrap = ",".join(x.bootstrap for x in others)

        # A commit-only group with the same coordinator, to see the frozen broker's own write refused.
        solo = _coordinated_by(cluster, coordinator, unique("g-frozen-solo"))
        solo_monitor = OffsetMonitor(cluster.zk_hosts, solo)
        stale = kafka_wire.Connection("127.0.0.1", frozen.port, timeout=30.0)
        try:
            version = kafka_wire.pick_version(stale.api_versions_v0(), kafka_wire.OFFSET_COMMIT, 7, lowest=2)
            errors = stale.offset_commit(version, solo, {topic: {0: 100, 1: 100}})
            assert errors == {topic: {0: 0, 1: 0}}, f"commit to the coordinator before the freeze: {errors}"
            wait_zk_offsets(zk, solo, topic, {0: 100, 1: 100}, seconds=10)
            _, fence_version = zk.coordinator_node(solo)
            at_freeze = zk.offsets(group, topic)

            frozen.suspend()  # fully stopped before the stale commit is sent
            t_stop = time.monotonic()
            try:
                stale.send_request(kafka_wire.OFFSET_COMMIT, version,
                                   kafka_wire.offset_commit_body(version, solo, {topic: {0: 50, 1: 50}}))
                wait_until(lambda: (coordinator not in zk.broker_ids(), zk.broker_ids()), 30,
                           f"frozen broker {coordinator}'s znode expires")
                new = wait_until(lambda: agreed_coordinator(cluster, solo, exclude={coordinator}), 60,
                                 "the live brokers agree on another coordinator")
                assert new != coordinator

                def commit_on_new():
                    with kafka_wire.Connection("127.0.0.1", cluster.broker(new).port) as conn:
                        errs = conn.offset_commit(version, solo, {topic: {0: 200, 1: 200}})
                    return errs == {topic: {0: 0, 1: 0}}, errs
                wait_until(commit_on_new, 30, f"a commit on the new coordinator {new}", interval=0.5)
                wait_zk_offsets(zk, solo, topic, {0: 200, 1: 200}, seconds=10)
                claimed, claimed_version = zk.coordinator_node(solo)
                assert claimed_version > fence_version, f"broker {new} did not rewrite the fencing node: {claimed}"

                wait_until(_group_stable_elsewhere(others_bootstrap, group, coordinator, topic), 90,
                           "the live group Stable on a live broker while the coordinator is frozen")
                wait_until(lambda: (any(zk.offsets(group, topic).get(k, -1) > v for k, v in at_freeze.items()),
                                    zk.offsets(group, topic)), 60, "the live group commits on its new coordinator")
                frozen_for = time.monotonic() - t_stop
            finally:
                os.kill(frozen.pid, signal.SIGCONT)

            answer = kafka_wire.decode_offset_commit(version, stale.recv_frame(timeout=60)[4:])
            codes = answer.get(topic, {})
            print(f"the woken coordinator {coordinator} answered the stale commit with "
                  f"{({p: kafka_wire.error_name(c) for p, c in codes.items()})}; frozen {frozen_for:.1f}s, "
                  f"the group went to broker {new}")
            assert set(codes) == {0, 1} and all(code != 0 for code in codes.values()), (
                f"the woken coordinator accepted a commit for a group another broker claimed while it was frozen "
                f"{frozen_for:.1f}s: {({p: kafka_wire.error_name(c) for p, c in codes.items()})}")
            time.sleep(1.0)  # any late write of the stale commit would land now
            assert zk.offsets(solo, topic) == {(topic, 0): 200, (topic, 1): 200}, \
                f"ZooKeeper after the frozen broker woke: {zk.offsets(solo, topic)}"
        finally:
            stale.close()
            solo_monitor.stop()

        wait_until(lambda: (coordinator in zk.broker_ids(), zk.broker_ids()), 60,
                   f"broker {coordinator} registers again after waking")
        cluster.wait_formed([0, 1, 2])

        wait_until(lambda: (state_name(describe_group(cluster.bootstrap, group).state) == "STABLE", None), 90,
                   "the group Stable after the woken broker rejoined")
        producer.stop()
        stopped = True
        ends = end_offsets(cluster.bootstrap, topic, PARTITIONS)
        wait_everything_consumed([a, b], topic, ends)
        wait_zk_offsets(zk, group, topic, ends)
    finally:
        if frozen is not None and frozen.is_running():
            os.kill(frozen.pid, signal.SIGCONT)
        if not stopped:
            producer.stop()
        monitor.stop()
    solo_monitor.assert_never_decreased("of the commit-only group")
    monitor.assert_never_decreased("of the live group across the freeze")
    fetched = fetch_committed(cluster.bootstrap, group, topic)
    assert fetched == ends, (f"OffsetFetch of the live group after the woken broker {coordinator} rejoined: "
                             f"{fetched}; ZooKeeper and the logs: {ends}")

    # Whoever coordinates the commit-only group now (by rendezvous hashing, the woken broker again) must answer
    # OffsetFetch with what ZooKeeper holds, not with what it had in memory before it froze.
    solo_owner = wait_until(lambda: agreed_coordinator(cluster, solo), 30,
                            "every broker names the commit-only group's coordinator")

    def fetch_solo():
        with kafka_wire.Connection("127.0.0.1", cluster.broker(solo_owner).port) as conn:
            v = kafka_wire.pick_version(conn.api_versions_v0(), kafka_wire.OFFSET_FETCH, 5, lowest=1)
            r = conn.offset_fetch(v, solo, {topic: [0, 1]})
        parts = r.partitions.get(topic, {})
        codes = {r.error_code} | {e for _, _, e in parts.values()}
        answer = (kafka_wire.error_name(r.error_code), {p: (o, kafka_wire.error_name(e)) for p, (o, _, e) in
                                                       sorted(parts.items())})
        return not (codes & {14, 15, 16}), answer
    fetched = wait_until(fetch_solo, 30, f"OffsetFetch of {solo} from broker {solo_owner}", interval=0.5)
    assert fetched == ("NONE(0)", {0: (200, "NONE(0)"), 1: (200, "NONE(0)")}), (
        f"OffsetFetch from broker {solo_owner} (the woken broker is {coordinator}) after it rejoined: {fetched}; "
        f"ZooKeeper holds {zk.offsets(solo, topic)}, the commit made on broker {new} while it was frozen")
