#!/usr/bin/env bash
# Stops the broker that start.sh started, and the epmd it leaves behind (rabbitmqctl stop does
# not stop epmd). Idempotent: does nothing when no local broker runs.
set -uo pipefail

if command -v rabbitmqctl >/dev/null && rabbitmqctl -q status >/dev/null 2>&1; then
    timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 || true
fi
# rabbitmqctl returns a moment before the node's process has exited: wait for it (at most 30 s),
# so that a start right after this one does not meet the old node.
for _ in $(seq 1 150); do
    pgrep -u rabbitmq -x beam.smp >/dev/null || break
    sleep 0.2
done
# Only the epmd of the rabbitmq user, which the broker started, never another user's.
for pid in $(pgrep -u rabbitmq -x epmd 2>/dev/null); do
    kill "$pid" 2>/dev/null || true
done
