# shellcheck shell=bash
# Shared setup for the two README commands: Node 24 on PATH and the workspace's npm packages,
# both installed on demand from the npm registry and cached, so a fresh machine needs nothing.
MCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../stack/versions.env
source "$MCH_ROOT/tools/stack/versions.env"
MCH_CACHE="${MCH_CACHE_DIR:-$HOME/.cache/medcontracthub}"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false KAFKAJS_NO_PARTITIONER_WARNING=1

mch_log() { printf '[mch] %s\n' "$*" >&2; }

# The machines ship Node 20; weaviate-client needs 22+, and the project targets 24 LTS. The npm
# registry's `node` package carries the official binary, so no other download site is needed.
mch_ensure_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if ((major >= 24)); then return 0; fi
  local dir="$MCH_CACHE/node-$NODE_VERSION"
  if [[ ! -x "$dir/node_modules/node/bin/node" ]]; then
    command -v npm >/dev/null || { mch_log "npm is needed to install Node $NODE_VERSION"; return 1; }
    mch_log "installing Node $NODE_VERSION from the npm registry into $dir"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "node@$NODE_VERSION" >&2 || return 1
  fi
  export PATH="$dir/node_modules/node/bin:$PATH"
  mch_log "using node $(node --version)"
}

# npm ci only when package-lock.json changed since the last install.
mch_npm_install() {
  local stamp="$MCH_ROOT/node_modules/.mch-lock-hash" hash
  hash=$(sha256sum "$MCH_ROOT/package-lock.json" | cut -d' ' -f1)
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then return 0; fi
  mch_log "installing npm packages (npm ci)"
  # ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's postinstall would fetch CUDA builds from
  # outside the registries; its CPU binaries ship in the npm tarball (docs/semantic-search.md).
  (cd "$MCH_ROOT" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error >&2) || return 1
  echo "$hash" >"$stamp"
}

mch_stack_up() {
  bash "$MCH_ROOT/tools/stack/stack.sh" up || return 1
  # shellcheck disable=SC1090
  source "$(bash "$MCH_ROOT/tools/stack/stack.sh" env)"
}
