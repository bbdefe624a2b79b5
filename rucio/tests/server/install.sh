#!/usr/bin/env bash
# Installs the Rucio server the tests run (idempotent): a venv with PyPI's rucio (server and Python
# client in one package) and gunicorn, every dependency pinned by constraints.txt so that a fresh
# machine gets what was tested. The venv is target/rucio-venv (RUCIO_VENV overrides it); PYTHON
# names the interpreter to build it from (python3). CI calls this before `cargo xtask test`;
# tc-testkit's RucioServer::start calls it too, so a test never needs it run by hand.
#
# To move to another Rucio: edit requirements.txt, run with RUCIO_VENV pointing somewhere new and
# no constraints (RUCIO_NO_CONSTRAINTS=1), then `"$RUCIO_VENV/bin/pip" freeze` into constraints.txt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${RUCIO_VENV:-$root/target/rucio-venv}"
python="${PYTHON:-python3}"
started="$EPOCHREALTIME"

took() { awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'; }

# The venv records what it was built from; a different requirements or constraints file (or
# Python) rebuilds it rather than patching an old one.
stamp_of() {
    {
        cat "$here/requirements.txt"
        [ -n "${RUCIO_NO_CONSTRAINTS:-}" ] || cat "$here/constraints.txt"
        "$python" -c 'import sys; print(sys.version)'
    } | sha256sum | cut -d' ' -f1
}

mkdir -p "$(dirname "$venv")"
# Tests running in parallel may all call this: one installs, the others wait for it.
exec 9>"$venv.lock"
flock 9

want="$(stamp_of)"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.tc-stamp" 2>/dev/null)" = "$want" ] &&
    "$venv/bin/python" -c 'import rucio, gunicorn' 2>/dev/null; then
    echo "Rucio test server already installed in $venv ($(took))"
    exit 0
fi

if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "install.sh: $python cannot make venvs (on Debian: apt-get install -y python3-venv)" >&2
    exit 1
fi
echo "Installing the Rucio test server into $venv (about a minute)..." >&2
rm -f "$venv/.tc-stamp"
"$python" -m venv --clear "$venv"
constraints=(-c "$here/constraints.txt")
[ -z "${RUCIO_NO_CONSTRAINTS:-}" ] || constraints=()
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    -r "$here/requirements.txt" "${constraints[@]}"
# The WSGI module reads rucio.cfg when imported, so start.sh is what proves the server runs; here
# pip checks that the pinned set is consistent.
"$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null
echo "$want" >"$venv/.tc-stamp"
echo "Rucio test server installed in $venv ($(du -sh "$venv" | cut -f1), $(took))"
