"""The --summary FILE contract of the benchmarks (scripts/bench/all.sh reads it): one JSON object per line per
headline figure, appended, so several benchmarks can write to the same file one after the other.

{"bench": "produce-consume", "metric": "produce 1 KiB", "value": 210.3, "unit": "MB/s", "limit": 1845.0,
 "limit_name": "mock broker", "ratio": 0.114, "target": ">= 0.6x mock", "met": false}

`limit` is the machine's bound measured in the same run (null when the figure is held against a fixed target
only, like a latency); `met` is null when the figure has no target (informational) or could not be judged."""

from __future__ import annotations

import json
import math


def _number(v):
    """A finite float, or None (JSON has no NaN)."""
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def summary_line(bench: str, metric: str, value, unit: str, limit=None, limit_name: str | None = None,
                 target: str | None = None, met: bool | None = None) -> dict:
    value, limit = _number(value), _number(limit)
    ratio = value / limit if value is not None and limit else None
    return {"bench": bench, "metric": metric, "value": value, "unit": unit, "limit": limit,
            "limit_name": limit_name, "ratio": ratio, "target": target,
            "met": None if met is None or value is None else bool(met)}


class Summary:
    """Collects summary lines and appends them to `path` (nothing when path is None)."""

    def __init__(self, path: str | None, bench: str):
        self.path, self.bench = path, bench

    def add(self, metric: str, value, unit: str, limit=None, limit_name: str | None = None,
            target: str | None = None, met: bool | None = None):
        if not self.path:
            return
        line = summary_line(self.bench, metric, value, unit, limit, limit_name, target, met)
        with open(self.path, "a") as f:
            f.write(json.dumps(line) + "\n")
