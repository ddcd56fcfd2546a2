#!/usr/bin/env bash
# Stop every ZooKeeper server started by scripts/start-zookeeper.sh (standalone and/or ensemble).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<EOF2
Usage: scripts/stop-zookeeper.sh

Stops the ZooKeeper servers started by scripts/start-zookeeper.sh (standalone in var/zookeeper/,
ensemble members in var/zookeeper-ensemble/zk-*/): SIGTERM, wait for each process to exit,
SIGKILL after ZK_STOP_TIMEOUT seconds (default 20). Data stays in var/; delete var/ for a fresh cluster.
Stop the brokers first (scripts/stop-cluster.sh does both in the right order).
EOF2
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "") ;;
    *) usage >&2; die "unknown argument: $1" ;;
esac

timeout="${ZK_STOP_TIMEOUT:-20}"
dirs=("$ZK_STANDALONE_DIR")
for d in "$ZK_ENSEMBLE_DIR"/zk-*; do
    [[ -d "$d" ]] && dirs+=("$d")
done

# Signal all servers first, then wait: ensemble members can take a few seconds each.
names=() pids=()
for dir in "${dirs[@]}"; do
    if pid="$(pid_running "$dir/zookeeper.pid" "$dir/zoo.cfg")"; then
        if [[ "$dir" == "$ZK_STANDALONE_DIR" ]]; then name=standalone; else name="$(basename "$dir")"; fi
        info "stopping ZooKeeper $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        names+=("$name") pids+=("$pid")
    fi
done
if ((${#pids[@]} == 0)); then
    info "no ZooKeeper started by these scripts is running"
    exit 0
fi

rc=0
for i in "${!pids[@]}"; do
    stop_pid "${pids[$i]}" "ZooKeeper ${names[$i]}" "$timeout" || rc=$?
done
for dir in "${dirs[@]}"; do
    rm -f "$dir/zookeeper.pid"
done
if ((rc == 0)); then
    info "ZooKeeper stopped"
else
    warn "ZooKeeper stopped (at least one server had to be killed)"
fi
