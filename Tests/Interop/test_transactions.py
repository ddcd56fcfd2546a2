"""Transactions with real clients: confluent-kafka (librdkafka), kafka-python and aiokafka transactional producers,
read_committed and read_uncommitted consumers, consume-transform-produce with send_offsets_to_transaction, fencing,
and crashes of the application, of the transaction coordinator and of every broker.

The transaction coordinator of a transactional id is one live broker (rendezvous hashing, as for groups); its state
lives in ZooKeeper at /transactions/<id>. Commit and abort markers are control batches in the partitions' logs;
read_committed fetches stop at the last stable offset and name the aborted transactions of the range.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import kafka_wire
from group_clients import ZkView, create_topic, fetch_committed, start_cluster
from group_clients import wait_until as _wait_until


def wait_until(predicate, seconds: float, what: str):
    """Until predicate() is true (group_clients.wait_until wants (ok, detail))."""
    _wait_until(lambda: (bool(predicate()), None), seconds, what)

pytestmark = pytest.mark.timeout(240)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def transactional_producer(bootstrap: str, transactional_id: str, **extra):
    from confluent_kafka import Producer
    config = {"bootstrap.servers": bootstrap, "transactional.id": transactional_id,
              "transaction.timeout.ms": 60000, "linger.ms": 5}
    config.update(extra)
    producer = Producer(config)
    producer.init_transactions(60)
    return producer


def consume_all(bootstrap: str, topic: str, isolation: str, expected_at_least: int = 0, idle_s: float = 3.0,
                limit_s: float = 60.0) -> list[tuple[int, int, bytes]]:
    """Every record of `topic` from the beginning as (partition, offset, value), read until nothing new came for
    `idle_s` (and at least `expected_at_least` records arrived, or `limit_s` passed)."""
    from confluent_kafka import Consumer
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("txn-reader"),
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": isolation})
    consumer.subscribe([topic])
    records = []
    deadline = time.monotonic() + limit_s
    last = time.monotonic()
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                if len(records) >= expected_at_least and time.monotonic() - last > idle_s:
                    break
                continue
            if msg.error():
                continue
            records.append((msg.partition(), msg.offset(), msg.value()))
            last = time.monotonic()
    finally:
        consumer.close()
    return records


def values(records) -> list[bytes]:
    return sorted(r[2] for r in records)


@pytest.fixture
def topics3(bootstrap):
    names = [unique("txn-out") for _ in range(3)]
    for name in names:
        create_topic(bootstrap, name, 2)
    return names


# ---------------------------------------------------------------------------------------------------------------
# Single broker (the session's).

def test_committed_transaction_is_seen_in_full_and_aborted_one_never_by_read_committed(bootstrap, topics3):
    producer = transactional_producer(bootstrap, unique("txn-3topics"))
    committed = [f"c-{i}".encode() for i in range(30)]
    aborted = [f"a-{i}".encode() for i in range(30)]
    producer.begin_transaction()
    for i, value in enumerate(committed):
        producer.produce(topics3[i % 3], value=value, partition=i % 2)
    producer.commit_transaction(60)
    producer.begin_transaction()
    for i, value in enumerate(aborted):
        producer.produce(topics3[i % 3], value=value, partition=i % 2)
    producer.flush(30)
    producer.abort_transaction(60)
    # A third, committed, after the abort: read_committed must read past the aborted records to reach it.
    after = [f"d-{i}".encode() for i in range(9)]
    producer.begin_transaction()
    for i, value in enumerate(after):
        producer.produce(topics3[i % 3], value=value, partition=i % 2)
    producer.commit_transaction(60)

    seen_committed, seen_all = [], []
    for topic in topics3:
        seen_committed += consume_all(bootstrap, topic, "read_committed", expected_at_least=13)
        seen_all += consume_all(bootstrap, topic, "read_uncommitted", expected_at_least=23)
    assert values(seen_committed) == sorted(committed + after)
    assert values(seen_all) == sorted(committed + aborted + after)


def test_open_transaction_holds_read_committed_back_until_it_commits(bootstrap):
    topic = unique("txn-lso")
    create_topic(bootstrap, topic, 1)
    from confluent_kafka import Producer
    plain = Producer({"bootstrap.servers": bootstrap})
    plain.produce(topic, value=b"before", partition=0)
    plain.flush(30)
    producer = transactional_producer(bootstrap, unique("txn-lso"))
    producer.begin_transaction()
    for i in range(5):
        producer.produce(topic, value=f"open-{i}".encode(), partition=0)
    producer.flush(30)
    # A non-transactional record after the open transaction's: below the high watermark, above the LSO.
    plain.produce(topic, value=b"after", partition=0)
    plain.flush(30)
    assert values(consume_all(bootstrap, topic, "read_committed", expected_at_least=1)) == [b"before"]
    assert len(consume_all(bootstrap, topic, "read_uncommitted", expected_at_least=7)) == 7

    from confluent_kafka import Consumer, TopicPartition
    probe = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("wm"), "isolation.level": "read_committed"})
    try:
        low, high = probe.get_watermark_offsets(TopicPartition(topic, 0), timeout=20, cached=False)
        assert (low, high) == (0, 1), "ListOffsets latest for read_committed is the last stable offset"
    finally:
        probe.close()

    producer.commit_transaction(60)
    assert values(consume_all(bootstrap, topic, "read_committed", expected_at_least=7)) == sorted(
        [b"before", b"after"] + [f"open-{i}".encode() for i in range(5)])


def test_second_producer_with_the_same_transactional_id_fences_the_first(bootstrap):
    from confluent_kafka import KafkaException
    topic = unique("txn-fence")
    create_topic(bootstrap, topic, 1)
    transactional_id = unique("fenced")
    first = transactional_producer(bootstrap, transactional_id)
    first.begin_transaction()
    first.produce(topic, value=b"zombie", partition=0)
    first.flush(30)
    second = transactional_producer(bootstrap, transactional_id)
    with pytest.raises(KafkaException) as raised:
        first.produce(topic, value=b"zombie-2", partition=0)
        first.commit_transaction(30)
    error = raised.value.args[0]
    assert error.fatal() or "fenced" in str(error).lower(), str(error)
    second.begin_transaction()
    second.produce(topic, value=b"winner", partition=0)
    second.commit_transaction(60)
    # The zombie's open transaction was aborted when the second producer initialized.
    assert values(consume_all(bootstrap, topic, "read_committed", expected_at_least=1)) == [b"winner"]


def test_send_offsets_to_transaction_commits_offsets_with_the_records_and_abort_discards_them(bootstrap):
    from confluent_kafka import Consumer, Producer, TopicPartition
    source, sink = unique("txn-in"), unique("txn-sink")
    create_topic(bootstrap, source, 1)
    create_topic(bootstrap, sink, 1)
    group = unique("ctp")
    plain = Producer({"bootstrap.servers": bootstrap})
    for i in range(10):
        plain.produce(source, value=str(i).encode(), partition=0)
    plain.flush(30)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    consumer.assign([TopicPartition(source, 0, 0)])
    got = []
    while len(got) < 10:
        msg = consumer.poll(1.0)
        if msg is not None and not msg.error():
            got.append(msg)
    producer = transactional_producer(bootstrap, unique("ctp"))
    # Abort first: neither the output nor the offsets may appear.
    producer.begin_transaction()
    producer.produce(sink, value=b"aborted", partition=0)
    producer.send_offsets_to_transaction([TopicPartition(source, 0, 5)], consumer.consumer_group_metadata(), 30)
    producer.abort_transaction(60)
    assert fetch_committed(bootstrap, group, source).get(0, -1) in (-1, None)
    producer.begin_transaction()
    for msg in got:
        producer.produce(sink, value=b"x" + msg.value(), partition=0)
    producer.send_offsets_to_transaction([TopicPartition(source, 0, 10)], consumer.consumer_group_metadata(), 30)
    producer.commit_transaction(60)
    consumer.close()
    wait_until(lambda: fetch_committed(bootstrap, group, source).get(0) == 10, 30, "the transaction's offsets committed")
    assert values(consume_all(bootstrap, sink, "read_committed", expected_at_least=10)) == sorted(
        b"x" + str(i).encode() for i in range(10))


def test_a_transaction_open_longer_than_its_timeout_is_aborted_by_the_coordinator(bootstrap):
    """transaction.timeout.ms=2000: the coordinator's periodic check (every 10 s by default) aborts the transaction
    and bumps the producer's epoch; read_committed then reads past it, and the producer's commit fails."""
    from confluent_kafka import KafkaException, Producer
    topic = unique("txn-timeout")
    create_topic(bootstrap, topic, 1)
    producer = transactional_producer(bootstrap, unique("timeout"), **{"transaction.timeout.ms": 2000})
    producer.begin_transaction()
    producer.produce(topic, value=b"abandoned", partition=0)
    producer.flush(30)
    plain = Producer({"bootstrap.servers": bootstrap})
    plain.produce(topic, value=b"later", partition=0)
    plain.flush(30)
    assert consume_all(bootstrap, topic, "read_committed", idle_s=1.0) == []
    wait_until(lambda: values(consume_all(bootstrap, topic, "read_committed", idle_s=1.0, limit_s=10)) == [b"later"],
               60, "the timed-out transaction aborted by the coordinator")
    with pytest.raises(KafkaException):
        producer.commit_transaction(30)


def test_kafka_python_transactional_producer(bootstrap):
    kafka = pytest.importorskip("kafka")
    if not hasattr(kafka.KafkaProducer, "init_transactions"):
        pytest.skip("this kafka-python has no transactional producer")
    topic = unique("txn-kp")
    create_topic(bootstrap, topic, 1)
    producer = kafka.KafkaProducer(bootstrap_servers=bootstrap, transactional_id=unique("kp"))
    try:
        producer.init_transactions()
        producer.begin_transaction()
        producer.send(topic, b"kp-aborted", partition=0)
        producer.abort_transaction()
        producer.begin_transaction()
        producer.send(topic, b"kp-committed", partition=0)
        producer.commit_transaction()
    finally:
        producer.close(timeout=10)
    assert values(consume_all(bootstrap, topic, "read_committed", expected_at_least=1)) == [b"kp-committed"]


def test_aiokafka_transactional_producer_and_read_committed_consumer(bootstrap):
    aiokafka = pytest.importorskip("aiokafka")
    topic = unique("txn-aio")
    create_topic(bootstrap, topic, 1)

    async def run():
        producer = aiokafka.AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=unique("aio"))
        await producer.start()
        try:
            async with producer.transaction():
                await producer.send_and_wait(topic, b"aio-committed", partition=0)
            await producer.begin_transaction()
            await producer.send_and_wait(topic, b"aio-aborted", partition=0)
            await producer.abort_transaction()
        finally:
            await producer.stop()
        consumer = aiokafka.AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, isolation_level="read_committed",
                                             auto_offset_reset="earliest", group_id=None)
        await consumer.start()
        try:
            batch = await consumer.getmany(timeout_ms=5000)
            return sorted(m.value for msgs in batch.values() for m in msgs)
        finally:
            await consumer.stop()

    assert asyncio.run(run()) == [b"aio-committed"]


def test_gregor_consume_isolation_level_and_transactions_command(bootstrap, server_bin, broker, zookeeper):
    topic = unique("txn-cli")
    create_topic(bootstrap, topic, 1)
    transactional_id = unique("cli")
    producer = transactional_producer(bootstrap, transactional_id)
    producer.begin_transaction()
    producer.produce(topic, value=b"committed", partition=0)
    producer.commit_transaction(60)
    producer.begin_transaction()
    producer.produce(topic, value=b"aborted", partition=0)
    producer.flush(30)
    producer.abort_transaction(60)
    producer.begin_transaction()
    producer.produce(topic, value=b"open", partition=0)
    producer.flush(30)
    gregor = str(server_bin.parent / "gregor")

    def consume(level: str) -> list[str]:
        run = subprocess.run([gregor, "consume", "--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning",
                              "--timeout-ms", "2000", "--isolation-level", level],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        return run.stdout.split()

    assert consume("read_committed") == ["committed"]
    assert consume("read_uncommitted") == ["committed", "aborted", "open"]
    zk = zookeeper.connect + broker.chroot
    listed = subprocess.run([gregor, "transactions", "--zookeeper", zk, "--list"], capture_output=True, text=True,
                            timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert transactional_id in listed.stdout and "Ongoing" in listed.stdout, listed.stdout
    described = subprocess.run([gregor, "transactions", "--zookeeper", zk, "--describe", "--transactional-id",
                                transactional_id], capture_output=True, text=True, timeout=60)
    assert described.returncode == 0, described.stderr
    assert topic in described.stdout, described.stdout
    producer.commit_transaction(60)


def test_transaction_state_lives_in_zookeeper(bootstrap, broker, zookeeper):
    topic = unique("txn-zk")
    create_topic(bootstrap, topic, 2)
    transactional_id = unique("zk/with:odd chars")
    producer = transactional_producer(bootstrap, transactional_id)
    producer.begin_transaction()
    producer.produce(topic, value=b"v", partition=1)
    producer.flush(30)
    zk = ZkView(zookeeper.connect + broker.chroot)
    try:
        children = zk.kz.get_children("/transactions")
        matching = [c for c in children if json.loads(zk.kz.get(f"/transactions/{c}")[0])["transactional_id"]
                    == transactional_id]
        assert len(matching) == 1, children
        state = json.loads(zk.kz.get(f"/transactions/{matching[0]}")[0])
        assert state["state"] == "Ongoing"
        assert {"topic": topic, "partitions": [1]} in state["partitions"]
        producer.commit_transaction(60)
        wait_until(lambda: json.loads(zk.kz.get(f"/transactions/{matching[0]}")[0])["state"] == "CompleteCommit",
                   30, "CompleteCommit in ZooKeeper")
    finally:
        zk.close()


# ---------------------------------------------------------------------------------------------------------------
# Three brokers: crashes.

TRANSFORM_APP = r'''
import sys, time
from confluent_kafka import Consumer, Producer, TopicPartition, KafkaException
bootstrap, source, sink, group, txid, total = sys.argv[1:7]
total = int(total)
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                     "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": txid, "transaction.timeout.ms": 20000,
                     "linger.ms": 5})
producer.init_transactions(120)
consumer.subscribe([source])
done = 0
while True:
    msgs = consumer.consume(20, 1.0)
    msgs = [m for m in msgs if not m.error()]
    if not msgs:
        continue
    while True:
        try:
            producer.begin_transaction()
            for m in msgs:
                producer.produce(sink, key=m.value(), value=b"out-" + m.value(), partition=0)
            positions = {}
            for m in msgs:
                positions[(m.topic(), m.partition())] = m.offset() + 1
            producer.send_offsets_to_transaction(
                [TopicPartition(t, p, o) for (t, p), o in positions.items()], consumer.consumer_group_metadata(), 60)
            producer.commit_transaction(120)
            break
        except KafkaException as e:
            err = e.args[0]
            if err.txn_requires_abort():
                producer.abort_transaction(120)
                # Rewind to the committed offsets and read again.
                committed = consumer.committed([TopicPartition(m.topic(), m.partition()) for m in msgs], 60)
                for tp in committed:
                    consumer.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else 0))
                msgs = []
                break
            if err.retriable():
                time.sleep(0.5)
                continue
            raise
    done += len(msgs)
    print("progress", done, flush=True)
'''


@pytest.fixture
def cluster3(broker_factory):
    return start_cluster(broker_factory, unique("txn3"), 3,
                         properties={"transaction.abort.timed.out.transaction.cleanup.interval.ms": "1000",
                                     "default.replication.factor": "3", "min.insync.replicas": "2"})


def transaction_coordinator(cluster, transactional_id: str) -> int:
    """The broker id a running broker names as the transactional id's coordinator (FindCoordinator key type 1)."""
    b = cluster.running()[0]
    with kafka_wire.Connection("127.0.0.1", b.port, timeout=10.0) as conn:
        body = conn.request(kafka_wire.FIND_COORDINATOR, 1, kafka_wire.find_coordinator_body(transactional_id, 1))
    answer = kafka_wire.decode_find_coordinator(1, body)
    assert answer.error_code == 0, answer
    return answer.node_id


