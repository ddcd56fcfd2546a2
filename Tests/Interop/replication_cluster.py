"""A 3-broker Gregor cluster on one ZooKeeper for the replication-safety tests and scripts/bench/failover.py.

Brokers 1..n share one ZooKeeper chroot, each has zookeeper.session.timeout.ms=6000 (the harness default). Topic
metadata comes from confluent-kafka's AdminClient, bootstrapped with every broker of the cluster.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import gregor_harness as harness

SESSION_TIMEOUT_S = 6.0


class Cluster:
    def __init__(self, server_bin: Path, zk_connect: str, base: Path, size: int = 3,
                 properties: dict | None = None, die_with_parent: bool = True):
        chroot = f"/gregor-repl-{uuid.uuid4().hex[:8]}"
        props = {"zookeeper.session.timeout.ms": str(int(SESSION_TIMEOUT_S * 1000)),
                 "default.replication.factor": "3", "offsets.topic.replication.factor": "3"}
        props.update(properties or {})
        self.zk_connect = zk_connect
        self.chroot = chroot
        self.brokers = [harness.Broker(server_bin, zk_connect, Path(base) / f"broker-{i}", broker_id=i,
                                       properties=props, chroot=chroot, die_with_parent=die_with_parent)
                        for i in range(1, size + 1)]

    # --- processes -------------------------------------------------------------------------------------------

    def start(self, timeout: float = 90.0):
        # One after another with start(), which picks a new port when another process took the free one it chose
        # before the broker could bind it; restarts keep their ports and use spawn().
        for b in self.brokers:
            b.start(timeout)
        return self

    def start_for_test(self, timeout: float = 90.0):
        """start() for a pytest fixture: when a broker cannot start, stop the others and fail the test with why."""
        import pytest
        try:
            return self.start(timeout)
        except harness.HarnessError as e:
            self.stop()
            pytest.fail(f"could not start the {len(self.brokers)}-broker cluster: {e}", pytrace=False)

    def serve_metrics(self):
        """Gives every broker a `metrics.listener` (metrics and the console) on a free port, kept in `metrics_port`."""
        for b in self.brokers:
            b.metrics_port = harness.free_port()
            b.extra_properties["metrics.listener"] = f"http://127.0.0.1:{b.metrics_port}"
        return self

    def stop(self):
        for b in self.brokers:
            if b.is_running():
                b.resume()
                b.kill()

    def broker(self, broker_id: int) -> harness.Broker:
        return next(b for b in self.brokers if b.broker_id == broker_id)

    def live(self) -> list[harness.Broker]:
        return [b for b in self.brokers if b.is_running()]

    @property
    def bootstrap(self) -> str:
        return ",".join(b.bootstrap for b in self.brokers if b.port)

    def tails(self, lines: int = 40) -> str:
        return "\n".join(f"--- broker {b.broker_id} ({b.log_path}) ---\n{b.tail(lines)}" for b in self.brokers)

    # --- metadata --------------------------------------------------------------------------------------------

    def admin(self, bootstrap: str | None = None, socket_timeout_ms: int = 3000):
        from confluent_kafka.admin import AdminClient
        return AdminClient({"bootstrap.servers": bootstrap or self.bootstrap, "socket.timeout.ms": socket_timeout_ms,
                            "reconnect.backoff.max.ms": 500})

    def create_topic(self, topic: str, partitions: int = 1, rf: int = 3, configs: dict | None = None,
                     timeout: float = 60.0):
        from confluent_kafka.admin import NewTopic
        admin = self.admin()  # keep a reference: the futures fail with _DESTROY once the client is collected
        futures = admin.create_topics([NewTopic(topic, partitions, rf, config=dict(configs or {}))],
                                      request_timeout=30)
        futures[topic].result(timeout=60)
        self.wait(lambda: self._all_led(topic, partitions, rf), timeout, f"{topic}: every partition led, full ISR")

    def _all_led(self, topic, partitions, rf):
        md = self.topic_metadata(topic)
        return md is not None and len(md) == partitions and all(
            p.leader >= 0 and len(p.isrs) == rf for p in md.values())

    def topic_metadata(self, topic: str, bootstrap: str | None = None):
        """{partition: PartitionMetadata} from the first live broker that answers, or None."""
        targets = [bootstrap] if bootstrap else [b.bootstrap for b in self.live()]
        for target in targets:
            try:
                admin = self.admin(target)
                md = admin.list_topics(topic, timeout=3)
            except Exception:  # noqa: BLE001 - KafkaException on a broker that does not answer
                continue
            t = md.topics.get(topic)
            if t is not None and t.error is None:
                return t.partitions
        return None

    def partition(self, topic: str, partition: int = 0, bootstrap: str | None = None):
        md = self.topic_metadata(topic, bootstrap)
        return None if md is None else md.get(partition)

    def controller_ids(self) -> dict[int, int]:
        """{broker id: controller id that broker reports in Metadata} for every live, answering broker."""
        out = {}
        for b in self.live():
            try:
                out[b.broker_id] = self.admin(b.bootstrap).list_topics(timeout=3).controller_id
            except Exception:  # noqa: BLE001
                pass
        return out

    def leader(self, topic: str, partition: int = 0) -> int:
        p = self.partition(topic, partition)
        return -1 if p is None else p.leader

    @staticmethod
    def wait(predicate, timeout: float, what: str, interval: float = 0.2):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = predicate()
            except Exception as e:  # noqa: BLE001
                last = e
            if last and not isinstance(last, Exception):
                return last
            time.sleep(interval)
        raise TimeoutError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")

    def wait_leader(self, topic: str, partition: int = 0, among: set[int] | None = None, timeout: float = 30.0,
                    isr_size: int | None = None):
        def ok():
            p = self.partition(topic, partition)
            if p is None or p.leader < 0 or (among is not None and p.leader not in among):
                return None
            if isr_size is not None and len(p.isrs) < isr_size:
                return None
            return p
        return self.wait(ok, timeout, f"a leader of {topic}-{partition} among {among} (isr >= {isr_size})")


class StreamingProducer:
    """A confluent-kafka acks=all producer in a thread, sending value b"<n>" for n = 0, 1, ... to one
    partition, recording which n were acknowledged (delivery report without error)."""

    def __init__(self, bootstrap: str, topic: str, partition: int = 0, acks: str = "all", rate_sleep: float = 0.002,
                 idempotent: bool = False):
        import confluent_kafka
        self.topic = topic
        self.partition = partition
        self.rate_sleep = rate_sleep
        self.producer = confluent_kafka.Producer({
            "bootstrap.servers": bootstrap, "acks": acks, "enable.idempotence": idempotent, "retries": 1000000,
            "retry.backoff.ms": 100, "message.timeout.ms": 120000, "linger.ms": 2, "socket.timeout.ms": 5000,
            "topic.metadata.refresh.interval.ms": 1000, "reconnect.backoff.max.ms": 500,
            "max.in.flight.requests.per.connection": 5})
        self.acked: set[int] = set()
        self.failed: dict[int, str] = {}
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._lock = threading.Lock()

    def _on_delivery(self, err, msg):
        n = int(msg.value())
        with self._lock:
            if err is None:
                self.acked.add(n)
            else:
                self.failed[n] = str(err)

    def start(self):
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            try:
                self.producer.produce(self.topic, value=str(self.sent).encode(), partition=self.partition,
                                      on_delivery=self._on_delivery)
                self.sent += 1
            except BufferError:
                pass
            self.producer.poll(self.rate_sleep)

    def acked_count(self) -> int:
        with self._lock:
            return len(self.acked)

    def wait_acked(self, count: int, timeout: float):
        Cluster.wait(lambda: self.acked_count() >= count, timeout, f"{count} acknowledged records")

    def stop(self, flush_timeout: float = 60.0):
        self._stop.set()
        self._thread.join(10)
        self.producer.flush(flush_timeout)
        return self


def consume_partition(bootstrap: str, topic: str, partition: int = 0, timeout: float = 60.0):
    """Every record of the partition from offset 0 to its high watermark: list of (offset, value bytes)."""
    import confluent_kafka
    consumer = confluent_kafka.Consumer({"bootstrap.servers": bootstrap, "group.id": f"repl-{uuid.uuid4().hex[:6]}",
                                        "enable.auto.commit": False, "auto.offset.reset": "earliest",
                                        "enable.partition.eof": True, "socket.timeout.ms": 5000})
    try:
        tp = confluent_kafka.TopicPartition(topic, partition)
        low, high = consumer.get_watermark_offsets(tp, timeout=10)
        consumer.assign([confluent_kafka.TopicPartition(topic, partition, low)])
        out = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (not out or out[-1][0] < high - 1):
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:
                    if msg.offset() >= high:
                        break
                    continue
                raise RuntimeError(f"consume error: {msg.error()}")
            out.append((msg.offset(), msg.value()))
        return low, high, out
    finally:
        consumer.close()
