#!/usr/bin/env bash
# The one command for a fresh Debian 12 machine: install what is missing, build, start ZooKeeper and N brokers.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<EOF2
Usage: scripts/start-cluster.sh [--no-build] [--ensemble] [--secure] [N]

  1. scripts/setup.sh: installs the missing Debian packages and the Python venv, swift build -c release
  2. scripts/start-zookeeper.sh: ZooKeeper on 127.0.0.1:2181
  3. scripts/start-broker.sh for N brokers (default 3, at most 3):
       N=1: conf/server.properties (broker 0 on 127.0.0.1:9092)
       N>1: conf/cluster/server-{0..N-1}.properties (brokers 0.. on 127.0.0.1:9092..)
  4. prints \`gregor cluster\` (brokers, controller, controller epoch from ZooKeeper)
Running parts are left alone, so it is safe to run again. Stop everything with scripts/stop-cluster.sh.
  --no-build   skip the release build (use the binaries already in .build/release)
  --ensemble   a 3-server ZooKeeper ensemble (127.0.0.1:2181-2183) instead of one server
  --secure     SASL_SSL on every listener (same ports): a test CA and broker certificate made with openssl in
               var/secure/ (scripts/tls-certs.sh), SCRAM-SHA-512/256 and PLAIN logins, brokers talking to each
               other over SASL_SSL as the super user admin (password generated once, var/secure/admin.password),
               the ACL authorizer on; prints the client settings (var/secure/client.properties for gregor's
               --command-config). Brokers already running keep their listeners: stop the cluster first.
With N=2 the brokers get --override options lowering the replication factors of conf/cluster/ to 2.
EOF2
}

count=3
secure=0
setup_args=()
zk_args=()
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --no-build) setup_args+=(--no-build) ;;
        --ensemble) zk_args+=(--ensemble) ;;
        --secure) secure=1 ;;
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

secure_dir="$VAR_DIR/secure"
if ((secure)); then
    info "secure: certificates and the admin password in $(rel "$secure_dir")"
    command -v openssl >/dev/null || die "openssl not found (scripts/setup.sh installs it)"
    "$ROOT/scripts/tls-certs.sh" "$secure_dir"
    [[ -s "$secure_dir/admin.password" ]] || (umask 077 && openssl rand -hex 16 >"$secure_dir/admin.password")
    admin_password="$(cat "$secure_dir/admin.password")"
    overrides+=(
        --override "listener.security.protocol.map=SASL_SSL:SASL_SSL"
        --override "inter.broker.listener.name=SASL_SSL"
        --override "sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN"
        --override "sasl.mechanism.inter.broker.protocol=PLAIN"
        --override "listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$admin_password\" user_admin=\"$admin_password\";"
        --override "ssl.keystore.type=PEM"
        --override "ssl.keystore.location=$secure_dir/broker.pem"
        --override "ssl.truststore.type=PEM"
        --override "ssl.truststore.location=$secure_dir/ca.pem"
        --override "authorizer.class.name=kafka.security.authorizer.AclAuthorizer"
        --override "super.users=User:admin"
    )
    (umask 077 && cat >"$secure_dir/client.properties" <<EOF2
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_password";
ssl.truststore.type=PEM
ssl.truststore.location=$secure_dir/ca.pem
EOF2
    )
    (umask 077 && sed -e 's/SCRAM-SHA-512/PLAIN/' -e 's/scram.ScramLoginModule/plain.PlainLoginModule/' \
        "$secure_dir/client.properties" >"$secure_dir/admin-plain.properties")
fi

info "step 3/4: $count broker(s)"
for config in "${configs[@]}"; do
    broker_overrides=("${overrides[@]}")
    if ((secure)); then
        # The listener of conf/, on the same address and port, as SASL_SSL.
        address="$(prop_get "$ROOT/$config" listeners | sed 's|^[A-Za-z_]*://||')"
        broker_overrides+=(--override "listeners=SASL_SSL://$address" --override "advertised.listeners=SASL_SSL://$address")
    fi
    "$ROOT/scripts/start-broker.sh" "$config" "${broker_overrides[@]}" \
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

bootstrap="$(for c in "${configs[@]}"; do prop_get "$ROOT/$c" listeners | sed 's|^[A-Za-z_]*://||'; done | paste -sd, -)"
if ((secure)); then
    # The admin's SCRAM credentials (in /config/users/admin), so clients can log in with SCRAM as well as PLAIN.
    "$GREGOR_BIN" configs --bootstrap-server "$bootstrap" --command-config "$secure_dir/admin-plain.properties" \
        --alter --entity-type users --entity-name admin \
        --add-config "SCRAM-SHA-512=[password=$admin_password],SCRAM-SHA-256=[password=$admin_password]" >/dev/null \
        || die "could not store the admin's SCRAM credentials (the brokers are running; logs in var/broker-*/broker.log)"
    cat <<EOF2

Every listener is SASL_SSL; the super user is admin (password in $(rel "$secure_dir/admin.password")).
  gregor:            gregor topics --list --bootstrap-server $bootstrap --command-config $(rel "$secure_dir/client.properties")
  kcat:              kcat -b $bootstrap -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 \\
                       -X sasl.username=admin -X sasl.password=$admin_password -X ssl.ca.location=$(rel "$secure_dir/ca.pem") -L
  confluent-kafka:   {"bootstrap.servers": "$bootstrap", "security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512",
                      "sasl.username": "admin", "sasl.password": "$admin_password", "ssl.ca.location": "$secure_dir/ca.pem"}
  Java clients:      $(rel "$secure_dir/client.properties") (PEM truststore, Kafka 2.7+)
  more users:        gregor configs ... --alter --entity-type users --entity-name alice --add-config 'SCRAM-SHA-512=[password=...]'
                     gregor acls ... --add --allow-principal User:alice --producer --topic orders
EOF2
fi

cat <<EOF2

Gregor is running: $count broker(s), ZooKeeper at $zk_connect.
  bootstrap servers: $bootstrap
  web console:       $(for c in "${configs[@]}"; do prop_get "$ROOT/$c" metrics.listener; done | sed 's|$|/|' | paste -sd' ' -)
  metrics:           <console address>metrics (Prometheus)
  logs:              var/broker-<id>/broker.log, var/zookeeper*/
  look around:       scripts/zk-shell.sh ls /brokers/ids
  stop:              scripts/stop-cluster.sh
EOF2