def stable_state(cluster, topic: str, partitions: int) -> dict[int, tuple]:
    """{partition: (high watermark, last stable offset, aborted transactions from offset 0)} as each partition's
    leader answers a raw read_committed Fetch v4 (the brokers that do not lead it answer an error and are skipped)."""
    state = {}
    for b in cluster.running():
        with kafka_wire.Connection("127.0.0.1", b.port, timeout=10.0) as conn:
            body = conn.request(kafka_wire.FETCH, 4, kafka_wire.fetch_v4_body(
                {topic: {p: 0 for p in range(partitions)}}, isolation_level=1))
        for p, answer in kafka_wire.decode_fetch_v4(body)[topic].items():
            if answer["error_code"] == 0:
                state[p] = (answer["high_watermark"], answer["last_stable_offset"],
                            sorted(answer["aborted_transactions"] or []))
    return state


DESCRIBE_PRODUCERS = 61


def _uvarint(r) -> int:
    shift = value = 0
    while True:
        byte = r.int8() & 0xFF
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value
        shift += 7


def _skip_tags(r):
    for _ in range(_uvarint(r)):
        _uvarint(r)
        r.take(_uvarint(r))


def _compact_array(r, decode) -> list:
    n = _uvarint(r) - 1
    return [] if n < 0 else [decode(r) for _ in range(n)]


