#!/usr/bin/env python3
"""The chaos suite's driver (scripts/chaos.sh runs it; Tests/Interop/test_chaos.py runs a short version).

A 3-member ZooKeeper ensemble and 3 brokers (zookeeper.session.timeout.ms=6000), each process in its own network
namespace joined by veth pairs (Tests/Interop/chaos_net.py); this process moves into a client namespace with
links to every node. A topic with --partitions partitions, replication factor 3 and min.insync.replicas=2 gets
an idempotent acks=all producer and a committing group consumer for the whole run (chaos_workload.py), while
faults (chaos_nemesis.py) come one after another, chosen with a seeded random.Random, with the cluster given
time to recover (every replica back in every ISR) between two. At the end everything is healed, the cluster
settles, a fresh consumer reads every partition from the beginning, and chaos_check.py prints the verdict.
Exit status: 0 every invariant held, 1 one did not (or the driver failed), 2 no network namespaces (e.g. no
CAP_NET_ADMIN).

The seed makes the choices repeatable (kinds, targets, durations); what a fault hits can still differ between
two runs with one seed, because leaders and the controller depend on timing.
"""

from __future__ import annotations

import argparse
import atexit
import faulthandler
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))
import gregor_harness as harness  # noqa: E402
from chaos_check import (Verdict, check_consumer, check_log, compare_replicas,  # noqa: E402
                         producer_epochs, unavailability)
from chaos_cluster import BROKER_NODES, ZK_NODES, ChaosCluster  # noqa: E402
from chaos_nemesis import KINDS, Nemesis  # noqa: E402
from chaos_net import ChaosNetwork, NetworkError, can_create_namespaces, remove_leftovers  # noqa: E402
from chaos_workload import ChaosConsumer, ChaosProducer  # noqa: E402
from replication_cluster import consume_partition  # noqa: E402

SESSION_TIMEOUT_S = 6.0
REPLICA_LAG_S = 5.0
PRODUCER_STALL_S = 30.0  # how long a healthy cluster may leave the producer without an acknowledgement
T0 = time.monotonic()


def log(msg: str):
    print(f"chaos [{time.monotonic() - T0:7.1f}s] {msg}", flush=True)


def broker_properties() -> dict[str, str]:
    return {
        "zookeeper.session.timeout.ms": str(int(SESSION_TIMEOUT_S * 1000)),
        "replica.lag.time.max.ms": str(int(REPLICA_LAG_S * 1000)),
        "default.replication.factor": "3", "offsets.topic.replication.factor": "3", "min.insync.replicas": "2",
        "unclean.leader.election.enable": "false", "auto.create.topics.enable": "false",
        # A follower cut off from its leader notices within a few seconds, not Kafka's 30 s.
        "replica.socket.timeout.ms": "5000",
    }


