#!/usr/bin/env bash
# Stop every broker, then ZooKeeper.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<EOF2
Usage: scripts/stop-cluster.sh

Stops all brokers started by the scripts (scripts/stop-broker.sh --all), then ZooKeeper
(scripts/stop-zookeeper.sh, standalone or ensemble). Data stays in var/; delete var/ for a fresh cluster.
EOF2
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "") ;;
    *) usage >&2; die "unknown argument: $1" ;;
esac

rc=0
"$ROOT/scripts/stop-broker.sh" --all || rc=$?
"$ROOT/scripts/stop-zookeeper.sh" || rc=$?
exit "$rc"
