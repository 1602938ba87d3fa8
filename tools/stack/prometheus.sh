#!/usr/bin/env bash
# Prometheus for the local stack, when asked: Debian's pinned `prometheus` package (it ships
# promtool) unpacked into the cache (no dpkg install, no systemd unit), run on 127.0.0.1 with its
# own directory and port. It never touches the shared stack (stack.sh).
#
#   tools/stack/prometheus.sh install   # download + unpack once (cached); prints nothing else
#   tools/stack/prometheus.sh bin       # the directory holding prometheus and promtool (installs first)
#   tools/stack/prometheus.sh up        # start it with MCH_PROMETHEUS_CONFIG (default k8s/monitoring/prometheus.local.yml)
#   tools/stack/prometheus.sh down      # stop the instance of this directory
#   tools/stack/prometheus.sh env       # path of a file with PROMETHEUS_URL=..., for `source`
#   tools/stack/prometheus.sh status
#
# MCH_PROMETHEUS_DIR (default .stack/prometheus) and MCH_PROMETHEUS_PORT (default 9490) let a test
# run an instance of its own. docs/monitoring.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"
CACHE="${MCH_CACHE_DIR:-$HOME/.cache/medcontracthub}"
DIR="${MCH_PROMETHEUS_DIR:-$ROOT/.stack/prometheus}"
PORT="${MCH_PROMETHEUS_PORT:-9490}"
CONFIG="${MCH_PROMETHEUS_CONFIG:-$ROOT/k8s/monitoring/prometheus.local.yml}"
VERSION_DIR="$CACHE/prometheus-${PROMETHEUS_DEBIAN_VERSION//[+~:]/_}"
BIN="$VERSION_DIR/usr/bin"
# One apt at a time on a shared machine (apt-get update takes the lists lock).
APT_LOCK="${MCH_APT_LOCK:-$CACHE/apt.lock}"

log() { printf '[prometheus] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

install() {
  [[ -x "$BIN/prometheus" && -x "$BIN/promtool" ]] && return 0
  mkdir -p "$CACHE"
  local work
  work="$(mktemp -d "$CACHE/prometheus-dl.XXXXXX")"
  # apt-get download needs no root and leaves dpkg alone; the package index may need one update.
  (
    cd "$work"
    if ! flock "$APT_LOCK" apt-get download -qq "prometheus=$PROMETHEUS_DEBIAN_VERSION" >/dev/null 2>&1; then
      log "package index has no prometheus=$PROMETHEUS_DEBIAN_VERSION; apt-get update"
      flock "$APT_LOCK" apt-get update -qq >/dev/null
      flock "$APT_LOCK" apt-get download -qq "prometheus=$PROMETHEUS_DEBIAN_VERSION" >/dev/null
    fi
  ) || { rm -rf "$work"; die "could not download prometheus=$PROMETHEUS_DEBIAN_VERSION from the Debian archive"; }
  rm -rf "$VERSION_DIR.partial"
  dpkg-deb -x "$work"/prometheus_*.deb "$VERSION_DIR.partial"
  rm -rf "$work"
  [[ -x "$VERSION_DIR.partial/usr/bin/prometheus" && -x "$VERSION_DIR.partial/usr/bin/promtool" ]] ||
    die "the package did not hold usr/bin/prometheus and usr/bin/promtool"
  mv "$VERSION_DIR.partial" "$VERSION_DIR"
  log "installed $("$BIN/prometheus" --version 2>&1 | head -1)"
}

running_pid() {
  local pid
  [[ -f "$DIR/prometheus.pid" ]] || return 1
  pid="$(cat "$DIR/prometheus.pid")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

up() {
  install
  [[ -f "$CONFIG" ]] || die "no scrape config at $CONFIG"
  "$BIN/promtool" check config --syntax-only "$CONFIG" >/dev/null || die "promtool refused $CONFIG"
  if running_pid >/dev/null; then log "already running on 127.0.0.1:$PORT"; write_env; return 0; fi
  mkdir -p "$DIR/data"
  # Rule files are read relative to the config file's directory.
  nohup "$BIN/prometheus" \
    --config.file="$CONFIG" \
    --storage.tsdb.path="$DIR/data" \
    --storage.tsdb.retention.time=1d \
    --web.listen-address="127.0.0.1:$PORT" \
    --web.enable-lifecycle \
    >"$DIR/prometheus.log" 2>&1 &
  echo $! >"$DIR/prometheus.pid"
  local deadline=$((SECONDS + 30))
  until curl -fsS "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1; do
    if ! running_pid >/dev/null; then tail -n 20 "$DIR/prometheus.log" >&2; die "prometheus exited during start-up"; fi
    ((SECONDS < deadline)) || { tail -n 20 "$DIR/prometheus.log" >&2; die "prometheus not ready within 30s"; }
    sleep 0.3
  done
  write_env
  log "up on http://127.0.0.1:$PORT (config $CONFIG, data $DIR)"
}

down() {
  local pid
  if pid="$(running_pid)"; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "stopped"
  fi
  rm -f "$DIR/prometheus.pid"
}

write_env() {
  mkdir -p "$DIR"
  printf 'PROMETHEUS_URL=http://127.0.0.1:%s\n' "$PORT" >"$DIR/prometheus.env"
}

case "${1:-}" in
  install) install ;;
  bin) install; echo "$BIN" ;;
  up) up ;;
  down) down ;;
  env) write_env; echo "$DIR/prometheus.env" ;;
  status) if pid="$(running_pid)"; then echo "running (pid $pid) on 127.0.0.1:$PORT"; else echo "stopped"; exit 1; fi ;;
  *) die "usage: prometheus.sh install|bin|up|down|env|status" ;;
esac
