#!/usr/bin/env python3
"""The measuring half of scripts/bench/scale.sh: many partitions on three brokers (issue 18, point 5).

Starts its own ZooKeeper (tickTime 500 ms) and three brokers (Tests/Interop replication_cluster.Cluster:
zookeeper.session.timeout.ms=6000) under --base, then, in this order:

1. Baseline: each broker's VmRSS (/proc/<pid>/status) and idle CPU (utime+stime, /proc/<pid>/stat) with no topics.
2. Creation: --partitions partitions as topics of --per-topic partitions, replication factor --replication-factor,
   in one CreateTopics request per --batch topics (confluent-kafka AdminClient, operation_timeout 0: the broker
   answers once the assignments are in ZooKeeper). Timed from the first request until Metadata shows every
   partition with a leader and a full ISR; then until every replica's log directory exists on disk.
3. Idle CPU over --idle-seconds, % of one core per broker (flagged above 5 %), and VmRSS again: the growth over the
   baseline as MiB per 1,000 partition replicas the broker hosts.
4. Clean restart: SIGTERM to all three at once, wait for them to exit; start them again; time until Metadata shows
   every partition led with a full ISR. Then the same after kill -9 of all three (log recovery, and the dead
   brokers' ZooKeeper sessions must expire before the new ones can register).
5. Controller failover (scripts/bench/failover.py's measurement on these topics): kill -9 of the controller; time
   until a new /controller, and until every partition the dead broker led has a new live leader in Metadata.

Prints a Markdown table; --summary FILE appends the headline figures as JSON lines (the schema all.sh reads).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import gregor_harness as harness  # noqa: E402
from bench_progress import Heartbeat  # noqa: E402
from replication_cluster import SESSION_TIMEOUT_S, Cluster  # noqa: E402
from failover import wait_new_controller  # noqa: E402

BENCH = "scale"
IDLE_CPU_FLAG_PCT = 5.0
ZK_TICK_MS = 500


def log(msg: str):
    print(f"scale: {msg}", file=sys.stderr, flush=True)


def step(what: str, expected: float | None = None) -> Heartbeat:
    log(what)
    return Heartbeat(BENCH, what, expected, interval=10.0)


# --- summary lines (the same schema as scripts/bench/bench_summary.py) ------------------------------------------

def _finite(v):
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


class Summary:
    def __init__(self, path: str | None):
        self.path = path

    def add(self, metric: str, value, unit: str, limit=None, limit_name: str | None = None,
            target: str | None = None, met: bool | None = None):
        if not self.path:
            return
        value, limit = _finite(value), _finite(limit)
        line = {"bench": BENCH, "metric": metric, "value": value, "unit": unit, "limit": limit,
                "limit_name": limit_name, "ratio": value / limit if value is not None and limit else None,
                "target": target, "met": None if met is None or value is None else bool(met)}
        with open(self.path, "a") as f:
            f.write(json.dumps(line) + "\n")


# --- process figures -----------------------------------------------------------------------------------------

def rss_mib(broker: harness.Broker) -> float:
    with open(f"/proc/{broker.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def idle_cpu_pct(brokers: list[harness.Broker], seconds: float) -> dict[int, float]:
    """Each broker's CPU over `seconds` of nothing asked of it, as % of one core."""
    start = {b.broker_id: b.cpu_seconds() for b in brokers}
    t0 = time.monotonic()
    with Heartbeat(BENCH, f"idle CPU sample, {seconds:.0f} s", seconds, interval=10.0):
        time.sleep(seconds)
    elapsed = time.monotonic() - t0
    return {b.broker_id: (b.cpu_seconds() - start[b.broker_id]) * 100.0 / elapsed for b in brokers}


# --- metadata --------------------------------------------------------------------------------------------------

