#!/usr/bin/env bash
# rabbitmqctl ARGS for the node that start.sh started in DIR:
#   bash runtime/taskcluster/tests/broker/ctl.sh "$TC_BROKER_DIR" list_queues name durable
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/node.sh"
if [ $# -lt 1 ]; then
    echo "usage: ctl.sh TC_BROKER_DIR ARGS..." >&2
    exit 2
fi
load_node "$1"
shift
ctl "$@"
