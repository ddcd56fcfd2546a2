"""The chaos suite's faults. Each nemesis injects one fault, holds it, undoes it (restart, SIGCONT, heal) and
returns a one-line description of what it did; the driver waits for the cluster to recover between two.

Kinds (every random choice comes from the run's seeded random.Random):
- kill-leader       kill -9 the leader of a random partition, restart it after 1-4 s
- kill-controller   kill -9 the controller, restart it after 1-4 s
- pause             SIGSTOP a random broker for the session timeout + 1-3 s, then SIGCONT
- cut-zookeeper     cut a random broker from all ZooKeeper members for the session timeout + 1-4 s, heal
- cut-brokers       cut a random broker from the other brokers for replica.lag.time.max.ms + 2-5 s, heal
- zookeeper-restart restart one random ZooKeeper member (SIGTERM or kill -9, start after 0.5-2 s)
- rolling-restart   SIGTERM each broker in turn (the controller last) and start it again, waiting like an
                    operator until it is back and no partition is under-replicated before the next one
Cuts are `drop` (silent) or `down` (unreachable at once) at random, see chaos_net.py.
"""

from __future__ import annotations

import random
import signal
import time

import kafka_wire
from chaos_cluster import ZK_NODES, ChaosCluster, broker_node

KINDS = ("kill-leader", "kill-controller", "pause", "cut-zookeeper", "cut-brokers", "zookeeper-restart",
         "rolling-restart")


class NemesisError(Exception):
    pass


