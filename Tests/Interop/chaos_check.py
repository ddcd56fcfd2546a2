"""The chaos suite's verdict: what the clients recorded against what the cluster holds after it settled.

Invariants (the run fails if one is broken):
- acknowledged records lost: every acknowledged (partition, seq) is in the final log
- acknowledged at another offset: the record the broker acknowledged at offset o is the one at o
- duplicates within one producer epoch: no (instance, partition, seq) twice in a partition written under the
  same producer id and epoch (the batch headers on disk say which): a retried batch is answered with its first
  offsets, never written again. Copies under different epochs are reported, not failed: the broker deduplicates
  per producer id and epoch, as Kafka does, and librdkafka bumps the epoch of its idempotent producer (all
  partitions at once) when a partition's requests fail out of order, then re-sends messages of other partitions
  it had marked "possibly persisted" (a connection closed before the answer) under the new epoch with new
  sequence numbers; if they had been written, they are in the log twice. Kafka's brokers do the same.
- out of order: per partition and producer instance, sequence numbers only go up in log order
- committed offsets that went backwards: an OffsetFetch answer lower than an earlier acknowledged commit or
  earlier answer for the same partition
- consumed records that differ from the final log: the group consumer was never given a record that is not the
  one at that offset in the end (it only reads below the high watermark, which never loses records)
- replicas identical: every broker's segment files hold the same record batches for every partition
Reported only: the longest window in which no produce was acknowledged (any partition, and the worst single
partition), failed deliveries, fatal producer errors, commit failures, rebalances.
"""

from __future__ import annotations

import struct
import time
from collections import defaultdict

from chaos_workload import ConsumerRecord, ProducerRecord, parse_value


def _sample(items, n: int = 5) -> str:
    items = sorted(items)
    return ", ".join(map(str, items[:n])) + (f", ... ({len(items)} in all)" if len(items) > n else "")


class Verdict:
    def __init__(self):
        self.rows: list[tuple[str, str, str]] = []  # (check, value, "ok" | "FAIL" | "")
        self.details: list[str] = []

    def invariant(self, name: str, count: int, value: str | None = None, detail: str = ""):
        self.rows.append((name, value if value is not None else str(count), "ok" if count == 0 else "FAIL"))
        if count and detail:
            self.details.append(f"{name}: {detail}")

    def info(self, name: str, value: str):
        self.rows.append((name, value, ""))

    @property
    def passed(self) -> bool:
        return all(v != "FAIL" for _, _, v in self.rows)

    def table(self) -> str:
        width = max(len(r[0]) for r in self.rows)
        vwidth = max(len(r[1]) for r in self.rows)
        lines = [f"| {'check'.ljust(width)} | {'value'.ljust(vwidth)} |      |",
                 f"|{'-' * (width + 2)}|{'-' * (vwidth + 2)}|------|"]
        lines += [f"| {n.ljust(width)} | {v.ljust(vwidth)} | {s.ljust(4)} |" for n, v, s in self.rows]
        return "\n".join(lines + self.details)


def producer_epochs(batches: list[tuple[int, bytes]]) -> dict[int, tuple[int, int]]:
    """{offset: (producer id, producer epoch)} from record batches as Broker.partition_batches returns them."""
    out = {}
    for base, batch in batches:
        if len(batch) < 61 or batch[16] != 2:  # 12-byte prefix + a v2 header is 61 bytes
            continue
        (last_offset_delta,) = struct.unpack_from(">i", batch, 23)
        producer_id, producer_epoch = struct.unpack_from(">qh", batch, 43)
        for offset in range(base, base + last_offset_delta + 1):
            out[offset] = (producer_id, producer_epoch)
    return out


def check_log(verdict: Verdict, final: dict[int, list[tuple[int, bytes]]], produced: ProducerRecord,
              epochs: dict[int, dict[int, tuple[int, int]]]):
    """`epochs`: {partition: producer_epochs(one replica's batches)}."""
    present: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    out_of_order, misplaced, foreign = [], [], 0
    for p, records in final.items():
        last_seq: dict[int, int] = {}
        for offset, value in records:
            key = parse_value(value)
            if key is None:
                foreign += 1
                continue
            present[key].append(offset)
            inst, part, seq = key
            if part != p:
                misplaced.append((p, offset))
            if inst in last_seq and seq < last_seq[inst]:
                out_of_order.append((p, offset))
            last_seq[inst] = max(seq, last_seq.get(inst, -1))
    lost = [k for k in produced.acked if k not in present]
    moved = [(k[1], o) for k, o in produced.acked.items()
             if o is not None and o >= 0 and k in present and o not in present[k]]
    dups = {k: offs for k, offs in present.items() if len(offs) > 1}
    same_epoch = {k: offs for k, offs in dups.items()
                  if len({epochs.get(k[1], {}).get(o) for o in offs}) < len(offs)}
    unknown = sum(1 for o in produced.acked.values() if o is None or o < 0)
    verdict.info("records sent / acknowledged", f"{produced.sent} / {len(produced.acked)}" +
                 (f" ({unknown} without an offset)" if unknown else ""))
    verdict.invariant("acknowledged records lost", len(lost),
                      detail=f"(instance, partition, seq): {_sample(lost)}")
    verdict.invariant("acknowledged at another offset", len(moved),
                      detail=f"(partition, acknowledged offset): {_sample(moved)}")
    verdict.invariant("duplicates within one producer epoch", sum(len(o) - 1 for o in same_epoch.values()),
                      detail=f"(instance, partition, seq) at offsets: "
                             f"{_sample(f'{k} at {v}' for k, v in same_epoch.items())}")
    across = {k: offs for k, offs in dups.items() if k not in same_epoch}
    verdict.info("duplicates across producer epochs (client re-sent after an epoch bump)",
                 str(sum(len(o) - 1 for o in across.values())) + (
                     f": {_sample(f'{k} at {[(o, epochs[k[1]].get(o)) for o in v]}' for k, v in across.items())}"
                     if across else ""))
    verdict.invariant("out-of-order records (per partition and producer)", len(out_of_order) + len(misplaced),
                      detail=f"(partition, offset): {_sample(out_of_order + misplaced)}")
    if foreign:
        verdict.info("records not written by the workload", str(foreign))


