#!/usr/bin/env python3
"""The measuring half of scripts/bench/transactions.sh (which starts ZooKeeper + one broker and stops them).

Prints a Markdown table: transactions/s of one producer for 1, 10 and 100 records per transaction, the idempotent
produce rate, ZooKeeper's write rate in the same run with many writes in flight and with one at a time (each
transaction writes /transactions/<id> three times, one after the other, so a third of the one-at-a-time rate bounds
one producer's transactions/s, and a third of the other all producers' together), and read_committed against
read_uncommitted consume.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
from commits import bench_zookeeper  # noqa: E402
from bench_summary import Summary  # noqa: E402

PAYLOAD = b"x" * 100


def log(msg: str):
    print(f"transactions: {msg}", file=sys.stderr, flush=True)


def create_topic(bootstrap: str, topic: str, partitions: int = 1):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(60)
    time.sleep(1.0)


def transactions(bootstrap: str, topic: str, per_txn: int, seconds: float) -> tuple[float, float]:
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"bench-{uuid.uuid4().hex[:8]}",
                         "linger.ms": 1})
    producer.init_transactions(60)
    count = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        producer.begin_transaction()
        for _ in range(per_txn):
            producer.produce(topic, value=PAYLOAD, partition=0)
        # librdkafka's commit_transaction() without a flush first takes ~4 ms longer per transaction on this
        # machine whatever the broker does (its own scheduling); flushing first measures the broker's share.
        producer.flush(60)
        producer.commit_transaction(60)
        count += 1
    elapsed = time.monotonic() - start
    return count / elapsed, count * per_txn / elapsed


def idempotent(bootstrap: str, topic: str, seconds: float) -> float:
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5})
    sent = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        for _ in range(1000):
            try:
                producer.produce(topic, value=PAYLOAD, partition=0)
                sent += 1
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    producer.flush(60)
    return sent / (time.monotonic() - start)


def fill(bootstrap: str, topic: str, records: int):
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"fill-{uuid.uuid4().hex[:8]}",
                         "linger.ms": 5})
    producer.init_transactions(60)
    for _ in range(records // 100):
        producer.begin_transaction()
        for _ in range(100):
            producer.produce(topic, value=PAYLOAD, partition=0)
        producer.commit_transaction(60)


def consume(bootstrap: str, topic: str, records: int, isolation: str) -> float:
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex[:8]}",
                         "isolation.level": isolation, "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    got = 0
    start = time.monotonic()
    while got < records and time.monotonic() - start < 120:
        got += len([m for m in consumer.consume(10000, 1.0) if not m.error()])
    elapsed = time.monotonic() - start
    consumer.close()
    return got / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--zk-connect", required=True)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--summary", help="append the headline figures as JSON lines (bench_summary.py)")
    args = parser.parse_args()
    summary = Summary(args.summary, "transactions")
    txn_rates = {}
    topic = f"bench-txn-{uuid.uuid4().hex[:8]}"
    create_topic(args.bootstrap, topic)
    rows = []
    for per_txn in (1, 10, 100):
        log(f"transactions of {per_txn} record(s) for {args.seconds:g} s")
        txn_s, rec_s = transactions(args.bootstrap, topic, per_txn, args.seconds)
        txn_rates[per_txn] = (txn_s, rec_s)
        rows.append((f"transactions of {per_txn} record(s)", f"{txn_s:,.0f} txn/s", f"{rec_s:,.0f} records/s"))
    log("idempotent produce")
    idempotent_s = idempotent(args.bootstrap, topic, args.seconds)
    rows.append(("idempotent produce (no transactions)", "", f"{idempotent_s:,.0f} records/s"))
    log("ZooKeeper's write rate")
    zk_args = argparse.Namespace(zk_connect=args.zk_connect, zk_procs=1, zk_inflight=1000, zk_nodes=500, seconds=args.seconds,
                                 zk_warmup=2.0)
    sets = bench_zookeeper(zk_args)["sets_s"]
    rows.append(("ZooKeeper set()s, 1000 in flight (same ZooKeeper)", f"{sets / 3:,.0f} txn/s (3 writes each)", f"{sets:,.0f} writes/s"))
    # One producer's transactions are sequential: its three writes wait for each other, so ZooKeeper's latency
    # for one write at a time bounds it.
    zk_args.zk_inflight = 1
    one = bench_zookeeper(zk_args)["sets_s"]
    rows.append(("ZooKeeper set()s, 1 in flight", f"{one / 3:,.0f} txn/s (3 writes each)", f"{one:,.0f} writes/s"))
    consume_topic = f"bench-txn-consume-{uuid.uuid4().hex[:8]}"
    create_topic(args.bootstrap, consume_topic)
    log(f"filling {args.records} records in 100-record transactions")
    fill(args.bootstrap, consume_topic, args.records)
    consumed = {}
    for isolation in ("read_uncommitted", "read_committed"):
        log(f"consuming {args.records} records, {isolation}")
        consumed[isolation] = consume(args.bootstrap, consume_topic, args.records, isolation)
        rows.append((f"consume, {isolation}", "", f"{consumed[isolation]:,.0f} records/s"))
    # No issue-18 target for these: each figure beside the bound it is compared to, informational.
    summary.add("transactions/s, 1 record each (one producer)", txn_rates[1][0], "txn/s", one / 3,
                "ZooKeeper 1-in-flight writes / 3")
    summary.add("records/s in 100-record transactions", txn_rates[100][1], "records/s", idempotent_s,
                "idempotent produce")
    summary.add("consume read_committed", consumed["read_committed"], "records/s", consumed["read_uncommitted"],
                "read_uncommitted")
    print("| measurement | transactions | records |")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]} |")


if __name__ == "__main__":
    main()
