#!/usr/bin/env bash
# Installs the peers of `npm run bench` (issue #16) into the cache and prints where they are.
#   peers.sh debezium   Debezium's PostgreSQL connector + Kafka Connect standalone, from Maven Central
# Pinned here; the cache key includes the versions, so a second run starts at once (cold: ~70 jars, 41 MB).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${MCH_CACHE_DIR:-$HOME/.cache/medcontracthub}"
DEBEZIUM_VERSION=3.6.1.Final
CONNECT_VERSION=4.3.0

case "${1:-}" in
  debezium)
    libs="$CACHE/debezium-$DEBEZIUM_VERSION-connect-$CONNECT_VERSION/libs"
    if [[ ! -f "$libs/.complete" ]]; then
      command -v mvn >/dev/null || { echo "peers.sh: maven is required to fetch the Debezium jars" >&2; exit 1; }
      rm -rf "$libs"
      # Maven verifies each artifact against Central's published checksums (-C: a mismatch fails).
      mvn -q -B -C -f "$HERE/debezium-pom.xml" -Ddebezium.version="$DEBEZIUM_VERSION" -Dconnect.version="$CONNECT_VERSION" \
        -Dmaven.repo.local="$CACHE/m2" dependency:copy-dependencies -DoutputDirectory="$libs" >"$CACHE/debezium-fetch.log" 2>&1 \
        || { tail -n 40 "$CACHE/debezium-fetch.log" >&2; echo "peers.sh: could not fetch the Debezium jars" >&2; exit 1; }
      touch "$libs/.complete"
    fi
    echo "$libs"
    ;;
  *) echo "usage: peers.sh debezium" >&2; exit 2 ;;
esac
