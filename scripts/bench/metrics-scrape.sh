#!/usr/bin/env bash
# How long a Prometheus scrape of a broker with 10,000 partitions takes, and whether scraping slows produce.
# Prints a Markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CALLER_DIR="$PWD"
cd "$ROOT"
USER_SERVER_BIN="${GREGOR_SERVER_BIN:-}"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/../..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<USAGE
Usage: scripts/bench/metrics-scrape.sh [--partitions N] [--topics N] [--scrapes N] [--seconds N] [--no-build] [--keep]
                                      [--quick] [--summary FILE]

1. Builds the release gregor-server (swift build -c release --product gregor-server) unless --no-build or
   GREGOR_SERVER_BIN is given.
2. Starts a private ZooKeeper and one broker with metrics.listener on free loopback ports
   (Tests/Interop/gregor_harness.py up), in a temporary folder, and stops them at the end.
3. Runs scripts/bench/metrics_scrape.py: --partitions partitions (default 10,000) in --topics topics (default 10);
   --scrapes scrapes of /metrics (default 30; target < 100 ms each); acks=1 produce latency for --seconds
   (default 10) without and with back-to-back scrapes (target: p99 within 1.5x).
Options:
  --no-build   use the existing .build/release/gregor-server
  --keep       keep the temporary folder (broker and ZooKeeper logs)
  --quick      a short setting (under a minute): --scrapes 10 --seconds 3, still 10,000 partitions (options given
               explicitly still win)
  --summary FILE  append the headline figures to FILE as JSON lines (see scripts/bench/bench_summary.py)
USAGE
}

build=1 keep=0 quick=0
py_args=()
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --partitions | --topics | --scrapes | --seconds)
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

METRICS_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
bench_one_broker scrape "$build" "$keep" "$USER_SERVER_BIN" --override "metrics.listener=http://127.0.0.1:$METRICS_PORT"
info "metrics on http://127.0.0.1:$METRICS_PORT/metrics"

# Explicit options come after the --quick ones: the last of a repeated option wins.
quick_args=()
if ((quick)); then quick_args=(--scrapes 10 --seconds 3); fi
"$PYTHON" "$ROOT/scripts/bench/metrics_scrape.py" --bootstrap "$BOOTSTRAP" \
    --metrics-url "http://127.0.0.1:$METRICS_PORT/metrics" "${quick_args[@]}" "${py_args[@]}"
