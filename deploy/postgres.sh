#!/usr/bin/env bash
# A PostgreSQL server for `make postgres`, `make run STORE=postgres` and the tests that need one.
# Prints its URL as the last line of standard output.
# - VANGUARD_TEST_POSTGRES_URL set: that server is used as it is (it must answer); nothing starts.
# - Otherwise a throwaway cluster under $VANGUARD_POSTGRES_DIR (default var/postgres): Debian's
#   `postgresql` installed where missing (as root), initdb'd once, started on a free loopback
#   port with its unix socket in the same directory, as the `postgres` user when run as root
#   (the server refuses root); waited for with pg_isready. A cluster already running there is
#   reused. fsync is off: the cluster survives any process being killed, not a machine crash.
# `deploy/postgres.sh stop` stops the cluster under that directory.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$(realpath -m "${VANGUARD_POSTGRES_DIR:-$ROOT/var/postgres}")"
DATA="$DIR/data"
LOG="$DIR/postgres.log"
DB=vanguard

fail() { echo "postgres: $*" >&2; exit 1; }

if [[ -n "${VANGUARD_TEST_POSTGRES_URL:-}" && "${1:-start}" == start ]]; then
    python3 - "$VANGUARD_TEST_POSTGRES_URL" <<'PY' || fail "VANGUARD_TEST_POSTGRES_URL does not answer"
import socket, sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
socket.create_connection((url.hostname or "127.0.0.1", url.port or 5432), timeout=5).close()
PY
    echo "postgres: using VANGUARD_TEST_POSTGRES_URL" >&2
    echo "$VANGUARD_TEST_POSTGRES_URL"
    exit 0
fi

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
BIN="$(bindir)"
if [[ -z "$BIN" ]]; then
    [[ "$(id -u)" == 0 && -f /etc/debian_version ]] \
        || fail "no PostgreSQL installed; install Debian's postgresql or set VANGUARD_TEST_POSTGRES_URL"
    echo "postgres: installing Debian's postgresql" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    BIN="$(bindir)"
    [[ -n "$BIN" ]] || fail "apt-get install postgresql gave no server"
fi

# The server runs as its own user when we are root; everything under $DIR is that user's.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

answering() { [[ -f "$DIR/port" ]] && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$DIR/port")"; }
running() { [[ -f "$DATA/postmaster.pid" ]] && answering; }
# A server killed outright leaves its lock file, and its PID may linger as a zombie where
# nothing reaps orphans (a container's init): the lock file of a server that does not
# answer and whose process is gone or a zombie is stale.
clear_stale_lock() {
    local pid state
    [[ -f "$DATA/postmaster.pid" ]] || return 0
    pid="$(head -1 "$DATA/postmaster.pid")"
    state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)"
    if [[ "$state" == gone || "$state" == Z ]]; then
        rm -f "$DATA/postmaster.pid"
    fi
}
url() { echo "postgresql://vanguard@127.0.0.1:$(cat "$DIR/port")/$DB"; }

if [[ "${1:-start}" == stop ]]; then
    [[ -f "$DATA/postmaster.pid" ]] && as_owner "$BIN/pg_ctl" stop -D "$DATA" -m fast -w >/dev/null 2>&1
    echo "postgres: stopped ($DIR)" >&2
    exit 0
fi

if running; then
    echo "postgres: using the cluster running under $DIR" >&2
    url
    exit 0
fi

clear_stale_lock
mkdir -p "$DIR"
if [[ "$(id -u)" == 0 ]]; then
    chown postgres: "$DIR"
    runuser -u postgres -- test -w "$DIR" \
        || fail "the postgres user cannot reach $DIR (a parent folder is closed to it)"
fi
if [[ ! -f "$DATA/PG_VERSION" ]]; then
    as_owner "$BIN/initdb" -D "$DATA" -U vanguard -A trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
        || fail "initdb failed (see $DIR/initdb.log)"
fi

# The port it had before, if still free (a restart keeps its URL), else any free one.
free_port() {
    python3 - "$(cat "$DIR/port" 2>/dev/null || echo 0)" <<'PY'
import socket, sys
for port in (int(sys.argv[1]), 0):
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
            print(s.getsockname()[1])
            break
    except OSError:
        continue
PY
}
port="$(free_port)"
as_owner "$BIN/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 -o \
    "-p $port -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    >/dev/null || fail "the server did not start (see $LOG)"
echo "$port" >"$DIR/port"
for _ in $(seq 1 60); do
    "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
done
"$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" || fail "the server does not answer (see $LOG)"
if ! "$BIN/psql" -h 127.0.0.1 -p "$port" -U vanguard -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    "$BIN/createdb" -h 127.0.0.1 -p "$port" -U vanguard "$DB"
fi
echo "postgres: started on 127.0.0.1:$port (data and socket: $DIR; log: $LOG)" >&2
url
