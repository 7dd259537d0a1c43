#!/usr/bin/env bash
# Debian's kcat, the Kafka client nobody here wrote: the Apache Kafka pass reads the suite's
# topics with it (tests/integration/publications/test_kcat.py). Installed where missing, as
# root on Debian (apt-get, like deploy/engine.sh); elsewhere one line says what to do.
set -uo pipefail
command -v kcat >/dev/null && exit 0
SUDO=""
[[ "$(id -u)" == 0 ]] || SUDO="sudo -n"
if [[ -f /etc/debian_version ]] && ($SUDO true) 2>/dev/null; then
    echo "kafka: installing Debian's kcat"
    $SUDO apt-get install -y -qq kcat >/dev/null 2>&1 \
        || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq kcat >/dev/null; } \
        || { echo "kafka: apt-get install kcat failed" >&2; exit 1; }
else
    echo "kafka: kcat is missing: install it (Debian: apt-get install kcat); its test fails without it"
fi
