"""What an exit status of librdkafka's rdkafka_performance means (shared by the benchmarks that run it)."""

from __future__ import annotations

import re

_PRODUCED = re.compile(r"% (\d+) messages produced \(\d+ bytes\), (\d+) delivered \(offset -?\d+, (\d+) failed\)")


def succeeded(returncode: int, output: str) -> bool:
    """True for exit 0, and for a producer that exits 1 although its last line reports every message it produced
    delivered and none failed.

    At exit, rdkafka_performance (librdkafka 2.0.2, examples/rdkafka_performance.c) subtracts `rd_kafka_outq_len()`
    from the messages it produced and exits 1 unless that equals the delivered count. `rd_kafka_outq_len()` also
    counts callbacks and events still waiting to be served, not only messages, so an event still queued at that
    moment fails a complete run: its last line then reads, say, "999999 messages produced ..., 1000000 delivered
    (offset 999999, 0 failed)". A run that really lost a message reports it as failed, or delivers fewer.
    """
    if returncode == 0:
        return True
    lines = list(_PRODUCED.finditer(output))
    if returncode != 1 or not lines:
        return False
    produced, delivered, failed = (int(g) for g in lines[-1].groups())
    return failed == 0 and delivered >= produced
