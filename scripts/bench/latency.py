#!/usr/bin/env python3
"""The measuring half of scripts/bench/latency.sh (which builds scripts/bench/e2e_latency.c and the broker).

End-to-end latency, producer send -> consumer receive, of 1 KiB records at a fixed rate (--rate-mbps, MiB/s,
default 50: 51,200 msgs/s) with acks=all to partition 0 of a replication-factor-3 topic on three gregor-servers (one private
ZooKeeper): e2e_latency runs producer and consumer in one process (one CLOCK_MONOTONIC clock), the send time in
each value, and prints p50/p99/p99.9/max of receive - send, and of send -> acknowledgement.

The same run against librdkafka's mock cluster (3 brokers in the client's process; it does not replicate) is the
client-side floor, printed beside. The mock answers an empty Fetch only after the consumer's full
fetch.wait.max.ms (it never wakes a waiting fetch when a record arrives) and keeps only 5 MiB per partition (0.1 s
at 50 MiB/s), so its consumer fetches with fetch.wait.max.ms=1 and fetch.error.backoff.ms=1; against Gregor the
consumer keeps librdkafka's defaults (fetch.wait.max.ms=500) with fetch.min.bytes=1, as a real consumer would.
Target: Gregor's p99 <= 5 ms.
"""

from __future__ import annotations

import argparse
import json
import shlex
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
from replication_cluster import Cluster  # noqa: E402
import shipped_config  # noqa: E402

BENCH = "latency"
TARGET_P99_MS = 5.0


def log(msg: str):
    print(f"{BENCH}: {msg}", file=sys.stderr, flush=True)


def run_e2e(binary: str, args: list[str], expected_s: float, what: str) -> dict:
    """Runs e2e_latency, returns its RESULT object."""
    argv = [binary] + args
    log(f"{what}: {shlex.join(argv)}")
    with Heartbeat(BENCH, what, expected_s):
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=expected_s + 120)
        except subprocess.TimeoutExpired as e:
            raise RuntimeError(f"{what}: e2e_latency did not finish; output:\n{(e.stderr or '')[-3000:]}") from None
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"{what}: e2e_latency exited with {proc.returncode}:\n{proc.stdout[-2000:]}"
                           f"{proc.stderr[-3000:]}")
    noisy = [l for l in proc.stderr.splitlines() if l.startswith("%") and "CONFWARN" not in l]
    if noisy:
        log(f"{what}: {len(noisy)} librdkafka log lines, last: {noisy[-1][:300]}")
    return json.loads(line[len("RESULT "):])


def fmt(v, digits=2):
    return "n/a" if v is None or v < 0 else f"{v:,.{digits}f}"


