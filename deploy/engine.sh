#!/usr/bin/env bash
# Make sure a Docker engine is reachable, for `make test`, `make images` and `.ci/run`.
# - An engine that already answers is used as it is; nothing is started.
# - Otherwise, as root on Debian: install Debian's docker.io if missing and start dockerd in
#   the background with host networking only (no bridge, no iptables), then wait for it.
# - Where no engine can be had: print one line why; exit 1 with CI=true, else 0 (the
#   container tests then skip with that reason).
set -uo pipefail

LOG="${DOCKERD_LOG:-/var/log/vanguard-dockerd.log}"
PIDFILE="${DOCKERD_PIDFILE:-/run/vanguard-dockerd.pid}"

unavailable() {
    echo "engine: no Docker engine: $*"
    [[ "${CI:-}" == "true" ]] && exit 1
    exit 0
}
reachable() { docker info >/dev/null 2>&1; }

# tests/containers/test_compose.py starts deploy/compose.kafka.yaml: Debian's docker.io has no
# compose plugin, so Debian's docker-compose (1.29) is installed where neither is there.
ensure_compose() {
    docker compose version >/dev/null 2>&1 && return
    command -v docker-compose >/dev/null && return
    [[ "$(id -u)" == 0 && -f /etc/debian_version ]] || return
    echo "engine: installing Debian's docker-compose"
    apt-get install -y -qq docker-compose >/dev/null 2>&1 \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq docker-compose >/dev/null; } \
        || echo "engine: apt-get install docker-compose failed"
}
ensure_compose

if command -v docker >/dev/null && reachable; then
    echo "engine: using the running Docker engine"
    exit 0
fi
[[ "$(id -u)" == 0 ]] || unavailable "none is running, and starting one needs root"
[[ -f /etc/debian_version ]] || unavailable "none is running, and installing one needs Debian"

if ! command -v dockerd >/dev/null; then
    echo "engine: installing Debian's docker.io"
    # Keep the package's init script from starting a default (bridged) daemon.
    policy_added=""
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        policy_added=1
    fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
    installed=$?
    [[ -n "$policy_added" ]] && rm -f /usr/sbin/policy-rc.d
    [[ $installed == 0 ]] || unavailable "apt-get install docker.io failed"
fi

echo "engine: starting dockerd (host networking only; log: $LOG)"
setsid nohup dockerd --bridge=none --iptables=false --ip6tables=false \
    >"$LOG" 2>&1 </dev/null &
echo $! >"$PIDFILE"
for _ in $(seq 1 60); do
    reachable && { echo "engine: dockerd is up (pid $(cat "$PIDFILE"))"; exit 0; }
    sleep 1
done
unavailable "dockerd did not answer within 60 s (see $LOG)"
