"""TorchServe `config.properties` for one model, generated from its declaration.

The same text serves Phase 1 and Phase 2, in both mounted from a ConfigMap the platform renders (the copy packaged
into the artifact tree at `config/config.properties` is never read by a platform runtime: whoever can write the
bucket must not decide what TorchServe binds or allows). Security choices, by behaviour:
- the inference API listens on all interfaces (the Service / KServe route reaches it);
- the management API and the gRPC APIs listen on loopback only, and model registration through the
  management API is off (`enable_model_api=false`): CVE-2023-43654 (SSRF through registration) has no way in;
- `allowed_urls` admits only `.mar` files in the local model store;
- token auth is replaced, consciously: the key file TorchServe writes at start-up is per pod and random, so
  no client could hold it; instead the pod's NetworkPolicy (Phase 1) and the mesh (Phase 2) decide who may call
  the inference API, and nothing outside the pod can reach the management API at all.

Checked against a real TorchServe 0.12.0 (tests/test_torchserve_e2e.py): every key here is one its
ConfigManager reads; the listeners bind as described (`ss -ltnp`); the `models=` JSON sets batchSize,
maxBatchDelay, min/maxWorkers and responseTimeout of the model loaded by `load_models` when its version key
equals the archive's version (`models.packaging.MODEL_VERSION`); registration through the management API is
refused (405). It reads `allowed_urls` as Java properties, so regex backslashes are doubled here.

Caveat for Phase 2, read (not run) from pytorch/serve `kubernetes/kserve/kserve_wrapper`: KServe's stock
TorchServe runtime image puts a KServe wrapper in front of TorchServe that binds 8080 (HTTP) and 8081 (gRPC)
itself and takes the model names from a `model_snapshot` property. This file has no `model_snapshot` and puts
TorchServe on 8080/8081, so it suits a ServingRuntime that runs the platform image (TorchServe alone), not
that stock image unchanged.
"""
from __future__ import annotations

import json
import re
from typing import Optional

from models.spec import Model

MODEL_STORE = "/mnt/models/model-store"
INFERENCE_PORT = 8080
MANAGEMENT_PORT = 8081
METRICS_PORT = 8082
GRPC_INFERENCE_PORT = 7070
GRPC_MANAGEMENT_PORT = 7071
RESPONSE_TIMEOUT_S = 120


LOG_DIR = "/home/model-server/logs"
# How the standard image runs TorchServe, in Phase 1 (config from a ConfigMap) and Phase 2 (config in the artifact).
TORCHSERVE_ENV = {"LOG_LOCATION": LOG_DIR, "METRICS_LOCATION": LOG_DIR, "TEMP": "/tmp",
                  "JAVA_TOOL_OPTIONS": "-Djava.io.tmpdir=/tmp -XX:-UsePerfData"}


def torchserve_env(config_path: str) -> dict[str, str]:
    """The serving container's environment. `TS_CONFIG_FILE` names the config file to TorchServe (it wins over
    `--ts-config`: pytorch/serve v0.12.0 ts/model_server.py start) and, inherited by every worker, to the
    handler, which sizes its threads from the worker count configured there (models/handler.py)."""
    return {**TORCHSERVE_ENV, "TS_CONFIG_FILE": config_path}


# Readiness, run inside the serving container (exec probe), so the management API stays on loopback. TorchServe's
# /ping does not say whether a model can answer: it is "Healthy" with no model registered and while every worker
# crash-loops, until a worker has been recovering for maxRetryTimeoutInSec (5 min) (pytorch/serve v0.12.0
# frontend/server/src/main/java/org/pytorch/serve/util/ApiUtils.java isModelHealthy, wlm/WorkerThread.java
# isHealthy; measured: tests/test_torchserve_e2e.py). Ready here means what KServe's own TorchServe wrapper means
# by it (pytorch/serve v0.12.0 kubernetes/kserve/kserve_wrapper/TorchserveModel.py load(): management
# `GET /models/<name>`, a worker with status READY): every model named (or, with no name, every registered model,
# at least one) has a READY worker. One line on stdout; exit 0 or 1. No `{{` in it: KServe renders a runtime's
# container as a Go template (kserve v0.20.0 pkg/controller/v1beta1/inferenceservice/utils/utils.go
# ReplacePlaceholders).
_READY_CHECK = """\
import json, sys, urllib.request
base = sys.argv[1]
open_url = urllib.request.build_opener(urllib.request.ProxyHandler({})).open  # loopback: never through a proxy
def get(path):
    with open_url(base + path, timeout=2) as resp:
        return json.load(resp)
try:
    names = sys.argv[2:] or [m["modelName"] for m in get("/models")["models"]]
    not_ready = [n for n in names if not any(w["status"] == "READY" for w in get("/models/" + n)[0]["workers"])]
except Exception as err:
    print(f"not ready: {type(err).__name__}: {err}")
    sys.exit(1)
if not names or not_ready:
    print("not ready: " + ("no model registered" if not names else "no READY worker for " + ", ".join(not_ready)))
    sys.exit(1)
print("ready: " + ", ".join(names))
"""
READY_TIMEOUT_S = 5  # the probe's timeoutSeconds: a Python start on a CPU-limited, busy pod, plus two requests


