#!/usr/bin/env python3
"""The measuring half of scripts/bench/produce-consume.sh (which installs and builds what this needs).

Runs librdkafka's rdkafka_performance against
  - iperf3 on loopback (TCP bandwidth of this machine),
  - librdkafka's mock broker (`-X test.mock.num.brokers=1`): in the producer's own process, and hosted by a
    separate idle rdkafka_performance process (the same topology as a real broker): the client's ceiling,
  - a private ZooKeeper + gregor-server (release build) on free ports,
  - fetch_ceiling (scripts/bench/fetch_ceiling.c): a server that answers every Fetch from memory with one batch as
    large as the client's per-partition limit allows (sendfile from a memfd). librdkafka keeps one Fetch in flight
    per partition and parses each answer before it asks again, so a single-partition consume is a ping-pong that
    streaming loopback TCP (iperf3) does not have: this is the most any broker can give the same client. The mock
    broker cannot serve as the consume ceiling: it keeps only 5 MiB / 100,000 records per partition.
and prints a Markdown table: msgs/s, MB/s (10^6 bytes of payload per second), the ratios against the targets, and
the broker's CPU seconds per GB of payload (utime + stime from /proc/<pid>/stat before and after each phase).
Targets (issue 18): produce 100 B >= 0.9x and 1 KiB >= 0.6x the mock ceiling, consume 1 KiB >= 0.8x loopback TCP
(and, the limit a broker can reach, >= 0.8x the fetch ceiling).
The same broker also has a SASL_SSL listener (test CA from scripts/tls-certs.sh, SASL/PLAIN): the 1 KiB produce
and consume run over it too, against PLAINTEXT in the same run (target: at least 70%).
Medians of --runs runs (consumes: of --consume-rounds per run, alternating Gregor and the fetch ceiling); every run
is listed too.

A second limit for produce: the page cache. Right before each Gregor produce run, `dd` writes the same number of bytes
into a new file beside the broker's log, which is deleted before the produce starts. Before the `dd`, the same
amount is written and freed once more (page_cache.py): this project's VM (Firecracker) gives memory it has not
touched lately back to its host, and writing into such memory costs a host page fault per page (0.4-0.7 GB/s), which
a broker with a full page cache never meets. So the `dd` and the produce both store into memory the guest holds, and
the table shows Gregor against the mock broker and against the `dd` of the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))
import gregor_harness as harness  # noqa: E402
from bench_progress import Heartbeat  # noqa: E402
import rdkafka_perf_exit  # noqa: E402
from bench_summary import Summary  # noqa: E402
import page_cache  # noqa: E402
import shipped_config  # noqa: E402

PRODUCE_LINE = re.compile(r"% (\d+) messages produced \((\d+) bytes\), (\d+) delivered .* in (\d+)ms: "
                          r"(\d+) msgs/s and ([\d.]+) MB/s")
CONSUME_LINE = re.compile(r"^% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs/s \(([\d.]+) MB/s\)")
MOCK_ADDRESS = re.compile(r"Mock cluster enabled: .* replaced with (\S+)")

# Issue 18's targets, per record size: produce against the mock broker's ceiling (msgs/s), consume against loopback
# TCP (MB/s); a size missing from a table has no target (its ratio is informational).
TARGET_PRODUCE_VS_MOCK = {100: 0.90, 1024: 0.60}
TARGET_CONSUME_VS_LOOPBACK = {1024: 0.80}
TARGET_CONSUME_VS_FETCH_CEILING = {1024: 0.80}
TARGET_SASL_SSL_VS_PLAINTEXT = 0.70
SASL_SSL_SIZE = 1024


def log(msg: str):
    print(f"produce-consume: {msg}", file=sys.stderr, flush=True)


def step(msg: str, expected: float | None = None) -> Heartbeat:
    """Logs the step and, while it runs, a line every 5 s with how long it has been running."""
    log(msg)
    return Heartbeat("produce-consume", msg, expected)


class Perf:
    def __init__(self, binary: str, timeout: float):
        self.binary = binary
        self.timeout = timeout

    def _run(self, args: list[str]) -> str:
        argv = [self.binary] + args
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired as e:
            raise RuntimeError(f"{shlex.join(argv)} did not finish within {self.timeout}s; output:\n"
                               f"{(e.stdout or '')[-2000:]}{(e.stderr or '')[-2000:]}") from None
        output = proc.stdout + proc.stderr
        if not rdkafka_perf_exit.succeeded(proc.returncode, output):
            raise RuntimeError(f"{shlex.join(argv)} exited with {proc.returncode}:\n{output[-3000:]}")
        return output

    def produce(self, topic: str, size: int, count: int, extra: list[str]) -> tuple[float, float]:
        """(msgs/s, MB/s) of `count` messages of `size` bytes to partition 0, acks=1, linger.ms=5."""
        out = self._run(["-P", "-t", topic, "-p", "0", "-s", str(size), "-c", str(count), "-a", "1",
                         "-X", "linger.ms=5"] + extra)
        lines = [m for m in PRODUCE_LINE.finditer(out)]
        if not lines:
            raise RuntimeError(f"no result line in rdkafka_performance's output:\n{out[-3000:]}")
        last = lines[-1]
        delivered = int(last.group(3))
        if delivered != count:
            raise RuntimeError(f"only {delivered} of {count} messages delivered:\n{out[-3000:]}")
        ms = max(int(last.group(4)), 1)
        return count * 1000.0 / ms, count * size / 1e6 * 1000.0 / ms

    def consume(self, topic: str, size: int, count: int, extra: list[str]) -> tuple[float, float]:
        """(msgs/s, MB/s) reading `count` messages from the beginning of partition 0."""
        out = self._run(["-C", "-t", topic, "-p", "0", "-o", "beginning", "-c", str(count)] + extra)
        lines = [m for m in (CONSUME_LINE.match(line) for line in out.splitlines()) if m]
        if not lines:
            raise RuntimeError(f"no result line in rdkafka_performance's output:\n{out[-3000:]}")
        last = lines[-1]
        got = int(last.group(1))
        if got < count:
            raise RuntimeError(f"only {got} of {count} messages consumed:\n{out[-3000:]}")
        ms = max(int(last.group(3)), 1)
        return got * 1000.0 / ms, got * size / 1e6 * 1000.0 / ms


    def version(self) -> str:
        usage = subprocess.run([self.binary, "-h"], capture_output=True, text=True).stderr
        m = re.search(r"librdkafka version (\S+)", usage)
        return m.group(1) if m else "?"


def listening(port: int) -> bool:
    """Whether some socket listens on TCP `port` (IPv4 or IPv6), from /proc/net/tcp{,6}."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except FileNotFoundError:
            pass
    return False


