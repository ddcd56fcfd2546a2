#!/usr/bin/env bash
# The chaos suite: 3 brokers and a 3-member ZooKeeper ensemble in network namespaces, a workload running
# throughout, faults at random, and a verdict on what the clients were promised (scripts/chaos.py does the work).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
USER_SERVER_BIN="${GREGOR_SERVER_BIN:-}"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<USAGE
Usage: scripts/chaos.sh [--minutes N] [--seed S] [--one-of-each | --faults LIST] [--overlap P]
                        [--partitions N] [--rate N] [--producer-debug CONTEXTS] [--keep] [--debug] [--no-build]

Starts a 3-member ZooKeeper ensemble and 3 brokers (zookeeper.session.timeout.ms=6000,
replica.lag.time.max.ms=5000), each in its own network namespace joined to the others by veth pairs, and a
topic (RF 3, min.insync.replicas=2) with an idempotent acks=all producer and a committing group consumer. For
--minutes (default 5) it injects faults one after another, each kind once first, then at random: kill -9 of a
partition leader or of the controller and a restart, SIGSTOP of a broker past its session timeout, a broker cut
from ZooKeeper or from the other brokers, a restart of one ZooKeeper member, a rolling SIGTERM restart. Then
it heals everything and prints: acknowledged records lost, duplicates, out-of-order records, committed offsets
that went backwards, the longest unavailability window, whether every replica's log is identical.
Exit status 0 if every invariant held, 1 if not, 2 if network namespaces cannot be created.

  --minutes N     how long faults are injected (default 5; fractions allowed)
  --seed S        seed of every random choice (default: random; printed, so a run can be repeated)
  --one-of-each   each kind of fault exactly once, in random order, then the checks (what the test suite runs)
  --faults LIST   exactly these faults in this order, e.g. kill-controller,rolling-restart (to repeat a
                  sequence); kinds: kill-leader kill-controller pause cut-zookeeper cut-brokers
                  zookeeper-restart rolling-restart
  --overlap P     probability (0..1, default 0) of starting the next fault before the cluster recovered from
                  the last one (every fault is still undone before the next starts)
  --partitions N  partitions of the topic (default 6)
  --rate N        records produced per second (default 300)
  --producer-debug CONTEXTS
                  librdkafka debug contexts for the producer (e.g. eos,broker,protocol), logged to
                  producer-debug.log in the run's folder
  --keep          keep logs and data also after a passing run (a failing run always keeps them)
  --debug         use (and build) the debug gregor-server instead of the release one
  --no-build      do not build; use the existing binary
Needs root (or CAP_NET_ADMIN) for the namespaces. Logs and data: var/chaos/run-<time>-<pid>/.
Environment: GREGOR_BIN_DIR or GREGOR_SERVER_BIN (server binary), GREGOR_PYTHON (a Python with
confluent-kafka; default .venv/bin/python).
USAGE
}

build=1 debug=0
py_args=()
minutes=5
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --minutes)
            if (($# < 2)) || ! [[ "$2" =~ ^[0-9]+([.][0-9]+)?$ ]]; then die "$1 needs a number"; fi
            minutes="$2"
            shift
            ;;
        --overlap)
            if (($# < 2)) || ! [[ "$2" =~ ^(0([.][0-9]+)?|1)$ ]]; then die "$1 needs a probability (0..1)"; fi
            py_args+=("$1" "$2")
            shift
            ;;
        --seed | --partitions | --rate)
            if (($# < 2)) || ! [[ "$2" =~ ^[0-9]+$ ]]; then die "$1 needs a whole number"; fi
            py_args+=("$1" "$2")
            shift
            ;;
        --faults | --producer-debug)
            if (($# < 2)) || ! [[ "$2" =~ ^[a-z,-]+$ ]]; then die "$1 needs a comma-separated list"; fi
            py_args+=("$1" "$2")
            shift
            ;;
        --one-of-each | --keep) py_args+=("$1") ;;
        --debug) debug=1 ;;
        --no-build) build=0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

config=release
((debug)) && config=debug
if [[ -z "$USER_SERVER_BIN" && -n "${GREGOR_BIN_DIR:-}" ]]; then
    GREGOR_SERVER_BIN="$GREGOR_BIN_DIR/gregor-server"
elif [[ -z "$USER_SERVER_BIN" ]]; then
    if ((build)); then
        info "building: swift build -c $config --product gregor-server"
        swift build -c "$config" --product gregor-server >&2 || die "swift build -c $config --product gregor-server failed"
    fi
    GREGOR_SERVER_BIN="$ROOT/.build/$config/gregor-server"
fi
[[ -x "$GREGOR_SERVER_BIN" ]] || die "gregor-server not found: $GREGOR_SERVER_BIN (build it, or drop --no-build)"

PYTHON="${GREGOR_PYTHON:-$ROOT/.venv/bin/python}"
[[ -x "$PYTHON" ]] || die "$PYTHON not found; run scripts/setup.sh --deps-only (creates .venv with confluent-kafka)"

seconds="$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')"
base="$VAR_DIR/chaos/run-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$(dirname "$base")"
info "server $GREGOR_SERVER_BIN; faults for ${seconds}s; files in $(rel "$base")"
# chaos.py removes its namespaces and processes on exit, Ctrl-C and SIGTERM; its children die with it.
exec "$PYTHON" "$ROOT/scripts/chaos.py" --server-bin "$GREGOR_SERVER_BIN" --seconds "$seconds" --base "$base" "${py_args[@]}"