def achieved_mib_s(r: dict, size: int) -> float:
    """Payload MiB/s of the records sent in the measured window and received."""
    return r["received_measured"] * size / 1048576 / r["window_s"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--e2e", required=True, help="e2e_latency binary")
    parser.add_argument("--server-bin", help="gregor-server binary (release build)")
    parser.add_argument("--rate-mbps", type=float, default=50.0,
                        help="payload MiB/s to send (default 50: 51,200 msgs/s of 1 KiB)")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (after --warmup)")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--linger-ms", default="1", help="producer linger.ms (default 1)")
    parser.add_argument("--skip-mock", action="store_true")
    parser.add_argument("--skip-gregor", action="store_true")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                        help="broker property for all three brokers (for experiments)")
    parser.add_argument("--summary", help="append one JSON line per headline figure to this file")
    parser.add_argument("--keep", action="store_true", help="keep the brokers' folder (logs)")
    args = parser.parse_args(argv)

    rate = args.rate_mbps * 1024 * 1024 / args.size
    common = ["-s", str(args.size), "-r", f"{rate:.1f}", "-d", str(args.duration), "-w", str(args.warmup),
              "-a", "all", "-l", args.linger_ms]
    expected = args.duration + args.warmup
    overrides = shipped_config.with_overrides(args.override, parser.error)

    mock = gregor = None
    cpu_s_per_gb = None
    if not args.skip_mock:
        mock = run_e2e(args.e2e, ["-m", "3", "-t", f"bench-latency-{uuid.uuid4().hex[:6]}"] + common +
                       ["-C", "fetch.wait.max.ms=1", "-C", "fetch.error.backoff.ms=1"], expected,
                       "mock cluster (client-side floor)")

    base = None
    if not args.skip_gregor:
        if not args.server_bin:
            parser.error("--server-bin is needed unless --skip-gregor")
        base = Path(tempfile.mkdtemp(prefix="gregor-bench-latency-"))
        zk = harness.ZooKeeper(base / "zookeeper").start()
        cluster = Cluster(Path(args.server_bin), zk.connect, base, size=3, properties=overrides)
        try:
            with Heartbeat(BENCH, "starting ZooKeeper and 3 brokers"):
                cluster.start()
            log(f"3 brokers up ({cluster.bootstrap}), ZooKeeper {zk.connect}; logs in {base}; "
                f"{shipped_config.describe(overrides)}")
            topic = f"bench-latency-{uuid.uuid4().hex[:6]}"
            cluster.create_topic(topic, 1, 3)  # waits until the leader is elected and the ISR is all 3
            p = cluster.partition(topic)
            log(f"{topic}: leader {p.leader}, ISR {sorted(p.isrs)}")
            cpu0 = sum(b.cpu_seconds() for b in cluster.brokers)
            gregor = run_e2e(args.e2e, ["-b", cluster.bootstrap, "-t", topic] + common, expected,
                             "gregor, RF=3 acks=all")
            cpu1 = sum(b.cpu_seconds() for b in cluster.brokers)
            sent_gb = gregor["sent_total"] * args.size / 1e9
            cpu_s_per_gb = (cpu1 - cpu0) / sent_gb if sent_gb > 0 else None
            p = cluster.partition(topic)
            if p is not None and len(p.isrs) != 3:
                log(f"after the run the ISR is {sorted(p.isrs)} (shrank during the run)")
        except Exception:
            log("failed; broker log tails:\n" + cluster.tails(15))
            raise
        finally:
            cluster.stop()
            zk.stop()
            if args.keep:
                log(f"logs kept in {base}")
            else:
                subprocess.run(["rm", "-rf", str(base)])

    # ---- table ----
    print()
    print(f"End-to-end latency (scripts/bench/e2e_latency.c, librdkafka): {args.size} B records at "
          f"{args.rate_mbps:g} MiB/s ({rate:,.0f} msgs/s) to partition 0, acks=all, linger.ms={args.linger_ms}, "
          f"{args.duration:g} s measured after {args.warmup:g} s warm-up; {time.strftime('%Y-%m-%d', time.gmtime())}")
    print()
    print("| measurement | p50 ms | p99 ms | p99.9 ms | max ms | ack p50 / p99 ms | achieved MiB/s | "
          "received / sent | target | result |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")

    def row(name, r, target="", result=""):
        e, a = r["e2e"], r["ack"]
        print(f"| {name} | {fmt(e['p50_ms'])} | {fmt(e['p99_ms'])} | {fmt(e['p999_ms'])} | {fmt(e['max_ms'])} | "
              f"{fmt(a['p50_ms'])} / {fmt(a['p99_ms'])} | {fmt(achieved_mib_s(r, args.size), 1)} of "
              f"{args.rate_mbps:g} | {r['received_measured']:,} / {r['sent_measured']:,} | {target} | {result} |")

    if mock:
        row("librdkafka mock cluster, 3 brokers, no replication (client-side floor; consumer "
            "fetch.wait.max.ms=1)", mock)
    else:
        print("| librdkafka mock cluster | not run | | | | | | | | |")
    met = None
    if gregor:
        p99 = gregor["e2e"]["p99_ms"]
        met = 0 <= p99 <= TARGET_P99_MS and gregor["received_measured"] > 0
        row("**gregor**, 3 brokers, RF=3, min.insync.replicas default", gregor, f"p99 <= {TARGET_P99_MS:g} ms",
            "PASS" if met else "MISS")
    else:
        print("| gregor | not run | | | | | | | | |")
    print()
    notes = ["e2e = consumer receive - producer send (one process, CLOCK_MONOTONIC); ack = send -> delivery report "
             "(acks=all); percentiles at 1 us resolution below 100 ms, 1 ms above; achieved MiB/s = payload of the "
             "measured window's records received, per second."]
    if gregor:
        if cpu_s_per_gb is not None:
            notes.append(f"gregor: the 3 brokers' CPU = {cpu_s_per_gb:.1f} s per GB sent (sum of utime+stime).")
        if gregor["ack_errors"] or gregor["consume_errors"] or gregor["queue_full"]:
            notes.append(f"gregor: {gregor['ack_errors']} failed sends ({gregor['first_ack_error']}), "
                         f"{gregor['consume_errors']} consume errors ({gregor['first_consume_error']}), "
                         f"{gregor['queue_full']} producer queue-full waits.")
    if mock and mock["received_measured"] < mock["acked_measured"]:
        notes.append(f"mock: {mock['acked_measured'] - mock['received_measured']:,} records were trimmed by the "
                     "mock's 5 MiB retention before its consumer read them (an offset reset to the end).")
    for n in notes:
        print(n)

    if args.summary:
        with open(args.summary, "a") as f:
            def emit(metric, value, unit, limit, limit_name, target, ok, lower_is_better=True):
                ratio = (value / limit) if (value is not None and limit not in (None, 0)) else None
                f.write(json.dumps({"bench": BENCH, "metric": metric, "value": value, "unit": unit, "limit": limit,
                                    "limit_name": limit_name, "ratio": ratio, "target": target, "met": ok}) + "\n")

            def pick(r, key):
                return None if r is None or r["e2e"][key] < 0 else r["e2e"][key]

            if gregor or mock:
                for key, label in (("p50_ms", "p50"), ("p99_ms", "p99"), ("p999_ms", "p99.9"), ("max_ms", "max")):
                    is_p99 = key == "p99_ms"
                    emit(f"e2e latency {label}, RF=3 acks=all, {args.rate_mbps:g} MiB/s", pick(gregor, key), "ms",
                         pick(mock, key), "mock broker (client-side floor)",
                         f"p99 <= {TARGET_P99_MS:g} ms" if is_p99 else None, met if is_p99 else None)
                if gregor:
                    emit("achieved rate, RF=3 acks=all", achieved_mib_s(gregor, args.size), "MiB/s", args.rate_mbps,
                         "requested rate", None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
