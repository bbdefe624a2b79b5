#!/usr/bin/env bash
# Starts a Rucio server for tests on 127.0.0.1: a fresh directory with rucio.cfg (server and
# [client] sections), alembic.ini and a new SQLite database, root bootstrapped with a test-only
# userpass identity, and gunicorn on a free port. Once GET /ping answers it prints KEY=VALUE lines
# on stdout (and nothing else goes there):
#   RUCIO_HOST, RUCIO_ACCOUNT, RUCIO_USERNAME, RUCIO_PASSWORD, RUCIO_CONFIG, RUCIO_SERVER_DIR,
#   RUCIO_PID, RUCIO_PYTHON (the venv's interpreter, with Rucio's client), RUCIO_STARTUP_SECONDS
# Every request the server receives is written to RUCIO_SERVER_DIR/requests.jsonl, one JSON
# object a line, without secrets (recording.py).
# `stop.sh <RUCIO_SERVER_DIR>` stops it and removes the directory.
#
# Environment (all optional):
#   RUCIO_VENV             the venv install.sh made (target/rucio-venv)
#   RUCIO_PORT             a port to use instead of a free one
#   RUCIO_TOKEN_LIFETIME   seconds a userpass token lives (Rucio's own is 3600 and has no setting;
#                          see short_tokens.py)
#   RUCIO_WATCH_PID        stop the server when this process exits (a test runner that was killed
#                          cannot run stop.sh itself)
#   RUCIO_START_TIMEOUT    seconds to wait for /ping (90)
#   RUCIO_TLS_DIR          serve HTTPS with this directory's server.pem and server.key, asking
#                          for a client certificate (optional) signed by its ca.pem; recording.py
#                          gives the application a verified one's DN as SSL_CLIENT_S_DN, as
#                          Apache's mod_ssl does, so x509 logins and identities work
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${RUCIO_VENV:-$root/target/rucio-venv}"
python="$venv/bin/python"
started="$EPOCHREALTIME"

# Test-only credentials of a throwaway server on loopback; nothing real uses them.
account=root
username=tc-test
password=tc-test-password

if [ ! -x "$venv/bin/gunicorn" ]; then
    echo "start.sh: no Rucio venv at $venv; run rucio/tests/server/install.sh first" >&2
    exit 1
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/tc-rucio-server.XXXXXX")"
# stop.sh removes only directories that carry this mark.
touch "$dir/tc-rucio-server"
pid=""
fail() {
    echo "start.sh: $*" >&2
    if [ -s "$dir/server.log" ]; then
        echo "--- last lines of $dir/server.log ---" >&2
        tail -n 40 "$dir/server.log" >&2
    fi
    RUCIO_KEEP_DIR="${RUCIO_KEEP_DIR:-}" "$here/stop.sh" "$dir" >&2 || true
    exit 1
}
trap 'fail "interrupted"' INT TERM
trap 'fail "line $LINENO failed"' ERR

# Started before anything else, so that a server whose starter was killed half-way is stopped
# too, once the watched process (a test binary) is gone.
if [ -n "${RUCIO_WATCH_PID:-}" ]; then
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec "$2" "$3"' \
        watchdog "$RUCIO_WATCH_PID" "$here/stop.sh" "$dir" </dev/null >/dev/null 2>&1 &
    echo "$!" >"$dir/watchdog.pid"
fi

site="$("$python" -c 'import rucio, os; print(os.path.dirname(os.path.dirname(rucio.__file__)))')"
db="sqlite:///$dir/rucio.db"

# Alembic only stamps the new database as current (build_database() needs the [alembic] section);
# Rucio's migrate_repo/env.py reads the logging sections too (fileConfig), so they must be there.
cat >"$dir/alembic.ini" <<EOF
[alembic]
sqlalchemy.url = $db
script_location = $site/rucio/db/sqla/migrate_repo/

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %(levelname)s [%(name)s] %(message)s
EOF

scheme=http
tls_args=()
ca_line=""
if [ -n "${RUCIO_TLS_DIR:-}" ]; then
    tls="$(cd "$RUCIO_TLS_DIR" && pwd)"
    for f in ca.pem server.pem server.key; do
        [ -r "$tls/$f" ] || { echo "start.sh: no $tls/$f" >&2; exit 1; }
    done
    scheme=https
    # --cert-reqs 1: ssl.CERT_OPTIONAL, so userpass clients without a certificate are served too.
    tls_args=(--certfile "$tls/server.pem" --keyfile "$tls/server.key" --ca-certs "$tls/ca.pem"
        --cert-reqs 1)
    ca_line="ca_cert = $tls/ca.pem"
    export RUCIO_TLS_CA="$tls/ca.pem"
fi

