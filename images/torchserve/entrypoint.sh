#!/bin/sh
# Container entrypoint for the platform TorchServe image. PID 1 is tini (reaps orphans); this shell starts
# TorchServe in the foreground and turns SIGTERM/SIGINT into a graceful Java shutdown:
#   - `torchserve --foreground` is a Python launcher that spawns Java and waits for it; it has no signal
#     handling of its own, so a SIGTERM that reached it would kill it and orphan Java (no drain).
#   - Instead we signal Java itself (its pid is in $TMPDIR/.model_server.pid, written by the launcher);
#     Java stops its workers and exits, the launcher returns, and so do we.
# Server settings come from config.properties alone (ports, bind addresses, token auth off, model API off,
# batching); this script only passes paths. Extra arguments are appended to the torchserve command line,
# and a leading "torchserve" word is dropped (KServe's runtime passes `torchserve --start ...` as args).
set -eu

# TorchServe reads TS_CONFIG_FILE before --ts-config, and its workers inherit it (the handler sizes its threads
# from the worker count there): one variable names the config to both (pytorch/serve v0.12.0 ts/model_server.py).
TS_CONFIG="${TS_CONFIG_FILE:-${TS_CONFIG:-/mnt/models/config/config.properties}}"
export TS_CONFIG_FILE="$TS_CONFIG"
MODEL_STORE="${MODEL_STORE:-/mnt/models/model-store}"
if [ "${1:-}" = "torchserve" ]; then shift; fi

mkdir -p "${TMPDIR:-/tmp}" "${LOG_LOCATION:-/tmp/logs}" "${METRICS_LOCATION:-/tmp/logs}"
# A pid file left by a previous container run on the same emptyDir would make the launcher refuse to start
# only if that pid is a live TorchServe; a fresh container has no such process. Remove it anyway.
rm -f "${TMPDIR:-/tmp}/.model_server.pid"

torchserve --start --foreground --ncs --log-config "${TS_LOG_CONFIG:-/opt/torchserve/log4j2.xml}" \
  --ts-config "$TS_CONFIG" --model-store "$MODEL_STORE" "$@" &
launcher=$!

stop() {
  pid="$(cat "${TMPDIR:-/tmp}/.model_server.pid" 2>/dev/null || true)"
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; else kill -TERM "$launcher" 2>/dev/null || true; fi
}
trap stop TERM INT

# `wait` returns early when a trapped signal arrives; wait again until the launcher has really exited.
status=0
while kill -0 "$launcher" 2>/dev/null; do
  status=0
  wait "$launcher" || status=$?
done
exit "$status"
