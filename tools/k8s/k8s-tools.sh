#!/usr/bin/env bash
# Offline validation of the rendered Kubernetes manifests against pinned API schemas.
#
#   k8s-tools.sh install           build kubeconform and generate the strict schemas (cached);
#                                  prints the path of toolchain.json (binary, schema locations, kinds)
#   k8s-tools.sh validate [dir...] render each kustomization (default: every one under k8s/)
#                                  with kubectl kustomize and validate every object; exit 1 on any error
#   k8s-tools.sh argo-crds         print the pinned Argo Rollouts CRD directory (fetched from the Go module proxy once)
#
# Everything comes from the Go module proxy through `go` (k8s.io/kubernetes for the API's OpenAPI
# spec, github.com/argoproj/argo-rollouts for its CRDs, github.com/yannh/kubeconform), pinned in
# versions.env. Builds and schemas go to $MCH_CACHE_DIR (default ~/.cache/medcontracthub), keyed on
# those versions and on the generator's source, so a second run is a no-op.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"

CACHE="${MCH_CACHE_DIR:-$HOME/.cache/medcontracthub}"
NODE="${MCH_NODE:-node}"
# The official Go tarball's location, when it is not on PATH.
command -v go >/dev/null || [[ ! -x /usr/local/go/bin/go ]] || PATH="$PATH:/usr/local/go/bin"
KUBECONFORM_DIR="$CACHE/kubeconform-$KUBECONFORM_VERSION"
KUBECONFORM="$KUBECONFORM_DIR/kubeconform"

log() { printf '[k8s-tools] %s\n' "$*" >&2; }
die() { printf '[k8s-tools] error: %s\n' "$*" >&2; exit 1; }

# The Go toolchain sees only the module proxy: no VCS fallback ("direct"), no toolchain download.
go_env() {
  env GOPATH="$CACHE/go" GOMODCACHE="$CACHE/go/pkg/mod" GOCACHE="$CACHE/go-build" \
    GOPROXY="${MCH_GOPROXY:-https://proxy.golang.org}" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 \
    GO111MODULE=on "$@"
}

# Downloads module@version into the module cache (checked against the Go checksum database, which
# the go command reads through the proxy) and prints
# its extracted directory.
module_dir() {
  local out dir
  out=$(cd "$CACHE" && go_env go mod download -json "$1" 2>&1) || { printf '%s\n' "$out" >&2; die "could not download $1 from the Go module proxy"; }
  dir=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -n "$dir" && -d "$dir" ]] || { printf '%s\n' "$out" >&2; die "no directory for $1"; }
  printf '%s\n' "$dir"
}

install_kubeconform() {
  if [[ -x "$KUBECONFORM" ]] && "$KUBECONFORM" -v >/dev/null 2>&1; then return 0; fi
  command -v go >/dev/null || die "go is required to build kubeconform"
  log "building kubeconform $KUBECONFORM_VERSION from the Go module proxy (once)"
  mkdir -p "$KUBECONFORM_DIR"
  go_env GOBIN="$KUBECONFORM_DIR" go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" \
    >"$KUBECONFORM_DIR/build.log" 2>&1 || { tail -n 40 "$KUBECONFORM_DIR/build.log" >&2; die "kubeconform build failed"; }
  "$KUBECONFORM" -v >/dev/null 2>&1 || die "kubeconform was built but does not run"
}

# The schemas are regenerated when a version or the generator changes.
schema_key() {
  cat "$HERE/versions.env" "$HERE"/generate-schemas.ts "$HERE"/strict-schema.ts "$HERE"/server-defaults.ts | sha256sum | cut -c1-16
}

install_schemas() {
  local out=$1
  [[ -f "$out/toolchain.json" ]] && return 0
  command -v go >/dev/null || die "go is required to fetch the Kubernetes and Argo Rollouts sources"
  local k8s argo tmp
  log "fetching k8s.io/kubernetes@v$KUBERNETES_VERSION and argo-rollouts@$ARGO_ROLLOUTS_VERSION from the Go module proxy"
  k8s=$(module_dir "k8s.io/kubernetes@v$KUBERNETES_VERSION")
  argo=$(module_dir "github.com/argoproj/argo-rollouts@$ARGO_ROLLOUTS_VERSION")
  log "generating strict JSON schemas into $out"
  tmp="$out.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (cd "$ROOT" && "$NODE" -r ./tools/scripts/register.js tools/k8s/generate-schemas.ts \
    --kubernetes-module "$k8s" --kubernetes-version "$KUBERNETES_VERSION" \
    --crd-source "argo-rollouts@$ARGO_ROLLOUTS_VERSION" \
    --crds "$argo/manifests/crds/rollout-crd.yaml" --crds "$argo/manifests/crds/analysis-template-crd.yaml" \
    --crds "$argo/manifests/crds/analysis-run-crd.yaml" --crds "$argo/manifests/crds/cluster-analysis-template-crd.yaml" \
    --crds "$argo/manifests/crds/experiment-crd.yaml" \
    --kubeconform "$KUBECONFORM" --kubeconform-version "$KUBECONFORM_VERSION" \
    --final-dir "$out" --out "$tmp" >&2) || { rm -rf "$tmp"; die "schema generation failed"; }
  rm -rf "$out"
  mv "$tmp" "$out"
}

cmd_install() {
  mkdir -p "$CACHE/k8s-schemas"
  local out
  out="$CACHE/k8s-schemas/$(schema_key)"
  # One installer at a time per cache: parallel test runs share the build and the schemas.
  exec 9>"$CACHE/k8s-schemas/.lock"
  flock 9
  install_kubeconform
  install_schemas "$out"
  flock -u 9
  printf '%s\n' "$out/toolchain.json"
}

cmd_validate() {
  local toolchain dir rc=0
  toolchain=$(cmd_install)
  dir=$(dirname "$toolchain")
  if (($# == 0)); then
    # Every Kustomization under k8s/ (Components are rendered through the overlays that include them).
    local file
    while IFS= read -r file; do
      grep -qE '^kind:[[:space:]]*Component' "$ROOT/$file" || set -- "$@" "$(dirname "$file")"
    done < <(cd "$ROOT" && find k8s -name kustomization.yaml | sort)
  fi
  command -v kubectl >/dev/null || die "kubectl (with its built-in kustomize) is required to render the manifests"
  for kustomization in "$@"; do
    log "$kustomization"
    # Missing schemas are errors (no -ignore-missing-schemas); -strict also rejects duplicate keys.
    (cd "$ROOT" && kubectl kustomize "$kustomization") | "$KUBECONFORM" -strict -summary \
      -kubernetes-version "$KUBERNETES_VERSION" \
      -schema-location "$dir/kubernetes" \
      -schema-location "$dir/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" - || rc=1
  done
  return "$rc"
}

# The Argo Rollouts CRDs of the pinned version (fetched into the module cache if missing), for specs
# that apply them to a real API server: the directory holding rollout-crd.yaml and the others.
cmd_argo_crds() {
  command -v go >/dev/null || die "go is required to fetch the Argo Rollouts sources"
  mkdir -p "$CACHE"
  local dir
  dir=$(module_dir "github.com/argoproj/argo-rollouts@$ARGO_ROLLOUTS_VERSION") || exit 1
  printf '%s\n' "$dir/manifests/crds"
}

case "${1:-}" in
  install) cmd_install ;;
  argo-crds) cmd_argo_crds ;;
  validate) shift; cmd_validate "$@" ;;
  *) sed -n '2,12p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
