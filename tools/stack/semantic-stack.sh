#!/usr/bin/env bash
# Semantic-search instance (#17), beside the shared stack: the inference service (apps/inference,
# all-MiniLM-L6-v2 from tools/stack/minilm.sh) and a Weaviate of its own with the
# text2vec-transformers module pointed at it. Own directory and ports; the shared stack's Weaviate
# (which enables no module that calls out) is never touched.
#
#   tools/stack/semantic-stack.sh up|down|status|env
#
# Directory: $MCH_SEMANTIC_STACK_DIR (default <repo>/.stack-semantic). Ports (overridable):
# inference 18090, Weaviate REST 18182, gRPC 20653, gossip/data 17976/17977, raft 18330/18331.
# `env` prints a file to source: WEAVIATE_HOST/HTTP_PORT/GRPC_PORT/API_KEY, INFERENCE_URL.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"
CACHE="${MCH_CACHE_DIR:-$HOME/.cache/medcontracthub}"
DIR="${MCH_SEMANTIC_STACK_DIR:-$ROOT/.stack-semantic}"
INF_PORT=${MCH_SEMANTIC_INFERENCE_PORT:-18090}
WV_HTTP=${MCH_SEMANTIC_WEAVIATE_HTTP_PORT:-18182}
WV_GRPC=${MCH_SEMANTIC_WEAVIATE_GRPC_PORT:-20653}
WV_GOSSIP=${MCH_SEMANTIC_WEAVIATE_GOSSIP_PORT:-17976}
WV_DATA=${MCH_SEMANTIC_WEAVIATE_DATA_PORT:-17977}
WV_RAFT=${MCH_SEMANTIC_WEAVIATE_RAFT_PORT:-18330}
WV_RAFT_RPC=${MCH_SEMANTIC_WEAVIATE_RAFT_RPC_PORT:-18331}
WV_BIN="$CACHE/weaviate-$WEAVIATE_VERSION/weaviate-server"

log() { printf '[semantic-stack] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_for() { # url seconds
  local i
  for ((i = 0; i < $2 * 5; i++)); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  return 1
}

secrets() {
  mkdir -p "$DIR"
  [[ -s "$DIR/secrets.env" ]] || (umask 077 && echo "SEMANTIC_WEAVIATE_API_KEY=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >"$DIR/secrets.env")
  # shellcheck disable=SC1091
  source "$DIR/secrets.env"
}

inference_up() {
  alive "$DIR/inference.pid" && return 0
  local model
  model="$(bash "$HERE/minilm.sh" path)"
  [[ -x "$(command -v node)" ]] || die "node is required"
  MODEL_DIR="$model" INFERENCE_PORT="$INF_PORT" nohup setsid node -r "$ROOT/tools/scripts/register.js" \
    "$ROOT/apps/inference/src/main.ts" >"$DIR/inference.log" 2>&1 &
  echo $! >"$DIR/inference.pid"
  wait_for "http://127.0.0.1:$INF_PORT/.well-known/ready" 60 || die "inference not ready (see $DIR/inference.log)"
}

weaviate_up() {
  alive "$DIR/weaviate.pid" && return 0
  [[ -x "$WV_BIN" ]] || die "weaviate-server missing: run tools/stack/stack.sh up once (it builds $WEAVIATE_VERSION)"
  mkdir -p "$DIR/weaviate"
  # Same settings as the shared stack plus the module; the key comes from the shell's environment.
  AUTHENTICATION_APIKEY_ALLOWED_KEYS="$SEMANTIC_WEAVIATE_API_KEY" nohup setsid env \
    PERSISTENCE_DATA_PATH="$DIR/weaviate" \
    AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=false AUTHENTICATION_APIKEY_ENABLED=true \
    AUTHENTICATION_APIKEY_USERS=mch AUTHORIZATION_ADMINLIST_ENABLED=true AUTHORIZATION_ADMINLIST_USERS=mch \
    DEFAULT_VECTORIZER_MODULE=none ENABLE_MODULES=text2vec-transformers \
    TRANSFORMERS_INFERENCE_API="http://127.0.0.1:$INF_PORT" \
    DISABLE_TELEMETRY=true GO_PROFILING_DISABLE=true \
    CLUSTER_HOSTNAME=node1 CLUSTER_ADVERTISE_ADDR=127.0.0.1 CLUSTER_BIND_ADDR=127.0.0.1 \
    CLUSTER_GOSSIP_BIND_PORT="$WV_GOSSIP" CLUSTER_DATA_BIND_PORT="$WV_DATA" \
    RAFT_PORT="$WV_RAFT" RAFT_INTERNAL_RPC_PORT="$WV_RAFT_RPC" RAFT_BOOTSTRAP_EXPECT=1 \
    GRPC_PORT="$WV_GRPC" QUERY_DEFAULTS_LIMIT=25 LOG_FORMAT=json LOG_LEVEL=warning GOMEMLIMIT=1GiB \
    "$WV_BIN" --host 127.0.0.1 --port "$WV_HTTP" --scheme http >"$DIR/weaviate.log" 2>&1 &
  echo $! >"$DIR/weaviate.pid"
  wait_for "http://127.0.0.1:$WV_HTTP/v1/.well-known/ready" 90 || die "weaviate not ready (see $DIR/weaviate.log)"
}

stop() { # name
  local pidfile="$DIR/$1.pid" pid i
  alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid="$(cat "$pidfile")"
  kill -TERM "$pid"
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$pidfile"
}

write_env() {
  (umask 077 && cat >"$DIR/env.sh" <<ENV
export WEAVIATE_HOST=127.0.0.1 WEAVIATE_HTTP_PORT=$WV_HTTP WEAVIATE_GRPC_PORT=$WV_GRPC
export WEAVIATE_API_KEY=$SEMANTIC_WEAVIATE_API_KEY
export INFERENCE_URL=http://127.0.0.1:$INF_PORT
ENV
  )
  echo "$DIR/env.sh"
}

case "${1:-}" in
  up) secrets; inference_up; weaviate_up; write_env >/dev/null; log "up: inference :$INF_PORT, weaviate :$WV_HTTP" ;;
  down) stop weaviate; stop inference ;;
  # The inference service alone (the back-off spec stops and restarts it).
  inference-up) secrets; inference_up ;;
  inference-down) stop inference ;;
  status) for s in inference weaviate; do if alive "$DIR/$s.pid"; then echo "$s up"; else echo "$s down"; fi; done ;;
  env) secrets; write_env ;;
  *) die "usage: semantic-stack.sh up|down|status|env|inference-up|inference-down" ;;
esac
