#!/usr/bin/env bash
# Failover times of a 3-broker cluster: partition leader kill -9 -> first acks=all produce, and controller
# kill -9 -> new controller and every partition led, with many partitions. Prints a Markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CALLER_DIR="$PWD"
cd "$ROOT"
USER_SERVER_BIN="${GREGOR_SERVER_BIN:-}"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/../..
source "$ROOT/scripts/_common.sh"
# shellcheck source=scripts/bench/_bench.sh
source "$ROOT/scripts/bench/_bench.sh"

usage() {
    cat <<USAGE
Usage: scripts/bench/failover.sh [--rounds N] [--partitions N] [--topics N] [--rf N] [--skip-controller]
                                 [--shutdown-partitions N] [--rebalance-interval S]
                                 [--tick-time-ms N] [--no-build] [--keep] [--quick] [--summary FILE]

1. Uses \$GREGOR_BIN_DIR/gregor-server, or GREGOR_SERVER_BIN, else builds the release gregor-server
   (swift build -c release --product gregor-server) unless --no-build.
2. Starts a private ZooKeeper and 3 brokers (zookeeper.session.timeout.ms=6000) with
   Tests/Interop/gregor_harness.py in a temporary folder; scripts/bench/failover.py measures and stops them:
   (a) --rounds times (default 10): kill -9 of the leader of an RF=3, min.insync.replicas=2 partition -> first
       acknowledged acks=all produce; the killed broker is restarted between rounds. Target <= 7 s
       (session timeout + 1 s).
   (b) --partitions partitions (default 10000) in --topics topics (default 10), replication factor --rf
       (default 3): kill -9 of the controller -> (i) new /controller, (ii) every partition has a live leader;
       and both after the dead controller's session expired. Target < 2 s after the expiry.
   (c) 3 x --shutdown-partitions partitions (default 1000 led by each broker, RF=3) under an idempotent acks=all
       producer: SIGTERM of a broker (controlled shutdown) -> no partition led by it. Target < 1 s, 0 failed sends.
   (d) that broker restarted: back in every ISR -> every partition led by its preferred replica
       (leader.imbalance.check.interval.seconds --rebalance-interval, default 5, and
       leader.imbalance.per.broker.percentage=0, so that every partition goes back; given up after 120 s).
Options:
  --tick-time-ms  ZooKeeper's tickTime (default 500): expiry is checked once per tick, so with Kafka's sample
               2000 a dead broker's session ends up to 2 s after its timeout, whatever the broker does
  --no-build   use the existing .build/release/gregor-server
  --keep       keep the temporary folder (broker and ZooKeeper logs)
  --quick      a short setting (about a minute): --rounds 2 --partitions 2000 --topics 2
               --shutdown-partitions 100 (options given explicitly still win)
  --summary FILE  append the headline figures to FILE as JSON lines (see scripts/bench/bench_summary.py)
Environment: GREGOR_BIN_DIR or GREGOR_SERVER_BIN (server binary), GREGOR_PYTHON (a Python with confluent-kafka
and kazoo; default .venv/bin/python).
USAGE
}

build=1 keep=0 quick=0
py_args=()
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --rounds | --partitions | --topics | --rf | --shutdown-partitions | --rebalance-interval)
            if (($# < 2)) || ! [[ "$2" =~ ^[0-9]+$ ]]; then die "$1 needs a number"; fi
            py_args+=("$1" "$2")
            shift
            ;;
        --skip-controller) py_args+=("$1") ;;
        --tick-time-ms)
            if (($# < 2)) || ! [[ "$2" =~ ^[0-9]+$ ]]; then die "$1 needs a number"; fi
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

ensure_server_bin "$build"

PYTHON="$(bench_python)"

BASE="$(mktemp -d "${TMPDIR:-/tmp}/gregor-bench-failover.XXXXXX")"
cleanup() {
    if ((keep)); then
        info "logs kept in $BASE"
    else
        rm -rf "$BASE"
    fi
}
trap cleanup EXIT

info "3 brokers ($GREGOR_SERVER_BIN) and ZooKeeper in $BASE"
# failover.py starts and stops the processes itself (they die with it: PR_SET_PDEATHSIG).
# Explicit options come after the --quick ones: the last of a repeated option wins.
quick_args=()
if ((quick)); then quick_args=(--rounds 2 --partitions 2000 --topics 2 --shutdown-partitions 100); fi
"$PYTHON" "$ROOT/scripts/bench/failover.py" --base "$BASE" --server-bin "$GREGOR_SERVER_BIN" \
    "${quick_args[@]}" "${py_args[@]}"
