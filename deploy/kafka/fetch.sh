#!/usr/bin/env bash
# Fetch Apache Kafka's broker jars (deploy/kafka/pom.xml) into var/kafka/libs, once.
# Maven caches what it downloads in ~/.m2; a second run with the jars in place does nothing.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
libs="$root/var/kafka/libs"
stamp="$libs/.fetched"
pom="$root/deploy/kafka/pom.xml"
if [[ -f "$stamp" && "$stamp" -nt "$pom" ]]; then
    exit 0
fi
command -v mvn >/dev/null || { echo "mvn not found: install Maven (Debian: apt-get install maven)" >&2; exit 1; }
command -v java >/dev/null || { echo "java not found: install Java 17 (Debian: apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
rm -rf "$libs"
mkdir -p "$libs"
mvn -q -B -f "$pom" dependency:copy-dependencies \
    -DoutputDirectory="$libs" -DincludeScope=runtime >"$root/var/kafka/fetch.log" 2>&1 \
    || { echo "fetching Kafka's jars failed; see var/kafka/fetch.log" >&2; exit 1; }
touch "$stamp"
