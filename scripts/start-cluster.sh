#!/usr/bin/env bash
# The one command for a fresh Debian 12 machine: install what is missing, build, start ZooKeeper and N brokers.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<EOF2
Usage: scripts/start-cluster.sh [--no-build] [--ensemble] [N]

  1. scripts/setup.sh: installs the missing Debian packages and the Python venv, swift build -c release
  2. scripts/start-zookeeper.sh: ZooKeeper on 127.0.0.1:2181
  3. scripts/start-broker.sh for N brokers (default 3, at most 3):
       N=1: conf/server.properties (broker 0 on 127.0.0.1:9092)
       N>1: conf/cluster/server-{0..N-1}.properties (brokers 0.. on 127.0.0.1:9092..)
  4. prints \`gregor cluster\` (brokers, controller, controller epoch from ZooKeeper)
Running parts are left alone, so it is safe to run again. Stop everything with scripts/stop-cluster.sh.
  --no-build   skip the release build (use the binaries already in .build/release)
  --ensemble   a 3-server ZooKeeper ensemble (127.0.0.1:2181-2183) instead of one server
With N=2 the brokers get --override options lowering the replication factors of conf/cluster/ to 2.
EOF2
}

count=3
setup_args=()
zk_args=()
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --no-build) setup_args+=(--no-build) ;;
        --ensemble) zk_args+=(--ensemble) ;;
        [0-9]*)
            [[ "$1" =~ ^[1-3]$ ]] || die "N must be 1, 2 or 3, got $1"
            count="$1"
            ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

info "step 1/4: setup (packages, venv, release build)"
"$ROOT/scripts/setup.sh" "${setup_args[@]}"

info "step 2/4: ZooKeeper"
"$ROOT/scripts/start-zookeeper.sh" "${zk_args[@]}"

overrides=()
if ((${#zk_args[@]})); then
    zk_connect="127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183"
    overrides+=(--override "zookeeper.connect=$zk_connect")
fi
if ((count == 2)); then
    # conf/cluster/ is written for 3 brokers: replication factor 3 cannot be met by 2.
    overrides+=(
        --override default.replication.factor=2
        --override offsets.topic.replication.factor=2
        --override transaction.state.log.replication.factor=2
        --override min.insync.replicas=1
        --override transaction.state.log.min.isr=1
    )
fi

configs=()
if ((count == 1)); then
    configs=("conf/server.properties")
else
    for ((i = 0; i < count; i++)); do configs+=("conf/cluster/server-$i.properties"); done
fi
zk_connect="${zk_connect:-$(prop_get "$ROOT/${configs[0]}" zookeeper.connect)}"

info "step 3/4: $count broker(s)"
for config in "${configs[@]}"; do
    "$ROOT/scripts/start-broker.sh" "$config" "${overrides[@]}" \
        || die "could not start the broker of $config (ZooKeeper and the other brokers are left running; scripts/stop-cluster.sh stops them)"
done

info "step 4/4: the cluster as ZooKeeper sees it"
# The controller is elected right after registration; give it a moment so the output shows it.
for _ in {1..10}; do
    if ZK_CONNECT="$zk_connect" "$ROOT/scripts/zk-shell.sh" stat /controller >/dev/null 2>&1; then break; fi
    sleep 0.25
done
[[ -x "$GREGOR_BIN" ]] || die "$(rel "$GREGOR_BIN") not found; build with scripts/setup.sh"
"$GREGOR_BIN" cluster --zookeeper "$zk_connect" --config "${configs[0]}" \
    || die "gregor cluster failed (the brokers are running; logs in var/broker-*/broker.log)"

cat <<EOF2

Gregor is running: $count broker(s), ZooKeeper at $zk_connect.
  bootstrap servers: $(for c in "${configs[@]}"; do prop_get "$ROOT/$c" listeners | sed 's|^PLAINTEXT://||'; done | paste -sd, -)
  web console:       $(for c in "${configs[@]}"; do prop_get "$ROOT/$c" metrics.listener; done | sed 's|$|/|' | paste -sd' ' -)
  metrics:           <console address>metrics (Prometheus)
  logs:              var/broker-<id>/broker.log, var/zookeeper*/
  look around:       scripts/zk-shell.sh ls /brokers/ids
  stop:              scripts/stop-cluster.sh
EOF2
