#!/usr/bin/env python3
"""The measuring half of scripts/bench/commits.sh (which starts ZooKeeper + one broker and stops them).

Three measurements against the same broker and ZooKeeper, one after the other:

1. Offset commits: --groups groups (default 50) each commit --partitions partitions (default 10) of one topic
   in a loop for --seconds, as raw OffsetCommit requests (v2-v7, the highest the broker supports, through
   Tests/Interop/kafka_wire.py) with generation -1 (commit-only groups, as consumers using assign() commit).
   Each group has its own connection with --window requests pipelined on it; the groups are spread over
   --procs processes (asyncio), so the client is not what limits the rate. Reported: requests/s,
   partition-offsets/s, p50/p99 latency from writing a request to reading its response, and error codes.
2. ZooKeeper's own write rate: --zk-procs kazoo clients (default 1), each keeping --zk-inflight async set()s
   in flight on its own znodes (below /gregor-bench-zk-<id>, removed afterwards) for --seconds after
   --zk-warmup seconds unmeasured. Every committed offset is at
   least one ZooKeeper write (the broker may merge several into one multi-op), so commits/s against set()s/s is
   the fraction of ZooKeeper's write rate the broker turns into commits (target >= 80%).
3. Rebalance after a clean leave: three confluent-kafka members of one group on a 6-partition topic; one calls
   close(); the time until both others have their new assignment (on_assign with 3 partitions), --rounds times
   (a new third member joins between rounds). Target < 1 s. The members use heartbeat.interval.ms
   --heartbeat-ms (they learn of a rebalance from a heartbeat answer).

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import multiprocessing
import statistics
import struct
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))
import kafka_wire  # noqa: E402
from bench_progress import Heartbeat  # noqa: E402
from bench_summary import Summary  # noqa: E402

TARGET_RATIO = 0.80
TARGET_REBALANCE_S = 1.0


def log(msg: str):
    print(f"commits: {msg}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))
    return values[k]


# ---------------------------------------------------------------------------------------------------------------
# 1. OffsetCommit load.

class CommitEncoder:
    """OffsetCommit v2-v7 requests of one group for partitions 0..n-1 of one topic, offsets patched per request."""

    def __init__(self, version: int, group: str, topic: str, partitions: int, client_id: str):
        self.version = version
        w = kafka_wire.Writer().string(group).int32(-1).string("")
        if version >= 7:
            w.string(None)
        if version <= 4:
            w.int64(-1)
        w.int32(1).string(topic).int32(partitions)
        self.prefix = w.build()
        self.after_offset = (kafka_wire.Writer().int32(-1).build() if version >= 6 else b"") + \
            kafka_wire.Writer().string("").build()
        self.indexes = [struct.pack(">i", p) for p in range(partitions)]
        self.header = lambda cid: kafka_wire.request_header(kafka_wire.OFFSET_COMMIT, version, cid, client_id)

    def frame(self, correlation_id: int, offset: int) -> bytes:
        packed = struct.pack(">q", offset)
        body = self.prefix + b"".join(i + packed + self.after_offset for i in self.indexes)
        payload = self.header(correlation_id) + body
        return struct.pack(">i", len(payload)) + payload


def decode_errors(version: int, payload: bytes) -> list[int]:
    """Partition error codes of an OffsetCommit response (payload after the size, with the correlation id)."""
    answer = kafka_wire.decode_offset_commit(version, payload[4:])
    return [code for parts in answer.values() for code in parts.values()]


async def _api_versions(reader, writer) -> kafka_wire.ApiVersionsResponse:
    payload = kafka_wire.request_header(kafka_wire.API_VERSIONS, 0, 0, "gregor-bench-commits")
    writer.write(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", await reader.readexactly(4))[0]
    body = await reader.readexactly(size)
    return kafka_wire.decode_api_versions_v0(body[4:])


class GroupLoad:
    def __init__(self, host, port, group, topic, partitions, window):
        self.host, self.port, self.group, self.topic, self.partitions, self.window = \
            host, port, group, topic, partitions, window
        self.latencies: list[float] = []
        self.requests = 0
        self.errors: collections.Counter = collections.Counter()
        self.offset = 0

    async def connect(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        versions = await _api_versions(self.reader, self.writer)
        self.version = kafka_wire.pick_version(versions, kafka_wire.OFFSET_COMMIT, 7, lowest=2)
        self.encoder = CommitEncoder(self.version, self.group, self.topic, self.partitions, "gregor-bench-commits")
        # One commit first: it loads the group on the coordinator, outside the measured time.
        await self.one_sync()

    async def one_sync(self):
        self.offset += 1
        self.writer.write(self.encoder.frame(1, self.offset))
        size = struct.unpack(">i", await self.reader.readexactly(4))[0]
        codes = decode_errors(self.version, await self.reader.readexactly(size))
        if any(codes):
            raise RuntimeError(f"first commit of {self.group}: error codes {codes}")

    async def run(self, until: float):
        sent: collections.deque = collections.deque()  # send times of the requests awaiting an answer
        room = asyncio.Semaphore(self.window)
        done = asyncio.Event()

        async def read_loop():
            while True:
                try:
                    head = await self.reader.readexactly(4)
                    payload = await self.reader.readexactly(struct.unpack(">i", head)[0])
                except asyncio.IncompleteReadError:
                    room.release()  # wakes the writer, which sees this task done
                    raise RuntimeError(f"{self.group}: the broker closed the connection") from None
                t_sent = sent.popleft()
                self.latencies.append(time.monotonic() - t_sent)
                self.requests += 1
                for code in decode_errors(self.version, payload):
                    if code:
                        self.errors[code] += 1
                room.release()
                if done.is_set() and not sent:
                    return

        reader_task = asyncio.create_task(read_loop())
        cid = 1
        while time.monotonic() < until:
            await room.acquire()
            if reader_task.done():
                break
            cid += 1
            self.offset += 1
            sent.append(time.monotonic())
            self.writer.write(self.encoder.frame(cid, self.offset))
            if len(sent) >= self.window:
                await self.writer.drain()
        done.set()
        await self.writer.drain()
        if not sent and not reader_task.done():
            reader_task.cancel()  # blocked on a read that no request will answer
        try:
            await reader_task
        except asyncio.CancelledError:
            pass
        self.writer.close()


def _commit_worker(args, groups: list[str], barrier, results):
    async def main():
        host, port = kafka_wire.parse_bootstrap(args.bootstrap)
        loads = [GroupLoad(host, port, g, args.topic, args.partitions, args.window) for g in groups]
        await asyncio.gather(*(load.connect() for load in loads))
        await asyncio.get_running_loop().run_in_executor(None, barrier.wait)
        start = time.monotonic()
        await asyncio.gather(*(load.run(start + args.seconds) for load in loads))
        elapsed = time.monotonic() - start
        latencies = [x for load in loads for x in load.latencies]
        errors = collections.Counter()
        for load in loads:
            errors.update(load.errors)
        return {"requests": sum(load.requests for load in loads), "elapsed": elapsed, "latencies": latencies,
                "errors": dict(errors), "version": loads[0].version if loads else None}
    try:
        results.put(asyncio.run(main()))
    except Exception as e:  # noqa: BLE001 - reported by the parent
        results.put({"failure": f"{type(e).__name__}: {e}"})


def bench_commits(args) -> dict:
    ctx = multiprocessing.get_context("fork")
    run_id = uuid.uuid4().hex[:6]
    groups = [f"bench-commits-{run_id}-{i}" for i in range(args.groups)]
    shares = [groups[i::args.procs] for i in range(args.procs)]
    barrier = ctx.Barrier(args.procs)
    results = ctx.Queue()
    procs = [ctx.Process(target=_commit_worker, args=(args, share, barrier, results)) for share in shares]
    for p in procs:
        p.start()
    out = [results.get(timeout=args.seconds + 120) for _ in procs]
    for p in procs:
        p.join(30)
    failures = [r["failure"] for r in out if "failure" in r]
    if failures:
        raise RuntimeError(f"commit load failed: {failures}")
    elapsed = max(r["elapsed"] for r in out)
    requests = sum(r["requests"] for r in out)
    latencies = [x for r in out for x in r["latencies"]]
    errors = collections.Counter()
    for r in out:
        errors.update(r["errors"])
    return {"requests_s": requests / elapsed, "offsets_s": requests * args.partitions / elapsed,
            "p50_ms": percentile(latencies, 0.50) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
            "requests": requests, "errors": dict(errors), "version": out[0]["version"], "elapsed": elapsed}


# ---------------------------------------------------------------------------------------------------------------
# 2. ZooKeeper set() rate.

def _zk_worker(args, root: str, index: int, barrier, results):
    try:
        from kazoo.client import KazooClient
        zk = KazooClient(hosts=args.zk_connect, timeout=30)
        zk.start(timeout=30)
        base = f"{root}/{index}"
        zk.ensure_path(base)
        nodes = [f"{base}/{i}" for i in range(args.zk_nodes)]
        for path in nodes:
            zk.create(path, b"0")
        barrier.wait()
        start = time.monotonic() + args.zk_warmup  # the JVM's JIT warms up first, unmeasured
        until = start + args.seconds
        done = 0
        failed = 0
        pending = collections.deque()
        i = 0
        while True:
            now = time.monotonic()
            if now < until:
                while len(pending) < args.zk_inflight:
                    i += 1
                    pending.append(zk.set_async(nodes[i % len(nodes)], str(i).encode()))
            if not pending:
                break
            result = pending.popleft()
            result.wait(30)
            if time.monotonic() < start:
                continue
            if result.exception is None and result.successful():
                done += 1
            else:
                failed += 1
        elapsed = time.monotonic() - start
        zk.stop()
        zk.close()
        results.put({"sets": done, "failed": failed, "elapsed": elapsed})
    except Exception as e:  # noqa: BLE001 - reported by the parent
        results.put({"failure": f"{type(e).__name__}: {e}"})


def bench_zookeeper(args) -> dict:
    from kazoo.client import KazooClient
    ctx = multiprocessing.get_context("fork")
    root = f"/gregor-bench-zk-{uuid.uuid4().hex[:8]}"
    barrier = ctx.Barrier(args.zk_procs)
    results = ctx.Queue()
    procs = [ctx.Process(target=_zk_worker, args=(args, root, i, barrier, results)) for i in range(args.zk_procs)]
    for p in procs:
        p.start()
    out = [results.get(timeout=args.seconds + args.zk_warmup + 180) for _ in procs]
    for p in procs:
        p.join(30)
    cleanup = KazooClient(hosts=args.zk_connect, timeout=30)
    cleanup.start(timeout=30)
    try:
        cleanup.delete(root, recursive=True)
    finally:
        cleanup.stop()
        cleanup.close()
    failures = [r["failure"] for r in out if "failure" in r]
    if failures:
        raise RuntimeError(f"ZooKeeper load failed: {failures}")
    elapsed = max(r["elapsed"] for r in out)
    return {"sets_s": sum(r["sets"] for r in out) / elapsed, "failed": sum(r["failed"] for r in out)}


# ---------------------------------------------------------------------------------------------------------------
# 3. Rebalance after a clean leave.

class Member:
    """A confluent-kafka consumer polled by its own thread; close() runs on that thread too."""

    def __init__(self, name, args, group, topic):
        from confluent_kafka import Consumer
        self.name = name
        self.assignments: list[tuple[float, int]] = []  # (time, partitions) per on_assign
        self.lock = threading.Lock()
        self.close_requested = threading.Event()
        self.closed_at = None
        self.consumer = Consumer({
            "bootstrap.servers": args.bootstrap, "group.id": group, "client.id": f"bench-{name}",
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000, "heartbeat.interval.ms": args.heartbeat_ms,
            "partition.assignment.strategy": "range",
        })
        self.consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        self.thread = threading.Thread(target=self._run, name=f"member-{name}", daemon=True)
        self.thread.start()

    def _on_assign(self, _c, partitions):
        with self.lock:
            self.assignments.append((time.monotonic(), len(partitions)))

    def _on_revoke(self, _c, _partitions):
        with self.lock:
            self.assignments.append((time.monotonic(), 0))

    def _run(self):
        while not self.close_requested.is_set():
            self.consumer.poll(0.02)
        self.consumer.close()
        self.closed_at = time.monotonic()

    def owned(self) -> int:
        with self.lock:
            return self.assignments[-1][1] if self.assignments else 0

    def assigned_after(self, t: float, count: int) -> float | None:
        with self.lock:
            for at, n in self.assignments:
                if at >= t and n == count:
                    return at
        return None

    def close(self):
        self.close_requested.set()
        self.thread.join(30)


def _wait(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.005)
    raise RuntimeError(f"{what}: not within {seconds}s")


def bench_rebalance(args) -> dict:
    run_id = uuid.uuid4().hex[:6]
    group = f"bench-rebalance-{run_id}"
    topic = args.rebalance_topic
    members = [Member(f"m{i}", args, group, topic) for i in range(3)]
    next_id = 3
    times = []
    try:
        for round_ in range(args.rounds):
            log(f"rebalance round {round_ + 1}/{args.rounds}")
            _wait(lambda: sorted(m.owned() for m in members) == [2, 2, 2], 60, "three members with 2 partitions")
            time.sleep(0.5)  # settled
            leaving, staying = members[-1], members[:-1]
            t0 = time.monotonic()
            leaving.close()
            _wait(lambda: all(m.assigned_after(t0, 3) is not None for m in staying), 60,
                  "both remaining members with 3 partitions")
            times.append(max(m.assigned_after(t0, 3) for m in staying) - t0)
            members = staying + [Member(f"m{next_id}", args, group, topic)]
            next_id += 1
    finally:
        for m in members:
            m.close()
    return {"median_s": statistics.median(times), "max_s": max(times), "all": times}


# ---------------------------------------------------------------------------------------------------------------

def create_topic(bootstrap: str, topic: str, partitions: int):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                        operation_timeout=30)[topic].result(timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        t = admin.list_topics(topic=topic, timeout=10).topics.get(topic)
        if t and t.error is None and len(t.partitions) == partitions and \
                all(p.leader >= 0 for p in t.partitions.values()):
            return
        time.sleep(0.1)
    raise RuntimeError(f"topic {topic} not ready")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--zk-connect", required=True, help="ZooKeeper host:port (no chroot needed)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--partitions", type=int, default=10)
    parser.add_argument("--window", type=int, default=4, help="requests in flight per group connection")
    parser.add_argument("--procs", type=int, default=2, help="client processes for the commit and ZooKeeper load")
    parser.add_argument("--zk-procs", type=int, default=1,
                        help="kazoo client processes (on 2 cores one saturates ZooKeeper best)")
    parser.add_argument("--zk-inflight", type=int, default=1000, help="async set()s in flight per kazoo client")
    parser.add_argument("--zk-warmup", type=float, default=2.0, help="seconds of unmeasured set()s first")
    parser.add_argument("--zk-nodes", type=int, default=500, help="znodes each kazoo client writes in turn")
    parser.add_argument("--rounds", type=int, default=5, help="rebalances to time")
    parser.add_argument("--heartbeat-ms", type=int, default=100)
    parser.add_argument("--skip-rebalance", action="store_true")
    parser.add_argument("--summary", help="append the headline figures as JSON lines (bench_summary.py)")
    args = parser.parse_args(argv)
    summary = Summary(args.summary, "commits")
    args.procs = max(1, min(args.procs, args.groups))

    run_id = uuid.uuid4().hex[:6]
    args.topic = f"bench-commits-{run_id}"
    args.rebalance_topic = f"bench-rebalance-{run_id}"
    create_topic(args.bootstrap, args.topic, args.partitions)
    create_topic(args.bootstrap, args.rebalance_topic, 6)

    log(f"commit load: {args.groups} groups x {args.partitions} partitions, window {args.window}, "
        f"{args.procs} processes, {args.seconds:.0f}s")
    with Heartbeat("commits", "commit load", expected=args.seconds):
        commits = bench_commits(args)
    log(f"ZooKeeper set() load: {args.zk_procs} kazoo clients x {args.zk_inflight} in flight, "
        f"{args.zk_warmup:.0f}s + {args.seconds:.0f}s")
    with Heartbeat("commits", "ZooKeeper set() load", expected=args.zk_warmup + args.seconds):
        zk = bench_zookeeper(args)
    rebalance = None
    if not args.skip_rebalance:
        log(f"rebalance after a clean leave: {args.rounds} rounds, heartbeat.interval.ms={args.heartbeat_ms}")
        rebalance = bench_rebalance(args)

    ratio = commits["offsets_s"] / zk["sets_s"] if zk["sets_s"] else float("nan")
    rows = [
        ("OffsetCommit requests/s", f"{commits['requests_s']:,.0f}", ""),
        ("partition offsets committed/s", f"{commits['offsets_s']:,.0f}", ""),
        ("commit latency p50 / p99", f"{commits['p50_ms']:.1f} ms / {commits['p99_ms']:.1f} ms", ""),
        ("ZooKeeper set()s/s (kazoo, async)", f"{zk['sets_s']:,.0f}", ""),
        ("offsets committed/s vs ZooKeeper set()s/s", f"{ratio:.0%}",
         f">= {TARGET_RATIO:.0%} {'ok' if ratio >= TARGET_RATIO else 'MISSED'}"),
    ]
    if rebalance:
        ok = rebalance["max_s"] < TARGET_REBALANCE_S
        rows.append((f"rebalance after a clean leave, 3 -> 2 members (median / max of {args.rounds})",
                     f"{rebalance['median_s'] * 1000:.0f} ms / {rebalance['max_s'] * 1000:.0f} ms",
                     f"< {TARGET_REBALANCE_S:.0f} s {'ok' if ok else 'MISSED'}"))
    summary.add("partition offsets committed/s", commits["offsets_s"], "offsets/s", zk["sets_s"],
                "ZooKeeper set()s/s, same run", f">= {TARGET_RATIO}x ZooKeeper", ratio >= TARGET_RATIO)
    summary.add("commit latency p99", commits["p99_ms"], "ms")
    if rebalance:
        summary.add("rebalance after a clean leave (max)", rebalance["max_s"] * 1000, "ms",
                    target=f"< {TARGET_REBALANCE_S * 1000:.0f} ms", met=rebalance["max_s"] < TARGET_REBALANCE_S)
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print(f"| {'measurement':<{width}} | {'value':<{vwidth}} | target |")
    print(f"|{'-' * (width + 2)}|{'-' * (vwidth + 2)}|--------|")
    for name, value, target in rows:
        print(f"| {name:<{width}} | {value:<{vwidth}} | {target} |")
    print(f"\nOffsetCommit v{commits['version']}, {commits['requests']:,} requests in {commits['elapsed']:.1f}s; "
          f"{args.groups} groups x {args.partitions} partitions, {args.window} in flight per group, "
          f"{args.procs} client processes; partition errors: {commits['errors'] or 'none'}")
    print(f"ZooKeeper: {args.zk_procs} kazoo client(s) x {args.zk_inflight} set()s in flight on {args.zk_nodes} "
          f"znodes each, after {args.zk_warmup:.0f}s of warm-up; failed set()s: {zk['failed']}")
    if rebalance:
        print("rebalance times: " + ", ".join(f"{t * 1000:.0f} ms" for t in rebalance["all"])
              + f" (heartbeat.interval.ms={args.heartbeat_ms}, group.initial.rebalance.delay.ms=0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
