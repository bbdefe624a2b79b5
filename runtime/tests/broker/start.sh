#!/usr/bin/env bash
# Starts a RabbitMQ broker for the pulse tests, on loopback only (AMQP 5672, epmd 4369,
# distribution 25672), guest/guest. Idempotent: returns at once if a broker already answers on
# 127.0.0.1:5672. Installs Debian's rabbitmq-server if it is missing. Runs as root, no systemd.
# Prints "started" on stdout when it started the broker (so callers know to stop it).
set -euo pipefail

answers() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

if answers; then
    echo "start.sh: a broker already answers on 127.0.0.1:5672" >&2
    exit 0
fi

if ! command -v rabbitmq-server >/dev/null || ! command -v rabbitmqctl >/dev/null; then
    echo "start.sh: installing rabbitmq-server" >&2
    # The package's postinst must not start a broker listening on every interface.
    policy=/usr/sbin/policy-rc.d
    made_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
    fi
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server; } >/dev/null
    [ -z "$made_policy" ] || rm -f "$policy"
fi

echo "start.sh: starting rabbitmq-server on 127.0.0.1" >&2
RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    rabbitmq-server -detached

# await_startup exits non-zero until the node has registered with epmd; then it waits for boot.
SECONDS=0
while [ "$SECONDS" -lt 90 ]; do
    if rabbitmqctl -q await_startup --timeout 10 >/dev/null 2>&1 && answers; then
        echo started
        exit 0
    fi
    sleep 0.5
done
echo "start.sh: rabbitmq-server did not become ready within 90 s" >&2
exit 1
