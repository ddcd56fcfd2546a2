"""Broker settings the benchmarks take from conf/server.properties, so that they measure the broker as shipped.

Only the socket buffers: the shipped configuration sets them to -1 (the kernel's default, with its autotuning),
while a broker started without them gets Kafka's built-in 102400, which caps every connection's TCP window.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

SERVER_PROPERTIES = Path(__file__).resolve().parents[2] / "conf" / "server.properties"
KEYS = ("socket.send.buffer.bytes", "socket.receive.buffer.bytes")


def socket_buffers(path: Path = SERVER_PROPERTIES) -> dict[str, str]:
    """The socket buffer keys set in `path` (a key it does not set is left out)."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "!")):
            continue
        key, sep, value = line.partition("=")
        if sep and key.strip() in KEYS:
            found[key.strip()] = value.strip()
    return found


def describe(properties: dict[str, str]) -> str:
    """One line for a benchmark's log: which of these settings its brokers run with."""
    shown = ", ".join(f"{key}={properties[key]}" for key in KEYS if key in properties)
    return f"{shown} (as in conf/server.properties)" if shown else "Kafka's default socket buffers"


def with_overrides(pairs: Iterable[str], error: Callable[[str], object]) -> dict[str, str]:
    """The shipped socket buffers, then each KEY=VALUE of `pairs` (a benchmark's --override) on top; a pair without
    '=' or without a key goes to `error` (argparse's `parser.error`, which exits)."""
    properties = socket_buffers()
    for kv in pairs:
        key, sep, value = kv.partition("=")
        if not sep or not key:
            error(f"--override needs KEY=VALUE, got {kv!r}")
        properties[key] = value
    return properties
