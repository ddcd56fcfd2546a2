"""A heartbeat for long benchmark steps: while a step runs (an rdkafka_performance run, a timed load), one line on
stderr every few seconds says what is running and how far it is, so a quiet minute is not mistaken for a hang.
Stdout, which carries the results table, is untouched."""

from __future__ import annotations

import sys
import threading
import time


def heartbeat_line(prefix: str, what: str, elapsed: float, expected: float | None = None) -> str:
    """'produce-consume: gregor produce, run 1/3: 12 s' or, with an expected duration, '... 12 s of 30 s (40%)'."""
    line = f"{prefix}: {what}: {elapsed:.0f} s"
    if expected:
        line += f" of {expected:.0f} s ({min(100, int(elapsed * 100 / expected))}%)"
    return line


class Heartbeat:
    """`with Heartbeat("commits", "commit load", expected=10):` prints heartbeat_line every `interval` seconds."""

    def __init__(self, prefix: str, what: str, expected: float | None = None, interval: float = 5.0):
        self.prefix, self.what, self.expected, self.interval = prefix, what, expected, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._start = 0.0

    def __enter__(self):
        self._start = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False

    def _run(self):
        while not self._stop.wait(self.interval):
            print(heartbeat_line(self.prefix, self.what, time.monotonic() - self._start, self.expected),
                  file=sys.stderr, flush=True)
