#!/usr/bin/env bash
# Fuzzes a real broker with structure-aware, damaged requests (gregor-fuzz) and reports crashes, hangs and the
# broker's memory. Usage: scripts/fuzz.sh [N] [--seed S] [--connections C] [--no-build] [--keep]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<USAGE
Usage: scripts/fuzz.sh [N] [--seed S] [--connections C] [--no-build] [--keep]

Starts a private ZooKeeper and one broker (auto.create.topics.enable=false) in a temporary folder, creates the
topics fuzz-0, fuzz-1 and fuzz-2 (3 partitions each), and sends N inputs (default 10,000,000) with gregor-fuzz:
requests for every API and version the schemas describe, built field by field with boundary values, half of them
then damaged byte by byte, plus raw frames (unknown APIs and versions, lying size prefixes). Prints inputs tried,
answers, connections the broker closed, hangs, crashes, distinct failures and the broker's RSS, then checks that
the broker still serves a new connection. A failing input is saved as a reproducer (replay it with
gregor-fuzz --replay FILE). Exits 1 on any crash or hang.
Options:
  --seed S         the campaign's seed (default: the current time); the same seed gives the same inputs
  --connections C  concurrent connections (default 8)
  --no-build       use the existing release binaries
  --keep           keep the temporary folder (broker and ZooKeeper logs, reproducers)
USAGE
}

inputs=10000000 seed="$(date +%s)" connections=8 build=1 keep=0
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --seed | --connections)
            if (($# < 2)) || ! [[ "$2" =~ ^[0-9]+$ ]]; then die "$1 needs a number"; fi
            if [[ "$1" == --seed ]]; then seed="$2"; else connections="$2"; fi
            shift
            ;;
        --no-build) build=0 ;;
        --keep) keep=1 ;;
        [0-9]*) [[ "$1" =~ ^[0-9]+$ ]] || die "N must be a number"; inputs="$1" ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

BIN_DIR="${GREGOR_BIN_DIR:-}"
if [[ -z "$BIN_DIR" ]]; then
    if ((build)); then
        info "building: swift build -c release --product gregor-server / gregor-fuzz / gregor"
        for product in gregor-server gregor-fuzz gregor; do
            swift build -c release --product "$product" >&2 || die "swift build -c release --product $product failed"
        done
    fi
    BIN_DIR="$(swift build -c release --show-bin-path)"
fi
for binary in gregor-server gregor-fuzz gregor; do
    [[ -x "$BIN_DIR/$binary" ]] || die "$binary not found in $BIN_DIR"
done
PYTHON="${GREGOR_PYTHON:-$ROOT/.venv/bin/python}"
[[ -x "$PYTHON" ]] || PYTHON=python3

BASE="$(mktemp -d "${TMPDIR:-/tmp}/gregor-fuzz.XXXXXX")"
cleanup() {
    "$PYTHON" "$ROOT/Tests/Interop/gregor_harness.py" down --base "$BASE" >/dev/null 2>&1 || true
    if ((keep)); then info "logs kept in $BASE"; else rm -rf "$BASE"; fi
}
trap cleanup EXIT

"$PYTHON" "$ROOT/Tests/Interop/gregor_harness.py" up --base "$BASE" --server-bin "$BIN_DIR/gregor-server" \
    --override auto.create.topics.enable=false --override log.segment.bytes=1048576 >"$BASE/up.log" \
    || die "the broker did not start: $(tail -5 "$BASE/up.log")"
# shellcheck disable=SC1091
source "$BASE/cluster.env"
for topic in fuzz-0 fuzz-1 fuzz-2; do
    "$BIN_DIR/gregor" topics --bootstrap-server "$BOOTSTRAP" --create --topic "$topic" --partitions 3 \
        --replication-factor 1 >/dev/null
done

info "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM; broker pid $BROKER_PID at $BOOTSTRAP"
status=0
"$BIN_DIR/gregor-fuzz" --bootstrap "$BOOTSTRAP" --pid "$BROKER_PID" --inputs "$inputs" --seed "$seed" \
    --connections "$connections" --out "$BASE/failures" || status=$?

if kill -0 "$BROKER_PID" 2>/dev/null && "$BIN_DIR/gregor" topics --bootstrap-server "$BOOTSTRAP" --list >/dev/null; then
    info "the broker is alive and serves a new connection"
else
    info "the broker is gone: $(tail -20 "$BROKER_LOG")"
    status=1
fi
if ((status != 0)); then
    keep=1
    info "failures (seed $seed): reproducers in $BASE/failures"
fi
exit "$status"