class Metadata:
    """Full-cluster Metadata through one confluent-kafka AdminClient per bootstrap (kept: librdkafka reconnects)."""

    def __init__(self, cluster: Cluster, topics: list[str]):
        self.cluster, self.topics = cluster, set(topics)
        self._admins: dict[str, object] = {}

    def _admin(self, bootstrap: str):
        if bootstrap not in self._admins:
            from confluent_kafka.admin import AdminClient
            # log_level 2: a broker being restarted refuses connections; that is expected, not worth a line a second.
            self._admins[bootstrap] = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 30_000,
                                                   "reconnect.backoff.max.ms": 500, "log_level": 2})
        return self._admins[bootstrap]

    def partitions(self, bootstrap: str) -> dict[tuple[str, int], object]:
        md = self._admin(bootstrap).list_topics(timeout=30)
        out = {}
        for name, tm in md.topics.items():
            if name in self.topics and tm.error is None:
                for i, pm in tm.partitions.items():
                    out[(name, i)] = pm
        return out

    def settled(self, bootstrap: str, total: int, rf: int, live: set[int]) -> tuple[bool, str]:
        """(every partition has a live leader and rf replicas in its ISR, a progress note)."""
        parts = self.partitions(bootstrap)
        led = sum(1 for p in parts.values() if p.leader in live)
        full = sum(1 for p in parts.values() if p.leader in live and len(p.isrs) >= rf)
        return (len(parts) == total and full == total,
                f"{len(parts)}/{total} partitions in Metadata, {led} led, {full} led with a full ISR")


def wait_until(check, timeout: float, what: str, interval: float = 0.5) -> float:
    """Polls check() -> (done, note) until done; returns the monotonic time it held. A heartbeat shows the note."""
    t0 = time.monotonic()
    note = ["no answer yet"]
    stop = threading.Event()

    def beat():
        while not stop.wait(10.0):
            log(f"{what}: {time.monotonic() - t0:.0f} s, {note[0]}")
    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        while time.monotonic() - t0 < timeout:
            try:
                done, note[0] = check()
            except Exception as e:  # noqa: BLE001 - a broker that does not answer yet
                done, note[0] = False, f"{type(e).__name__}: {e}"
            if done:
                return time.monotonic()
            time.sleep(interval)
    finally:
        stop.set()
        thread.join()
    raise TimeoutError(f"{what}: not within {timeout:.0f} s ({note[0]})")


# --- the steps -------------------------------------------------------------------------------------------------

def create_topics(cluster: Cluster, names: list[str], per_topic: int, rf: int, batch: int) -> float:
    """Sends the CreateTopics requests (batch topics each); returns when the last one was answered."""
    from confluent_kafka.admin import NewTopic
    admin = cluster.admin(socket_timeout_ms=120_000)
    for i in range(0, len(names), batch):
        chunk = names[i:i + batch]
        futures = admin.create_topics([NewTopic(n, per_topic, rf) for n in chunk], request_timeout=300)
        for n in chunk:
            futures[n].result(timeout=600)
    return time.monotonic()


def replica_dirs(cluster: Cluster, names: set[str]) -> int:
    count = 0
    for b in cluster.brokers:
        for d in b.data_dir.iterdir() if b.data_dir.exists() else ():
            if d.is_dir() and d.name.rsplit("-", 1)[0] in names:
                count += 1
    return count


def replicas_per_broker(md: Metadata, bootstrap: str) -> dict[int, int]:
    out: dict[int, int] = {}
    for p in md.partitions(bootstrap).values():
        for r in p.replicas:
            out[r] = out.get(r, 0) + 1
    return out