class Run:
    """One chaos run: owns the network, the cluster and the clients, and tears all of them down (idempotent)."""

    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.base = Path(args.base or tempfile.mkdtemp(prefix="gregor-chaos-"))
        self.topic = f"chaos-{uuid.uuid4().hex[:6]}"
        self.net = ChaosNetwork({**ZK_NODES, **BROKER_NODES})
        self.cluster: ChaosCluster | None = None
        self.producer: ChaosProducer | None = None
        self.consumer: ChaosConsumer | None = None
        self.history: list[str] = []
        self.incidents: list[str] = []
        self.torn_down = False

    # --- setup and teardown ------------------------------------------------------------------------------------

    def setup(self):
        log(f"network namespaces {self.net.tag}-*; files in {self.base}")
        self.net.create()
        self.net.enter_client()
        self.cluster = ChaosCluster(self.net, Path(self.args.server_bin).resolve(), self.base, broker_properties())
        self.cluster.start()
        log(f"ZooKeeper {self.cluster.zk_connect} ({self.cluster.zk_modes()}), brokers {self.cluster.bootstrap}")
        self.cluster.create_topic(self.topic, self.args.partitions, 3, {"min.insync.replicas": "2"}, timeout=120)
        log(f"topic {self.topic}: {self.args.partitions} partitions, RF 3, min.insync.replicas=2")

    def teardown(self):
        if self.torn_down:
            return
        self.torn_down = True
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second Ctrl-C must not stop the cleanup
            signal.signal(sig, signal.SIG_IGN)
        for client in (self.producer, self.consumer):
            if client is not None:
                try:
                    client.stop(5) if client is self.producer else client.stop()
                except Exception:  # noqa: BLE001 - tearing down anyway
                    pass
        if self.cluster is not None:
            self.cluster.stop()
        self.net.destroy()

    # --- the run -----------------------------------------------------------------------------------------------

    def workload(self):
        bootstrap = self.cluster.bootstrap
        self.consumer = ChaosConsumer(bootstrap, self.topic, f"chaos-group-{uuid.uuid4().hex[:6]}", log).start()
        self.producer = ChaosProducer(bootstrap, self.topic, self.args.partitions, self.args.rate, log,
                                      self.args.producer_debug, self.base / "producer-debug.log").start()
        self.workload_start = time.monotonic()
        harness_wait(lambda: self.producer.acked_count() >= 50, 60, "the first 50 acknowledged records")
        log(f"producer ({self.args.rate:.0f} records/s) and group consumer running")

    def schedule(self):
        """The nemesis kinds in order: every kind once (shuffled), then random kinds until the time is up."""
        if self.args.faults:
            yield from self.args.faults
            return
        first = list(KINDS)
        self.rng.shuffle(first)
        yield from first
        if self.args.one_of_each:
            return
        while True:
            yield self.rng.choice(KINDS)

    def chaos(self):
        nemesis = Nemesis(self.cluster, self.topic, self.args.partitions, self.rng, log, SESSION_TIMEOUT_S,
                          REPLICA_LAG_S, settle_timeout_s=self.args.settle_timeout)
        self.nemesis = nemesis
        deadline = time.monotonic() + self.args.seconds
        for n, kind in enumerate(self.schedule(), 1):
            if not (self.args.one_of_each or self.args.faults) and time.monotonic() >= deadline:
                break
            log(f"nemesis #{n} {kind} ...")
            t = time.monotonic()
            try:
                what = nemesis.run(kind)
            except Exception as e:  # noqa: BLE001 - a fault that could not be done or undone is an incident
                what = f"FAILED: {type(e).__name__}: {e}"
                self.incidents.append(f"nemesis #{n} {kind}: {e}")
                self.repair()
            self.history.append(f"#{n} +{t - T0:.1f}s {kind}: {what}")
            log(f"nemesis #{n} {kind}: {what}")
            self.check_processes(f"after nemesis #{n} {kind}")
            if self.args.overlap > 0 and self.rng.random() < self.args.overlap:
                log("next fault without waiting for recovery (--overlap)")
                continue
            problems = self.cluster.wait_healthy(self.topic, self.args.partitions, self.args.settle_timeout)
            if problems:
                self.incidents.append(f"not recovered {self.args.settle_timeout}s after nemesis #{n} {kind}: "
                                      f"{problems[:3]}")
                log(f"not recovered after nemesis #{n}: {problems[:3]}")
            else:
                log(f"recovered after {time.monotonic() - t:.1f}s (every replica in every ISR)")
                self.check_producer_progress(f"nemesis #{n} {kind}")
            time.sleep(round(self.rng.uniform(1.0, 3.0), 1))

    def check_producer_progress(self, after: str):
        """On a recovered cluster the producer must be acknowledged again within PRODUCER_STALL_S; if not, that is
        an incident, and a new producer instance carries on so the rest of the run still tests something."""
        started = time.monotonic()
        while time.monotonic() - started < PRODUCER_STALL_S:
            last = self.producer.last_ack()
            if last is not None and last > started - 1.0:
                return
            time.sleep(0.5)
        if self.producer.crash:
            raise RuntimeError(f"the producer thread died:\n{self.producer.crash}")
        last = self.producer.last_ack()
        since = f"+{last - T0:.1f}s" if last is not None else "the start"
        self.incidents.append(f"the producer had no acknowledgement since {since}, {PRODUCER_STALL_S:.0f} s after the "
                              f"cluster recovered from {after} (instance {self.producer.instance} replaced; a "
                              f"restarting broker answering Metadata with no brokers makes librdkafka drop every "
                              f"broker it knows, see --producer-debug eos,broker,metadata)")
        log(f"producer stalled (no acknowledgement since {since}); replacing it")
        self.producer.replace()

    def check_processes(self, when: str):
        """A broker or ZooKeeper member the nemesis did not stop but that is gone has crashed."""
        for b in self.cluster.brokers:
            if not b.is_running():
                self.incidents.append(f"broker {b.broker_id} exited by itself {when} (status {b.proc.returncode}); "
                                      f"log tail:\n{b.tail(30)}")
                b.kill()
                b.spawn()
                b.wait_ready(120)
        for name, zk in self.cluster.zookeepers.items():
            if not zk.is_running():
                self.incidents.append(f"ZooKeeper {name} exited by itself {when} (status {zk.proc.returncode})")
                zk.spawn()
                zk.wait_serving(90)

    def repair(self):
        """After a failed nemesis: heal the network, resume and start everything (best effort)."""
        self.net.heal_all()
        for b in self.cluster.brokers:
            b.resume()
            if not b.is_running():
                try:
                    b.kill()
                    b.spawn()
                    b.wait_ready(120)
                except harness.HarnessError as e:
                    self.incidents.append(f"broker {b.broker_id} did not start again: {e}")
        for zk in self.cluster.zookeepers.values():
            if not zk.is_running():
                zk.spawn()
                zk.wait_serving(90)

    def finish(self) -> Verdict:
        verdict = Verdict()
        self.net.heal_all()
        self.check_processes("at the end")
        log("healed; waiting for the cluster to settle")
        problems = self.cluster.wait_healthy(self.topic, self.args.partitions, self.args.settle_timeout * 2)
        verdict.invariant("cluster settled (every replica in every ISR)", len(problems),
                          "yes" if not problems else "NO", "; ".join(problems[:5]))
        acked_before = self.producer.acked_count()
        writable = harness_wait(lambda: self.producer.acked_count() >= acked_before + 100, 60,
                                "100 more acknowledged records", fail=False)
        verdict.invariant("writable again after healing", 0 if writable else 1, "yes" if writable else "NO",
                          "no 100 more acknowledged records within 60 s")
        stop_time = time.monotonic()
        produced = self.producer.stop(flush_timeout=90)
        log(f"producer stopped: {produced.sent} sent, {len(produced.acked)} acknowledged, "
            f"{len(produced.failed)} failed, {self.producer.unresolved} unresolved")
        final, hws = self.read_final()
        harness_wait(lambda: self.consumer.caught_up(hws), 60, "the group consumer at the high watermarks",
                     fail=False)
        consumed = self.consumer.stop()
        self.report(verdict, final, produced, consumed, stop_time)
        return verdict

    def read_final(self):
        final, hws = {}, {}
        for p in range(self.args.partitions):
            low, high, records = consume_partition(self.cluster.bootstrap, self.topic, p, timeout=120)
            if low != 0 or len(records) != high or (records and records[-1][0] != high - 1):
                self.incidents.append(f"{self.topic}-{p}: read {len(records)} records, watermarks {low}..{high}")
            final[p], hws[p] = records, high
        log(f"read the final log: {sum(len(r) for r in final.values())} records, high watermarks {hws}")
        return final, hws

    def report(self, verdict: Verdict, final, produced, consumed, stop_time: float):
        epochs = {p: producer_epochs(self.cluster.brokers[0].partition_batches(self.topic, p))
                  for p in range(self.args.partitions)}
        check_log(verdict, final, produced, epochs)
        check_consumer(verdict, final, consumed)
        differ, details = compare_replicas(self.cluster, self.topic, self.args.partitions, timeout=30)
        verdict.invariant("replicas' logs identical", differ,
                          "yes" if not differ else f"NO ({differ} partitions differ)", "; ".join(details))
        gap, worst = unavailability(produced.ack_times, self.workload_start, stop_time, self.args.partitions)
        verdict.info("longest unavailability window (no produce acknowledged)",
                     f"{gap[0]:.1f}s from +{gap[1] + self.workload_start - T0:.1f}s")
        verdict.info("longest window of one partition", f"{worst[0]:.1f}s ({self.topic}-{worst[2]}, from "
                     f"+{worst[1] + self.workload_start - T0:.1f}s)")
        errors = sorted(set(produced.failed.values()))
        verdict.info("deliveries failed / unresolved", f"{len(produced.failed)} / {self.producer.unresolved}"
                     + (f" ({'; '.join(errors[:3])})" if errors else ""))
        refused = ", ".join(f"{name} x{n}" for name, n in produced.produce_errors.most_common())
        verdict.info("messages produce() refused (retried)", refused or "0")
        verdict.info("fatal producer errors", str(len(produced.fatal_errors)) +
                     (f" ({produced.fatal_errors[0]})" if produced.fatal_errors else ""))
        for client in (self.producer, self.consumer):
            if client.crash:
                self.incidents.append(f"the driver's {type(client).__name__} thread died:\n{client.crash}")
        empty = getattr(getattr(self, "nemesis", None), "empty_metadata", [])
        verdict.info("restarts answering Metadata with no brokers", f"{len(empty)}" + (
            f" (for up to {max(seconds for _, seconds in empty):.1f}s)" if empty else ""))
        unclean = getattr(getattr(self, "nemesis", None), "unclean_stops", [])
        verdict.invariant("crashes, unclean SIGTERM exits, failed nemeses or recoveries",
                          len(self.incidents) + len(unclean), detail="\n  ".join([""] + self.incidents + unclean))