def _compact_string(r) -> str | None:
    n = _uvarint(r) - 1
    return None if n < 0 else r.take(n).decode()


def active_producers(cluster, topic: str, partitions: int) -> dict[int, list[tuple]]:
    """{partition: sorted [(producer id, epoch, last sequence, coordinator epoch, open transaction's first offset)]}
    from DescribeProducers v0 at each partition's leader (a raw flexible request)."""
    w = kafka_wire.Writer().uvarint(2).compact_string(topic).uvarint(partitions + 1)
    for p in range(partitions):
        w.int32(p)
    body = w.empty_tagged_fields().empty_tagged_fields().build()
    out = {}
    for b in cluster.running():
        with kafka_wire.Connection("127.0.0.1", b.port, timeout=10.0) as conn:
            r = kafka_wire.Reader(conn.request(DESCRIBE_PRODUCERS, 0, body, flexible_header=True))
        _skip_tags(r)  # response header v1
        r.int32()  # throttle_time_ms

        def producer(r):
            entry = (r.int64(), r.int32(), r.int32())
            r.int64()  # last timestamp (a marker's time after a snapshot load)
            entry += (r.int32(), r.int64())
            _skip_tags(r)
            return entry

        def partition(r):
            index, error = r.int32(), r.int16()
            _compact_string(r)
            producers = _compact_array(r, producer)
            _skip_tags(r)
            return index, error, producers

        def topic_response(r):
            _compact_string(r)
            parts = _compact_array(r, partition)
            _skip_tags(r)
            return parts

        for parts in _compact_array(r, topic_response):
            for index, error, producers in parts:
                if error == 0:
                    out[index] = sorted(producers)
    return out