def iperf3_mb_s(seconds: int) -> float:
    port = harness.free_port()
    server = subprocess.Popen(["iperf3", "-s", "-B", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # Wait for the listening socket without connecting: iperf3 takes any connection as a test's control one.
        deadline = time.monotonic() + 10
        while not listening(port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("iperf3 server did not start")
            time.sleep(0.05)
        out = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", str(seconds), "-J"],
                             capture_output=True, text=True, timeout=seconds + 30)
        if out.returncode != 0:
            raise RuntimeError(f"iperf3 client failed: {out.stdout[-2000:]}{out.stderr[-2000:]}")
        result = json.loads(out.stdout)
        if "error" in result or "sum_received" not in result.get("end", {}):
            raise RuntimeError(f"iperf3: {result.get('error', 'no sum_received in its JSON')}")
        return result["end"]["sum_received"]["bits_per_second"] / 8 / 1e6
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(timeout=10)


class FetchCeiling:
    """fetch_ceiling serving `count` records of `size` bytes in topic `topic`, partition 0, on a free port."""

    def __init__(self, binary: str, topic: str, size: int, count: int):
        self.proc = subprocess.Popen([binary, topic, str(size), str(count)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.close()
            raise RuntimeError(f"fetch_ceiling did not start: {line}{self.proc.stderr.read()[-2000:]}")
        self.bootstrap = f"127.0.0.1:{int(line.split()[1])}"
        self.topic = topic

    def cpu_seconds(self) -> float:
        """utime + stime of the server process so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class MockHost:
    """An idle rdkafka_performance producer whose process hosts a mock cluster that other processes use."""

    def __init__(self, perf: str):
        self.log = tempfile.NamedTemporaryFile(prefix="gregor-bench-mock-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([perf, "-P", "-I", "-t", "bench-idle", "-X", "test.mock.num.brokers=1"],
                                     stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 20
        while True:
            text = Path(self.log.name).read_text(errors="replace")
            m = MOCK_ADDRESS.search(text)
            if m:
                self.bootstrap = m.group(1)
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"mock cluster host did not start:\n{text[-2000:]}")
            time.sleep(0.05)

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        Path(self.log.name).unlink(missing_ok=True)


def recycle(directory: Path, size_bytes: int):
    """Before a timed run that stores `size_bytes`: the memory it will store into, written once and freed
    (page_cache.py), so the run meets memory this VM holds, as a running broker's page cache does."""
    mb_s = page_cache.recycle(directory, size_bytes)
    log(f"page cache: {size_bytes / 1e6:,.0f} MB written and freed before the run ({mb_s:,.0f} MB/s)")


def dd_mb_s(path: Path, size_bytes: int) -> float:
    """MB/s of `dd` writing `size_bytes` of zeros into a new file at `path` (page cache; no sync). The file stays."""
    count = max(1, size_bytes // (1 << 20))
    start = time.monotonic()
    subprocess.run(["dd", "if=/dev/zero", f"of={path}", "bs=1M", f"count={count}", "status=none"], check=True)
    return count * (1 << 20) / 1e6 / (time.monotonic() - start)


def create_topic(bootstrap: str, topic: str, timeout: float = 60.0):
    """Creates a 1-partition topic and waits until its leader answers, so a timed run does not include the
    auto-creation (the mock broker creates topics at once)."""
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(timeout=timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        partitions = admin.list_topics(topic, timeout=5).topics[topic].partitions
        if partitions and partitions[0].leader >= 0:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{topic} has no leader after {timeout} s")


def med(values):
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--perf", required=True, help="rdkafka_performance binary")
    parser.add_argument("--server-bin", help="gregor-server binary (release build)")
    parser.add_argument("--fetch-ceiling", help="fetch_ceiling binary (scripts/bench/fetch_ceiling.c)")
    parser.add_argument("--skip-gregor", action="store_true", help="only iperf3 and the mock broker")
    parser.add_argument("--zero-copy", choices=["on", "off", "default"], default="default")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--small-count", type=int, default=2_000_000)
    parser.add_argument("--large-count", type=int, default=1_000_000)
    parser.add_argument("--iperf-seconds", type=int, default=5)
    parser.add_argument("--consume-rounds", type=int, default=3,
                        help="consumes per run from Gregor and from the fetch ceiling, alternating")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per rdkafka_performance run")
    parser.add_argument("--summary", help="append the headline figures as JSON lines (bench_summary.py)")
    args = parser.parse_args()
    summary = Summary(args.summary, "produce-consume")

    perf = Perf(args.perf, args.timeout)
    sizes = [(100, args.small_count), (1024, args.large_count)]
    results: dict[str, list] = {}

    def add(key, value):
        results.setdefault(key, []).append(value)

    # 1. loopback TCP
    for run in range(args.runs):
        with step(f"iperf3 loopback, run {run + 1}/{args.runs}", args.iperf_seconds):
            add("iperf3", iperf3_mb_s(args.iperf_seconds))

    # 2. mock broker: in the producer's process, and in a separate process
    for size, count in sizes:
        for run in range(args.runs):
            with step(f"mock broker (in-process), {count} x {size} B, run {run + 1}/{args.runs}"):
                add(f"mock-in/{size}", perf.produce(f"bench-{size}", size, count, ["-X", "test.mock.num.brokers=1"]))
    host = MockHost(args.perf)
    try:
        for size, count in sizes:
            for run in range(args.runs):
                with step(f"mock broker (separate process at {host.bootstrap}), {count} x {size} B, "
                          f"run {run + 1}/{args.runs}"):
                    add(f"mock-ext/{size}", perf.produce(f"bench-{size}-{run}", size, count, ["-b", host.bootstrap]))
    finally:
        host.close()

    # 3. Gregor
    zero_copy_note = ""
    if not args.skip_gregor:
        overrides = {}
        if args.zero_copy != "default":
            overrides["zero.copy.fetch.enable"] = "true" if args.zero_copy == "on" else "false"
            zero_copy_note = f", zero.copy.fetch.enable={overrides['zero.copy.fetch.enable']}"
        base = Path(tempfile.mkdtemp(prefix="gregor-bench-pc-"))
        zk = harness.ZooKeeper(base / "zookeeper").start()
        broker = None
        try:
            certs = base / "certs"
            subprocess.run([str(Path(__file__).resolve().parents[1] / "tls-certs.sh"), str(certs)], check=True,
                           capture_output=True)
            secure = {
                "listener.name.sasl_ssl.ssl.keystore.type": "PEM",
                "listener.name.sasl_ssl.ssl.keystore.location": str(certs / "broker.pem"),
                "listener.name.sasl_ssl.sasl.enabled.mechanisms": "PLAIN",
                "listener.name.sasl_ssl.plain.sasl.jaas.config":
                    'org.apache.kafka.common.security.plain.PlainLoginModule required user_bench="bench-secret";',
            }
            sasl_ssl = ["-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=bench",
                        "-X", "sasl.password=bench-secret", "-X", f"ssl.ca.location={certs / 'ca.pem'}"]
            shipped = shipped_config.socket_buffers()
            broker = harness.Broker(Path(args.server_bin), zk.connect, base / "broker", overrides=overrides,
                                    properties=shipped | secure, extra_listeners={"SASL_SSL": "SASL_SSL"})
            broker.start()
            log(f"gregor-server pid {broker.pid} on {broker.bootstrap}{zero_copy_note}; data in {broker.data_dir}; "
                f"{shipped_config.describe(shipped)}")
            for size, count in sizes:
                gb = count * size / 1e9
                for run in range(args.runs):
                    topic = f"bench-{size}-{run}"
                    create_topic(broker.bootstrap, topic)
                    ceiling_file = Path(broker.data_dir).parent / "dd-page-cache-ceiling"
                    recycle(Path(broker.data_dir).parent, count * size)
                    with step(f"dd of the same {count * size / 1e6:,.0f} MB beside the log, run {run + 1}/{args.runs}"):
                        add(f"dd/{size}", dd_mb_s(ceiling_file, count * size))
                    # Deleted before the produce, which stores into the pages it frees (page_cache.py).
                    ceiling_file.unlink(missing_ok=True)
                    cpu0 = broker.cpu_seconds()
                    with step(f"gregor produce, {count} x {size} B, run {run + 1}/{args.runs}"):
                        add(f"gregor-produce/{size}", perf.produce(topic, size, count, ["-b", broker.bootstrap]))
                    cpu1 = broker.cpu_seconds()
                    add(f"gregor-produce-cpu/{size}", (cpu1 - cpu0) / gb)
                    # Consumes alternate between Gregor and the fetch ceiling, args.consume_rounds of each: single
                    # consumes of under a second swing by up to 2x here with the client's own state.
                    for turn in range(args.consume_rounds):
                        cpu1 = broker.cpu_seconds()
                        with step(f"gregor consume, {count} x {size} B, run {run + 1}/{args.runs}, "
                                  f"{turn + 1}/{args.consume_rounds}"):
                            add(f"gregor-consume/{size}", perf.consume(topic, size, count, ["-b", broker.bootstrap]))
                        add(f"gregor-consume-cpu/{size}", (broker.cpu_seconds() - cpu1) / gb)
                        if args.fetch_ceiling:
                            with FetchCeiling(args.fetch_ceiling, "bench-ceiling", size, count) as server, \
                                    step(f"fetch ceiling consume, {count} x {size} B, run {run + 1}/{args.runs}, "
                                         f"{turn + 1}/{args.consume_rounds}"):
                                add(f"ceiling-consume/{size}",
                                    perf.consume("bench-ceiling", size, count, ["-b", server.bootstrap]))
                    cpu2 = broker.cpu_seconds()
                    if size != SASL_SSL_SIZE:
                        continue
                    secure_topic = f"bench-sasl-ssl-{size}-{run}"
                    address = ["-b", broker.address("SASL_SSL")] + sasl_ssl
                    create_topic(broker.bootstrap, secure_topic)
                    recycle(Path(broker.data_dir).parent, count * size)
                    with step(f"gregor produce over SASL_SSL, {count} x {size} B, run {run + 1}/{args.runs}"):
                        add(f"gregor-produce-sasl-ssl/{size}", perf.produce(secure_topic, size, count, address))
                    cpu3 = broker.cpu_seconds()
                    with step(f"gregor consume over SASL_SSL, {count} x {size} B, run {run + 1}/{args.runs}"):
                        add(f"gregor-consume-sasl-ssl/{size}", perf.consume(secure_topic, size, count, address))
                    cpu4 = broker.cpu_seconds()
                    add(f"gregor-produce-sasl-ssl-cpu/{size}", (cpu3 - cpu2) / gb)
                    add(f"gregor-consume-sasl-ssl-cpu/{size}", (cpu4 - cpu3) / gb)
        except Exception:
            if broker is not None:
                log(f"broker log tail:\n{broker.tail(40)}")
            raise
        finally:
            if broker is not None:
                status = broker.stop()
                if status not in (0, None):
                    log(f"gregor-server exited with status {status} on SIGTERM")
            zk.stop()
            subprocess.run(["rm", "-rf", str(base)])

    # 4. table (and the summary lines)
    loop = med(results["iperf3"])
    print()
    print(f"Produce/consume benchmark: rdkafka_performance (librdkafka {perf.version()}), acks=1, linger.ms=5, "
          f"partition 0, median of {args.runs} (consumes: of {args.runs * args.consume_rounds}, alternating with the "
          f"fetch ceiling){zero_copy_note}; {time.strftime('%Y-%m-%d', time.gmtime())}")
    print()
    print("| measurement | msgs/s | MB/s | ratio | target | result | all runs (MB/s) | broker CPU s/GB |")
    print("| --- | ---: | ---: | ---: | --- | --- | --- | ---: |")
    print(f"| loopback TCP, iperf3 -t {args.iperf_seconds} | | {fmt(loop)} | | | | "
          f"{' '.join(fmt(v) for v in results['iperf3'])} | |")

    def verdict(ratio, target):
        if target is None:
            return "", "", None
        met = ratio >= target
        return f">= {target:.0%}", "PASS" if met else "MISS", met

    size_name = {100: "100 B", 1024: "1 KiB"}
    for size, count in sizes:
        label = f"{count:,} x {size} B"
        mocks = {}
        for key, name in ((f"mock-in/{size}", "mock broker, in-process"),
                          (f"mock-ext/{size}", "mock broker, separate process")):
            runs = results.get(key, [])
            m_msgs, m_mb = med([r[0] for r in runs]), med([r[1] for r in runs])
            mocks[key] = (m_msgs, m_mb)
            print(f"| produce {label}, {name} | {fmt(m_msgs)} | {fmt(m_mb, 1)} | | | | "
                  f"{' '.join(fmt(r[1], 1) for r in runs)} | |")
        ceiling_msgs, ceiling_mb = max((v for v in mocks.values() if v[0] is not None), key=lambda v: v[0])
        target = TARGET_PRODUCE_VS_MOCK.get(size)
        target_text = f">= {target}x mock" if target else None
        runs = results.get(f"gregor-produce/{size}")
        dd_runs = results.get(f"dd/{size}", [])
        dd_mb = med(dd_runs)
        if dd_runs:
            print(f"| page cache: dd of the same bytes beside the log | | {fmt(dd_mb, 1)} | | | | "
                  f"{' '.join(fmt(v, 1) for v in dd_runs)} | |")
        if runs:
            g_msgs, g_mb = med([r[0] for r in runs]), med([r[1] for r in runs])
            ratio = g_msgs / ceiling_msgs
            wanted, result, met = verdict(ratio, target)
            page_cache = f"; {g_mb / dd_mb:.0%} of dd" if dd_mb else ""
            print(f"| produce {label}, **gregor** | {fmt(g_msgs)} | {fmt(g_mb, 1)} | {ratio:.0%} of the mock ceiling"
                  f"{page_cache} | {wanted} | {result} | "
                  f"{' '.join(fmt(r[1], 1) for r in runs)} | {fmt(med(results[f'gregor-produce-cpu/{size}']), 2)} |")
            # Same record size on both sides, so the MB/s ratio is the msgs/s ratio.
            summary.add(f"produce {size_name.get(size, f'{size} B')}", g_mb, "MB/s", ceiling_mb, "mock broker",
                        target_text, met)
            if dd_mb:
                summary.add(f"produce {size_name.get(size, f'{size} B')} vs the page cache", g_mb, "MB/s", dd_mb,
                            "dd of the same bytes beside the log (same run)", None, None)
        else:
            print(f"| produce {label}, gregor | not run | | | {target_text or ''} | | | |")
        ceiling_runs = results.get(f"ceiling-consume/{size}", [])
        c_msgs, c_mb = med([r[0] for r in ceiling_runs]), med([r[1] for r in ceiling_runs])
        if ceiling_runs:
            print(f"| consume {label}, fetch ceiling (in memory, the client's limit) | {fmt(c_msgs)} | {fmt(c_mb, 1)} "
                  f"| | | | {' '.join(fmt(r[1], 1) for r in ceiling_runs)} | |")
        target = TARGET_CONSUME_VS_LOOPBACK.get(size)
        target_text = f">= {target}x loopback" if target else None
        c_target = TARGET_CONSUME_VS_FETCH_CEILING.get(size)
        runs = results.get(f"gregor-consume/{size}")
        if runs:
            g_msgs, g_mb = med([r[0] for r in runs]), med([r[1] for r in runs])
            ratio = g_mb / loop
            wanted, result, met = verdict(ratio, target)
            print(f"| consume {label}, **gregor** | {fmt(g_msgs)} | {fmt(g_mb, 1)} | {ratio:.0%} of loopback TCP | "
                  f"{wanted} | {result} | "
                  f"{' '.join(fmt(r[1], 1) for r in runs)} | {fmt(med(results[f'gregor-consume-cpu/{size}']), 2)} |")
            if target is not None:
                summary.add(f"consume {size_name.get(size, f'{size} B')}", g_mb, "MB/s", loop, "loopback TCP (iperf3)",
                            target_text, met)
            if c_mb:
                c_ratio = g_mb / c_mb
                wanted, result, met = verdict(c_ratio, c_target)
                print(f"| consume {label}, **gregor** against the fetch ceiling | | | {c_ratio:.0%} of the fetch ceiling"
                      f" | {wanted} | {result} | | |")
                summary.add(f"consume {size_name.get(size, f'{size} B')} vs the fetch ceiling", g_mb, "MB/s", c_mb,
                            "in-memory fetch server, same client (fetch_ceiling.c)",
                            f">= {c_target}x fetch ceiling" if c_target else None, met)
        else:
            print(f"| consume {label}, gregor | not run | | | {target_text or ''} | | | |")
        for phase in ("produce", "consume"):
            plain, secure = results.get(f"gregor-{phase}/{size}"), results.get(f"gregor-{phase}-sasl-ssl/{size}")
            if not (plain and secure):
                continue
            s_msgs, s_mb = med([r[0] for r in secure]), med([r[1] for r in secure])
            ratio = s_msgs / med([r[0] for r in plain])
            wanted, result, met = verdict(ratio, TARGET_SASL_SSL_VS_PLAINTEXT)
            print(f"| {phase} {label}, **gregor SASL_SSL** (TLS + SASL/PLAIN) | {fmt(s_msgs)} | {fmt(s_mb, 1)} | "
                  f"{ratio:.0%} of PLAINTEXT | {wanted} | {result} | "
                  f"{' '.join(fmt(r[1], 1) for r in secure)} | "
                  f"{fmt(med(results[f'gregor-{phase}-sasl-ssl-cpu/{size}']), 2)} |")
            summary.add(f"{phase} {size_name.get(size, f'{size} B')} SASL_SSL", s_mb, "MB/s",
                        med([r[1] for r in plain]), "PLAINTEXT, same run",
                        f">= {TARGET_SASL_SSL_VS_PLAINTEXT}x PLAINTEXT", met)
    print()
    print("MB/s = 10^6 bytes of message payload per second (keys and protocol overhead not counted); the produce "
          "ratio compares msgs/s with the faster of the two mock set-ups; broker CPU s/GB = gregor-server's "
          "utime+stime during the phase per 10^9 payload bytes.")


if __name__ == "__main__":
    main()
