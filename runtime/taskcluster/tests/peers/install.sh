#!/usr/bin/env bash
# Installs the test peers of tc-runtime (idempotent): npm's hawk and taskcluster-lib-scopes into
# node_modules here, and the Python packages taskcluster and mohawk. CI calls this before
# `cargo test -p tc-runtime`.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "install.sh: node and npm are required (e.g. apt-get install -y nodejs npm)" >&2
    exit 1
fi
version() { node -p "try { require('./node_modules/$1/package.json').version } catch (e) { '' }"; }
if [ "$(version hawk)" != "9.0.2" ] || [ "$(version taskcluster-lib-scopes)" != "11.0.0" ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import taskcluster, mohawk' 2>/dev/null; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check -r requirements.txt
fi
"$PYTHON" -c 'import taskcluster, mohawk'
node -e 'require("hawk"); require("taskcluster-lib-scopes")'
echo "tc-runtime test peers installed"
