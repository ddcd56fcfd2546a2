"""The chaos suite's checks (chaos_check.py) on made-up histories: each invariant fails on the anomaly it is
there to catch and passes on a clean history, so a green chaos run means something. No processes."""

from __future__ import annotations

import struct

from chaos_check import Verdict, check_consumer, check_log, compare_replicas, producer_epochs, unavailability
from chaos_workload import ConsumerRecord, ProducerRecord


def _v(inst: int, p: int, seq: int) -> bytes:
    return f"{inst}:{p}:{seq}".encode()


def _produced(acked: dict) -> ProducerRecord:
    return ProducerRecord(acked=dict(acked), sent=len(acked))


def _row(verdict: Verdict, name: str) -> tuple[str, str]:
    return next((value, status) for n, value, status in verdict.rows if n == name)


def _epochs(final: dict, epoch_of=lambda p, offset: 0) -> dict:
    """Every record in its own batch of producer id 7, epoch `epoch_of(partition, offset)`."""
    return {p: {o: (7, epoch_of(p, o)) for o, _ in records} for p, records in final.items()}


CLEAN = {0: [(0, _v(0, 0, 0)), (1, _v(0, 0, 1)), (2, _v(0, 0, 2))], 1: [(0, _v(0, 1, 0))]}
ACKED = {(0, 0, 0): 0, (0, 0, 1): 1, (0, 0, 2): 2, (0, 1, 0): 0}


def test_clean_history_passes():
    verdict = Verdict()
    check_log(verdict, CLEAN, _produced(ACKED), _epochs(CLEAN))
    consumed = ConsumerRecord(seen=[(0, 0, _v(0, 0, 0)), (0, 1, _v(0, 0, 1))],
                              commits=[(1.0, 0, 2)], readbacks=[(1.5, 0, 2), (2.0, 0, 2)])
    check_consumer(verdict, CLEAN, consumed)
    assert verdict.passed, verdict.table()


def test_lost_record_fails():
    verdict = Verdict()
    final = {0: CLEAN[0][:2], 1: CLEAN[1]}  # seq 2 of partition 0 acknowledged, then gone
    check_log(verdict, final, _produced(ACKED), _epochs(final))
    assert _row(verdict, "acknowledged records lost") == ("1", "FAIL")
    assert not verdict.passed


def test_duplicate_and_reordering_and_wrong_offset_fail():
    verdict = Verdict()
    final = {0: [(0, _v(0, 0, 0)), (1, _v(0, 0, 2)), (2, _v(0, 0, 1)), (3, _v(0, 0, 2))], 1: CLEAN[1]}
    check_log(verdict, final, _produced(ACKED), _epochs(final))
    assert _row(verdict, "duplicates within one producer epoch") == ("1", "FAIL")
    assert _row(verdict, "out-of-order records (per partition and producer)") == ("1", "FAIL")  # seq 1 after 2
    # seq 1 was acknowledged at offset 1 and seq 2 at 2: neither is (only) there
    assert _row(verdict, "acknowledged at another offset") == ("2", "FAIL")


def test_a_copy_under_a_bumped_producer_epoch_is_reported_not_failed():
    final = {0: [(0, _v(0, 0, 0)), (1, _v(0, 0, 1)), (2, _v(0, 0, 1)), (3, _v(0, 0, 2))]}
    acked = {(0, 0, 0): 0, (0, 0, 1): 2, (0, 0, 2): 3}
    verdict = Verdict()
    check_log(verdict, final, _produced(acked), _epochs(final, lambda p, o: 0 if o < 2 else 1))
    assert verdict.passed, verdict.table()
    assert _row(verdict, "duplicates across producer epochs (client re-sent after an epoch bump)")[0].startswith("1")


def test_producer_epochs_read_from_batch_headers():
    def batch(base: int, count: int, producer_id: int, epoch: int) -> tuple[int, bytes]:
        header = struct.pack(">qiibIhiqqqhii", base, 49, 0, 2, 0, 0, count - 1, 0, 0, producer_id, epoch, 0, count)
        return base, header
    assert producer_epochs([batch(0, 2, 5, 1), batch(2, 1, 5, 2)]) == {0: (5, 1), 1: (5, 1), 2: (5, 2)}


def test_an_acknowledgement_without_offset_is_checked_for_loss_only():
    verdict = Verdict()
    check_log(verdict, CLEAN, _produced({**ACKED, (0, 0, 1): -1, (0, 0, 2): None}), _epochs(CLEAN))
    assert verdict.passed, verdict.table()
    verdict = Verdict()
    check_log(verdict, {0: CLEAN[0][:1], 1: CLEAN[1]}, _produced({**ACKED, (0, 0, 1): None}), _epochs(CLEAN))
    assert _row(verdict, "acknowledged records lost") == ("2", "FAIL")


def test_a_new_producer_instance_starts_its_own_sequence():
    verdict = Verdict()
    final = {0: [(0, _v(0, 0, 0)), (1, _v(0, 0, 1)), (2, _v(1, 0, 0)), (3, _v(1, 0, 1))]}
    check_log(verdict, final, _produced({}), _epochs(final))
    assert verdict.passed, verdict.table()


def test_committed_offset_going_backwards_fails():
    verdict = Verdict()
    consumed = ConsumerRecord(commits=[(1.0, 0, 3)], readbacks=[(1.1, 0, 3), (2.0, 0, 1)])
    check_consumer(verdict, CLEAN, consumed)
    assert _row(verdict, "committed offsets that went backwards") == ("1", "FAIL")
    verdict = Verdict()  # a read-back below an acknowledged commit counts too (the commit was lost)
    check_consumer(verdict, CLEAN, ConsumerRecord(commits=[(1.0, 0, 3)], readbacks=[(2.0, 0, 2)]))
    assert _row(verdict, "committed offsets that went backwards") == ("1", "FAIL")


def test_consumed_record_missing_from_final_log_fails():
    verdict = Verdict()
    check_consumer(verdict, CLEAN, ConsumerRecord(seen=[(0, 1, _v(0, 0, 1)), (0, 3, _v(0, 0, 3))]))
    assert _row(verdict, "consumed records that differ from the final log") == ("1", "FAIL")


def test_unavailability_windows():
    acks = [(10.0, 0), (11.0, 1), (17.0, 0), (18.0, 1)]
    (gap, at), (worst, worst_at, p) = unavailability(acks, start=9.0, end=20.0, partitions=2)
    assert (gap, at) == (6.0, 2.0)
    assert (worst, worst_at, p) == (7.0, 1.0, 0)


class _FakeBroker:
    def __init__(self, broker_id: int, batches: dict[int, list[tuple[int, bytes]]]):
        self.broker_id, self.batches = broker_id, batches

    def partition_batches(self, _topic: str, partition: int):
        return self.batches.get(partition, [])


class _FakeCluster:
    def __init__(self, brokers):
        self.brokers = brokers


def test_replica_comparison_finds_a_diverged_batch():
    same = {0: [(0, b"a"), (1, b"b")]}
    assert compare_replicas(_FakeCluster([_FakeBroker(1, same), _FakeBroker(2, same)]), "t", 1, 0) == (0, [])
    diverged = {0: [(0, b"a"), (1, b"c")]}
    differ, details = compare_replicas(_FakeCluster([_FakeBroker(1, same), _FakeBroker(2, diverged)]), "t", 1, 0)
    assert differ == 1 and "batch #1" in details[0], details
