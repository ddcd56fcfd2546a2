#!/usr/bin/env bash
# Transactions per second (1, 10 and 100 records each) beside the idempotent produce rate and ZooKeeper's write
# rate in the same run, and read_committed consume against read_uncommitted. Prints a Markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CALLER_DIR="$PWD"
cd "$ROOT"
USER_SERVER_BIN="${GREGOR_SERVER_BIN:-}"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/../..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<USAGE
Usage: scripts/bench/transactions.sh [--seconds N] [--records N] [--no-build] [--keep] [--quick] [--summary FILE]

1. Builds the release gregor-server unless --no-build or GREGOR_SERVER_BIN is given.
2. Starts a private ZooKeeper and one broker on free loopback ports (Tests/Interop/gregor_harness.py), in a
   temporary folder, and stops them at the end.
3. Runs scripts/bench/transactions.py against them (confluent-kafka):
   - one transactional producer committing transactions of 1, 10 and 100 records of 100 bytes for --seconds
     each (default 10): transactions/s and records/s;
   - an idempotent producer (no transactions) for as long: records/s;
   - ZooKeeper's own write rate (async kazoo set()s, as scripts/bench/commits.sh measures it): every transaction
     is at least three ZooKeeper writes (Ongoing, PrepareCommit, CompleteCommit), so that rate / 3 bounds it;
   - consuming --records records (default 200000) written in 100-record transactions, read_committed against
     read_uncommitted: records/s.
Options:
  --no-build   use the existing .build/release/gregor-server
  --keep       keep the temporary folder (broker and ZooKeeper logs)
  --quick      a short setting (under a minute): --seconds 3 --records 50000 (options given explicitly still win)
  --summary FILE  append the headline figures to FILE as JSON lines (see scripts/bench/bench_summary.py)
USAGE
}

build=1 keep=0 quick=0
py_args=()
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --seconds | --records)
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

bench_one_broker transactions "$build" "$keep" "$USER_SERVER_BIN"

# Explicit options come after the --quick ones: the last of a repeated option wins.
quick_args=()
if ((quick)); then quick_args=(--seconds 3 --records 50000); fi
"$PYTHON" "$ROOT/scripts/bench/transactions.py" --bootstrap "$BOOTSTRAP" --zk-connect "$ZK_CONNECT" \
    "${quick_args[@]}" "${py_args[@]}"
