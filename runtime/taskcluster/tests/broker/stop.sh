#!/usr/bin/env bash
# Stops the node that start.sh started in DIR (its TC_BROKER_DIR), and its epmd, and removes DIR
# (TC_BROKER_KEEP_DIR=1 keeps it, logs and data, for a look after a failure). Idempotent: a node
# already gone is not an error. It ends only the processes whose ids start.sh wrote into DIR, and
# only while they still carry TC_BROKER_DIR=DIR.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/node.sh"
if [ $# -ne 1 ]; then
    echo "usage: stop.sh TC_BROKER_DIR" >&2
    exit 2
fi
[ -d "$1" ] || exit 0
load_node "$1" || exit 2

# The watchdog first, so that it does not run this script a second time; unless it is what runs
# this script now (it execs stop.sh once the watched process is gone).
watchdog="$(cat "$dir/watchdog.pid" 2>/dev/null || true)"
if [ -n "$watchdog" ] && [ "$watchdog" != "$$" ] && ours "$watchdog"; then
    kill -- "-$watchdog" 2>/dev/null || true
fi
stop_node
epmd="$(cat "$dir/epmd.pid" 2>/dev/null || true)"
if ours "$epmd"; then
    kill "$epmd" 2>/dev/null || true
    for _ in $(seq 50); do
        ours "$epmd" || break
        sleep 0.1
    done
fi
if [ -z "${TC_BROKER_KEEP_DIR:-}" ]; then
    rm -rf "$dir"
else
    echo "stop.sh: kept $dir" >&2
fi
