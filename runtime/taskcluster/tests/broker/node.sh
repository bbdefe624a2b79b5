# Sourced by start.sh, restart.sh, stop.sh and ctl.sh: what they know about a test node.
#
# A node lives in a directory of its own (TC_BROKER_DIR) that holds everything about it: node.env
# (its name, ports, and the files RabbitMQ reads and writes, all inside the directory), its Erlang
# cookie, its database, its logs and the ids of the processes start.sh started. It runs as the
# user who started it, listens on 127.0.0.1 only (AMQP, distribution, and an epmd of its own on a
# port of its own) and reads nothing from /etc/rabbitmq.

# The RabbitMQ script NAME itself: Debian's /usr/sbin/NAME is a wrapper that runs it as the
# rabbitmq user with /var/lib/rabbitmq as home, which cannot use a directory of ours.
rabbitmq_script() {
    local found
    found="$(command -v "$1")" || return 1
    found="$(readlink -f "$found")"
    if [ "$(basename "$found")" = rabbitmq-script-wrapper ]; then
        found="$(dirname "$found")/$1"
    fi
    echo "$found"
}

# Loads DIR/node.env into the environment; fails if DIR is not a node directory.
load_node() { # DIR
    dir="$1"
    if [ ! -f "$dir/tc-broker-node" ] || [ ! -f "$dir/node.env" ]; then
        echo "$(basename "$0"): $dir is not a directory start.sh made" >&2
        return 2
    fi
    # shellcheck source=/dev/null
    . "$dir/node.env"
}

ctl() {
    "$(rabbitmq_script rabbitmqctl)" "$@"
}

# True while PID is alive, not a zombie, and one of this node's processes: it carries
# TC_BROKER_DIR=$dir in its environment (start.sh exports it), so a recycled pid is never killed.
ours() { # PID
    [ -n "$1" ] && [ -r "/proc/$1/environ" ] &&
        { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | grep -qxF "TC_BROKER_DIR=$dir" &&
        ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# True while PID, a child of this shell (so its id cannot be reused yet), runs.
alive() { # PID
    kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$RABBITMQ_NODE_PORT") 2>/dev/null; }

# Starts the node of the loaded directory in the background and waits until it takes AMQP
# connections (90 s at most).
start_node() {
    : >"$dir/log/server.out"
    setsid "$(rabbitmq_script rabbitmq-server)" </dev/null >>"$dir/log/server.out" 2>&1 &
    echo "$!" >"$dir/server.pid"
    local pid=$! started=$SECONDS
    # await_startup fails until the node has registered with epmd; then it waits for the boot.
    while [ $((SECONDS - started)) -lt 90 ]; do
        if ! alive "$pid"; then
            echo "$(basename "$0"): rabbitmq-server exited; the end of its output:" >&2
            tail -n 30 "$dir/log/server.out" >&2
            return 1
        fi
        if ctl -q await_startup --timeout 10 >/dev/null 2>&1 && answers; then
            return 0
        fi
        sleep 0.5
    done
    echo "$(basename "$0"): $RABBITMQ_NODENAME did not take connections within 90 s" >&2
    return 1
}

# Stops the node of the loaded directory (not its epmd) and waits until its processes are gone.
stop_node() {
    local pid
    pid="$(cat "$dir/server.pid" 2>/dev/null || true)"
    ours "$pid" || return 0
    timeout 60 "$(rabbitmq_script rabbitmqctl)" -q stop >/dev/null 2>&1 || true
    # rabbitmqctl returns a moment before the node's processes have exited: wait (30 s at most),
    # so that a start right after this one does not meet the old node.
    for _ in $(seq 150); do
        ours "$pid" || return 0
        sleep 0.2
    done
    echo "$(basename "$0"): $RABBITMQ_NODENAME did not stop in 30 s; killing it" >&2
    kill -KILL -- "-$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        ours "$pid" || return 0
        sleep 0.1
    done
}
