#!/usr/bin/env bash
# Test certificates for Gregor's TLS listeners, made with Debian's openssl (EC P-256 keys, valid 100 years).
#
# Usage: scripts/tls-certs.sh <dir> [host names or IPs...]
#
# Writes into <dir>:
#   ca.pem, ca.key                   the test CA (truststore: ssl.truststore.type=PEM, ssl.truststore.location=ca.pem)
#   broker.pem                       broker keystore, PEM: private key + certificate chain (ssl.keystore.type=PEM,
#                                    ssl.keystore.location=broker.pem); subject CN=localhost,O=Gregor, SAN localhost,
#                                    127.0.0.1 and the given names
#   broker.key, broker-cert.pem      the same key and certificate apart
#   broker.p12                       the same as PKCS12 (ssl.keystore.type=PKCS12, ssl.keystore.password=gregor-test)
#   client.pem                       client keystore, PEM: key + certificate, subject CN=client,O=Gregor (the broker's
#                                    principal for it: User:CN=client,O=Gregor)
#   client.key, client-cert.pem      the same apart (confluent-kafka: ssl.key.location, ssl.certificate.location;
#                                    kafka-python: ssl_keyfile, ssl_certfile; both take ca.pem as the CA)
#   other-ca.pem, other-ca.key       a second CA nobody trusts, for negative tests
#   other-broker.pem                 a broker keystore signed by it (same names as broker.pem)
#   other-client.pem, other-client.key, other-client-cert.pem   a client certificate signed by it
#
# Idempotent: a second run with the same host names leaves the files alone.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
dir=$1
shift
hosts=(localhost 127.0.0.1 "$@")
mkdir -p "$dir"
cd "$dir"
stamp="hosts: ${hosts[*]}"
if [[ -f .complete && "$(cat .complete)" == "$stamp" ]]; then
    exit 0
fi
rm -f .complete

days=36500
san=""
for host in "${hosts[@]}"; do
    if [[ $host =~ ^[0-9.]+$ || $host == *:* ]]; then san+="IP:$host,"; else san+="DNS:$host,"; fi
done
san=${san%,}

# new_key <file>: an unencrypted EC P-256 key in PKCS#8 PEM.
new_key() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# new_ca <name> <subject>
new_ca() {
    new_key "$1.key"
    openssl req -x509 -new -key "$1.key" -out "$1.pem" -days "$days" -subj "$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}

# new_leaf <name> <ca> <subject> <extensions>: <name>.key, <name>-cert.pem, and <name>.pem (key, certificate, CA).
new_leaf() {
    local name=$1 ca=$2 subject=$3 extensions=$4
    new_key "$name.key"
    openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr"
    printf '%b\n' "$extensions" > "$name.ext"
    openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -set_serial "0x$(openssl rand -hex 8)" \
        -days "$days" -extfile "$name.ext" -out "$name-cert.pem" 2>/dev/null
    cat "$name.key" "$name-cert.pem" "$ca.pem" > "$name.pem"
    rm -f "$name.csr" "$name.ext"
}

server_ext="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=$san"
client_ext="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"

new_ca ca "/O=Gregor/CN=Gregor Test CA"
# Subjects are written most general first, so that Java's (and Gregor's) RFC 2253 form reads CN=...,O=Gregor.
new_leaf broker ca "/O=Gregor/CN=localhost" "$server_ext"
new_leaf client ca "/O=Gregor/CN=client" "$client_ext"
openssl pkcs12 -export -inkey broker.key -in broker-cert.pem -certfile ca.pem -name broker \
    -passout pass:gregor-test -out broker.p12
new_ca other-ca "/O=Elsewhere/CN=Untrusted Test CA"
new_leaf other-broker other-ca "/O=Elsewhere/CN=localhost" "$server_ext"
new_leaf other-client other-ca "/O=Elsewhere/CN=client" "$client_ext"
echo "$stamp" > .complete
