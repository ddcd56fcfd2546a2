#!/usr/bin/env bash
# Many partitions on three brokers: creation time, idle CPU, RSS per 1,000 partition replicas, startup and recovery
# time after SIGTERM / kill -9 of all brokers, controller failover. Prints a Markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
USER_SERVER_BIN="${GREGOR_SERVER_BIN:-}"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/../..
source "$ROOT/scripts/_common.sh"
# shellcheck source=scripts/bench/_bench.sh
source "$ROOT/scripts/bench/_bench.sh"

usage() {
    cat <<USAGE
Usage: scripts/bench/scale.sh [--partitions N] [--per-topic N] [--replication-factor N] [--batch N]
                              [--idle-seconds S] [--skip-restart] [--skip-failover]
                              [--quick] [--no-build] [--summary FILE] [--keep]

1. Uses GREGOR_SERVER_BIN (or \$GREGOR_BIN_DIR/gregor-server), else builds the release gregor-server
   (swift build -c release --product gregor-server) unless --no-build.
2. Starts a private ZooKeeper (tickTime 500 ms) and 3 brokers (zookeeper.session.timeout.ms=6000) on free ports
   with Tests/Interop/gregor_harness.py in a temporary folder; scripts/bench/scale.py measures, in order:
   - baseline VmRSS and idle CPU of each broker with no topics;
   - creation: --partitions partitions (default 10000) as topics of --per-topic (default 100), replication factor
     --replication-factor (default 3), --batch topics per CreateTopics request (default 10): time from the first
     request until Metadata shows every partition with a leader and a full ISR, and until every replica's log
     directory exists;
   - idle CPU of each broker over --idle-seconds (default 20), % of one core (flagged above 5 %), and VmRSS growth
     as MiB per 1,000 partition replicas the broker hosts;
   - SIGTERM of all three, start again: time until every partition is led with a full ISR; the same after kill -9
     of all three (unclean shutdown: log recovery, and the old ZooKeeper sessions must expire first);
   - kill -9 of the controller: time until a new controller, and until every partition it led has a new leader
     (as scripts/bench/failover.sh (b)).
Options:
  --quick         2000 partitions, 10 s idle sample, 5 s baseline: about 2 minutes on a busy 2-core machine (the
                  default 10,000 partitions: expect several minutes, mostly the restarts' ISR expansions)
  --no-build      use the existing .build/release/gregor-server
  --summary FILE  append the headline figures as JSON lines, one object per figure (scripts/bench/all.sh reads them)
  --skip-restart  leave out the SIGTERM / kill -9 restarts; --skip-failover: the controller failover
  --keep          keep the temporary folder (broker and ZooKeeper logs)
Environment: GREGOR_SERVER_BIN or GREGOR_BIN_DIR (server binary), GREGOR_PYTHON (a Python with confluent-kafka and
kazoo; default .venv/bin/python, else python3).
USAGE
}

build=1 keep=0 quick=0
py_args=()
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --partitions | --per-topic | --replication-factor | --batch | --idle-seconds)
            if (($# < 2)) || ! [[ "$2" =~ ^[0-9]+$ ]]; then die "$1 needs a number"; fi
            py_args+=("$1" "$2")
            shift
            ;;
        --summary)
            (($# >= 2)) || die "--summary needs a file"
            py_args+=(--summary "$(realpath -m "$2")")
            shift
            ;;
        --skip-restart | --skip-failover) py_args+=("$1") ;;
        --quick) quick=1 ;;
        --no-build) build=0 ;;
        --keep) keep=1 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done
# --quick's settings go first: an explicit --partitions or --idle-seconds after them wins (argparse: last one).
if ((quick)); then
    py_args=(--partitions 2000 --idle-seconds 10 --baseline-idle-seconds 5 "${py_args[@]}")
fi

ensure_server_bin "$build"

PYTHON="$(bench_python)"

BASE="$(mktemp -d "${TMPDIR:-/tmp}/gregor-bench-scale.XXXXXX")"
cleanup() {
    if ((keep)); then
        info "logs kept in $BASE" >&2
    else
        rm -rf "$BASE"
    fi
}
trap cleanup EXIT

info "3 brokers ($GREGOR_SERVER_BIN) and ZooKeeper in $BASE" >&2
# scale.py starts and stops the processes itself (they die with it: PR_SET_PDEATHSIG).
"$PYTHON" "$ROOT/scripts/bench/scale.py" --base "$BASE" --server-bin "$GREGOR_SERVER_BIN" "${py_args[@]}"