write_config() { # port
    local host="$scheme://127.0.0.1:$1"
    cat >"$dir/rucio.cfg" <<EOF
[common]
loglevel = WARNING
# How the server reads a scope from a DID without one: DIRAC's convention (/<vo>/<scope>/…),
# which only POST /dirac/addfiles uses (rucio.common.utils.extract_scope, in core/dirac.py).
extract_scope = dirac

[database]
default = $db
pool_reset_on_return = rollback

[bootstrap]
# create_root_account() salts and hashes this plaintext password itself (41.x).
userpass_identity = $username
userpass_pwd = $password
userpass_email = tc-test@localhost

[alembic]
cfg = $dir/alembic.ini

[monitor]
# No statsd or Prometheus here.
enable_metrics = False

[policy]
# What Rucio falls back to anyway (with a warning in every log) when none is named.
permission = generic
schema = generic

[client]
rucio_host = $host
auth_host = $host
auth_type = userpass
username = $username
password = $password
account = $account
request_retries = 3
# Each server's client keeps its token here, not in the shared /tmp/<user>/.rucio_root/.
auth_token_file_path = $dir/client/auth_token_for_account_$account
$ca_line
EOF
}

export RUCIO_CONFIG="$dir/rucio.cfg"
# Rucio looks for its other files (rse-accounts.cfg: storage credentials) in $RUCIO_HOME/etc.
export RUCIO_HOME="$dir"
mkdir -p "$dir/etc"
write_config 0
# The three calls Rucio's own bootstrap makes, in this order: tables, the default VO, root with
# the [bootstrap] identities.
"$python" -c 'from rucio.db.sqla.util import build_database, create_base_vo, create_root_account
build_database(); create_base_vo(); create_root_account()' >"$dir/bootstrap.log" 2>&1 ||
    { cat "$dir/bootstrap.log" >&2; fail "could not build the database"; }

# Rucio's application behind recording.py, which writes each request it receives (no secrets)
# to requests.jsonl; through short_tokens.py when tokens are to expire early.
app=recording:application
export RUCIO_RECORD_FILE="$dir/requests.jsonl"
: >"$RUCIO_RECORD_FILE"
if [ -n "${RUCIO_TOKEN_LIFETIME:-}" ]; then
    [[ "$RUCIO_TOKEN_LIFETIME" =~ ^[1-9][0-9]*$ ]] || fail "RUCIO_TOKEN_LIFETIME must be whole seconds"
    export RUCIO_TOKEN_LIFETIME
fi

free_port() {
    "$python" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A free port can be taken by someone else before gunicorn binds it: then try another.
for attempt in 1 2 3; do
    port="${RUCIO_PORT:-$(free_port)}"
    write_config "$port"
    : >"$dir/server.log"
    # One worker process (SQLite, and the token cache lives in the process) with threads for
    # concurrent clients; its own session so that stop.sh can end the whole group.
    setsid "$venv/bin/gunicorn" --bind "127.0.0.1:$port" --workers 1 --threads 4 \
        --timeout 120 --graceful-timeout 5 --no-control-socket --pythonpath "$here" \
        --pid "$dir/gunicorn.pid" ${tls_args[@]+"${tls_args[@]}"} \
        --access-logfile "$dir/access.log" "$app" \
        </dev/null >>"$dir/server.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/server.pid"
    # Wait for /ping, for the server to die, or for the deadline.
    if "$python" - "$port" "$pid" "${RUCIO_START_TIMEOUT:-90}" <<'EOF'; then
import json, os, ssl, sys, time, urllib.request
port, pid, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
ca = os.environ.get("RUCIO_TLS_CA")
scheme = "https" if ca else "http"
context = ssl.create_default_context(cafile=ca) if ca else None
deadline = time.monotonic() + timeout
while time.monotonic() < deadline:
    try:
        wait = max(0.1, min(5.0, deadline - time.monotonic()))
        with urllib.request.urlopen(
            f"{scheme}://127.0.0.1:{port}/ping", timeout=wait, context=context
        ) as answer:
            # Rucio's answer, not some other server's that had the port.
            if answer.status == 200 and "version" in json.load(answer):
                sys.exit(0)
    except (OSError, ValueError):
        pass
    try:
        os.kill(pid, 0)
        # A dead child stays a zombie until start.sh reaps it: that is dead too.
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                sys.exit(2)
    except (OSError, IndexError):
        sys.exit(2)
    time.sleep(0.1)
sys.exit(3)
EOF
        break
    else
        code=$?
    fi
    if [ "$code" = 3 ]; then
        fail "no answer from $scheme://127.0.0.1:$port/ping within ${RUCIO_START_TIMEOUT:-90} s"
    fi
    wait "$pid" 2>/dev/null || true
    if [ -n "${RUCIO_PORT:-}" ] || ! grep -q "Address already in use" "$dir/server.log" ||
        [ "$attempt" = 3 ]; then
        fail "gunicorn exited before answering /ping"
    fi
    echo "start.sh: port $port was taken, trying another" >&2
done

trap - INT TERM ERR
cat <<EOF
RUCIO_HOST=$scheme://127.0.0.1:$port
RUCIO_ACCOUNT=$account
RUCIO_USERNAME=$username
RUCIO_PASSWORD=$password
RUCIO_CONFIG=$dir/rucio.cfg
RUCIO_SERVER_DIR=$dir
RUCIO_PID=$pid
RUCIO_PYTHON=$python
RUCIO_STARTUP_SECONDS=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
EOF