def check_consumer(verdict: Verdict, final: dict[int, list[tuple[int, bytes]]], consumed: ConsumerRecord):
    at = {p: dict(records) for p, records in final.items()}
    differ = [(p, o) for p, o, v in consumed.seen if at.get(p, {}).get(o) != v]
    verdict.info("records consumed by the group consumer (with re-deliveries)",
                 f"{len(consumed.seen)} ({len(consumed.seen) - len({(p, o) for p, o, _ in consumed.seen})} "
                 f"re-delivered, {consumed.rebalances} assignments)")
    verdict.invariant("consumed records that differ from the final log", len(differ),
                      detail=f"(partition, offset): {_sample(differ)}")
    events = sorted([(t, p, o, "commit") for t, p, o in consumed.commits] +
                    [(t, p, o, "read") for t, p, o in consumed.readbacks])
    high: dict[int, int] = {}
    backwards = []
    for t, p, o, kind in events:
        if kind == "read" and o < high.get(p, -1):
            backwards.append((p, high[p], o))
        high[p] = max(high.get(p, -1), o)
    verdict.invariant("committed offsets that went backwards", len(backwards),
                      detail=f"(partition, earlier, later): {_sample(backwards)}")
    verdict.info("commits acknowledged / failed, read-backs", f"{len(consumed.commits)} / {consumed.commit_failures}, "
                 f"{len(consumed.readbacks)}")


def unavailability(ack_times: list[tuple[float, int]], start: float, end: float,
                   partitions: int) -> tuple[tuple[float, float], tuple[float, float, int]]:
    """((longest gap with no acknowledgement at all, its start relative to `start`),
    (longest gap of a single partition, its start, the partition))."""
    times = sorted(t for t, _ in ack_times)
    edges = [start] + times + [end]
    gap = max(((b - a, a - start) for a, b in zip(edges, edges[1:])), default=(0.0, 0.0))
    worst = (0.0, 0.0, -1)
    per = defaultdict(list)
    for t, p in ack_times:
        per[p].append(t)
    for p in range(partitions):
        e = [start] + sorted(per[p]) + [end]
        g = max(((b - a, a - start) for a, b in zip(e, e[1:])), default=(0.0, 0.0))
        if g[0] > worst[0]:
            worst = (g[0], g[1], p)
    return gap, worst


def compare_replicas(cluster, topic: str, partitions: int, timeout: float) -> tuple[int, list[str]]:
    """Waits up to `timeout` for every broker's segment files to hold identical batches for each partition;
    returns (partitions that still differ, a description of the first difference of each)."""
    deadline = time.monotonic() + timeout
    while True:
        differ = []
        for p in range(partitions):
            logs = {b.broker_id: b.partition_batches(topic, p) for b in cluster.brokers}
            if len({tuple(batches) for batches in logs.values()}) > 1:
                differ.append(_first_difference(topic, p, logs))
        if not differ or time.monotonic() > deadline:
            return len(differ), differ
        time.sleep(1.0)


def _first_difference(topic: str, p: int, logs: dict[int, list[tuple[int, bytes]]]) -> str:
    sizes = ", ".join(f"broker {bid}: {len(b)} batches, last base offset {b[-1][0] if b else None}"
                      for bid, b in logs.items())
    for i in range(max(len(b) for b in logs.values())):
        row = {bid: b[i] if i < len(b) else None for bid, b in logs.items()}
        if len({r[1] if r else None for r in row.values()}) > 1:
            where = {bid: (r[0], len(r[1])) if r else None for bid, r in row.items()}
            return f"{topic}-{p}: {sizes}; batch #{i} (base offset, bytes) per broker: {where}"
    return f"{topic}-{p}: {sizes}"
