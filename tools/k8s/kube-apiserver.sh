#!/usr/bin/env bash
# A real Kubernetes API server (kube-apiserver + etcd, no controller-manager, no kubelet) for the
# rollback's Kubernetes specs: image pins, scale and Job suspend are spec patches the API server
# validates and stores by itself.
#
#   kube-apiserver.sh install        build kube-apiserver (k8s.io/kubernetes@v$KUBERNETES_VERSION) and
#                                    etcd (the version kubernetes' go.mod pins) from the Go module proxy
#                                    into $MCH_CACHE_DIR (cached; a second run is a no-op); prints the dir
#   kube-apiserver.sh start <dir>    etcd + kube-apiserver on free 127.0.0.1 ports with their data, certs,
#                                    logs in <dir>; RBAC on; writes <dir>/admin.kubeconfig (system:masters
#                                    token) and <dir>/env (KUBECONFIG=...); returns once /readyz answers ok
#   kube-apiserver.sh stop <dir>     stops both (the pids in <dir>)
#
# The module zip of k8s.io/kubernetes lacks its staging/ directory (nested modules are cut out), so its
# replace directives cannot work in it; the build runs in a small wrapper module whose go.mod is
# kubernetes' own with each `k8s.io/<x> => ./staging/...` replaced by the published k8s.io/<x> v0.<minor>.<patch>.
# Cold cost, measured on the shared 2-core dev machine (load ~4 from other work; module cache warm,
# empty Go build cache): kube-apiserver 232 s + etcd 15 s (it shares most packages), 2.2 GB of Go build
# cache, binaries 146 MB + 38 MB. Cached afterwards: `install` is a no-op, `start` takes ~5 s.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"
CACHE="${MCH_CACHE_DIR:-$HOME/.cache/medcontracthub}"
command -v go >/dev/null || [[ ! -x /usr/local/go/bin/go ]] || PATH="$PATH:/usr/local/go/bin"
OUT="$CACHE/kube-apiserver-v$KUBERNETES_VERSION"

log() { printf '[kube-apiserver] %s\n' "$*" >&2; }
die() { printf '[kube-apiserver] error: %s\n' "$*" >&2; exit 1; }

go_env() {
  env GOPATH="$CACHE/go" GOMODCACHE="$CACHE/go/pkg/mod" GOCACHE="$CACHE/go-build" \
    GOPROXY="${MCH_GOPROXY:-https://proxy.golang.org}" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 \
    GO111MODULE=on "$@"
}

install() {
  if [[ -x "$OUT/kube-apiserver" && -x "$OUT/etcd" ]]; then printf '%s\n' "$OUT"; return 0; fi
  command -v go >/dev/null || die "go is required to build kube-apiserver"
  mkdir -p "$OUT/src"
  local k8s staging_version="0.${KUBERNETES_VERSION#1.}" start=$SECONDS
  log "building kube-apiserver v$KUBERNETES_VERSION and etcd from the Go module proxy (once; a few minutes)"
  k8s=$(cd "$CACHE" && go_env go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -d "$k8s" ]] || die "could not download k8s.io/kubernetes@v$KUBERNETES_VERSION"
  sed -E -e 's#^module k8s\.io/kubernetes$#module mch.local/kube-apiserver#' \
    -e "s#(k8s\.io/[a-z0-9-]+) => \./staging/src/k8s\.io/[a-z0-9-]+#\1 => \1 v$staging_version#" \
    -e "0,/^require \(/s##require (\n\tk8s.io/kubernetes v$KUBERNETES_VERSION#" "$k8s/go.mod" >"$OUT/src/go.mod"
  cp "$k8s/go.sum" "$OUT/src/go.sum"
  printf 'package tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n' >"$OUT/src/tools.go"
  (cd "$OUT/src" && go_env go build -o "$OUT/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver \
    && go_env go build -o "$OUT/etcd.tmp" go.etcd.io/etcd/server/v3) >"$OUT/build.log" 2>&1 \
    || { tail -n 40 "$OUT/build.log" >&2; die "build failed (log: $OUT/build.log)"; }
  mv "$OUT/kube-apiserver.tmp" "$OUT/kube-apiserver"
  mv "$OUT/etcd.tmp" "$OUT/etcd"
  log "built in $((SECONDS - start)) s"
  printf '%s\n' "$OUT"
}

free_port() { "${MCH_NODE:-node}" -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { process.stdout.write(String(s.address().port) + "\n"); s.close(); })'; }

start() {
  local dir=${1:?usage: start <dir>}
  install >/dev/null
  umask 077
  mkdir -p "$dir/certs" "$dir/etcd"
  dir=$(cd "$dir" && pwd)
  local etcd_port peer_port api_port token
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  token=$(openssl rand -hex 24)
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  # The admin token lives only in files of <dir> (umask 077), never on a command line.
  printf '%s,mch-test-admin,mch-test-admin,"system:masters"\n' "$token" >"$dir/tokens.csv"
  "$OUT/etcd" --data-dir "$dir/etcd" --name default \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level error \
    >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"
  "$OUT/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" --cert-dir "$dir/certs" \
    --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/sa.key" \
    --service-account-signing-key-file "$dir/sa.key" --service-cluster-ip-range 10.96.0.0/24 \
    --enable-priority-and-fairness=false --profiling=false -v 0 \
    >"$dir/kube-apiserver.log" 2>&1 &
  echo $! >"$dir/kube-apiserver.pid"
  cat >"$dir/admin.kubeconfig" <<EOF
apiVersion: v1
kind: Config
current-context: mch-test
clusters:
  - name: mch-test
    cluster:
      server: https://127.0.0.1:$api_port
      certificate-authority: $dir/certs/apiserver.crt
contexts:
  - name: mch-test
    context: { cluster: mch-test, user: mch-test-admin, namespace: default }
users:
  - name: mch-test-admin
    user:
      tokenFile: $dir/admin.token
EOF
  printf '%s' "$token" >"$dir/admin.token"
  printf 'KUBECONFIG=%s\nMCH_KUBE_APISERVER=https://127.0.0.1:%s\n' "$dir/admin.kubeconfig" "$api_port" >"$dir/env"
  local deadline=$((SECONDS + 120))
  until [[ -f "$dir/certs/apiserver.crt" ]] && [[ "$(KUBECONFIG="$dir/admin.kubeconfig" kubectl get --raw /readyz 2>/dev/null)" == ok ]]; do
    if ! kill -0 "$(cat "$dir/kube-apiserver.pid")" 2>/dev/null; then tail -n 30 "$dir/kube-apiserver.log" >&2; die "kube-apiserver exited"; fi
    ((SECONDS < deadline)) || { tail -n 30 "$dir/kube-apiserver.log" >&2; die "kube-apiserver not ready within 120 s"; }
    sleep 0.5
  done
  printf '%s\n' "$dir/env"
}

stop() {
  local dir=${1:?usage: stop <dir>} name pid
  for name in kube-apiserver etcd; do
    [[ -f "$dir/$name.pid" ]] || continue
    pid=$(cat "$dir/$name.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/$name.pid"
  done
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) die "usage: kube-apiserver.sh install | start <dir> | stop <dir>" ;;
esac
