"""The same operations (metadata, create, produce, consume, list offsets, delete) through each real client.

Each client class is a thin adapter over the client's public API, used the way an application would. Quirks:
- confluent-kafka (librdkafka 2.x bundled): a Consumer needs `group.id` even when it only uses assign(); with
  `enable.auto.commit=false` and explicit OFFSET_BEGINNING it never joins the group or commits, but librdkafka
  still looks up the group coordinator (FindCoordinator) in the background.
- kafka-python 3.x: the producer is idempotent by default (InitProducerId + sequence numbers) and raises
  IncompatibleBrokerVersion when the broker lacks InitProducerId (it only falls back for brokers older than
  0.11), so the per-codec tests turn it off and one test keeps the default; consumers
  with group_id=None use assign() + seek_to_beginning() and never talk to a coordinator. Codecs need
  python-snappy, lz4, zstandard (and crc32c for speed).
- aiokafka: group_id=None as with kafka-python; the producer is not idempotent by default. Codecs need cramjam.
- kcat (Debian's 1.7.1, librdkafka 2.0.2): no admin API (topics are created with confluent-kafka's AdminClient
  or by auto-creation), headers only per run (`-H`, the same for every message of a run), no per-message
  timestamps, so offsets by time are checked against a wall-clock mark taken between two produce runs.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field

import pytest

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
DEADLINE_SECONDS = 180


@dataclass
class Msg:
    partition: int
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    timestamp: int | None = None  # ms; None = the client's own clock


@dataclass
class Got:
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    timestamp: int | None


def require(module: str, pip_name: str):
    try:
        return importlib.import_module(module)
    except ImportError as e:
        pytest.fail(f"{pip_name} is not installed ({e}); scripts/setup.sh installs it into .venv", pytrace=False)


class Deadline:
    def __init__(self, seconds: float, what: str):
        self.end = time.monotonic() + seconds
        self.what = what

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self, detail: str = ""):
        if time.monotonic() > self.end:
            raise AssertionError(f"{self.what} did not finish in time {detail}")


def _wait_until(predicate, seconds: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        ok, last = predicate()
        if ok:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what}: still not true after {seconds}s (last: {last})")


class Client:
    name = "?"
    codecs = CODECS
    explicit_timestamps = True
    per_message_headers = True
    has_admin = True

    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap

    # Returns ({broker_id: (host, port)}, {topic: partition_count}).
    def metadata(self):
        raise NotImplementedError

    def create_topic(self, topic: str, partitions: int):
        raise NotImplementedError

    def produce(self, topic: str, messages: list[Msg], codec: str):
        """Produces with acks=all; returns {timestamp_ms: {partition: expected_offset}} marks for clients
        without explicit timestamps (else None)."""
        raise NotImplementedError

    def consume(self, topic: str, counts: dict[int, int]) -> dict[int, list[Got]]:
        raise NotImplementedError

    # Returns (earliest {p: offset}, latest {p: offset}, by_time {(p, ts): offset or None}).
    def list_offsets(self, topic: str, partitions: list[int], timestamps: list[int]):
        raise NotImplementedError

    def delete_topic(self, topic: str):
        raise NotImplementedError

    def wait_topic_gone(self, topic: str, seconds: float = 60):
        _wait_until(lambda: (topic not in self.metadata()[1], sorted(self.metadata()[1])), seconds,
                    f"topic {topic} still listed in metadata after its deletion")

    def wait_topic_ready(self, topic: str, partitions: int, seconds: float = 60):
        _wait_until(lambda: (self.metadata()[1].get(topic) == partitions, self.metadata()[1].get(topic)), seconds,
                    f"topic {topic} with {partitions} partitions not in metadata")


# ---------------------------------------------------------------------------------------------------------------

class ConfluentKafka(Client):
    name = "confluent-kafka"

    def __init__(self, bootstrap):
        super().__init__(bootstrap)
        self.ck = require("confluent_kafka", "confluent-kafka")
        require("confluent_kafka.admin", "confluent-kafka")

    def _admin(self):
        from confluent_kafka.admin import AdminClient
        return AdminClient({"bootstrap.servers": self.bootstrap, "client.id": "interop-confluent-admin"})

    def metadata(self):
        md = self._admin().list_topics(timeout=20)
        brokers = {b.id: (b.host, b.port) for b in md.brokers.values()}
        topics = {name: len(t.partitions) for name, t in md.topics.items() if t.error is None}
        return brokers, topics

    def create_topic(self, topic, partitions):
        from confluent_kafka.admin import NewTopic
        admin = self._admin()  # must outlive the futures: dropping it destroys the handle and fails them
        futures = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                                      operation_timeout=30, request_timeout=30)
        futures[topic].result(timeout=60)

    def produce(self, topic, messages, codec):
        producer = self.ck.Producer({
            "bootstrap.servers": self.bootstrap, "client.id": "interop-confluent-producer",
            "acks": "all", "compression.type": codec, "linger.ms": 5, "enable.idempotence": False,
            "message.timeout.ms": 120000,
        })
        errors = []

        def on_delivery(err, _msg):
            if err is not None:
                errors.append(err)

        for m in messages:
            while True:
                try:
                    producer.produce(topic, value=m.value, key=m.key, partition=m.partition,
                                     headers=m.headers, timestamp=m.timestamp or 0, on_delivery=on_delivery)
                    break
                except BufferError:
                    producer.poll(0.1)
            producer.poll(0)
        remaining = producer.flush(DEADLINE_SECONDS)
        assert remaining == 0, f"{remaining} messages not delivered in {DEADLINE_SECONDS}s"
        assert not errors, f"{len(errors)} delivery errors, first: {errors[0]}"
        return None

    def _consumer(self):
        return self.ck.Consumer({
            "bootstrap.servers": self.bootstrap, "client.id": "interop-confluent-consumer",
            "group.id": "interop-unused-group",  # required by the client; assign() never joins it
            "enable.auto.commit": False, "auto.offset.reset": "earliest", "enable.partition.eof": False,
        })

    def consume(self, topic, counts):
        tps = [self.ck.TopicPartition(topic, p, self.ck.OFFSET_BEGINNING) for p in counts]
        consumer = self._consumer()
        got: dict[int, list[Got]] = {p: [] for p in counts}
        deadline = Deadline(DEADLINE_SECONDS, "confluent-kafka consume")
        try:
            consumer.assign(tps)
            while any(len(got[p]) < n for p, n in counts.items()):
                deadline.check({p: len(v) for p, v in got.items()})
                for msg in consumer.consume(num_messages=10000, timeout=1.0):
                    if msg.error():
                        raise AssertionError(f"consume error: {msg.error()}")
                    _ts_type, ts = msg.timestamp()
                    got[msg.partition()].append(Got(msg.offset(), msg.key(), msg.value(),
                                                    list(msg.headers() or []), ts))
        finally:
            consumer.close()
        return got

    def list_offsets(self, topic, partitions, timestamps):
        consumer = self._consumer()
        try:
            earliest, latest = {}, {}
            for p in partitions:
                lo, hi = consumer.get_watermark_offsets(self.ck.TopicPartition(topic, p), timeout=20, cached=False)
                earliest[p], latest[p] = lo, hi
            by_time = {}
            for ts in timestamps:
                query = [self.ck.TopicPartition(topic, p, ts) for p in partitions]
                for tp in consumer.offsets_for_times(query, timeout=20):
                    assert tp.error is None, f"offsets_for_times error: {tp.error}"
                    by_time[(tp.partition, ts)] = None if tp.offset < 0 else tp.offset
            return earliest, latest, by_time
        finally:
            consumer.close()

    def delete_topic(self, topic):
        admin = self._admin()
        futures = admin.delete_topics([topic], operation_timeout=30, request_timeout=30)
        futures[topic].result(timeout=60)


# ---------------------------------------------------------------------------------------------------------------

class KafkaPython(Client):
    name = "kafka-python"

    def __init__(self, bootstrap):
        super().__init__(bootstrap)
        self.kafka = require("kafka", "kafka-python")
        codec = require("kafka.codec", "kafka-python")
        missing = [n for n, ok in (("python-snappy", codec.has_snappy()), ("lz4", codec.has_lz4()),
                                   ("zstandard", codec.has_zstd())) if not ok]
        if missing:
            pytest.fail(f"kafka-python codec libraries missing: {missing}; run scripts/setup.sh", pytrace=False)

    def _admin(self):
        from kafka.admin import KafkaAdminClient
        return KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="interop-kafka-python-admin",
                                request_timeout_ms=30000)

    def metadata(self):
        admin = self._admin()
        try:
            # kafka-python 3.x names the fields as Kafka's message JSON does (broker_id, name), 2.x did not.
            cluster = admin.describe_cluster()
            brokers = {b.get("broker_id", b.get("node_id")): (b["host"], b["port"]) for b in cluster["brokers"]}
            names = admin.list_topics()
            topics = {}
            if names:
                for t in admin.describe_topics(names):
                    if t.get("error_code", 0) == 0:
                        topics[t.get("name", t.get("topic"))] = len(t["partitions"])
            return brokers, topics
        finally:
            admin.close()

    def create_topic(self, topic, partitions):
        from kafka.admin import NewTopic
        admin = self._admin()
        try:
            admin.create_topics([NewTopic(name=topic, num_partitions=partitions, replication_factor=1)],
                                timeout_ms=30000)
        finally:
            admin.close()

    def produce(self, topic, messages, codec, idempotent: bool = False):
        """Not idempotent unless asked (kafka-python 3's default is idempotent, which needs InitProducerId; see
        test_kafka_python_default_idempotent_producer)."""
        options = {} if idempotent else {"enable_idempotence": False}
        producer = self.kafka.KafkaProducer(
            bootstrap_servers=self.bootstrap, client_id="interop-kafka-python-producer", acks="all",
            compression_type=None if codec == "none" else codec, linger_ms=5, batch_size=64 * 1024,
            request_timeout_ms=30000, **options)
        try:
            futures = [producer.send(topic, key=m.key, value=m.value, headers=m.headers, partition=m.partition,
                                     timestamp_ms=m.timestamp) for m in messages]
            producer.flush(timeout=DEADLINE_SECONDS)
            for f in futures:
                f.get(timeout=1)  # raises the delivery error, if any
        finally:
            producer.close(timeout=10)
        return None

    def _consumer(self):
        return self.kafka.KafkaConsumer(
            bootstrap_servers=self.bootstrap, client_id="interop-kafka-python-consumer", group_id=None,
            enable_auto_commit=False, auto_offset_reset="earliest", request_timeout_ms=30000)

    def consume(self, topic, counts):
        from kafka import TopicPartition
        consumer = self._consumer()
        got: dict[int, list[Got]] = {p: [] for p in counts}
        deadline = Deadline(DEADLINE_SECONDS, "kafka-python consume")
        try:
            tps = [TopicPartition(topic, p) for p in counts]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            while any(len(got[p]) < n for p, n in counts.items()):
                deadline.check({p: len(v) for p, v in got.items()})
                for tp, records in consumer.poll(timeout_ms=1000, max_records=10000).items():
                    for r in records:
                        got[tp.partition].append(Got(r.offset, r.key, r.value, list(r.headers or []), r.timestamp))
        finally:
            consumer.close()
        return got

    def list_offsets(self, topic, partitions, timestamps):
        from kafka import TopicPartition
        consumer = self._consumer()
        try:
            tps = [TopicPartition(topic, p) for p in partitions]
            earliest = {tp.partition: o for tp, o in consumer.beginning_offsets(tps).items()}
            latest = {tp.partition: o for tp, o in consumer.end_offsets(tps).items()}
            by_time = {}
            for ts in timestamps:
                for tp, found in consumer.offsets_for_times({tp: ts for tp in tps}).items():
                    by_time[(tp.partition, ts)] = None if found is None else found.offset
            return earliest, latest, by_time
        finally:
            consumer.close()

    def delete_topic(self, topic):
        admin = self._admin()
        try:
            admin.delete_topics([topic], timeout_ms=30000)
        finally:
            admin.close()


# ---------------------------------------------------------------------------------------------------------------

class AioKafka(Client):
    name = "aiokafka"

    def __init__(self, bootstrap):
        super().__init__(bootstrap)
        self.aiokafka = require("aiokafka", "aiokafka")
        require("aiokafka.admin", "aiokafka")
        codec = require("aiokafka.codec", "aiokafka")
        if not (codec.has_snappy() and codec.has_lz4() and codec.has_zstd()):
            pytest.fail("aiokafka needs cramjam for snappy/lz4/zstd; run scripts/setup.sh", pytrace=False)

    def _run(self, coro):
        return asyncio.run(asyncio.wait_for(coro, DEADLINE_SECONDS + 30))

    async def _with_admin(self, fn):
        from aiokafka.admin import AIOKafkaAdminClient
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="interop-aiokafka-admin",
                                    request_timeout_ms=30000)
        await admin.start()
        try:
            return await fn(admin)
        finally:
            await admin.close()

    def metadata(self):
        async def go(admin):
            cluster = await admin.describe_cluster()
            brokers = {b["node_id"]: (b["host"], b["port"]) for b in cluster["brokers"]}
            names = await admin.list_topics()
            topics = {}
            if names:
                for t in await admin.describe_topics(names):
                    if t.get("error_code", 0) == 0:
                        topics[t["topic"]] = len(t["partitions"])
            return brokers, topics
        return self._run(self._with_admin(go))

    def create_topic(self, topic, partitions):
        from aiokafka.admin import NewTopic

        async def go(admin):
            response = await admin.create_topics(
                [NewTopic(name=topic, num_partitions=partitions, replication_factor=1)], timeout_ms=30000)
            for entry in response.topic_errors:
                name, error = entry[0], entry[1]
                assert error == 0, f"CreateTopics {name}: error {error} ({entry})"
        self._run(self._with_admin(go))

    def produce(self, topic, messages, codec):
        async def go():
            producer = self.aiokafka.AIOKafkaProducer(
                bootstrap_servers=self.bootstrap, client_id="interop-aiokafka-producer", acks="all",
                compression_type=None if codec == "none" else codec, linger_ms=5, max_batch_size=64 * 1024,
                request_timeout_ms=30000)
            await producer.start()
            try:
                chunk = 5000
                for start in range(0, len(messages), chunk):
                    futures = [await producer.send(topic, key=m.key, value=m.value, partition=m.partition,
                                                   timestamp_ms=m.timestamp, headers=m.headers)
                               for m in messages[start:start + chunk]]
                    await asyncio.gather(*futures)
            finally:
                await producer.stop()
        self._run(go())
        return None

    def _consumer(self):
        return self.aiokafka.AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, client_id="interop-aiokafka-consumer", group_id=None,
            enable_auto_commit=False, auto_offset_reset="earliest", request_timeout_ms=30000)

    def consume(self, topic, counts):
        from aiokafka import TopicPartition

        async def go():
            consumer = self._consumer()
            await consumer.start()
            got: dict[int, list[Got]] = {p: [] for p in counts}
            deadline = Deadline(DEADLINE_SECONDS, "aiokafka consume")
            try:
                tps = [TopicPartition(topic, p) for p in counts]
                consumer.assign(tps)
                await consumer.seek_to_beginning(*tps)
                while any(len(got[p]) < n for p, n in counts.items()):
                    deadline.check({p: len(v) for p, v in got.items()})
                    batch = await consumer.getmany(timeout_ms=1000, max_records=10000)
                    for tp, records in batch.items():
                        for r in records:
                            got[tp.partition].append(Got(r.offset, r.key, r.value, list(r.headers or []),
                                                         r.timestamp))
            finally:
                await consumer.stop()
            return got
        return self._run(go())

    def list_offsets(self, topic, partitions, timestamps):
        from aiokafka import TopicPartition

        async def go():
            consumer = self._consumer()
            await consumer.start()
            try:
                tps = [TopicPartition(topic, p) for p in partitions]
                earliest = {tp.partition: o for tp, o in (await consumer.beginning_offsets(tps)).items()}
                latest = {tp.partition: o for tp, o in (await consumer.end_offsets(tps)).items()}
                by_time = {}
                for ts in timestamps:
                    for tp, found in (await consumer.offsets_for_times({tp: ts for tp in tps})).items():
                        by_time[(tp.partition, ts)] = None if found is None else found.offset
                return earliest, latest, by_time
            finally:
                await consumer.stop()
        return self._run(go())

    def delete_topic(self, topic):
        async def go(admin):
            response = await admin.delete_topics([topic], timeout_ms=30000)
            for entry in response.topic_error_codes:
                name, error = entry[0], entry[1]
                assert error == 0, f"DeleteTopics {name}: error {error}"
        self._run(self._with_admin(go))


# ---------------------------------------------------------------------------------------------------------------

class Kcat(Client):
    name = "kcat"
    explicit_timestamps = False
    per_message_headers = False
    has_admin = False

    def __init__(self, bootstrap):
        super().__init__(bootstrap)
        self.kcat = shutil.which("kcat")
        if not self.kcat:
            pytest.fail("kcat is not installed; scripts/setup.sh installs Debian's kcat", pytrace=False)

    def _run(self, args, stdin: bytes | None = None, timeout: float = DEADLINE_SECONDS) -> bytes:
        argv = [self.kcat, "-b", self.bootstrap, "-X", "client.id=interop-kcat"] + args
        proc = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout)
        if proc.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} exited with {proc.returncode}: "
                                 f"{proc.stderr.decode(errors='replace')[-3000:]}")
        return proc.stdout

    def metadata(self):
        md = json.loads(self._run(["-L", "-J", "-m", "20"]))
        brokers = {}
        for b in md["brokers"]:
            host, _, port = b["name"].rpartition(":")
            brokers[b["id"]] = (host, int(port))
        topics = {t["topic"]: len(t["partitions"]) for t in md["topics"] if not t.get("error")}
        return brokers, topics

    def create_topic(self, topic, partitions):
        raise AssertionError("kcat has no admin API")

    def _produce_run(self, topic, partition, run: list[Msg], codec):
        headers = run[0].headers
        assert all(m.headers == headers for m in run), "kcat sets headers per run, not per message"
        for m in run:
            assert b"\t" not in m.key and b"\n" not in m.key + m.value
        args = ["-P", "-t", topic, "-p", str(partition), "-K", "\t", "-z", codec, "-X", "acks=all",
                "-X", "linger.ms=5"]
        for k, v in headers:
            args += ["-H", f"{k}={v.decode()}"]
        self._run(args, stdin=b"".join(m.key + b"\t" + m.value + b"\n" for m in run))

    def produce(self, topic, messages, codec):
        """Two runs per partition with a wall-clock mark between the halves (kcat has no per-message time)."""
        by_partition: dict[int, list[Msg]] = {}
        for m in messages:
            by_partition.setdefault(m.partition, []).append(m)
        halves = {p: len(ms) // 2 for p, ms in by_partition.items()}
        for p, ms in by_partition.items():
            self._produce_run(topic, p, ms[:halves[p]], codec)
        time.sleep(0.05)
        mark = int(time.time() * 1000)
        time.sleep(0.05)
        for p, ms in by_partition.items():
            self._produce_run(topic, p, ms[halves[p]:], codec)
        return {mark: dict(halves)}

    def consume(self, topic, counts):
        out = self._run(["-C", "-t", topic, "-o", "beginning", "-e", "-J", "-q"])
        got: dict[int, list[Got]] = {p: [] for p in counts}
        for line in out.splitlines():
            if not line.strip():
                continue
            m = json.loads(line)
            h = m.get("headers") or []
            headers = [(h[i], h[i + 1].encode() if h[i + 1] is not None else None) for i in range(0, len(h), 2)]
            key = m.get("key")
            value = m.get("payload")
            got.setdefault(m["partition"], []).append(Got(
                m["offset"], None if key is None else key.encode(), None if value is None else value.encode(),
                headers, m.get("ts")))
        return got

    _QUERY_LINE = re.compile(rb"^(?P<topic>\S+) \[(?P<p>\d+)\] offset (?P<offset>-?\d+)$")

    def _query(self, topic, partitions, ts) -> dict[int, int | None]:
        args = ["-Q"]
        for p in partitions:
            args += ["-t", f"{topic}:{p}:{ts}"]
        out = self._run(args, timeout=60)
        result = {}
        for line in out.splitlines():
            m = self._QUERY_LINE.match(line.strip())
            if m:
                offset = int(m.group("offset"))
                result[int(m.group("p"))] = None if offset < 0 else offset
        assert set(result) == set(partitions), f"kcat -Q output not understood: {out!r}"
        return result

    def list_offsets(self, topic, partitions, timestamps):
        # kcat -Q -t topic:partition:timestamp uses offsetsForTimes; -2 and -1 are the logical BEGINNING/END.
        earliest = self._query(topic, partitions, -2)
        latest = self._query(topic, partitions, -1)
        by_time = {}
        for ts in timestamps:
            for p, offset in self._query(topic, partitions, ts).items():
                by_time[(p, ts)] = offset
        return earliest, latest, by_time

    def delete_topic(self, topic):
        raise AssertionError("kcat has no admin API")


ALL_CLIENTS = {c.name: c for c in (Kcat, ConfluentKafka, KafkaPython, AioKafka)}
