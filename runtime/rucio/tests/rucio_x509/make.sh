#!/usr/bin/env bash
# Regenerates the test-only x509 fixtures of runtime/rucio/tests/rucio.rs: a CA, a server certificate
# for 127.0.0.1 and a client certificate, valid from 2000 to 2100, EC P-256, keys unencrypted.
# Nothing real trusts this CA; its key is thrown away.
set -euo pipefail
cd "$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = anything
copy_extensions = none
unique_subject = no
[anything]
domainComponent = optional
commonName = supplied
[server]
subjectAltName = IP:127.0.0.1,DNS:localhost
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
[client]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
CNF
: >"$work/index.txt"
echo 01 >"$work/serial"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
sign() { # csr out extensions [selfsign]
    openssl ca -batch -config "$work/ca.cnf" -in "$1" -out "$2" -extensions "$3" \
        -startdate 20000101000000Z -enddate 21000101000000Z -notext ${4:-} \
        -keyfile "$work/ca.key" -cert "$work/ca.pem" 2>/dev/null
}
key "$work/ca.key"
openssl req -new -key "$work/ca.key" -subj "/CN=tc-runtime test CA" -out "$work/ca.csr"
touch "$work/ca.pem"
sign "$work/ca.csr" ca.pem ca_ext -selfsign
cp ca.pem "$work/ca.pem"
key server.key
openssl req -new -key server.key -subj "/CN=127.0.0.1" -out "$work/server.csr"
sign "$work/server.csr" server.pem server
key client.key
openssl req -new -key client.key -subj "/DC=org/DC=example/CN=tc-test" -out "$work/client.csr"
sign "$work/client.csr" client.pem client
chmod 644 ./*.key
