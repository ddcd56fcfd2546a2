#!/usr/bin/env python3
"""The measuring half of scripts/bench/replication.sh (which installs rdkafka_performance and builds the broker).

Replicated produce throughput on three gregor-servers (one private ZooKeeper, free ports): librdkafka's
rdkafka_performance sends --count 1 KiB records (`-P -s 1024 -X linger.ms=5`) to partition 0 of a fresh 1-partition
topic
  - replication factor 1, acks=1 (the leader writes once: the baseline),
  - replication factor 3, acks=all (min.insync.replicas default), measured once the ISR is all 3,
--runs times each (medians). Three brokers share this machine's cores and every byte is written three times (and
crosses loopback twice more), so RF=3 can reach at most about 1/3 of RF=1: the table prints MB/s of each, their
ratio, and that ratio against the 1/3 bound; target ratio >= 0.3. Also the three brokers' CPU seconds per GB
(sum of utime+stime from /proc/<pid>/stat over the phase). Then the RF=3 topic is read from its leader from the
beginning: the high watermark and the records consumed must both equal the acknowledged count.

Every run starts with the page cache's dirty pages written back (`sync`): an RF=3 run leaves three copies of
--count KiB dirty, and a run that started while the kernel still wrote them back would be throttled to the disk's
speed once the dirty pages passed the kernel's limits (seen here: RF=1 at 420-480 MB/s after an RF=3 run, against
1,100-1,300 MB/s from a clean start), so the runs after the first measured the writeback, not the broker.
Then the bytes the run will store (--count KiB times the replication factor) are written into a scratch file and
freed (page_cache.py): this VM gives memory it has not touched lately back to its host, and storing into such memory
costs a host page fault per page, which brokers with a full page cache never meet. RF=3 stores three times as much
as RF=1, so on that memory the ratio measured the host more than the brokers (0.16-0.25 against 0.30-0.39).
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
import gregor_harness as harness  # noqa: E402
from bench_progress import Heartbeat  # noqa: E402
import rdkafka_perf_exit  # noqa: E402
from replication_cluster import Cluster  # noqa: E402
import page_cache  # noqa: E402
import shipped_config  # noqa: E402

BENCH = "replication"
SIZE = 1024
BOUND = 1 / 3
TARGET_RATIO = 0.3

PRODUCE_LINE = re.compile(r"% (\d+) messages produced \((\d+) bytes\), (\d+) delivered .* in (\d+)ms: "
                          r"(\d+) msgs/s and ([\d.]+) MB/s")
CONSUME_LINE = re.compile(r"^% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs/s \(([\d.]+) MB/s\)")


def log(msg: str):
    print(f"{BENCH}: {msg}", file=sys.stderr, flush=True)


def perf_run(perf: str, args: list[str], what: str, timeout: float) -> str:
    argv = [perf] + args
    log(f"{what}: {shlex.join(argv)}")
    with Heartbeat(BENCH, what):
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise RuntimeError(f"{what}: rdkafka_performance did not finish within {timeout}s:\n"
                               f"{(e.stdout or '')[-2000:]}{(e.stderr or '')[-2000:]}") from None
    out = proc.stdout + proc.stderr
    if not rdkafka_perf_exit.succeeded(proc.returncode, out):
        raise RuntimeError(f"{what}: rdkafka_performance exited with {proc.returncode}:\n{out[-3000:]}")
    return out


def produce(perf: str, bootstrap: str, topic: str, count: int, acks: str, timeout: float, what: str) -> dict:
    """MB/s (10^6 B of payload) and the delivered count of one rdkafka_performance produce run."""
    out = perf_run(perf, ["-P", "-t", topic, "-p", "0", "-s", str(SIZE), "-c", str(count), "-a", acks,
                          "-X", "linger.ms=5", "-b", bootstrap], what, timeout)
    lines = list(PRODUCE_LINE.finditer(out))
    if not lines:
        raise RuntimeError(f"{what}: no result line in rdkafka_performance's output:\n{out[-3000:]}")
    last = lines[-1]
    delivered, ms = int(last.group(3)), max(int(last.group(4)), 1)
    if delivered != count:
        log(f"{what}: only {delivered} of {count} delivered")
    return {"mb_s": delivered * SIZE / 1e6 * 1000.0 / ms, "delivered": delivered, "ms": ms}


def consume_all(perf: str, bootstrap: str, topic: str, count: int, timeout: float) -> dict:
    """Reads partition 0 from the beginning to its end (-e), at most `count` records."""
    out = perf_run(perf, ["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-c", str(count),
                          "-X", "enable.partition.eof=true", "-b", bootstrap],
                   f"consume {topic} from its leader {bootstrap}", timeout)
    lines = [m for m in (CONSUME_LINE.match(line) for line in out.splitlines()) if m]
    if not lines:
        raise RuntimeError(f"no consume result line in rdkafka_performance's output:\n{out[-3000:]}")
    last = lines[-1]
    return {"consumed": int(last.group(1)), "mb_s": float(last.group(5))}


def settle_writeback(what: str):
    """Waits until the dirty pages of earlier runs are on disk, so that every run starts from the same state."""
    started = time.monotonic()
    os.sync()
    log(f"{what}: earlier runs' dirty pages written back in {time.monotonic() - started:.1f} s")


def delete_topic(cluster: Cluster, topic: str):
    """Deletes a measured topic so that the runs do not fill the disk (failures only logged)."""
    admin = cluster.admin()
    try:
        admin.delete_topics([topic], request_timeout=30)[topic].result(timeout=60)
    except Exception as e:  # noqa: BLE001
        log(f"deleting {topic}: {e}")


def high_watermark(bootstrap: str, topic: str) -> int:
    import confluent_kafka
    consumer = confluent_kafka.Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex[:6]}",
                                        "enable.auto.commit": False})
    try:
        return consumer.get_watermark_offsets(confluent_kafka.TopicPartition(topic, 0), timeout=10)[1]
    finally:
        consumer.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--perf", required=True, help="rdkafka_performance binary")
    parser.add_argument("--server-bin", required=True, help="gregor-server binary (release build)")
    parser.add_argument("--count", type=int, default=2_000_000, help="1 KiB records per run (default 2,000,000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per rdkafka_performance run")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                        help="broker property for all three brokers (for experiments)")
    parser.add_argument("--summary", help="append one JSON line per headline figure to this file")
    parser.add_argument("--keep", action="store_true", help="keep the brokers' folder (logs)")
    args = parser.parse_args(argv)
    overrides = shipped_config.with_overrides(args.override, parser.error)

    results: dict[str, list] = {"rf1": [], "rf3": []}
    cpu: dict[str, list] = {"rf1": [], "rf3": []}
    check = None
    base = Path(tempfile.mkdtemp(prefix="gregor-bench-replication-"))
    zk = harness.ZooKeeper(base / "zookeeper").start()
    cluster = Cluster(Path(args.server_bin), zk.connect, base, size=3, properties=overrides)
    try:
        with Heartbeat(BENCH, "starting ZooKeeper and 3 brokers"):
            cluster.start()
        log(f"3 brokers up ({cluster.bootstrap}), ZooKeeper {zk.connect}; folder {base}; "
            f"{shipped_config.describe(overrides)}")

        def cpu_total() -> float:
            return sum(b.cpu_seconds() for b in cluster.brokers)

        last_rf3 = None
        for run in range(args.runs):
            for key, rf, acks in (("rf1", 1, "1"), ("rf3", 3, "-1")):
                topic = f"bench-repl-{key}-{run}-{uuid.uuid4().hex[:6]}"
                cluster.create_topic(topic, 1, rf)  # waits for the leader and an ISR of all `rf` replicas
                p = cluster.partition(topic)
                what = f"RF={rf} acks={'all' if rf == 3 else '1'}, {args.count:,} x {SIZE} B, run {run + 1}/{args.runs}"
                log(f"{what}: leader {p.leader}, ISR {sorted(p.isrs)}")
                settle_writeback(what)
                # The run stores rf copies; it meets memory the guest holds, as running brokers do (page_cache.py).
                stored = args.count * SIZE * rf
                mb_s = page_cache.recycle(base, stored)
                log(f"{what}: {stored / 1e6:,.0f} MB of page cache written and freed before the run ({mb_s:,.0f} MB/s)")
                cpu0 = cpu_total()
                r = produce(args.perf, cluster.bootstrap, topic, args.count, acks, args.timeout, what)
                r["cpu_s_per_gb"] = (cpu_total() - cpu0) / (r["delivered"] * SIZE / 1e9) if r["delivered"] else None
                after = cluster.partition(topic)
                r["isr_after"] = sorted(after.isrs) if after else []
                r["topic"], r["leader"] = topic, p.leader
                results[key].append(r)
                log(f"{what}: {r['mb_s']:.1f} MB/s, {r['delivered']:,} delivered, ISR after {r['isr_after']}")
                if last_rf3 is not None and key == "rf3":
                    delete_topic(cluster, last_rf3["topic"])  # 3 copies of --count KiB each: free the disk
                if key == "rf1":
                    delete_topic(cluster, topic)
                else:
                    last_rf3 = r
        # Sanity: everything acknowledged is on the leader, readable from the start.
        leader = cluster.broker(last_rf3["leader"])
        hw = high_watermark(leader.bootstrap, last_rf3["topic"])
        consumed = consume_all(args.perf, leader.bootstrap, last_rf3["topic"], max(hw, last_rf3["delivered"]),
                               args.timeout)
        check = {"delivered": last_rf3["delivered"], "high_watermark": hw, **consumed}
    except Exception:
        log("failed; broker log tails:\n" + cluster.tails(15))
        raise
    finally:
        cluster.stop()
        zk.stop()
        if args.keep:
            log(f"folder kept: {base}")
        else:
            subprocess.run(["rm", "-rf", str(base)])

    def med(key, field):
        values = [r[field] for r in results[key] if r[field] is not None]
        return statistics.median(values) if values else None

    rf1, rf3 = med("rf1", "mb_s"), med("rf3", "mb_s")
    ratio = rf3 / rf1 if rf1 and rf3 is not None else None
    met = None if ratio is None else ratio >= TARGET_RATIO
    print()
    print(f"Replicated produce: rdkafka_performance -P -s {SIZE} -X linger.ms=5, partition 0 of a 1-partition topic, "
          f"{args.count:,} records, 3 brokers + 1 ZooKeeper on this machine, median of {args.runs}; "
          f"{time.strftime('%Y-%m-%d', time.gmtime())}")
    print()
    print("| measurement | MB/s | ratio | target | result | all runs (MB/s) | 3 brokers' CPU s/GB | ISR after |")
    print("| --- | ---: | ---: | --- | --- | --- | ---: | --- |")

    def runs(key):
        return " ".join(f"{r['mb_s']:.1f}" for r in results[key])

    def fmt(v, digits=1):
        return "n/a" if v is None else f"{v:,.{digits}f}"

    print(f"| RF=1 acks=1 (baseline) | {fmt(rf1)} | | | | {runs('rf1')} | {fmt(med('rf1', 'cpu_s_per_gb'))} | "
          f"{results['rf1'][-1]['isr_after'] if results['rf1'] else ''} |")
    print(f"| **RF=3 acks=all** | {fmt(rf3)} | {fmt(ratio, 3)} of RF=1 | >= {TARGET_RATIO:g} | "
          f"{'n/a' if met is None else ('PASS' if met else 'MISS')} | {runs('rf3')} | "
          f"{fmt(med('rf3', 'cpu_s_per_gb'))} | {results['rf3'][-1]['isr_after'] if results['rf3'] else ''} |")
    if ratio is not None:
        print(f"| RF=3 / RF=1 against the 1/3 bound | {ratio / BOUND:.0%} of the bound | | | | | | |")
    if check:
        ok = check["high_watermark"] == check["delivered"] and check["consumed"] == check["delivered"]
        print(f"| RF=3 topic read back from its leader: acknowledged / high watermark / consumed | "
              f"{check['delivered']:,} / {check['high_watermark']:,} / {check['consumed']:,} | | equal | "
              f"{'PASS' if ok else 'MISS'} | consume {check['mb_s']:.1f} MB/s | | |")
    print()
    print("MB/s = 10^6 bytes of payload per second as rdkafka_performance counts it (first send to last delivery "
          "report); the 1/3 bound: three brokers share the cores and each byte is written three times; CPU s/GB = "
          "utime+stime of all three gregor-servers during the run per 10^9 payload bytes.")

    if args.summary:
        with open(args.summary, "a") as f:
            def emit(metric, value, unit, limit, limit_name, target, ok):
                r = (value / limit) if value is not None and limit else None
                f.write(json.dumps({"bench": BENCH, "metric": metric, "value": value, "unit": unit, "limit": limit,
                                    "limit_name": limit_name, "ratio": r, "target": target, "met": ok}) + "\n")
            emit("produce RF=3 acks=all, 1 KiB", rf3, "MB/s", rf1, "RF=1 acks=1 on the same cluster", None, None)
            emit("RF=3 acks=all / RF=1 acks=1", ratio, "ratio", BOUND, "1/3 bound", f">= {TARGET_RATIO:g}", met)
            emit("3 brokers' CPU per GB, RF=3 acks=all", med("rf3", "cpu_s_per_gb"), "s/GB",
                 med("rf1", "cpu_s_per_gb"), "RF=1 acks=1", None, None)
            if check:
                emit("RF=3 records read back from the leader", check["consumed"], "records", check["delivered"],
                     "acknowledged", "equal", check["consumed"] == check["delivered"] == check["high_watermark"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
