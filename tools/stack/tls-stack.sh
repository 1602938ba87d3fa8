#!/usr/bin/env bash
# The TLS instance of the local stack, beside the default one: its own directory and ports, every
# store reachable only over TLS (PostgreSQL ssl with verify-full, Kafka SASL_SSL/SCRAM-SHA-512,
# ClickHouse HTTPS, Weaviate HTTPS + gRPC TLS). Same commands as stack.sh:
#
#   tools/stack/tls-stack.sh up|down|status|reset|logs <service>|env
#
# Directory: $MCH_TLS_STACK_DIR (default <repo>/.stack-tls). Ports: tls-ports.env, each overridable.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tls-ports.env
source "$HERE/tls-ports.env"
export MCH_STACK_TLS=1 MCH_STACK_DIR="${MCH_TLS_STACK_DIR:-$(cd "$HERE/../.." && pwd)/.stack-tls}"
export MCH_PG_PORT=$MCH_TLS_PG_PORT MCH_KAFKA_PORT=$MCH_TLS_KAFKA_PORT MCH_KAFKA_CONTROLLER_PORT=$MCH_TLS_KAFKA_CONTROLLER_PORT
export MCH_CLICKHOUSE_HTTP_PORT=$MCH_TLS_CLICKHOUSE_HTTPS_PORT MCH_CLICKHOUSE_TCP_PORT=$MCH_TLS_CLICKHOUSE_TCP_PORT
export MCH_WEAVIATE_HTTP_PORT=$MCH_TLS_WEAVIATE_HTTPS_PORT MCH_WEAVIATE_GRPC_PORT=$MCH_TLS_WEAVIATE_GRPC_PORT
export MCH_WEAVIATE_GOSSIP_PORT=$MCH_TLS_WEAVIATE_GOSSIP_PORT MCH_WEAVIATE_DATA_PORT=$MCH_TLS_WEAVIATE_DATA_PORT
export MCH_WEAVIATE_RAFT_PORT=$MCH_TLS_WEAVIATE_RAFT_PORT MCH_WEAVIATE_RAFT_RPC_PORT=$MCH_TLS_WEAVIATE_RAFT_RPC_PORT
exec bash "$HERE/stack.sh" "$@"
