"""Helpers for the consumer group interop tests (test_groups.py) and the commit benchmark.

- `start_cluster`: N brokers (ids 0..N-1) in one ZooKeeper chroot, ready once every broker's Metadata lists all.
- `ZkView`: kazoo on `zookeeper.connect` + the cluster's chroot: committed offsets under
  `/consumers/<g>/offsets/<t>/<p>` (decimal text), their `offsets_metadata` JSON siblings, the group's
  `coordinator` (fencing) node, the live broker ids.
- `OffsetMonitor`: a thread that polls a group's offset znodes and records every value seen, so a test can assert
  that no committed offset ever went backwards.
- `ConsumerProc`: a confluent-kafka group member in its own process (group_consumer.py), SIGTERM/SIGKILL-able,
  whose rebalance callbacks, processed records and commits come back as events.
- `BackgroundProducer`: a rate-limited acks=all producer thread; `produce` a fixed number of messages.
- small AdminClient / raw wire wrappers: topics, group descriptions, the coordinator of a group.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import gregor_harness as harness
import kafka_wire

HERE = Path(__file__).resolve().parent

# Every broker of these tests: rebalances start at once (Kafka's default waits 3 s for more members), sessions as
# short as Kafka allows by default, a dead follower leaves the ISR quickly (acks=all produces stall until it does).
GROUP_BROKER_PROPERTIES = {
    "group.initial.rebalance.delay.ms": "0",
    "group.min.session.timeout.ms": "6000",
    "group.max.session.timeout.ms": "1800000",
    "replica.lag.time.max.ms": "3000",
}


def wait_until(predicate, seconds: float, what: str, interval: float = 0.1):
    """Calls predicate() -> (ok, detail) until ok; AssertionError with the last detail after `seconds`."""
    deadline = time.monotonic() + seconds
    detail = None
    while True:
        ok, detail = predicate()
        if ok:
            return detail
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still not true after {seconds:.0f}s (last seen: {detail})")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------------------------
# Clusters.

@dataclass
class Cluster:
    brokers: list  # harness.Broker, index = broker id
    zk_connect: str
    chroot: str

    @property
    def zk_hosts(self) -> str:
        return f"{self.zk_connect}{self.chroot}"

    @property
    def bootstrap(self) -> str:
        return ",".join(b.bootstrap for b in self.brokers if b.is_running())

    def broker(self, broker_id: int):
        return self.brokers[broker_id]

    def running(self):
        return [b for b in self.brokers if b.is_running()]

    def wait_formed(self, ids: list[int] | None = None, seconds: float = 60.0):
        """Until every running broker's Metadata lists exactly `ids` (default: the running brokers)."""
        want = sorted(ids if ids is not None else [b.broker_id for b in self.running()])

        def check():
            seen = {}
            for b in self.running():
                try:
                    with kafka_wire.Connection("127.0.0.1", b.port, timeout=5.0) as conn:
                        seen[b.broker_id] = sorted(conn.metadata_v1([]).brokers)
                except (OSError, kafka_wire.ConnectionClosed, kafka_wire.Truncated, AssertionError) as e:
                    seen[b.broker_id] = f"{type(e).__name__}: {e}"
            return all(v == want for v in seen.values()), seen

        wait_until(check, seconds, f"brokers {want} in every running broker's metadata", interval=0.2)


def start_cluster(factory, name: str, size: int, properties: dict | None = None) -> Cluster:
    props = dict(GROUP_BROKER_PROPERTIES)
    props.update(properties or {})
    first = factory(f"{name}-0", properties=props, broker_id=0)
    brokers = [first]
    for i in range(1, size):
        brokers.append(factory(f"{name}-{i}", properties=props, broker_id=i, chroot=first.chroot))
    cluster = Cluster(brokers, factory.zookeeper.connect, first.chroot)
    cluster.wait_formed()
    return cluster


def single_broker_cluster(broker, zookeeper) -> Cluster:
    return Cluster([broker], zookeeper.connect, broker.chroot)


# ---------------------------------------------------------------------------------------------------------------
# ZooKeeper.

