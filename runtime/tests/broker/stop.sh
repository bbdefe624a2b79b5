#!/usr/bin/env bash
# Stops the broker that start.sh started, and the epmd it leaves behind (rabbitmqctl stop does
# not stop epmd). Idempotent: does nothing when no local broker runs.
set -uo pipefail

if command -v rabbitmqctl >/dev/null && rabbitmqctl -q status >/dev/null 2>&1; then
    timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 || true
fi
# Only the epmd of the rabbitmq user, which the broker started, never another user's.
for pid in $(pgrep -u rabbitmq -x epmd 2>/dev/null); do
    kill "$pid" 2>/dev/null || true
done
