#!/usr/bin/env python3
"""The measuring half of scripts/bench/failover.sh: starts its own ZooKeeper + 3 brokers (Tests/Interop
gregor_harness.py, zookeeper.session.timeout.ms=6000) under --base, measures, stops them.

(a) Partition leader failover, --rounds times (default 10): an RF=3 topic with min.insync.replicas=2; kill -9 of
    the partition's leader; time until the first acks=all produce is acknowledged (one record sent right
    after the kill by a warm confluent-kafka producer with retries). The killed broker is restarted (and back in
    the ISR) between rounds. Target: <= session timeout + 1 s.
(b) Controller failover with --partitions partitions (default 10,000, in --topics topics, replication factor
    --rf): kill -9 of the controller; from the kill: (i) time until a new /controller znode exists, (ii) time
    until every partition has a live leader in Metadata; and the same two from the moment the dead
    controller's session expired (its ephemeral /controller znode disappeared) - the election itself.
    Target: < 2 s after the session expiry.

(c) Controlled shutdown: a topic with 3 x --shutdown-partitions partitions (default 1,000 led by each broker, RF=3,
    min.insync.replicas=2) under a confluent-kafka idempotent acks=all producer; SIGTERM of a broker that is not
    the controller; time until Metadata shows no partition led by it, and the broker's own
    "Starting controlled shutdown" -> "Controlled shutdown succeeded". Target: < 1 s, 0 failed sends.
(d) Auto leader rebalance: the broker is restarted; once it is back in every ISR, the time until every partition
    is led by its preferred replica again (auto.leader.rebalance.enable, leader.imbalance.check.interval.seconds
    --rebalance-interval, default 5; leader.imbalance.per.broker.percentage=0, so that it moves every partition
    back, not only until a broker's imbalance is under Kafka's default 10%): the check interval plus the election.

Prints a Markdown table with each figure next to its target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))
import gregor_harness as harness  # noqa: E402
from replication_cluster import SESSION_TIMEOUT_S, Cluster  # noqa: E402
from bench_summary import Summary  # noqa: E402

TARGET_LEADER_S = SESSION_TIMEOUT_S + 1.0
TARGET_ELECTION_S = 2.0
TARGET_CONTROLLED_S = 1.0


def log(msg: str):
    print(f"failover: {msg}", file=sys.stderr, flush=True)


def leader_failover(cluster: Cluster, rounds: int) -> tuple[list[float], list[float]]:
    """Per round: kill -> first acks=all produce, and the part of it after ZooKeeper expired the victim's session
    (its /brokers/ids/<id> vanished), which is Gregor's own share: ZooKeeper checks expiry once per tickTime, so the
    expiry itself lands between the session timeout and the timeout plus one tick."""
    import threading
    import confluent_kafka
    from kazoo.client import KazooClient
    topic = f"bench-failover-{uuid.uuid4().hex[:6]}"
    cluster.create_topic(topic, 1, 3, {"min.insync.replicas": "2"})
    producer = confluent_kafka.Producer({
        "bootstrap.servers": cluster.bootstrap, "acks": "all", "linger.ms": 0, "retries": 1000000,
        "retry.backoff.ms": 20, "retry.backoff.max.ms": 100, "message.timeout.ms": 120000,
        "topic.metadata.refresh.interval.ms": 500, "reconnect.backoff.ms": 20, "reconnect.backoff.max.ms": 200,
        "socket.timeout.ms": 3000, "enable.idempotence": False, "log_level": 2})
    results: list[float] = []
    after_expiry: list[float] = []
    zk = KazooClient(hosts=f"{cluster.zk_connect}{cluster.chroot}", timeout=10)
    zk.start(timeout=15)

    def produce_one() -> str | None:
        box = []
        producer.produce(topic, value=b"x", partition=0, on_delivery=lambda err, _m: box.append(err))
        while not box:
            producer.poll(0.005)
        return None if box[0] is None else str(box[0])

    for r in range(rounds):
        p = cluster.wait_leader(topic, isr_size=3, timeout=90)
        err = produce_one()
        if err:
            raise RuntimeError(f"warm-up produce failed: {err}")
        victim = cluster.broker(p.leader)
        gone: list[float] = []
        path = f"/brokers/ids/{victim.broker_id}"

        def watch_expiry():
            while zk.exists(path) is not None:
                time.sleep(0.005)
            gone.append(time.monotonic())
        watcher = threading.Thread(target=watch_expiry, daemon=True)
        victim.kill9()
        t0 = time.monotonic()
        watcher.start()
        err = produce_one()
        elapsed = time.monotonic() - t0
        watcher.join(30)
        if gone:
            after_expiry.append(elapsed - (gone[0] - t0))
        victim.kill()
        if err:
            log(f"round {r + 1}: produce after the kill failed: {err}")
            elapsed = float("nan")
        results.append(elapsed)
        log(f"round {r + 1}/{rounds}: leader {victim.broker_id} killed, first acks=all produce after "
            f"{elapsed:.2f}s" + (f" ({after_expiry[-1]:.2f}s after the session expired)" if gone else ""))
        victim.spawn()
        victim.wait_ready(90)
    producer.flush(10)
    zk.stop()
    return results, after_expiry


def wait_new_controller(zk, old: int, t0: float, timeout: float) -> tuple[float, float, int]:
    """Polls /controller every 10 ms from t0 (time.monotonic) until a broker other than `old` holds it: (when the
    old controller's node went away, or was first seen replaced: its session expiry; when the new one was seen;
    the new controller's id). Raises TimeoutError after `timeout` seconds."""
    from kazoo.exceptions import NoNodeError
    t_expired = None
    while time.monotonic() - t0 < timeout:
        try:
            data, _ = zk.get("/controller")
        except NoNodeError:
            data = None
        now = time.monotonic()
        if data is None:
            t_expired = t_expired or now
        else:
            bid = int(json.loads(data)["brokerid"])
            if bid != old:
                return t_expired or now, now, bid
        time.sleep(0.01)
    raise TimeoutError(f"no new controller within {timeout:.0f} s")


def controller_failover(cluster: Cluster, partitions: int, topics: int, rf: int) -> dict:
    from kazoo.client import KazooClient
    from confluent_kafka.admin import NewTopic
    per_topic = max(1, partitions // topics)
    names = [f"bench-ctl-{uuid.uuid4().hex[:6]}-{i}" for i in range(topics)]
    total = per_topic * topics
    # CreateTopics answers once every new partition has a leader: for thousands of partitions that can take longer
    # than the harness's 3 s socket timeout, which would make librdkafka give up on a request still under way.
    admin = cluster.admin(socket_timeout_ms=120_000)
    t = time.monotonic()
    for name in names:
        started = time.monotonic()
        admin.create_topics([NewTopic(name, per_topic, rf)], request_timeout=120)[name].result(timeout=180)
        log(f"created {name} ({per_topic} partitions) in {time.monotonic() - started:.2f}s")
    log(f"created {topics} topics x {per_topic} partitions (rf {rf}) in {time.monotonic() - t:.1f}s")

    def all_led(exclude: int | None = None, bootstrap: str | None = None) -> int:
        """Partitions whose Metadata leader is a live broker (not `exclude`)."""
        a = cluster.admin(bootstrap)
        md = a.list_topics(timeout=30)
        led = 0
        for name in names:
            tm = md.topics.get(name)
            if tm is None:
                continue
            led += sum(1 for pm in tm.partitions.values() if pm.leader >= 0 and pm.leader != exclude)
        return led

    Cluster.wait(lambda: all_led() == total, 300, f"all {total} partitions led")

    # CreateTopics answers when every partition has a leader; followers may still be creating their logs. A failover
    # is measured on a settled cluster: every replica's log exists, and then a moment for the fetchers to start.
    def replica_logs() -> int:
        return sum(1 for b in cluster.brokers for d in b.data_dir.glob("bench-ctl-*") if d.is_dir()
                   and d.name.rsplit("-", 1)[0] in names)
    Cluster.wait(lambda: replica_logs() >= total * rf, 300, f"all {total * rf} replica logs created")
    time.sleep(2.0)
    zk = KazooClient(hosts=f"{cluster.zk_connect}{cluster.chroot}", timeout=10)
    zk.start(timeout=15)
    try:
        data, _ = zk.get("/controller")
        old = int(json.loads(data)["brokerid"])
        victim = cluster.broker(old)
        survivors = [b for b in cluster.brokers if b is not victim]
        log(f"controller is broker {old}; kill -9")
        victim.kill9()
        t0 = time.monotonic()
        victim.kill()
        t_expired, t_elected, new = wait_new_controller(zk, old, t0, 120)
        log(f"new controller {new}; waiting for every partition to have a live leader")
        t_led = None
        last = 0
        while time.monotonic() - t0 < 300:
            try:
                last = all_led(exclude=old, bootstrap=survivors[0].bootstrap)
            except Exception as e:  # noqa: BLE001
                log(f"metadata: {e}")
            if last >= (total if rf > 1 else last):
                t_led = time.monotonic()
                break
            time.sleep(0.05)
        victim.spawn()
        victim.wait_ready(120)
    finally:
        zk.stop()
        zk.close()
    return {"total": total, "rf": rf, "expired": t_expired - t0, "elected": t_elected - t0,
            "led": (t_led - t0) if t_led else float("nan"), "led_count": last}


def _log_time(line: str) -> float | None:
    """The epoch seconds of a broker log line ("2026-12-06T00:34:58.131+0000 info ...")."""
    from datetime import datetime
    try:
        return datetime.strptime(line.split(" ", 1)[0], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    except ValueError:
        return None


def controlled_shutdown_and_rebalance(cluster: Cluster, per_broker: int) -> dict:
    """(c) and (d): see the module doc."""
    import threading
    import confluent_kafka
    from confluent_kafka.admin import NewTopic
    topic = f"bench-cs-{uuid.uuid4().hex[:6]}"
    total = per_broker * 3
    admin = cluster.admin(socket_timeout_ms=120_000)
    admin.create_topics([NewTopic(topic, total, 3, config={"min.insync.replicas": "2"})],
                        request_timeout=120)[topic].result(timeout=180)

    def metadata(bootstrap=None):
        return cluster.admin(bootstrap).list_topics(topic, timeout=30).topics[topic].partitions

    Cluster.wait(lambda: all(len(p.isrs) == 3 and p.leader >= 0 for p in metadata().values())
                 and len(metadata()) == total, 300, f"{total} partitions led with full ISRs")
    controller = next(iter(set(cluster.controller_ids().values())))
    victim = next(b for b in cluster.brokers if b.broker_id != controller)
    others = [b for b in cluster.brokers if b is not victim]
    led = sum(1 for p in metadata().values() if p.leader == victim.broker_id)
    log(f"(c) broker {victim.broker_id} leads {led} of {total} partitions; controller is {controller}")

    failures: list[str] = []
    acked = [0]
    stop = threading.Event()
    producer = confluent_kafka.Producer({
        "bootstrap.servers": cluster.bootstrap, "acks": "all", "enable.idempotence": True, "linger.ms": 5,
        "message.timeout.ms": 120000, "topic.metadata.refresh.interval.ms": 1000, "reconnect.backoff.max.ms": 500})

    def on_delivery(err, _msg):
        if err is None:
            acked[0] += 1
        else:
            failures.append(str(err))

    def run():
        n = 0
        while not stop.is_set():
            try:
                producer.produce(topic, value=str(n).encode(), partition=n % total, on_delivery=on_delivery)
                n += 1
            except BufferError:
                pass
            producer.poll(0.001)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    Cluster.wait(lambda: acked[0] > 2000, 60, "the producer running")
    log_start = victim.log_size()
    t0 = time.monotonic()
    victim.proc.send_signal(15)
    t_moved = None
    while time.monotonic() - t0 < 60:
        try:
            if not any(p.leader == victim.broker_id for p in metadata(others[0].bootstrap).values()):
                t_moved = time.monotonic()
                break
        except Exception:  # noqa: BLE001
            pass
        time.sleep(0.02)
    victim.proc.wait(60)
    text = victim.log_text(since=log_start)
    started = next((_log_time(l) for l in text.splitlines() if "Starting controlled shutdown" in l), None)
    succeeded = next((_log_time(l) for l in text.splitlines() if "Controlled shutdown succeeded" in l), None)
    reported = (succeeded - started) if started and succeeded else float("nan")

    victim.spawn()
    victim.wait_ready(120)
    Cluster.wait(lambda: all(len(p.isrs) == 3 for p in metadata().values()), 300, "broker back in every ISR")
    t1 = time.monotonic()
    preferred = {i: p.replicas[0] for i, p in metadata().items()}
    try:
        Cluster.wait(lambda: all(p.leader == preferred[i] for i, p in metadata().items()), 120,
                     "every partition led by its preferred replica")
        t_rebalanced = time.monotonic()
    except TimeoutError as e:
        log(f"(d) {e}")
        t_rebalanced = float("nan")
    stop.set()
    thread.join(10)
    producer.flush(120)
    return {"total": total, "led": led, "moved": (t_moved - t0) if t_moved else float("nan"), "reported": reported,
            "failures": len(failures), "failure_sample": failures[:3], "acked": acked[0],
            "rebalanced": t_rebalanced - t1}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="folder for ZooKeeper's and the brokers' files")
    parser.add_argument("--server-bin", required=True)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--partitions", type=int, default=10000)
    parser.add_argument("--topics", type=int, default=10)
    parser.add_argument("--rf", type=int, default=3)
    parser.add_argument("--skip-controller", action="store_true")
    parser.add_argument("--shutdown-partitions", type=int, default=1000,
                        help="(c)/(d): partitions led by each broker (0 skips them)")
    parser.add_argument("--rebalance-interval", type=int, default=5,
                        help="(d): leader.imbalance.check.interval.seconds")
    parser.add_argument("--tick-time-ms", type=int, default=500,
                        help="ZooKeeper's tickTime: it checks session expiry once per tick (Kafka's sample config: 2000)")
    parser.add_argument("--summary", help="append the headline figures as JSON lines (bench_summary.py)")
    args = parser.parse_args(argv)
    summary = Summary(args.summary, "failover")

    base = Path(args.base)
    zk = harness.ZooKeeper(base / "zookeeper", tick_time_ms=args.tick_time_ms).start()
    # leader.imbalance.per.broker.percentage=0: (d) waits for every partition to be led by its preferred replica.
    # With Kafka's default 10 the controller (rightly) leaves a broker alone once fewer than 10% of the partitions
    # it prefers are led elsewhere, which happens when (b)'s topics outnumber (c)'s and a few of (c)'s partitions
    # missed the first election: (d) then never ends.
    cluster = Cluster(Path(args.server_bin), zk.connect, base, size=3, properties={
        "leader.imbalance.check.interval.seconds": str(args.rebalance_interval),
        "leader.imbalance.per.broker.percentage": "0"})
    try:
        cluster.start()
        log(f"3 brokers up ({cluster.bootstrap}), ZooKeeper {zk.connect}")
        log(f"(a) leader failover, {args.rounds} rounds")
        rounds, after_expiry = leader_failover(cluster, args.rounds) if args.rounds > 0 else ([], [])
        ctl = None
        if not args.skip_controller and args.partitions > 0:
            log(f"(b) controller failover with {args.partitions} partitions")
            ctl = controller_failover(cluster, args.partitions, args.topics, args.rf)
        cs = None
        if args.shutdown_partitions > 0:
            log(f"(c) controlled shutdown with {args.shutdown_partitions} partitions led per broker, (d) rebalance")
            cs = controlled_shutdown_and_rebalance(cluster, args.shutdown_partitions)
    except Exception:
        log("failed; broker log tails:\n" + cluster.tails(15))
        raise
    finally:
        cluster.stop()
        zk.stop()

    def verdict(value, target):
        return "n/a" if value != value else ("ok" if value <= target else "MISSED")

    print(f"\n## Failover (3 brokers, zookeeper.session.timeout.ms={int(SESSION_TIMEOUT_S * 1000)}, "
          f"ZooKeeper tickTime={args.tick_time_ms} ms)\n")
    print("| measurement | value | target | |")
    print("|---|---|---|---|")
    if rounds:
        valid = [x for x in rounds if x == x]
        med = statistics.median(valid) if valid else float("nan")
        worst = max(valid) if valid else float("nan")
        print(f"| (a) kill -9 leader -> first acks=all produce, median of {len(rounds)} | {med:.2f} s | "
              f"<= {TARGET_LEADER_S:.1f} s | {verdict(med, TARGET_LEADER_S)} |")
        print(f"| (a) same, worst round | {worst:.2f} s | <= {TARGET_LEADER_S:.1f} s | "
              f"{verdict(worst, TARGET_LEADER_S)} |")
        print(f"| (a) rounds | {', '.join(f'{x:.2f}' for x in rounds)} | | |")
        if after_expiry:
            med_after = statistics.median(after_expiry)
            print(f"| (a) after the session expired (Gregor's part), median | {med_after:.2f} s | <= 1.0 s | "
                  f"{verdict(med_after, 1.0)} |")
        # The session timeout is the floor: ZooKeeper must expire the dead leader's session first.
        summary.add(f"(a) kill -9 leader -> acks=all produce, median of {len(rounds)}", med, "s", SESSION_TIMEOUT_S,
                    "session timeout", f"<= {TARGET_LEADER_S:.0f} s", med <= TARGET_LEADER_S if valid else None)
        if after_expiry:
            summary.add("(a) after the session expired (median)", med_after, "s", target="<= 1 s",
                        met=med_after <= 1.0)
    if ctl:
        elect = ctl["elected"] - ctl["expired"]
        led = ctl["led"] - ctl["expired"]
        print(f"| (b) {ctl['total']} partitions rf {ctl['rf']}: kill -9 controller -> session expired | "
              f"{ctl['expired']:.2f} s | ~{SESSION_TIMEOUT_S:.0f} s (session timeout) | |")
        print(f"| (b)(i) kill -> new controller | {ctl['elected']:.2f} s | | |")
        print(f"| (b)(ii) kill -> every partition has a live leader ({ctl['led_count']} led) | {ctl['led']:.2f} s | "
              f"| |")
        print(f"| (b) after session expiry: new controller | {elect:.2f} s | < {TARGET_ELECTION_S:.0f} s | "
              f"{verdict(elect, TARGET_ELECTION_S)} |")
        print(f"| (b) after session expiry: every partition led | {led:.2f} s | < {TARGET_ELECTION_S:.0f} s | "
              f"{verdict(led, TARGET_ELECTION_S)} |")
        summary.add(f"(b) {ctl['total']} partitions: controller kill -9, expiry -> new controller", elect, "s",
                    target=f"< {TARGET_ELECTION_S:.0f} s", met=elect < TARGET_ELECTION_S)
        summary.add(f"(b) {ctl['total']} partitions: controller kill -9, expiry -> all led", led, "s",
                    target=f"< {TARGET_ELECTION_S:.0f} s", met=led < TARGET_ELECTION_S if led == led else None)
    if cs:
        print(f"| (c) SIGTERM of a broker leading {cs['led']} of {cs['total']} partitions -> none led by it (Metadata) | "
              f"{cs['moved']:.2f} s | < {TARGET_CONTROLLED_S:.0f} s | {verdict(cs['moved'], TARGET_CONTROLLED_S)} |")
        print(f"| (c) the broker's controlled shutdown, start -> succeeded (its log) | {cs['reported']:.2f} s | "
              f"< {TARGET_CONTROLLED_S:.0f} s | {verdict(cs['reported'], TARGET_CONTROLLED_S)} |")
        print(f"| (c) failed sends of the idempotent acks=all producer ({cs['acked']} acknowledged) | {cs['failures']} | 0 | "
              f"{'ok' if cs['failures'] == 0 else 'MISSED: ' + '; '.join(cs['failure_sample'])} |")
        print(f"| (d) back in every ISR -> every partition led by its preferred replica | {cs['rebalanced']:.2f} s | "
              f"check interval {args.rebalance_interval} s + election | "
              f"{'' if cs['rebalanced'] == cs['rebalanced'] else 'not within 120 s'} |")
        summary.add(f"(c) controlled shutdown, {cs['led']} partitions moved", cs["moved"], "s",
                    target=f"< {TARGET_CONTROLLED_S:.0f} s",
                    met=cs["moved"] < TARGET_CONTROLLED_S if cs["moved"] == cs["moved"] else None)
        summary.add("(c) failed sends during controlled shutdown", cs["failures"], "sends", target="0",
                    met=cs["failures"] == 0)
        summary.add(f"(d) preferred leaders back after restart (check every {args.rebalance_interval} s)",
                    cs["rebalanced"], "s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
