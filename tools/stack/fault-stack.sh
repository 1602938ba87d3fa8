#!/usr/bin/env bash
# The fault-campaign instance of the local stack (apps/fault-e2e), beside the default one: its own
# directory and ports, so the campaign can stop and restart Kafka, ClickHouse and Weaviate while
# every other spec keeps using the default stack. Same commands as stack.sh:
#
#   tools/stack/fault-stack.sh up|down|status|reset|logs <service>|env [service...]
#
# Directory: $MCH_FAULT_STACK_DIR (default <repo>/.stack-faults). Ports: fault-ports.env, each overridable.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=fault-ports.env
source "$HERE/fault-ports.env"
export MCH_STACK_DIR="${MCH_FAULT_STACK_DIR:-$(cd "$HERE/../.." && pwd)/.stack-faults}"
export MCH_PG_PORT=$MCH_FAULT_PG_PORT MCH_KAFKA_PORT=$MCH_FAULT_KAFKA_PORT MCH_KAFKA_CONTROLLER_PORT=$MCH_FAULT_KAFKA_CONTROLLER_PORT
export MCH_CLICKHOUSE_HTTP_PORT=$MCH_FAULT_CLICKHOUSE_HTTP_PORT MCH_CLICKHOUSE_TCP_PORT=$MCH_FAULT_CLICKHOUSE_TCP_PORT
export MCH_WEAVIATE_HTTP_PORT=$MCH_FAULT_WEAVIATE_HTTP_PORT MCH_WEAVIATE_GRPC_PORT=$MCH_FAULT_WEAVIATE_GRPC_PORT
export MCH_WEAVIATE_GOSSIP_PORT=$MCH_FAULT_WEAVIATE_GOSSIP_PORT MCH_WEAVIATE_DATA_PORT=$MCH_FAULT_WEAVIATE_DATA_PORT
export MCH_WEAVIATE_RAFT_PORT=$MCH_FAULT_WEAVIATE_RAFT_PORT MCH_WEAVIATE_RAFT_RPC_PORT=$MCH_FAULT_WEAVIATE_RAFT_RPC_PORT
unset MCH_STACK_TLS
exec bash "$HERE/stack.sh" "$@"