class Nemesis:
    def __init__(self, cluster: ChaosCluster, topic: str, partitions: int, rng: random.Random, log,
                 session_timeout_s: float, replica_lag_s: float, settle_timeout_s: float = 90.0):
        self.cluster, self.topic, self.partitions, self.rng, self.log = cluster, topic, partitions, rng, log
        self.session_timeout_s = session_timeout_s
        self.replica_lag_s = replica_lag_s
        self.settle_timeout_s = settle_timeout_s
        self.unclean_stops: list[str] = []  # rolling restart: brokers that did not exit 0 on SIGTERM
        # (broker id, seconds) of each restart during which the broker answered Metadata listing no brokers
        self.empty_metadata: list[tuple[int, float]] = []

    def run(self, kind: str) -> str:
        action = getattr(self, "_" + kind.replace("-", "_"))
        return action()

    # --- helpers -----------------------------------------------------------------------------------------------

    def _hold(self, low: float, high: float) -> float:
        seconds = round(self.rng.uniform(low, high), 1)
        time.sleep(seconds)
        return seconds

    def _random_broker(self):
        return self.rng.choice(self.cluster.brokers)

    def _restart(self, broker, timeout: float = 120.0):
        broker.kill()  # reap
        broker.spawn()
        self._watch_startup_metadata(broker, timeout)
        broker.wait_ready(timeout)

    def _watch_startup_metadata(self, broker, timeout: float):
        """Asks the starting broker for Metadata every 50 ms until it lists itself, and records for how long it
        answered with no brokers at all: librdkafka (2.x) drops every broker it knew on such an answer."""
        started = time.monotonic()
        empty_since = empty_until = None
        while time.monotonic() - started < timeout and broker.is_running():
            try:
                with kafka_wire.Connection(broker.host, broker.port, timeout=2.0, client_id="chaos-probe") as conn:
                    md = conn.metadata_v1([self.topic])
                now = time.monotonic()
                if not md.brokers:
                    empty_since = empty_since or now
                    empty_until = now
                elif broker.broker_id in md.brokers:
                    break
            except (OSError, kafka_wire.ConnectionClosed, kafka_wire.Truncated, AssertionError, ValueError):
                pass
            time.sleep(0.05)
        if empty_since is not None:
            self.empty_metadata.append((broker.broker_id, empty_until - empty_since))

    def _kill_and_restart(self, broker, why: str) -> str:
        broker.kill9()
        held = self._hold(1.0, 4.0)
        self._restart(broker)
        return f"kill -9 broker {broker.broker_id} ({why}), restarted after {held}s"

    # --- the faults --------------------------------------------------------------------------------------------

    def _wait_for(self, probe, what: str) -> int:
        """The broker id `probe()` returns once it is >= 0 (within 30 s)."""
        def known():
            value = probe()
            return value if value >= 0 else None  # broker ids here are 1..3, never a falsy 0
        try:
            return self.cluster.wait(known, 30, what)
        except TimeoutError as e:
            raise NemesisError(str(e)) from e

    def _kill_leader(self) -> str:
        p = self.rng.randrange(self.partitions)
        leader = self._wait_for(lambda: self.cluster.leader(self.topic, p), f"a leader of {self.topic}-{p}")
        return self._kill_and_restart(self.cluster.broker(leader), f"leader of {self.topic}-{p}")

    def _kill_controller(self) -> str:
        controller = self._wait_for(self.cluster.controller, "the brokers to agree on a controller")
        return self._kill_and_restart(self.cluster.broker(controller), "controller")

    def _pause(self) -> str:
        broker = self._random_broker()
        role = "controller" if self.cluster.controller() == broker.broker_id else "broker"
        broker.suspend()
        try:
            held = self._hold(self.session_timeout_s + 1.0, self.session_timeout_s + 3.0)
        finally:
            broker.resume()
        return f"SIGSTOP {role} {broker.broker_id} for {held}s, SIGCONT"

    def _cut(self, broker, peers: list[str], low: float, high: float, what: str) -> str:
        mode = self.rng.choice(("drop", "down"))
        net = self.cluster.net
        node = broker_node(broker.broker_id)
        net.isolate(node, peers, mode)
        try:
            held = self._hold(low, high)
        finally:
            for peer in peers:
                net.heal(node, peer)
        return f"cut broker {broker.broker_id} from {what} ({mode}) for {held}s, healed"

    def _cut_zookeeper(self) -> str:
        broker = self._random_broker()
        return self._cut(broker, list(ZK_NODES), self.session_timeout_s + 1.0, self.session_timeout_s + 4.0,
                         "ZooKeeper")

    def _cut_brokers(self) -> str:
        broker = self._random_broker()
        others = [broker_node(b.broker_id) for b in self.cluster.brokers if b is not broker]
        return self._cut(broker, others, self.replica_lag_s + 2.0, self.replica_lag_s + 5.0, "the other brokers")

    def _zookeeper_restart(self) -> str:
        name = self.rng.choice(sorted(ZK_NODES))
        zk = self.cluster.zookeepers[name]
        mode = zk.mode() or "not serving"
        how = self.rng.choice(("SIGTERM", "kill -9"))
        if how == "SIGTERM":
            zk.proc.send_signal(signal.SIGTERM)
            try:
                zk.proc.wait(20)
            except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired: it did not stop, force it
                zk.kill9()
        else:
            zk.kill9()
        held = self._hold(0.5, 2.0)
        zk.spawn()
        zk.wait_serving(90)
        return f"{how} ZooKeeper {name} ({mode}), started after {held}s, serving as {zk.mode()}"

    def _rolling_restart(self) -> str:
        controller = self.cluster.controller()
        order = sorted(self.cluster.brokers, key=lambda b: (b.broker_id == controller, b.broker_id))
        steps = []
        for broker in order:
            t0 = time.monotonic()
            status = broker.stop(timeout=60)
            if status != 0:
                self.unclean_stops.append(f"broker {broker.broker_id} exited with status {status} on SIGTERM")
            self._restart(broker)
            problems = self.cluster.wait_healthy(self.topic, self.partitions, self.settle_timeout_s)
            if problems:
                raise NemesisError(f"rolling restart: after restarting broker {broker.broker_id} the cluster did "
                                   f"not recover within {self.settle_timeout_s}s: {problems[:3]}")
            steps.append(f"{broker.broker_id} (exit {status}, {time.monotonic() - t0:.1f}s)")
        return "rolling restart (SIGTERM, start, wait for full ISRs): " + ", ".join(steps)
