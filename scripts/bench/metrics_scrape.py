#!/usr/bin/env python3
"""The measuring half of scripts/bench/metrics-scrape.sh: a broker hosting --partitions partitions (default 10,000,
in --topics topics, RF 1) with metrics.listener set.

(a) Scrape time: --scrapes GETs of /metrics (default 30), one after another; p50, p95 and the slowest, and the size
    of the answer. Target: < 100 ms with 10,000 partitions.
(b) The request path while scraping: acks=1 produce latency of single records (confluent-kafka, linger.ms=0, one
    in flight) for --seconds (default 10) without scrapes, then as long with a scrape every second (more often
    than any Prometheus is set to), then as long with scrapes back to back; p50 and p99 of each. Target: p99 with
    a scrape every second within 1.5x of p99 without. Back to back keeps a core busy: informational.

Prints a Markdown table with each figure next to its target and this machine's core count.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
from bench_progress import Heartbeat  # noqa: E402
from bench_summary import Summary  # noqa: E402

TARGET_SCRAPE_MS = 100.0
TARGET_P99_RATIO = 1.5


def log(msg: str):
    print(f"metrics-scrape: {msg}", file=sys.stderr, flush=True)


def scrape(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
    return (time.perf_counter() - started) * 1000, len(body)


def gauge(url: str, name: str) -> float:
    with urllib.request.urlopen(url, timeout=30) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return 0.0


def create_partitions(bootstrap: str, url: str, partitions: int, topics: int):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    per_topic = max(1, partitions // topics)
    started = time.monotonic()
    for i in range(topics):
        name = f"bench-scrape-{i}-{uuid.uuid4().hex[:6]}"
        admin.create_topics([NewTopic(name, per_topic, 1)], request_timeout=120)[name].result(timeout=300)
        log(f"created {name}: {(i + 1) * per_topic} of {per_topic * topics} partitions")
    deadline = time.monotonic() + 300
    while gauge(url, "kafka_server_replicamanager_partitioncount") < per_topic * topics:
        if time.monotonic() > deadline:
            raise SystemExit("the broker did not host every partition within 300 s")
        time.sleep(1)
    log(f"{per_topic * topics} partitions hosted after {time.monotonic() - started:.1f} s")
    return per_topic * topics


def produce_latencies(bootstrap: str, topic: str, seconds: float) -> list[float]:
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "acks": 1, "linger.ms": 0,
                         "max.in.flight.requests.per.connection": 1})
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = threading.Event()
        started = time.perf_counter()
        producer.produce(topic, value=b"x" * 100, partition=0, on_delivery=lambda err, msg: done.set())
        while not done.is_set():
            producer.poll(0.001)
        latencies.append((time.perf_counter() - started) * 1000)
    producer.flush(10)
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--metrics-url", required=True)
    parser.add_argument("--partitions", type=int, default=10000)
    parser.add_argument("--topics", type=int, default=10)
    parser.add_argument("--scrapes", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--summary", help="append the headline figures as JSON lines (bench_summary.py)")
    args = parser.parse_args()
    summary = Summary(args.summary, "metrics-scrape")

    hosted = create_partitions(args.bootstrap, args.metrics_url, args.partitions, args.topics)
    scrape(args.metrics_url)  # warm-up: the first scrape registers every series
    times, sizes = [], []
    with Heartbeat("metrics-scrape", f"{args.scrapes} scrapes"):
        for _ in range(args.scrapes):
            elapsed, size = scrape(args.metrics_url)
            times.append(elapsed)
            sizes.append(size)

    from confluent_kafka.admin import AdminClient, NewTopic
    topic = f"bench-scrape-produce-{uuid.uuid4().hex[:6]}"
    admin = AdminClient({"bootstrap.servers": args.bootstrap})  # kept alive until its future is done
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(60)
    time.sleep(1)
    with Heartbeat("metrics-scrape", "produce latency without scrapes", expected=args.seconds):
        quiet = produce_latencies(args.bootstrap, topic, args.seconds)
    scraped_1s, busy_1s = scraping_while_producing(args, topic, interval=1.0)
    scraped_b2b, busy_b2b = scraping_while_producing(args, topic, interval=0.0)

    p99_ratio = percentile(busy_1s, 0.99) / percentile(quiet, 0.99)
    p95 = percentile(times, 0.95)
    print(f"\n### Metrics scrape with {hosted} partitions (this machine: {os.cpu_count()} cores)\n")
    print("| figure | value | target |")
    print("|---|---|---|")
    print(f"| scrape p50 / p95 / slowest | {statistics.median(times):.1f} / {p95:.1f} / {max(times):.1f} ms "
          f"| < {TARGET_SCRAPE_MS:.0f} ms {'(met)' if p95 < TARGET_SCRAPE_MS else '(MISSED)'} |")
    print(f"| answer size | {statistics.median(sizes) / 1e6:.1f} MB | |")
    print(f"| produce p50 / p99, no scrapes | {statistics.median(quiet):.2f} / {percentile(quiet, 0.99):.2f} ms "
          f"({len(quiet)} records) | |")
    print(f"| produce p50 / p99, a scrape every second ({len(scraped_1s)}) | {statistics.median(busy_1s):.2f} / "
          f"{percentile(busy_1s, 0.99):.2f} ms ({len(busy_1s)} records) | p99 within {TARGET_P99_RATIO}x "
          f"{'(met)' if p99_ratio <= TARGET_P99_RATIO else '(MISSED)'}: {p99_ratio:.2f}x |")
    print(f"| produce p50 / p99, scraping back to back ({len(scraped_b2b)} scrapes; a core kept busy) | "
          f"{statistics.median(busy_b2b):.2f} / {percentile(busy_b2b, 0.99):.2f} ms ({len(busy_b2b)} records) "
          f"| (informational: {percentile(busy_b2b, 0.99) / percentile(quiet, 0.99):.2f}x) |")
    summary.add(f"scrape p95, {hosted} partitions", p95, "ms", target=f"< {TARGET_SCRAPE_MS:.0f} ms",
                met=p95 < TARGET_SCRAPE_MS)
    summary.add("produce p99, a scrape every second", percentile(busy_1s, 0.99), "ms", percentile(quiet, 0.99),
                "p99 without scrapes", f"<= {TARGET_P99_RATIO}x", p99_ratio <= TARGET_P99_RATIO)


def scraping_while_producing(args, topic: str, interval: float) -> tuple[list[float], list[float]]:
    """Produce latencies for --seconds while another thread scrapes every `interval` seconds (0: back to back)."""
    stop = threading.Event()
    scrapes: list[float] = []

    def scraper():
        while not stop.is_set():
            scrapes.append(scrape(args.metrics_url)[0])
            if interval:
                stop.wait(interval)

    thread = threading.Thread(target=scraper, daemon=True)
    thread.start()
    what = f"produce latency, scraping {'back to back' if not interval else f'every {interval:g} s'}"
    with Heartbeat("metrics-scrape", what, expected=args.seconds):
        latencies = produce_latencies(args.bootstrap, topic, args.seconds)
    stop.set()
    thread.join()
    return scrapes, latencies

if __name__ == "__main__":
    main()
