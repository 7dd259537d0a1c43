#!/usr/bin/env bash
# The browser the web app's tests drive (tests/browser): Debian's chromium, launched by
# Playwright as its executable (Playwright's own browser builds cannot be downloaded here).
# A CJK font (fonts-wqy-zenhei) comes with it, so that the screenshots show the Chinese pages.
# - Present already: nothing to do.
# - Otherwise, as root on Debian: apt-get install chromium fonts-wqy-zenhei.
# - Where it cannot be had: one line why; exit 1 with CI=true, else 0 (the browser tests then
#   skip, saying so).
set -uo pipefail

CHROMIUM="${VANGUARD_CHROMIUM:-/usr/bin/chromium}"
FONT=/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
[[ -x "$CHROMIUM" && -f "$FONT" ]] && exit 0

unavailable() {
    echo "chromium: not available: $*"
    [[ "${CI:-}" == "true" ]] && exit 1
    exit 0
}
[[ "$(id -u)" == 0 ]] || unavailable "installing Debian's chromium needs root"
[[ -f /etc/debian_version ]] || unavailable "installing chromium this way needs Debian"
echo "chromium: installing Debian's chromium"
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; } \
    || unavailable "apt-get install chromium failed"
[[ -x "$CHROMIUM" ]] || unavailable "$CHROMIUM is missing after the install"