def readiness_command(model_name: Optional[str] = None, management_port: int = MANAGEMENT_PORT,
                      python: str = "python") -> list[str]:
    """Exec-probe command: exits 0 only when `model_name` (or every registered model, at least one) has a READY
    worker. `python` and the port are parameters only so tests can run the same command on loopback."""
    return [python, "-c", _READY_CHECK, f"http://127.0.0.1:{management_port}",
            *([model_name] if model_name else [])]


def torchserve_args(config_path: str, model_store: str = MODEL_STORE) -> list[str]:
    return ["torchserve", "--foreground", "--disable-token-auth", "--ncs", f"--ts-config={config_path}",
            f"--model-store={model_store}"]


def serving_config_map_name(model: Model) -> str:
    """Phase 2's ConfigMap holding `config.properties` (Phase 1's is `<model>-torchserve-config`; a different name,
    so the Phase 1 → 2 move never has Karmada and Pulumi writing one object on the private cluster)."""
    return f"{model.name}-serving-config"


def mar_name(model: Model) -> str:
    return f"{model.name}.mar"


def config_properties(model: Model, *, model_store: str = MODEL_STORE, inference_port: int = INFERENCE_PORT,
                      management_port: int = MANAGEMENT_PORT, metrics_port: int = METRICS_PORT,
                      grpc_inference_port: int = GRPC_INFERENCE_PORT,
                      grpc_management_port: int = GRPC_MANAGEMENT_PORT, bind: str = "0.0.0.0") -> str:
    """Return config.properties text; ports and bind address are parameters only so tests can run it on loopback."""
    snapshot = {model.name: {"1.0": {
        "defaultVersion": True,
        "marName": mar_name(model),
        "minWorkers": model.workers,
        "maxWorkers": model.workers,
        "batchSize": model.batching.max_batch_size,
        "maxBatchDelay": model.batching.max_delay_ms,
        "responseTimeout": RESPONSE_TIMEOUT_S,
    }}}
    # allowed_urls is a Java regex inside a Java properties file, where a backslash escapes the next character:
    # double every backslash so TorchServe sees exactly `file://<escaped store>/.*\.mar` (checked in its log).
    allowed = f"file://{re.escape(model_store.rstrip('/'))}/.*\\.mar".replace("\\", "\\\\")
    lines = [
        f"inference_address=http://{bind}:{inference_port}",
        f"management_address=http://127.0.0.1:{management_port}",
        f"metrics_address=http://{bind}:{metrics_port}",
        "grpc_inference_address=127.0.0.1",
        "grpc_management_address=127.0.0.1",
        f"grpc_inference_port={grpc_inference_port}",
        f"grpc_management_port={grpc_management_port}",
        "enable_metrics_api=true",
        "metrics_mode=prometheus",
        "disable_token_authorization=true",
        "enable_model_api=false",
        f"allowed_urls={allowed}",
        f"model_store={model_store}",
        f"load_models={mar_name(model)}",
        f"default_workers_per_model={model.workers}",
        "install_py_dep_per_model=false",
        # Workers hand the handler the raw body: it checks nesting before parsing (models/handler.py), and
        # TorchServe's own parse would log a traceback per bad body (pytorch/serve v0.12.0
        # ts/protocol/otf_message_handler.py _retrieve_input_data; key read in ConfigManager.java).
        "decode_input_request=false",
        "enable_envvars_config=false",
        f"models={json.dumps(snapshot, separators=(',', ':'), sort_keys=True)}",
    ]
    return "\n".join(lines) + "\n"