def _log_time(line: str) -> float | None:
    """The epoch seconds of a broker log line ("2026-12-06T00:34:58.131+0000 info ...")."""
    from datetime import datetime
    try:
        return datetime.strptime(line.split(" ", 1)[0], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    except ValueError:
        return None


def log_breakdown(cluster: Cluster, since: dict[int, int]) -> dict:
    """Where a restart's time went, from the brokers' own logs since the offsets in `since`: the longest
    "Loaded N logs in X ms." (log loading/recovery) and the ISR expansions (count, first to last line)."""
    loaded_ms = 0
    expansions: list[float] = []
    for b in cluster.brokers:
        for line in b.log_text(since[b.broker_id]).splitlines():
            if "[Storage] Loaded " in line and " logs in " in line:
                try:
                    loaded_ms = max(loaded_ms, int(line.rsplit(" in ", 1)[1].rstrip(".").removesuffix("ms")))
                except ValueError:
                    pass
            elif "Expanding ISR of " in line:
                t = _log_time(line)
                if t is not None:
                    expansions.append(t)
    span = max(expansions) - min(expansions) if expansions else 0.0
    return {"loaded_s": loaded_ms / 1000.0, "expansions": len(expansions), "expansion_span": span}


def registrations(zk, ids: list[int]) -> dict[int, int]:
    """{broker id: ephemeralOwner (session id) of /brokers/ids/<id>}, 0 for a missing node."""
    out = {}
    for i in ids:
        stat = zk.exists(f"/brokers/ids/{i}")
        out[i] = stat.ephemeralOwner if stat else 0
    return out


def restart_all(cluster: Cluster, md: Metadata, zk, total: int, rf: int, unclean: bool, timeout: float) -> dict:
    """Stops all three (SIGTERM and wait, or kill -9), starts them again at once; times the way back."""
    ids = [b.broker_id for b in cluster.brokers]
    before = registrations(zk, ids)
    log_offsets = {b.broker_id: b.log_size() for b in cluster.brokers}
    t_stop = time.monotonic()
    if unclean:
        for b in cluster.brokers:
            b.kill9()
        for b in cluster.brokers:
            b.proc.wait()
    else:
        for b in cluster.brokers:
            b.proc.send_signal(15)
        for b in cluster.brokers:
            try:
                b.proc.wait(timeout)
            except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
                log(f"broker {b.broker_id} did not exit {timeout:.0f} s after SIGTERM; kill -9")
                b.kill()
    stopped = time.monotonic() - t_stop
    statuses = {b.broker_id: b.proc.returncode for b in cluster.brokers}
    t0 = time.monotonic()
    for b in cluster.brokers:
        b.spawn()
    registered: dict[int, float] = {}

    def watch_registrations():
        while len(registered) < len(ids) and time.monotonic() - t0 < timeout:
            try:
                now_owners = registrations(zk, ids)
            except Exception:  # noqa: BLE001
                now_owners = {}
            for i, owner in now_owners.items():
                if owner and owner != before.get(i) and i not in registered:
                    registered[i] = time.monotonic() - t0
            time.sleep(0.05)
    watcher = threading.Thread(target=watch_registrations, daemon=True)
    watcher.start()
    ready = {}
    for b in cluster.brokers:
        b.wait_ready(timeout)
        ready[b.broker_id] = time.monotonic() - t0
    live = set(ids)
    kind = "kill -9" if unclean else "SIGTERM"
    t_settled = wait_until(lambda: md.settled(cluster.brokers[0].bootstrap, total, rf, live), timeout,
                           f"after {kind} of all: every partition led with a full ISR")
    watcher.join(5)
    return {**log_breakdown(cluster, log_offsets), "stopped": stopped, "statuses": statuses,
            "ready": max(ready.values()),
            "registered": max(registered.values()) if len(registered) == len(ids) else float("nan"),
            "settled": t_settled - t0}


def balance_leaders(cluster: Cluster, md: Metadata, timeout: float) -> tuple[float, int]:
    """A preferred leader election over every partition (ElectLeaders), so that the controller leads its share
    before it is killed (after restarts of all brokers, the first one back leads nearly everything). Returns the
    seconds until Metadata showed every partition led by its preferred replica, and how many moved."""
    from confluent_kafka import ElectionType
    bootstrap = cluster.brokers[0].bootstrap
    before = md.partitions(bootstrap)
    moving = sum(1 for p in before.values() if p.replicas and p.leader != p.replicas[0])
    admin = cluster.admin(socket_timeout_ms=120_000)
    t0 = time.monotonic()
    try:
        # No timeout arguments: confluent-kafka 2.16's binding rejects any (a format-string error); the defaults
        # come from socket.timeout.ms (120 s here).
        admin.elect_leaders(ElectionType.PREFERRED, None).result(timeout=180)
    except Exception as e:  # noqa: BLE001 - per-partition ELECTION_NOT_NEEDED and the like; Metadata decides
        log(f"ElectLeaders: {e}")

    def balanced():
        parts = md.partitions(bootstrap)
        n = sum(1 for p in parts.values() if p.replicas and p.leader == p.replicas[0])
        return n == len(parts), f"{n}/{len(parts)} led by their preferred replica"
    try:
        t = wait_until(balanced, timeout, "preferred leader election")
    except TimeoutError as e:
        log(f"{e}; measuring the failover with the leadership as it is")
        return float("nan"), moving
    return t - t0, moving


def controller_failover(cluster: Cluster, md: Metadata, zk, timeout: float) -> dict:
    """failover.py's (b) on the topics already there: kill -9 of the controller -> new /controller (and when the
    old one's session expired), -> every partition it led has a live leader in a survivor's Metadata."""
    data, _ = zk.get("/controller")
    old = int(json.loads(data)["brokerid"])
    victim = cluster.broker(old)
    survivors = [b for b in cluster.brokers if b is not victim]
    led_by_victim = {k for k, p in md.partitions(survivors[0].bootstrap).items() if p.leader == old}
    log(f"controller is broker {old}, leading {len(led_by_victim)} partitions; kill -9")
    victim.kill9()
    t0 = time.monotonic()
    victim.kill()
    with Heartbeat(BENCH, "waiting for a new controller", SESSION_TIMEOUT_S, interval=10.0):
        t_expired, t_elected, new = wait_new_controller(zk, old, t0, timeout)
    log(f"new controller {new}; waiting for the {len(led_by_victim)} partitions broker {old} led")
    live = {b.broker_id for b in survivors}

    def moved():
        parts = md.partitions(survivors[0].bootstrap)
        n = sum(1 for k in led_by_victim if k in parts and parts[k].leader in live)
        return n == len(led_by_victim), f"{n}/{len(led_by_victim)} have a live leader"
    t_led = wait_until(moved, timeout, "partitions of the dead controller re-led", interval=0.1)
    return {"old": old, "new": new, "moved": len(led_by_victim), "expired": t_expired - t0,
            "elected": t_elected - t0, "led": t_led - t0}


# --- main ------------------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="folder for ZooKeeper's and the brokers' files")
    parser.add_argument("--server-bin", required=True)
    parser.add_argument("--partitions", type=int, default=10_000)
    parser.add_argument("--per-topic", type=int, default=100, help="partitions per topic")
    parser.add_argument("--replication-factor", type=int, default=3)
    parser.add_argument("--batch", type=int, default=10, help="topics per CreateTopics request")
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--baseline-idle-seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=1800.0, help="the longest any one step may take")
    parser.add_argument("--skip-restart", action="store_true")
    parser.add_argument("--skip-failover", action="store_true")
    parser.add_argument("--summary", help="append the headline figures as JSON lines to this file")
    args = parser.parse_args(argv)
    if args.partitions < 1 or args.per_topic < 1 or not 1 <= args.replication_factor <= 3:
        parser.error("--partitions and --per-topic must be positive, --replication-factor 1..3")

    rf = args.replication_factor
    per_topic = min(args.per_topic, args.partitions)
    topics = max(1, args.partitions // per_topic)
    total = topics * per_topic
    names = [f"scale-{uuid.uuid4().hex[:6]}-{i}" for i in range(topics)]
    summary = Summary(args.summary)

    base = Path(args.base)
    zk_server = harness.ZooKeeper(base / "zookeeper", tick_time_ms=ZK_TICK_MS).start()
    cluster = Cluster(Path(args.server_bin), zk_server.connect, base, size=3)
    zk = None
    r: dict = {}
    try:
        with step("starting ZooKeeper and 3 brokers"):
            cluster.start()
        from kazoo.client import KazooClient
        zk = KazooClient(hosts=f"{zk_server.connect}{cluster.chroot}", timeout=10)
        zk.start(timeout=15)
        brokers = cluster.brokers
        ids = [b.broker_id for b in brokers]
        time.sleep(2.0)
        r["rss0"] = {b.broker_id: rss_mib(b) for b in brokers}
        r["cpu0"] = idle_cpu_pct(brokers, args.baseline_idle_seconds)
        log(f"baseline: RSS {r['rss0']} MiB, idle CPU {r['cpu0']} %")

        md = Metadata(cluster, names)
        log(f"creating {topics} topics x {per_topic} partitions, replication factor {rf} "
            f"({total * rf} replicas), {args.batch} topics per CreateTopics request")
        t0 = time.monotonic()
        with Heartbeat(BENCH, "CreateTopics requests", interval=10.0):
            t_answered = create_topics(cluster, names, per_topic, rf, args.batch)
        r["answered"] = t_answered - t0
        log(f"CreateTopics answered after {r['answered']:.1f} s")
        t_settled = wait_until(lambda: md.settled(brokers[0].bootstrap, total, rf, set(ids)), args.timeout,
                               "every partition led with a full ISR")
        r["created"] = t_settled - t0
        log(f"every partition led with a full ISR {r['created']:.1f} s after the first request")
        name_set = set(names)
        t_dirs = wait_until(lambda: (lambda n: (n >= total * rf, f"{n}/{total * rf} replica logs"))(
            replica_dirs(cluster, name_set)), args.timeout, "every replica's log on disk")
        r["dirs"] = t_dirs - t0
        log(f"every replica's log on disk {r['dirs']:.1f} s after the first request")
        r["replicas"] = replicas_per_broker(md, brokers[0].bootstrap)
        time.sleep(2.0)

        r["cpu1"] = idle_cpu_pct(brokers, args.idle_seconds)
        r["rss1"] = {b.broker_id: rss_mib(b) for b in brokers}
        log(f"with {total} partitions: RSS {r['rss1']} MiB, idle CPU {r['cpu1']} %")

        if not args.skip_restart:
            with step("SIGTERM all three brokers, start them again"):
                r["clean"] = restart_all(cluster, md, zk, total, rf, unclean=False, timeout=args.timeout)
            log(f"clean restart: {r['clean']}")
            with step("kill -9 all three brokers, start them again"):
                r["unclean"] = restart_all(cluster, md, zk, total, rf, unclean=True, timeout=args.timeout)
            log(f"unclean restart: {r['unclean']}")
        if not args.skip_failover:
            with step("preferred leader election of every partition"):
                r["balance"] = balance_leaders(cluster, md, min(args.timeout, 120.0))
            r["failover"] = controller_failover(cluster, md, zk, args.timeout)
            log(f"controller failover: {r['failover']}")
    except Exception:
        log("failed; broker log tails:\n" + cluster.tails(15))
        raise
    finally:
        if zk is not None:
            zk.stop()
            zk.close()
        cluster.stop()
        zk_server.stop()

    report(r, args, total, topics, per_topic, rf, summary)
    return 0


def report(r: dict, args, total: int, topics: int, per_topic: int, rf: int, summary: Summary):
    ids = sorted(r["rss0"])

    def per_broker(d: dict, fmt: str) -> str:
        return ", ".join(f"{i}: {fmt.format(d[i])}" for i in ids)

    print(f"\n## Scale: {total} partitions ({topics} topics x {per_topic}), replication factor {rf}, 3 brokers "
          f"(zookeeper.session.timeout.ms={int(SESSION_TIMEOUT_S * 1000)}, ZooKeeper tickTime {ZK_TICK_MS} ms)\n")
    print("| measurement | value | limit / comparison | |")
    print("|---|---|---|---|")
    print(f"| CreateTopics answered ({args.batch} topics per request) | {r['answered']:.1f} s | | |")
    print(f"| creation: first request -> every partition led with a full ISR (Metadata) | {r['created']:.1f} s | "
          f"{r['created'] * 1000 / total:.1f} ms per partition | |")
    print(f"| creation: -> every replica's log on disk ({total * rf}) | {r['dirs']:.1f} s | | |")
    summary.add(f"create {total} partitions rf {rf}: all led, full ISR", r["created"], "s")

    worst0, worst1 = max(r["cpu0"].values()), max(r["cpu1"].values())
    flag = "ok" if worst1 <= IDLE_CPU_FLAG_PCT else "FLAG: > 5% idle"
    print(f"| idle CPU per broker, {args.idle_seconds:.0f} s, % of one core | {per_broker(r['cpu1'], '{:.1f}')} | "
          f"no topics: {per_broker(r['cpu0'], '{:.1f}')}; flag > {IDLE_CPU_FLAG_PCT:.0f}% | {flag} |")
    summary.add(f"idle CPU with {total} partitions (busiest broker)", worst1, "% of a core", worst0,
                "same broker idle without topics", f"<= {IDLE_CPU_FLAG_PCT:.0f}%", worst1 <= IDLE_CPU_FLAG_PCT)

    growth = {i: r["rss1"][i] - r["rss0"][i] for i in ids}
    per_k = {i: growth[i] * 1000.0 / r["replicas"].get(i, 0) if r["replicas"].get(i) else float("nan") for i in ids}
    print(f"| RSS per broker, MiB: no topics -> with topics | "
          f"{', '.join('{}: {:.0f} -> {:.0f}'.format(i, r['rss0'][i], r['rss1'][i]) for i in ids)} | | |")
    print(f"| RSS growth per 1,000 partition replicas hosted, MiB | {per_broker(per_k, '{:.1f}')} | "
          f"replicas hosted: {per_broker(r['replicas'], '{}')} | |")
    summary.add("RSS per 1,000 partition replicas (max broker)", max(per_k.values()), "MiB")

    for key, label in (("clean", "SIGTERM"), ("unclean", "kill -9")):
        x = r.get(key)
        if not x:
            continue
        statuses = ", ".join(f"{i}: {s}" for i, s in sorted(x["statuses"].items()))
        print(f"| {label} of all three: until every process exited | {x['stopped']:.1f} s | exit statuses {statuses} | |")
        print(f"| {label}, restart: start -> all three registered in ZooKeeper | {x['registered']:.1f} s | "
              + (f"old sessions expire after ~{SESSION_TIMEOUT_S:.0f} s" if key == "unclean" else "") + " | |")
        print(f"| {label}, restart: start -> all three answer Metadata | {x['ready']:.1f} s | "
              f"log loading{' and recovery' if key == 'unclean' else ''} (slowest broker's log): "
              f"{x['loaded_s']:.1f} s | |")
        rate = x["expansions"] / x["expansion_span"] if x["expansion_span"] > 0 else float("nan")
        print(f"| {label}, restart: start -> every partition led with a full ISR | {x['settled']:.1f} s | "
              f"creation took {r['created']:.1f} s; brokers' logs: {x['expansions']} ISR expansions over "
              f"{x['expansion_span']:.1f} s ({rate:.0f}/s) | |")
        summary.add(f"{'startup' if key == 'clean' else 'recovery after kill -9'}: all led, full ISR",
                    x["settled"], "s")

    if "balance" in r:
        print(f"| preferred leader election (ElectLeaders, all partitions): {r['balance'][1]} moved -> all led by "
              f"their preferred replica | {r['balance'][0]:.1f} s | | |")
    f = r.get("failover")
    if f:
        print(f"| controller failover: kill -9 of controller {f['old']} -> its session expired | {f['expired']:.2f} s | "
              f"~{SESSION_TIMEOUT_S:.0f} s session timeout | |")
        print(f"| controller failover: kill -9 -> new controller ({f['new']}) | {f['elected']:.2f} s | | |")
        after = f["led"] - f["expired"]
        print(f"| controller failover: kill -9 -> its {f['moved']} partitions re-led | {f['led']:.2f} s | "
              f"{after:.2f} s after the session expired (target < 2 s) | {'ok' if after < 2.0 else 'MISSED'} |")
        summary.add(f"controller failover, {f['moved']} partitions re-led after session expiry", after, "s",
                    target="< 2 s", met=after < 2.0)


if __name__ == "__main__":
    sys.exit(main())
