#!/usr/bin/env bash
# Chromium for the dashboard's browser test: Debian's pinned `chromium` package (never a browser
# downloaded by Playwright), installed with apt without recommends (24 packages: 118 MiB download,
# 395 MiB installed, 12 s cold on the 2-core dev machine when the package index is present).
#
#   tools/stack/chromium.sh install   # install once (idempotent: nothing to do when the pinned version is there)
#   tools/stack/chromium.sh path      # the browser executable (installs first); what playwright-core launches
#
# apt needs root; on a machine where that is not possible, install the package listed in
# tools/stack/versions.env by hand and this script only finds it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"
CACHE="${MCH_CACHE_DIR:-$HOME/.cache/medcontracthub}"
# One apt at a time on a shared machine (dpkg and the lists have one lock each).
APT_LOCK="${MCH_APT_LOCK:-$CACHE/apt.lock}"
BIN=/usr/bin/chromium

log() { printf '[chromium] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

installed_version() { dpkg-query -W -f '${Version}' chromium 2>/dev/null || true; }

apt_install() {
  flock "$APT_LOCK" apt-get install -y -qq --no-install-recommends "chromium=$1" "chromium-common=$1" >/dev/null 2>&1
}

install() {
  local installed
  installed="$(installed_version)"
  [[ "$installed" == "$CHROMIUM_DEBIAN_VERSION" && -x "$BIN" ]] && return 0
  [[ "$(id -u)" == 0 ]] || die "chromium=$CHROMIUM_DEBIAN_VERSION is not installed and apt needs root; install it by hand"
  mkdir -p "$CACHE"
  local started=$SECONDS major="${CHROMIUM_DEBIAN_VERSION%%.*}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt_install "$CHROMIUM_DEBIAN_VERSION"; then
    log "package index has no chromium=$CHROMIUM_DEBIAN_VERSION; apt-get update"
    flock "$APT_LOCK" apt-get update -qq >/dev/null
    if ! apt_install "$CHROMIUM_DEBIAN_VERSION"; then
      # Debian's security archive keeps only the newest build of a release: a pinned build it has
      # replaced cannot be installed any more. The same major version (same browser protocol for
      # playwright-core) is taken then, and named, so the pin can be moved.
      local candidate
      candidate="$(apt-cache policy chromium | awk '/Candidate:/ {print $2}')"
      [[ "$installed" == "$candidate" && -x "$BIN" ]] && { log "pinned $CHROMIUM_DEBIAN_VERSION is gone from the archive; using the installed $candidate"; return 0; }
      [[ "${candidate%%.*}" == "$major" ]] || die "the archive has chromium $candidate, not major $major of the pinned $CHROMIUM_DEBIAN_VERSION; update tools/stack/versions.env"
      apt_install "$candidate" || die "could not install chromium=$candidate from the Debian archive"
      log "pinned $CHROMIUM_DEBIAN_VERSION is gone from the archive; installed $candidate (same major; move the pin in tools/stack/versions.env)"
    fi
  fi
  [[ -x "$BIN" ]] || die "the package did not install $BIN"
  log "installed chromium $(installed_version) in $((SECONDS - started)) s"
}

case "${1:-}" in
  install) install ;;
  path) install; echo "$BIN" ;;
  *) die "usage: $0 install|path" ;;
esac