class ZkView:
    def __init__(self, hosts: str):
        from kazoo.client import KazooClient
        self.kz = KazooClient(hosts=hosts, timeout=15.0)
        self.kz.start(timeout=30)

    def close(self):
        try:
            self.kz.stop()
            self.kz.close()
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def children(self, path: str) -> list[str]:
        from kazoo.exceptions import NoNodeError
        try:
            return self.kz.get_children(path)
        except NoNodeError:
            return []

    def get(self, path: str) -> tuple[bytes, object] | None:
        from kazoo.exceptions import NoNodeError
        try:
            return self.kz.get(path)
        except NoNodeError:
            return None

    def offsets(self, group: str, topic: str | None = None) -> dict[tuple[str, int], int]:
        """{(topic, partition): offset} from /consumers/<g>/offsets/<t>/<p> (all topics unless `topic`)."""
        out = {}
        topics = [topic] if topic else self.children(f"/consumers/{group}/offsets")
        for t in topics:
            for p in self.children(f"/consumers/{group}/offsets/{t}"):
                got = self.get(f"/consumers/{group}/offsets/{t}/{p}")
                if got is None:
                    continue
                text = got[0].decode()
                try:
                    out[(t, int(p))] = int(text)
                except ValueError:
                    raise AssertionError(f"/consumers/{group}/offsets/{t}/{p} holds {text!r}, not a decimal offset")
        return out

    def offset_metadata(self, group: str, topic: str, partition: int) -> dict | None:
        got = self.get(f"/consumers/{group}/offsets_metadata/{topic}/{partition}")
        if got is None:
            return None
        try:
            return json.loads(got[0])
        except ValueError:
            raise AssertionError(f"/consumers/{group}/offsets_metadata/{topic}/{partition} is not JSON: {got[0]!r}")

    def offset_znodes(self, group: str) -> list[str]:
        """Every znode below /consumers/<g>/offsets and /consumers/<g>/offsets_metadata."""
        found = []
        for root in (f"/consumers/{group}/offsets", f"/consumers/{group}/offsets_metadata"):
            for t in self.children(root):
                found.append(f"{root}/{t}")
                found += [f"{root}/{t}/{p}" for p in self.children(f"{root}/{t}")]
        return found

    def coordinator_node(self, group: str) -> tuple[dict | None, int]:
        """(JSON of /consumers/<g>/coordinator, its zkVersion), (None, -1) when absent."""
        got = self.get(f"/consumers/{group}/coordinator")
        if got is None:
            return None, -1
        data, stat = got
        try:
            parsed = json.loads(data) if data else {}
        except ValueError:
            parsed = {"raw": data.decode(errors="replace")}
        return parsed, stat.version

    def broker_ids(self) -> list[int]:
        return sorted(int(x) for x in self.children("/brokers/ids"))


class OffsetMonitor:
    """Polls /consumers/<g>/offsets every `interval` seconds in a thread; records each partition's values in order
    of observation and every decrease. A vanished znode is not a decrease (group or offset deletion)."""

    def __init__(self, hosts: str, group: str, interval: float = 0.05):
        self.zk = ZkView(hosts)
        self.group = group
        self.interval = interval
        self.last: dict[tuple[str, int], int] = {}
        self.max_seen: dict[tuple[str, int], int] = {}
        self.decreases: list[tuple[float, tuple[str, int], int, int]] = []
        self.polls = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"offset-monitor-{group}", daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                now = self.zk.offsets(self.group)
            except Exception as e:  # noqa: BLE001 - keep polling; reported by check()
                self.errors.append(f"{type(e).__name__}: {e}")
                time.sleep(self.interval)
                continue
            t = time.monotonic()
            for key, value in now.items():
                before = self.last.get(key)
                if before is not None and value < before:
                    self.decreases.append((t, key, before, value))
                self.last[key] = value
                self.max_seen[key] = max(value, self.max_seen.get(key, value))
            self.polls += 1
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join(10)
        self.zk.close()

    def assert_never_decreased(self, context: str = ""):
        assert self.polls > 0, f"the offset monitor never read ZooKeeper (errors: {self.errors[-3:]})"
        assert not self.decreases, (
            f"committed offsets in ZooKeeper went backwards {context}: "
            + "; ".join(f"{t}[{p}] {a} -> {b} at t={ts:.2f}" for ts, (t, p), a, b in self.decreases[:10]))


# ---------------------------------------------------------------------------------------------------------------
# Group members in their own processes.

def _set_pdeathsig():
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)
    except OSError:
        pass