def _start_app(tmp: Path, bootstrap, source, sink, group, txid, total) -> subprocess.Popen:
    script = tmp / "transform_app.py"
    script.write_text(TRANSFORM_APP)
    log = open(tmp / f"app-{uuid.uuid4().hex[:6]}.log", "w")
    return subprocess.Popen([sys.executable, str(script), bootstrap, source, sink, group, txid, str(total)],
                            stdout=log, stderr=subprocess.STDOUT)


def test_consume_transform_produce_is_exactly_once_through_app_and_coordinator_crashes(cluster3, interop_tmp):
    from confluent_kafka import Producer
    bootstrap = cluster3.bootstrap
    source, sink, group, txid = unique("eos-in"), unique("eos-out"), unique("eos"), unique("eos-app")
    create_topic(bootstrap, source, 1, replication=3)
    create_topic(bootstrap, sink, 1, replication=3)
    total = 600
    feeder = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for i in range(total):
        feeder.produce(source, value=f"{i:05d}".encode(), partition=0)
    feeder.flush(60)
    tmp = interop_tmp / unique("eos")
    tmp.mkdir(parents=True)

    def outputs():
        return consume_all(bootstrap, sink, "read_committed", idle_s=2.0, limit_s=30)

    app = _start_app(tmp, bootstrap, source, sink, group, txid, total)
    try:
        wait_until(lambda: len(outputs()) >= 100, 90, "the application's first committed transactions")
        app.send_signal(signal.SIGKILL)
        app.wait(10)
        # Kill the transaction coordinator of the app's id, then let the app run again.
        app = _start_app(tmp, bootstrap, source, sink, group, txid, total)
        wait_until(lambda: len(outputs()) >= 300, 120, "progress after the application restarted")
        victim = cluster3.broker(transaction_coordinator(cluster3, txid))
        victim.kill9()
        wait_until(lambda: len(outputs()) >= total, 180, "every input transformed")
        victim.start()
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(10)
    keys = [r[2] for r in outputs()]
    assert sorted(keys) == sorted(f"out-{i:05d}".encode() for i in range(total)), "each input's result exactly once"


