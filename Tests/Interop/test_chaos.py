"""The chaos suite, short: scripts/chaos.py with a fixed seed and `--one-of-each`, i.e. every kind of fault exactly
once (kill -9 of a partition leader and of the controller, SIGSTOP past the session timeout, a broker cut from
ZooKeeper and from the other brokers, a ZooKeeper member restarted, a rolling restart) against 3 brokers and a
3-member ZooKeeper ensemble in network namespaces of their own, with an idempotent acks=all producer and a
committing group consumer running throughout. The driver's own checks decide (see Tests/Interop/chaos_check.py);
this test asserts its exit status and that every fault kind ran.

Needs root (CAP_NET_ADMIN) for the namespaces: without it the test fails saying so, it does not skip.
"""

from __future__ import annotations

import ctypes
import json
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from chaos_nemesis import KINDS
from conftest import needs_gregor_process

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261206
DRIVER_TIMEOUT_S = 540

pytestmark = pytest.mark.timeout(DRIVER_TIMEOUT_S + 60)


def _term_with_parent():  # the driver cleans up (namespaces, processes) if pytest dies
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def test_chaos_one_of_each_fault_keeps_every_promise(interop_tmp, server_bin):
    needs_gregor_process()
    base = interop_tmp / f"chaos-{uuid.uuid4().hex[:6]}"
    report = base.with_suffix(".json")
    output = base.with_suffix(".log")
    argv = [sys.executable, str(ROOT / "scripts" / "chaos.py"), "--server-bin", str(server_bin), "--one-of-each",
            "--seed", str(SEED), "--base", str(base), "--json", str(report)]
    with open(output, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_term_with_parent)
        try:
            status = proc.wait(DRIVER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.terminate()  # SIGTERM: the driver tears its namespaces down
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            pytest.fail(f"the chaos driver ran longer than {DRIVER_TIMEOUT_S}s; output:\n{_tail(output)}",
                        pytrace=False)
    text = output.read_text(errors="replace")
    if status == 2:
        pytest.fail(f"the chaos suite needs network namespaces (root or CAP_NET_ADMIN):\n{_tail(output, 5)}",
                    pytrace=False)
    assert report.exists(), f"the driver wrote no verdict (exit status {status}); output:\n{_tail(output)}"
    verdict = json.loads(report.read_text())
    ran = {fault.split(" ")[2].rstrip(":") for fault in verdict["faults"]}
    assert ran == set(KINDS), f"fault kinds that ran: {sorted(ran)}, expected {sorted(KINDS)}"
    failed = [row for row in verdict["rows"] if row["status"] == "FAIL"]
    assert status == 0 and verdict["passed"] and not failed, (
        f"chaos run (seed {SEED}) broke an invariant: {failed}\n" + "\n".join(verdict["details"]) +
        f"\n\ndriver output (tail):\n{text[-6000:]}")


def _tail(path: Path, lines: int = 80) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
