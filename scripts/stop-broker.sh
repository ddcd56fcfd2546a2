#!/usr/bin/env bash
# Stop Gregor brokers started by scripts/start-broker.sh.
set -euo pipefail
ORIG_PWD="$PWD"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<EOF
Usage: scripts/stop-broker.sh <properties-file | broker-id | --all>

Sends SIGTERM to the broker recorded in var/broker-<id>/broker.pid and waits for it to exit. The broker
shuts down cleanly and closes its ZooKeeper session, so /brokers/ids/<id> disappears at once.
After BROKER_STOP_TIMEOUT seconds (default 60) it is killed with SIGKILL; its znode then stays until
the session times out (zookeeper.session.timeout.ms).
  <properties-file>  the broker whose broker.id is set in that file
  <broker-id>        e.g. 0
  --all              every broker with a pid file under var/
EOF
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "") usage >&2; exit 2 ;;
esac
(($# == 1)) || { usage >&2; die "expected exactly one argument"; }

ids=()
if [[ "$1" == --all ]]; then
    for pidfile in "$VAR_DIR"/broker-*/broker.pid; do
        [[ -f "$pidfile" ]] || continue
        id="$(basename "$(dirname "$pidfile")")"
        ids+=("${id#broker-}")
    done
    if ((${#ids[@]} == 0)); then
        info "no broker is running"
        exit 0
    fi
elif [[ "$1" =~ ^[0-9]+$ ]]; then
    ids=("$1")
else
    props="$1"
    [[ "$props" == /* ]] || props="$ORIG_PWD/$props"
    [[ -f "$props" ]] || die "neither a broker id nor an existing properties file: $1"
    id="$(prop_get "$props" broker.id)"
    [[ "$id" =~ ^[0-9]+$ ]] || die "no numeric broker.id in $1"
    ids=("$id")
fi

timeout="${BROKER_STOP_TIMEOUT:-60}"
rc=0
for id in "${ids[@]}"; do
    pidfile="$VAR_DIR/broker-$id/broker.pid"
    if ! pid="$(pid_running "$pidfile" gregor-server)"; then
        info "broker $id is not running"
        continue
    fi
    info "stopping broker $id (pid $pid)"
    if stop_pid "$pid" "broker $id" "$timeout"; then
        info "broker $id stopped"
    else
        warn "broker $id was killed; /brokers/ids/$id stays in ZooKeeper until its session times out"
        rc=1
    fi
    rm -f "$pidfile"
done
exit "$rc"