@pytest.mark.parametrize("stop", ["sigterm", "kill9"])
def test_restart_every_broker_with_open_transactions_keeps_stable_offsets_and_aborted_indexes(cluster3, stop):
    """SIGTERM (clean: producer state from the snapshots written at close) or kill -9 of every broker at once
    (recovery: the snapshots of earlier rolls, or none, and the log replayed after them)."""
    bootstrap = cluster3.bootstrap
    topic = unique("txn-restart")
    create_topic(bootstrap, topic, 3, replication=3)
    committed_producer = transactional_producer(bootstrap, unique("restart-c"))
    committed_producer.begin_transaction()
    for i in range(30):
        committed_producer.produce(topic, value=f"c{i}".encode(), partition=i % 3)
    committed_producer.commit_transaction(60)
    aborter = transactional_producer(bootstrap, unique("restart-a"))
    aborter.begin_transaction()
    for i in range(30):
        aborter.produce(topic, value=f"a{i}".encode(), partition=i % 3)
    aborter.flush(30)
    aborter.abort_transaction(60)
    opener = transactional_producer(bootstrap, unique("restart-o"))
    opener.begin_transaction()
    for i in range(30):
        opener.produce(topic, value=f"o{i}".encode(), partition=i % 3)
    opener.flush(30)
    before_committed = values(consume_all(bootstrap, topic, "read_committed", expected_at_least=30))
    before_all = values(consume_all(bootstrap, topic, "read_uncommitted", expected_at_least=90))
    assert before_committed == sorted(f"c{i}".encode() for i in range(30))
    before = stable_state(cluster3, topic, 3)
    assert len(before) == 3 and all(lso < hw and aborted for hw, lso, aborted in before.values()), before
    producers_before = active_producers(cluster3, topic, 3)
    assert len(producers_before) == 3 and all(len(p) == 3 for p in producers_before.values()), producers_before
    assert all(sum(1 for p in ps if p[4] >= 0) == 1 for ps in producers_before.values()), "one open transaction each"
    for b in cluster3.brokers:
        if stop == "kill9":
            b.kill()
        else:
            b.stop(timeout=60)
    for b in cluster3.brokers:
        b.spawn()
    for b in cluster3.brokers:
        b.wait_ready(90)
    wait_until(lambda: values(consume_all(bootstrap, topic, "read_uncommitted", expected_at_least=90,
                                          limit_s=20)) == before_all, 90, "the logs after the restart")
    wait_until(lambda: stable_state(cluster3, topic, 3) == before, 60,
               "the same high watermarks, last stable offsets and aborted transactions after the restart")
    wait_until(lambda: active_producers(cluster3, topic, 3) == producers_before, 60,
               "the same producer states (epochs, sequences, coordinator epochs, open transactions) after the restart")
    # The open transaction is still open (its producer is alive), so read_committed still stops at it.
    assert values(consume_all(bootstrap, topic, "read_committed", expected_at_least=30)) == before_committed
    opener.commit_transaction(120)
    after = values(consume_all(bootstrap, topic, "read_committed", expected_at_least=60))
    assert after == sorted([f"c{i}".encode() for i in range(30)] + [f"o{i}".encode() for i in range(30)])
