#!/usr/bin/env bash
# Starts a RabbitMQ node for the Pulse tests from empty state, in a new scratch directory, on
# loopback only: its own node name, its own epmd (`-address 127.0.0.1`, on a free port), AMQP and
# distribution on free ports of 127.0.0.1, guest/guest, no plugins, nothing read from
# /etc/rabbitmq. Installs Debian's rabbitmq-server if it is missing (without letting the package
# start a broker of its own). Once the node takes connections it prints, on stdout (and nothing
# else goes there):
#   TC_BROKER_DIR=<its directory>   (node.env there says everything about it)
#   TC_BROKER_URL=amqp://guest:guest@127.0.0.1:<port>/%2F
#   RABBITMQ_NODENAME=<its node name>
# `ctl.sh DIR ARGS` is rabbitmqctl for it, `restart.sh DIR` restarts it with its data, and
# `stop.sh DIR` stops it and its epmd and removes DIR. `cargo xtask test` starts one per run.
#
# Environment (optional):
#   TC_BROKER_WATCH_PID   stop the node (stop.sh DIR) once this process has exited: the process
#                         that starts a node for itself, so that it goes even if that one is killed
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/node.sh"

if ! rabbitmq_script rabbitmq-server >/dev/null || ! rabbitmq_script rabbitmqctl >/dev/null; then
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
epmd="$(command -v epmd || echo /usr/lib/erlang/bin/epmd)"

# Free ports on 127.0.0.1, as the kernel hands them out. One of them can be taken by someone else
# before the node binds it: the node then fails to start and the caller sees why.
free_ports() { # COUNT
    python3 - "$1" <<'EOF'
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print(" ".join(str(s.getsockname()[1]) for s in held))
EOF
}

dir="$(mktemp -d "${TMPDIR:-/tmp}/tc-broker.XXXXXX")"
# stop.sh removes only directories that carry this mark.
touch "$dir/tc-broker-node"
mkdir -p "$dir/log" "$dir/mnesia"
fail() {
    echo "start.sh: $*" >&2
    "$here/stop.sh" "$dir" >&2 || true
    exit 1
}
trap 'fail "interrupted"' INT TERM
trap 'fail "line $LINENO failed"' ERR

read -r amqp dist epmd_port < <(free_ports 3)
node="tc-test-$(basename "$dir" | cut -d. -f2)@localhost"
# The cookie that lets ctl.sh talk to the node; HOME is the directory, where Erlang looks for it.
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/.erlang.cookie"
chmod 400 "$dir/.erlang.cookie"
echo '[].' >"$dir/enabled_plugins"
: >"$dir/rabbitmq-env.conf"
cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$amqp
EOF
cat >"$dir/node.env" <<EOF
export TC_BROKER_DIR='$dir'
export HOME='$dir'
export RABBITMQ_NODENAME='$node'
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$amqp
export RABBITMQ_DIST_PORT=$dist
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT=$epmd_port
export RABBITMQ_MNESIA_BASE='$dir/mnesia'
export RABBITMQ_LOG_BASE='$dir/log'
export RABBITMQ_PID_FILE='$dir/node.pid'
export RABBITMQ_CONF_ENV_FILE='$dir/rabbitmq-env.conf'
export RABBITMQ_CONFIG_FILE='$dir/rabbitmq.conf'
export RABBITMQ_ADVANCED_CONFIG_FILE='$dir/advanced.config'
export RABBITMQ_ENABLED_PLUGINS_FILE='$dir/enabled_plugins'
# Distribution, of the node and of the CLI tools' own short-lived nodes, on 127.0.0.1 only.
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
export RABBITMQ_CTL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
EOF
load_node "$dir"

# Started before anything else, so that a node whose starter was killed half-way goes too.
if [ -n "${TC_BROKER_WATCH_PID:-}" ]; then
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec "$2" "$3"' \
        watchdog "$TC_BROKER_WATCH_PID" "$here/stop.sh" "$dir" </dev/null >/dev/null 2>&1 &
    echo "$!" >"$dir/watchdog.pid"
fi

# epmd first and explicitly: whatever Erlang program comes first would otherwise start one, and
# one started without ERL_EPMD_ADDRESS listens on every interface.
setsid "$epmd" -address 127.0.0.1 -port "$epmd_port" </dev/null >"$dir/log/epmd.log" 2>&1 &
echo "$!" >"$dir/epmd.pid"
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$epmd_port") 2>/dev/null && break
    sleep 0.1
done

echo "start.sh: starting $node on 127.0.0.1:$amqp in $dir" >&2
start_node || fail "the node did not start"

trap - INT TERM ERR
cat <<EOF
TC_BROKER_DIR=$dir
TC_BROKER_URL=amqp://guest:guest@127.0.0.1:$amqp/%2F
RABBITMQ_NODENAME=$node
EOF
