"""The chaos suite's cluster: a 3-member ZooKeeper ensemble and 3 brokers, each process alone in its network
namespace (chaos_net.py), started with `ip netns exec` by the harness classes and killed with the driver
(PR_SET_PDEATHSIG). Every process listens on its namespace's identity address with fixed ports (2181, 9092):
the namespaces are private, so two runs never meet.
"""

from __future__ import annotations

import struct
import time
from pathlib import Path

import gregor_harness as harness
from chaos_net import ChaosNetwork
from replication_cluster import Cluster

ZK_NODES = {"zk1": 11, "zk2": 12, "zk3": 13}
BROKER_NODES = {"b1": 21, "b2": 22, "b3": 23}
ZK_PORT = 2181
BROKER_PORT = 9092
CHROOT = "/gregor-chaos"


def broker_node(broker_id: int) -> str:
    return f"b{broker_id}"


class ChaosCluster(Cluster):
    """replication_cluster.Cluster's metadata helpers over brokers and ZooKeeper members in namespaces."""

    def __init__(self, net: ChaosNetwork, server_bin: Path, base: Path, properties: dict[str, str],
                 zk_tick_time_ms: int = 500):
        servers = {int(name[2:]): net.addr(name) for name in ZK_NODES}
        self.net = net
        self.zookeepers = {
            name: harness.ZooKeeper(Path(base) / name, tick_time_ms=zk_tick_time_ms, host=net.addr(name),
                                    port=ZK_PORT, myid=int(name[2:]), servers=servers, wrapper=net.exec_prefix(name))
            for name in ZK_NODES}
        self.zk_connect = ",".join(f"{net.addr(name)}:{ZK_PORT}" for name in ZK_NODES)
        self.chroot = CHROOT
        self.brokers = [
            harness.Broker(server_bin, self.zk_connect, Path(base) / f"broker-{i}", broker_id=i,
                           properties=properties, chroot=CHROOT, host=net.addr(broker_node(i)), port=BROKER_PORT,
                           wrapper=net.exec_prefix(broker_node(i)))
            for i in range(1, len(BROKER_NODES) + 1)]

    def start(self, timeout: float = 120.0):
        for zk in self.zookeepers.values():
            zk.spawn()
        for zk in self.zookeepers.values():
            zk.wait_serving(timeout)
        for b in self.brokers:
            b.spawn()
        for b in self.brokers:
            b.wait_ready(timeout)
        return self

    def stop(self):
        super().stop()
        for zk in self.zookeepers.values():
            zk.kill9()

    @property
    def bootstrap(self) -> str:
        return ",".join(b.bootstrap for b in self.brokers)

    def zk_modes(self) -> dict[str, str]:
        return {name: (zk.mode() if zk.is_running() else "stopped") or "not serving"
                for name, zk in self.zookeepers.items()}

    def tails(self, lines: int = 40) -> str:
        zk = "\n".join(f"--- {name} ({zk.log_path}) ---\n{harness.tail(zk.log_path, lines // 2)}"
                       for name, zk in self.zookeepers.items())
        return super().tails(lines) + "\n" + zk

    # --- health ------------------------------------------------------------------------------------------------

    def controller(self) -> int:
        """The controller id every live broker reports, or -1 while they disagree or do not answer."""
        ids = self.controller_ids()
        values = set(ids.values())
        if len(ids) == len(self.live()) and len(values) == 1:
            return values.pop()
        return -1

    def under_replicated(self, topic: str, partitions: int) -> list[str]:
        """Why the topic is not fully healthy, from every live broker's Metadata (empty when it is): each partition
        led, with every replica in its ISR, as every broker sees it."""
        problems = []
        if len(self.live()) != len(self.brokers):
            problems.append(f"brokers down: {[b.broker_id for b in self.brokers if not b.is_running()]}")
        for b in self.live():
            md = self.topic_metadata(topic, b.bootstrap)
            if md is None:
                problems.append(f"broker {b.broker_id}: no metadata")
                continue
            for p in range(partitions):
                pm = md.get(p)
                if pm is None or pm.leader < 0 or len(pm.isrs) < len(pm.replicas):
                    state = "missing" if pm is None else f"leader {pm.leader} isr {sorted(pm.isrs)}"
                    problems.append(f"broker {b.broker_id} sees {topic}-{p} {state}")
        return problems

    def high_watermarks(self, topic: str, partitions: int) -> dict[int, int] | None:
        import confluent_kafka
        consumer = confluent_kafka.Consumer({"bootstrap.servers": self.bootstrap, "group.id": "chaos-watermarks",
                                            "socket.timeout.ms": 5000, "log_level": 2})
        try:
            return {p: consumer.get_watermark_offsets(confluent_kafka.TopicPartition(topic, p), timeout=5)[1]
                    for p in range(partitions)}
        except confluent_kafka.KafkaException:
            return None
        finally:
            consumer.close()

    def lagging_replicas(self, topic: str, high_watermarks: dict[int, int]) -> list[str]:
        """Replicas whose log (read from their segment files) ends before the given high watermarks."""
        return [f"broker {b.broker_id} has {topic}-{p} up to {log_end_offset(b, topic, p)} < {hw}"
                for b in self.brokers for p, hw in high_watermarks.items() if log_end_offset(b, topic, p) < hw]

    def wait_healthy(self, topic: str, partitions: int, timeout: float) -> list[str]:
        """Waits until every live broker's Metadata shows every partition led with a full ISR, and then until
        every replica's log reaches the high watermarks of that moment (a broker restarted before its leader
        dropped it from the ISR is listed in it while still catching up). Returns the last problems seen, empty
        on success."""
        deadline = time.monotonic() + timeout
        problems = ["not checked"]
        target = None
        while time.monotonic() < deadline:
            problems = self.under_replicated(topic, partitions)
            if not problems:
                target = target or self.high_watermarks(topic, partitions)
                problems = ["no high watermarks"] if target is None else self.lagging_replicas(topic, target)
                if not problems:
                    return []
            time.sleep(0.5)
        return problems


def log_end_offset(broker, topic: str, partition: int) -> int:
    """One past the last offset of the last complete batch in the broker's segment files (0 if none)."""
    batches = broker.partition_batches(topic, partition)
    if not batches:
        return 0
    base, batch = batches[-1]
    # After the 12-byte offset+length prefix: partitionLeaderEpoch(4) magic(1) crc(4) attributes(2) lastOffsetDelta
    (last_offset_delta,) = struct.unpack_from(">i", batch, 23)
    return base + last_offset_delta + 1
