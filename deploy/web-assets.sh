#!/usr/bin/env bash
# The web app's charting library, fetched from the npm registry at build time (make setup)
# and served by the app itself (services/web/static/vendor): no page loads anything from
# another host. Idempotent: a present file of the pinned version is kept.
set -euo pipefail

ECHARTS_VERSION="${ECHARTS_VERSION:-6.1.0}"
VENDOR="services/web/static/vendor"
STAMP="$VENDOR/echarts.version"

if [[ -f "$VENDOR/echarts.min.js" && "$(cat "$STAMP" 2>/dev/null)" == "$ECHARTS_VERSION" ]]; then
    exit 0
fi
command -v npm >/dev/null || { echo "web-assets: npm is needed to fetch echarts" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "echarts@$ECHARTS_VERSION" >/dev/null)
tar -xzf "$work"/echarts-*.tgz -C "$work" package/dist/echarts.min.js package/LICENSE
mkdir -p "$VENDOR"
cp "$work/package/dist/echarts.min.js" "$VENDOR/echarts.min.js"
cp "$work/package/LICENSE" "$VENDOR/echarts.LICENSE"
echo "$ECHARTS_VERSION" >"$STAMP"
echo "web-assets: echarts $ECHARTS_VERSION in $VENDOR"