class ConsumerProc:
    """group_consumer.py in a child process; its events (JSON lines) are collected by a reader thread."""

    def __init__(self, name: str, bootstrap: str, group: str, topics: list[str], workdir: Path,
                 config: dict | None = None, commit: str = "batch", max_batch: int = 200):
        self.name = name
        settings = {"name": name, "bootstrap": bootstrap, "group": group, "topics": topics,
                    "config": config or {}, "commit": commit, "max_batch": max_batch}
        workdir.mkdir(parents=True, exist_ok=True)
        self.stderr_path = workdir / f"{name}-{os.getpid()}-{time.monotonic_ns()}.stderr"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([sys.executable, str(HERE / "group_consumer.py"), json.dumps(settings)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
                                     start_new_session=True, preexec_fn=_set_pdeathsig)
        self.events: list[dict] = []
        self.cond = threading.Condition()
        self.started = time.monotonic()
        self._reader = threading.Thread(target=self._read, name=f"reader-{name}", daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                event = {"ev": "garbage", "line": line.decode(errors="replace"), "t": time.monotonic()}
            with self.cond:
                self.events.append(event)
                self.cond.notify_all()
        with self.cond:
            self.events.append({"ev": "eof", "t": time.monotonic()})
            self.cond.notify_all()

    # -- views of the events

    def snapshot(self) -> list[dict]:
        with self.cond:
            return list(self.events)

    def of(self, *kinds: str) -> list[dict]:
        return [e for e in self.snapshot() if e["ev"] in kinds]

    def owned(self) -> set[tuple[str, int]]:
        """The assignment after the last rebalance callback."""
        last = self.of("assign", "revoke", "lost")
        return {(t, p) for t, p in last[-1]["owned"]} if last else set()

    def records(self) -> list[tuple[str, int, int]]:
        return [(t, p, o) for e in self.of("records") for t, p, o in e["recs"]]

    def committed(self) -> dict[tuple[str, int], int]:
        """The last acknowledged commit per partition (the next offset to consume)."""
        out = {}
        for e in self.of("commit"):
            for t, p, o in e["offsets"]:
                out[(t, p)] = o
        return out

    def stats(self) -> list[dict]:
        return self.of("stats")

    def fresh_stats(self, seconds: float = 10.0) -> dict:
        """The first statistics event emitted after now (librdkafka's figures lag up to an interval)."""
        since = time.monotonic()
        return self.wait(lambda c: (any(e["t"] > since for e in c.stats()),
                                    [e for e in c.stats() if e["t"] > since][:1]),
                         seconds, "fresh statistics")[0]

    def wait(self, predicate, seconds: float, what: str):
        """Until predicate(self) -> (ok, detail) holds; fails with the detail and this member's recent events."""
        deadline = time.monotonic() + seconds
        with self.cond:
            while True:
                ok, detail = predicate(self)
                if ok:
                    return detail
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(min(left, 0.2))
        raise AssertionError(f"{self.name}: {what}: not true after {seconds:.0f}s (last: {detail}); "
                             f"{self.describe()}")

    def wait_owned(self, want: set | None = None, count: int | None = None, seconds: float = 60.0,
                   after: float | None = None):
        """Until the assignment is `want` (or has `count` partitions), from a callback later than `after`."""
        def check(c):
            events = [e for e in c.of("assign", "revoke", "lost") if after is None or e["t"] >= after]
            owned = {(t, p) for t, p in events[-1]["owned"]} if events else None
            if owned is None:
                return False, "no rebalance callback yet"
            ok = (want is None or owned == want) and (count is None or len(owned) == count)
            return ok, sorted(owned)
        return self.wait(check, seconds, f"assignment {sorted(want) if want else f'of {count} partitions'}")

    def describe(self, last: int = 12) -> str:
        events = self.snapshot()
        brief = []
        for e in events[-last:]:
            e = dict(e)
            if e.get("ev") == "records":
                e["recs"] = f"{len(e['recs'])} records"
            brief.append(json.dumps(e))
        stderr = harness.tail(self.stderr_path, 15)
        return (f"[{self.name} pid {self.proc.pid} exit {self.proc.poll()}; last events:\n  "
                + "\n  ".join(brief) + f"\n stderr tail:\n{stderr}]")

    # -- control

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM: the member closes cleanly (commits are already done; LeaveGroup unless static)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name} did not exit within {timeout}s of SIGTERM: {self.describe()}")
        self._reader.join(5)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._reader.join(5)

    def cleanup(self):
        self.kill()
        self._stderr.close()


class Members:
    """The ConsumerProcs a test started: killed at the end whatever happens."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.all: list[ConsumerProc] = []

    def start(self, name, bootstrap, group, topics, **kwargs) -> ConsumerProc:
        c = ConsumerProc(name, bootstrap, group, topics, self.workdir, **kwargs)
        self.all.append(c)
        return c

    def cleanup(self):
        for c in self.all:
            c.cleanup()

    def describe(self) -> str:
        return "\n".join(c.describe() for c in self.all)


# ---------------------------------------------------------------------------------------------------------------
# Producing.

def _producer_config(bootstrap: str, client_id: str) -> dict:
    return {"bootstrap.servers": bootstrap, "client.id": client_id, "acks": "all", "linger.ms": 5,
            "enable.idempotence": False, "message.timeout.ms": 120000, "retries": 1000000,
            "retry.backoff.ms": 100}


def produce(bootstrap: str, topic: str, partitions: int, count: int, tag: str = "m") -> dict[int, int]:
    """`count` messages round-robin over the partitions, acks=all; returns {partition: messages}."""
    from confluent_kafka import Producer
    producer = Producer(_producer_config(bootstrap, "interop-group-producer"))
    errors = []

    def on_delivery(err, _msg):
        if err is not None:
            errors.append(err)

    counts = {p: 0 for p in range(partitions)}
    for i in range(count):
        p = i % partitions
        while True:
            try:
                producer.produce(topic, key=f"{tag}-{i}".encode(), value=f"{tag}|{i}".encode(), partition=p,
                                 on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
        counts[p] += 1
        producer.poll(0)
    remaining = producer.flush(120)
    assert remaining == 0, f"{remaining} of {count} messages to {topic} not delivered within 120s"
    assert not errors, f"{len(errors)} delivery errors producing to {topic}, first: {errors[0]}"
    return counts


class BackgroundProducer:
    """Produces `rate` messages/s round-robin over the partitions in a thread until stop(); acks=all."""

    def __init__(self, bootstrap: str, topic: str, partitions: int, rate: float, tag: str = "bg"):
        from confluent_kafka import Producer
        self.producer = Producer(_producer_config(bootstrap, "interop-group-bg-producer"))
        self.topic, self.partitions, self.rate, self.tag = topic, partitions, rate, tag
        self.sent = 0
        self.delivered: dict[int, list[int]] = {p: [] for p in range(partitions)}
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bg-producer", daemon=True)
        self._thread.start()

    def _on_delivery(self, err, msg):
        if err is not None:
            self.errors.append(str(err))
        else:
            self.delivered[msg.partition()].append(msg.offset())

    def _run(self):
        start = time.monotonic()
        while not self._stop.is_set():
            due = int((time.monotonic() - start) * self.rate)
            while self.sent < due:
                i = self.sent
                try:
                    self.producer.produce(self.topic, key=f"{self.tag}-{i}".encode(), value=f"{self.tag}|{i}".encode(),
                                          partition=i % self.partitions, on_delivery=self._on_delivery)
                except BufferError:
                    break
                self.sent += 1
            self.producer.poll(0.02)

    def stop(self, timeout: float = 120.0):
        self._stop.set()
        self._thread.join(10)
        remaining = self.producer.flush(timeout)
        assert remaining == 0, f"background producer: {remaining} of {self.sent} messages not delivered in {timeout}s"
        assert not self.errors, f"background producer: {len(self.errors)} delivery errors, first: {self.errors[0]}"
        return self.sent


# ---------------------------------------------------------------------------------------------------------------
# Admin and metadata.

def admin_client(bootstrap: str):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": bootstrap, "client.id": "interop-group-admin"})


def create_topic(bootstrap: str, topic: str, partitions: int, replication: int = 1, seconds: float = 60.0):
    """Creates the topic and waits until every partition has a leader in the metadata."""
    from confluent_kafka.admin import NewTopic
    admin = admin_client(bootstrap)
    futures = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=replication)],
                                  operation_timeout=30, request_timeout=30)
    futures[topic].result(timeout=60)

    def ready():
        md = admin.list_topics(topic=topic, timeout=10)
        t = md.topics.get(topic)
        if t is None or t.error is not None:
            return False, t and t.error
        leaders = {p: pm.leader for p, pm in t.partitions.items()}
        return len(leaders) == partitions and all(v >= 0 for v in leaders.values()), leaders

    wait_until(ready, seconds, f"topic {topic}: {partitions} partitions with leaders")


def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "interop-watermarks", "enable.auto.commit": False})
    try:
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=20, cached=False)[1]
                for p in range(partitions)}
    finally:
        c.close()


RETRIABLE_GROUP_ERRORS = {14, 15, 16}  # COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR


def try_end_offsets(bootstrap: str, topic: str, partitions: int):
    """end_offsets, or the error as text (e.g. while a partition has no leader)."""
    try:
        return end_offsets(bootstrap, topic, partitions)
    except Exception as e:  # noqa: BLE001 - for wait_until's detail
        return f"{type(e).__name__}: {e}"


def describe_group(bootstrap: str, group: str, timeout: float = 20.0, retry_for: float = 30.0):
    """confluent-kafka's ConsumerGroupDescription (DescribeGroups at the coordinator FindCoordinator names).
    librdkafka's admin API hands retriable coordinator errors to the caller (e.g. COORDINATOR_LOAD_IN_PROGRESS
    while a group moves); they are retried for `retry_for` seconds, as an application would."""
    from confluent_kafka import KafkaException
    admin = admin_client(bootstrap)
    deadline = time.monotonic() + retry_for
    while True:
        try:
            return admin.describe_consumer_groups([group], request_timeout=timeout)[group].result(timeout=timeout + 10)
        except KafkaException as e:
            code = e.args[0].code() if e.args else None
            if code not in RETRIABLE_GROUP_ERRORS or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def fetch_committed(bootstrap: str, group: str, topic: str, retry_for: float = 30.0) -> dict[int, int]:
    """{partition: committed offset} of `topic` by OffsetFetch (AdminClient.list_consumer_group_offsets) at the
    group's coordinator; retriable coordinator errors are retried for `retry_for` seconds."""
    from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException
    admin = admin_client(bootstrap)
    deadline = time.monotonic() + retry_for
    while True:
        try:
            r = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)],
                                                  request_timeout=15)[group].result(timeout=30)
            return {tp.partition: tp.offset for tp in r.topic_partitions if tp.topic == topic}
        except KafkaException as e:
            code = e.args[0].code() if e.args else None
            if code not in RETRIABLE_GROUP_ERRORS or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def state_name(state_or_description) -> str:
    """"STABLE", "EMPTY", ... of a ConsumerGroupState, or of the state of a description or listing."""
    state = getattr(state_or_description, "state", state_or_description)
    return getattr(state, "name", str(state))


