#!/usr/bin/env bash
# Stops the Rucio server that start.sh started in DIR (its RUCIO_SERVER_DIR) and removes DIR
# (RUCIO_KEEP_DIR=1 keeps it, logs and database, for a look after a failure). Idempotent: a server
# already gone is not an error. It ends only the processes whose ids start.sh wrote into DIR.
set -euo pipefail
dir="${1:-${RUCIO_SERVER_DIR:-}}"
if [ -z "$dir" ]; then
    echo "usage: stop.sh RUCIO_SERVER_DIR" >&2
    exit 2
fi
if [ ! -d "$dir" ]; then
    exit 0
fi
if [ ! -f "$dir/tc-rucio-server" ]; then
    echo "stop.sh: $dir is not a directory start.sh made" >&2
    exit 2
fi

# True while PID is alive and is still the one start.sh started there: its command line names
# DIR (gunicorn's --pid, the watchdog's argument), so a recycled pid is never killed.
ours() {
    [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF "$dir" &&
        ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# The watchdog first, so that it does not run this script a second time; unless it is what runs
# this script now (it execs stop.sh when the watched process is gone).
watchdog="$(cat "$dir/watchdog.pid" 2>/dev/null || true)"
if [ -n "$watchdog" ] && [ "$watchdog" != "$$" ] && ours "$watchdog"; then
    kill -- "-$watchdog" 2>/dev/null || true
fi

pid="$(cat "$dir/server.pid" 2>/dev/null || true)"
if ours "$pid"; then
    # TERM lets gunicorn stop its worker; its whole process group is killed if that takes long.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        ours "$pid" || break
        sleep 0.1
    done
    if ours "$pid"; then
        echo "stop.sh: gunicorn $pid did not stop in 10 s; killing its process group" >&2
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
fi

if [ -z "${RUCIO_KEEP_DIR:-}" ]; then
    rm -rf "$dir"
else
    echo "stop.sh: kept $dir" >&2
fi
