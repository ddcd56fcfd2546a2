"""Memory for the page cache of the benchmarks that store what they measure (produce-consume, replication).

This project's machine is a VM that gives memory it has not touched lately back to its host (the balloon's free page
reporting, DAMON reclaim). The first write into such a page costs a fault on the host: `dd` into a new file runs at
0.4-0.7 GB/s on it, against 1-3 GB/s into memory freed a moment earlier, and a 1 KiB produce ran at 330-470 MB/s
against 700-1,190 MB/s in alternating runs (2026-12-07). A broker that has been running holds a full page cache and
stores new records in the pages it evicts, which the guest holds; only a fresh machine writes into memory the host
took back. So before a timed run that stores N bytes, `recycle` writes N bytes into a scratch file beside the logs
and deletes it at once: the run then meets memory the guest holds, and measures the broker rather than the host's
page faults. The write's own speed is returned, so a log shows which memory the run would otherwise have met."""

from __future__ import annotations

import os
import time
from pathlib import Path

_CHUNK = 1 << 20


def recycle(directory: Path, size_bytes: int) -> float:
    """Writes `size_bytes` (at least 1 MiB) into a new file in `directory`, deletes it, and returns the write's MB/s.
    The pages go back to the kernel's free lists with the file; the dirty data is dropped, never written to disk."""
    path = Path(directory) / f"page-cache-recycle-{os.getpid()}"
    chunk = b"\0" * _CHUNK
    count = max(1, size_bytes // _CHUNK)
    started = time.monotonic()
    try:
        with open(path, "wb", buffering=0) as f:
            for _ in range(count):
                f.write(chunk)
        elapsed = time.monotonic() - started
    finally:
        path.unlink(missing_ok=True)
    return count * _CHUNK / 1e6 / max(elapsed, 1e-9)