def find_coordinator_raw(broker) -> callable:
    """fn(group) -> (error_code, node_id) from FindCoordinator v1 sent to this broker."""
    def ask(group: str):
        with kafka_wire.Connection("127.0.0.1", broker.port, timeout=10.0) as conn:
            r = conn.find_coordinator(group)
            return r.error_code, r.node_id
    return ask


def coordinators(cluster: Cluster, group: str, exclude: set[int] = frozenset()) -> dict[int, tuple[int, object]]:
    """{broker id: (error_code, coordinator node id)} as each running broker (but `exclude`) answers
    FindCoordinator."""
    out = {}
    for b in cluster.running():
        if b.broker_id in exclude:
            continue
        try:
            out[b.broker_id] = find_coordinator_raw(b)(group)
        except (OSError, kafka_wire.ConnectionClosed, kafka_wire.Truncated, AssertionError) as e:
            out[b.broker_id] = (-1, f"{type(e).__name__}: {e}")
    return out


def agreed_coordinator(cluster: Cluster, group: str, exclude: set[int] = frozenset()) -> tuple[bool, object]:
    """(True, id) when every running broker but `exclude` names the same coordinator, one of them, without error."""
    answers = coordinators(cluster, group, exclude)
    ids = {a[1] for a in answers.values() if a[0] == 0}
    live = {b.broker_id for b in cluster.running()} - set(exclude)
    ok = len(ids) == 1 and all(a[0] == 0 for a in answers.values()) and next(iter(ids)) in live
    return ok, (next(iter(ids)) if ok else answers)
