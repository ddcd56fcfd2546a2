#!/usr/bin/env bash
# Consumer offset commits against ZooKeeper's own write rate, and the time a group takes to rebalance after a
# clean leave. Prints a Markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CALLER_DIR="$PWD"
cd "$ROOT"
USER_SERVER_BIN="${GREGOR_SERVER_BIN:-}"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/../..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<USAGE
Usage: scripts/bench/commits.sh [--seconds N] [--groups N] [--partitions N] [--window N] [--procs N]
                                [--zk-procs N] [--zk-inflight N] [--rounds N] [--heartbeat-ms N]
                                [--no-build] [--keep] [--quick] [--summary FILE]

1. Builds the release gregor-server (swift build -c release --product gregor-server) unless --no-build or
   GREGOR_SERVER_BIN is given.
2. Starts a private ZooKeeper and one broker on free loopback ports with Tests/Interop/gregor_harness.py up
   (group.initial.rebalance.delay.ms=0), in a temporary folder, and stops them at the end (down).
3. Runs scripts/bench/commits.py against them:
   - --groups commit-only groups (default 50) each committing --partitions partitions (default 10) of one
     topic in a loop for --seconds (default 10), raw OffsetCommit requests with --window (default 4) in flight
     per group connection, spread over --procs client processes (default 2): requests/s, partition offsets/s,
     p50/p99 latency;
   - ZooKeeper's own write rate in the same run, against the same ZooKeeper: async kazoo set()s, many in
     flight (--zk-procs kazoo clients, default 1, --zk-inflight each, default 1000), for the same time after a
     2 s warm-up; the ratio of committed offsets/s to set()s/s (target >= 80%);
   - a 3-member confluent-kafka group on 6 partitions: time from one member's close() until both others have
     their new assignment, --rounds times (default 5; target < 1 s), members with heartbeat.interval.ms
     --heartbeat-ms (default 100).
Options:
  --no-build   use the existing .build/release/gregor-server
  --keep       keep the temporary folder (broker and ZooKeeper logs)
  --quick      a short setting (under a minute): --seconds 3 --rounds 2, 1 s of ZooKeeper warm-up (options given
               explicitly still win)
  --summary FILE  append the headline figures to FILE as JSON lines (see scripts/bench/bench_summary.py)
Environment: GREGOR_SERVER_BIN (server binary), GREGOR_PYTHON (a Python with confluent-kafka and kazoo; default
.venv/bin/python).
USAGE
}

build=1 keep=0 quick=0
py_args=()
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --seconds | --groups | --partitions | --window | --procs | --zk-procs | --zk-inflight | --rounds | --heartbeat-ms)
            if (($# < 2)) || ! [[ "$2" =~ ^[0-9]+([.][0-9]+)?$ ]]; then die "$1 needs a number"; fi
            py_args+=("$1" "$2")
            shift
            ;;
        --no-build) build=0 ;;
        --keep) keep=1 ;;
        --quick) quick=1 ;;
        --summary)
            (($# >= 2)) || die "--summary needs a file"
            summary="$2"
            [[ "$summary" == /* ]] || summary="$CALLER_DIR/$summary"
            py_args+=(--summary "$summary")
            shift
            ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

bench_one_broker commits "$build" "$keep" "$USER_SERVER_BIN" --override group.initial.rebalance.delay.ms=0

# Explicit options come after the --quick ones: the last of a repeated option wins.
quick_args=()
if ((quick)); then quick_args=(--seconds 3 --rounds 2 --zk-warmup 1); fi
"$PYTHON" "$ROOT/scripts/bench/commits.py" --bootstrap "$BOOTSTRAP" --zk-connect "$ZK_CONNECT" \
    "${quick_args[@]}" "${py_args[@]}"