def harness_wait(predicate, timeout: float, what: str, fail: bool = True) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    if fail:
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
    return False


def install_signal_handlers():
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGINT, interrupt)  # also when started with SIGINT ignored (a background job)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 <pid>`: every thread's Python stack


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server-bin", required=True, help="the gregor-server binary")
    parser.add_argument("--seconds", type=float, default=300.0, help="how long faults are injected (default 300)")
    parser.add_argument("--seed", type=int, default=None, help="seed of every random choice (default: random)")
    parser.add_argument("--one-of-each", action="store_true",
                        help="inject each kind of fault exactly once (random order), ignoring --seconds")
    parser.add_argument("--faults", type=lambda text: [k for k in text.split(",") if k],
                        help=f"exactly these faults in this order, comma-separated (kinds: {', '.join(KINDS)})")
    parser.add_argument("--producer-debug", default="", metavar="CONTEXTS",
                        help="librdkafka debug contexts of the producer (e.g. eos,msg,broker), logged to "
                             "<base>/producer-debug.log")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--rate", type=float, default=300.0, help="records produced per second (default 300)")
    parser.add_argument("--settle-timeout", type=float, default=90.0,
                        help="seconds the cluster gets to recover after a fault (default 90)")
    parser.add_argument("--overlap", type=float, default=0.0,
                        help="probability of starting the next fault without waiting for the cluster to recover "
                             "(default 0: always wait)")
    parser.add_argument("--base", help="folder for logs and data (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the folder also after a passing run")
    parser.add_argument("--json", help="also write the verdict and the fault history to this file")
    args = parser.parse_args(argv)
    unknown = [k for k in args.faults or [] if k not in KINDS]
    if unknown:
        parser.error(f"unknown fault kinds {unknown}; kinds: {', '.join(KINDS)}")
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "big")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    log(f"seed {args.seed} (repeat with --seed {args.seed})")
    problem = can_create_namespaces()
    if problem:
        print(f"chaos: cannot create network namespaces: {problem}", file=sys.stderr)
        return 2
    remove_leftovers(log)
    install_signal_handlers()
    run = Run(args)
    atexit.register(run.teardown)
    verdict = None
    try:
        try:
            run.setup()
        except NetworkError as e:
            print(f"chaos: could not set up the network namespaces: {e}", file=sys.stderr)
            return 2
        run.workload()
        run.chaos()
        verdict = run.finish()
    except (KeyboardInterrupt, SystemExit):
        log("interrupted: tearing down the namespaces and processes")
        raise
    except Exception:
        if run.cluster is not None:
            print(run.cluster.tails(20), file=sys.stderr)
        raise
    finally:
        run.teardown()
        kept = args.keep or verdict is None or not verdict.passed
        if not kept:
            shutil.rmtree(run.base, ignore_errors=True)
    print_verdict(args, run, verdict)
    return 0 if verdict.passed else 1


def print_verdict(args, run: Run, verdict: Verdict):
    print(f"\n## Chaos run: seed {args.seed}, {len(run.history)} faults, topic {run.topic} "
          f"({args.partitions} partitions, RF 3, min.insync.replicas=2)\n")
    print("Faults:\n" + "\n".join(f"  {h}" for h in run.history) + "\n")
    print(verdict.table())
    passed = verdict.passed
    print(f"\nRESULT: {'PASS' if passed else 'FAIL'} (seed {args.seed})" +
          ("" if passed and not args.keep else f"; logs and data in {run.base}"))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "seed": args.seed, "passed": passed, "faults": run.history, "incidents": run.incidents,
            "rows": [{"check": n, "value": v, "status": s} for n, v, s in verdict.rows],
            "details": verdict.details}, indent=2))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the namespaces and processes are gone already (main's finally)
        sys.exit(130)
