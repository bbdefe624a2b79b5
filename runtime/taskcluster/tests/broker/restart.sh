#!/usr/bin/env bash
# Restarts the node that start.sh started in DIR, with its data (durable queues and their
# messages survive), on the same ports; returns once it takes connections again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/node.sh"
if [ $# -ne 1 ]; then
    echo "usage: restart.sh TC_BROKER_DIR" >&2
    exit 2
fi
load_node "$1"
stop_node
start_node
