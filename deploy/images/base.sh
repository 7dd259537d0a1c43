#!/usr/bin/env bash
# The base image, built from Debian packages alone (no image registry is needed):
# debootstrap a minimal bookworm with python3 (3.11) and venv, then `docker import` it.
# Cached by tag: nothing is done when the tag exists (FORCE=1 rebuilds).
set -euo pipefail

TAG="${BASE_TAG:-vanguard/base:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# python3-venv brings ensurepip, so the service image makes its own venv the same way on
# this base and on python:3.11-slim.
PACKAGES="python3,python3-venv"

if [[ -z "${FORCE:-}" ]] && docker image inspect "$TAG" >/dev/null 2>&1; then
    echo "base image $TAG exists (cached by tag; FORCE=1 rebuilds)"
    exit 0
fi
command -v debootstrap >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
}

root="$(mktemp -d /tmp/vanguard-base.XXXXXX)"
trap 'rm -rf "$root" "$root.log"' EXIT
echo "debootstrap bookworm (minbase + $PACKAGES) into $root"
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$root" "$MIRROR" >"$root.log" 2>&1 \
    || { tail -n 30 "$root.log"; exit 1; }
# Keep the image small: package lists, caches, docs and man pages are not needed at run time.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/tmp/*
tar -C "$root" -c . | docker import \
    --change 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    - "$TAG" >/dev/null
echo "built $TAG: $(docker image inspect -f '{{.Size}}' "$TAG" | numfmt --to=iec)"
