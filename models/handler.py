"""TorchServe handler shared by every catalog model (packaged into each `.mar` as `handler.py`).

Self-contained on purpose: inside the server it is imported from the extracted archive, where only `ts`,
`torch` and the standard library exist (the `models` package is not there).

Request: the body is ONE instance, a JSON nested list of numbers whose shape is the model's declared input
shape (`Source.input_shape`, e.g. 8 numbers, or 1x28x28 nested lists). Send it as `application/json`
(or text/plain, application/octet-stream); a form-encoded body (`curl -d` without a content type) is refused.

Response, one per request, always `Content-Type: application/json`:
    {"probabilities": [p0, p1, ...], "batch_size": n}            # plus "label": "<name>" when labels are declared
`probabilities` is the softmax of the model's logits. `batch_size` is how many requests TorchServe handed to
this handler call (its server-side batch): it makes batching observable from the outside, for tests and
benchmarks, at the cost of a few bytes.

A batch of requests is stacked into one tensor and runs in ONE forward pass. Every failure stays with its own
request: TorchServe 0.12 answers each request of a batch with the status the handler sets for its index
(`context.set_response_status(code, phrase, idx)`, pytorch/serve v0.12.0 ts/context.py and
ts/protocol/otf_message_handler.py create_predict_response), but turns an exception escaping the handler into 503
for the whole batch (ts/service.py predict). So:
- a malformed request (bad JSON, nesting deeper than the input's rank, wrong shape, non-numbers) gets its own
  400 with a one-line reason. Nesting is checked on the raw text before parsing: `json.loads` recurses, and a
  2 KB body of brackets raised RecursionError, which failed every neighbour in the batch;
- `/explanations/<model>` gets its own 501 (the platform's models have no explainer);
- if the batched forward pass raises, each row is run alone and only the rows that fail get a 500;
- anything else unexpected while decoding one request is a 500 for that request.

Threads: unless OMP_NUM_THREADS is set, each worker uses (CPU budget // workers) intra-op threads, where the
budget is the CPU affinity capped by the cgroup CPU quota (see `intra_op_threads`) and `workers` is the model's
worker count in the config.properties the server runs with (`TS_CONFIG_FILE`, set by the platform), not a count
packed into the archive, which a declaration change would leave stale.

The archive carries `model_meta.json` next to the serialized module: {"name", "input_shape", "labels"}.
"""
from __future__ import annotations

import json
import logging
import os
import re

import torch
from ts.torch_handler.base_handler import BaseHandler

logger = logging.getLogger(__name__)

META_FILE = "model_meta.json"



def cpu_budget() -> float:
    """CPUs this process may use: its CPU affinity, capped by the cgroup CPU quota (a pod's CPU limit).
    torch's default thread count is the node's core count, which ignores the quota."""
    cpus = float(len(os.sched_getaffinity(0)))
    try:  # cgroup v2: "<quota> <period>" or "max <period>"
        with open("/sys/fs/cgroup/cpu.max", encoding="ascii") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            cpus = min(cpus, int(quota) / int(period))
    except (OSError, ValueError):
        try:  # cgroup v1
            with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", encoding="ascii") as f:
                quota = int(f.read())
            with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us", encoding="ascii") as f:
                period = int(f.read())
            if quota > 0 and period > 0:
                cpus = min(cpus, quota / period)
        except (OSError, ValueError):
            pass
    return cpus


def intra_op_threads(workers: int) -> int:
    """Threads for one worker's forward pass: the CPU budget shared by the model's workers, at least 1.
    Without this, each worker starts one OpenMP thread per node core; with several workers on few cores
    the spinning threads starve each other, and batching (bigger, parallelised ops) suffers most: measured
    here with 2 workers on 2 cores, batches of 16: 316 requests/s with the default, 5,470 with 1 thread each."""
    return max(1, int(cpu_budget() // max(1, workers)))


def read_properties(path: str) -> dict[str, str]:
    """`key=value` lines of a config.properties as the platform writes them (no continuation lines)."""
    props = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", "!")) and "=" in line:
                key, _, value = line.partition("=")
                props[key.strip()] = value.strip()
    return props


def configured_workers(model_name: str, version: str) -> tuple[int, str]:
    """(workers, where it came from) for this model in the config.properties the server runs with.

    TorchServe takes that file from `TS_CONFIG_FILE` before `--ts-config` (pytorch/serve v0.12.0
    ts/model_server.py start; frontend ConfigManager.java), and its workers inherit the server's environment
    (frontend/server/src/main/java/org/pytorch/serve/util/messages/EnvironmentUtils.java getEnvString), so the
    platform sets `TS_CONFIG_FILE` and the worker reads what the server read: `maxWorkers` of this model's
    version in `models=`, else `default_workers_per_model`. Without a readable file: 1, and the caller warns."""
    path = os.environ.get("TS_CONFIG_FILE")
    if not path:
        return 1, "no TS_CONFIG_FILE"
    try:
        props = read_properties(path)
        entry = json.loads(props.get("models") or "{}").get(model_name, {}).get(version)
        if entry and "maxWorkers" in entry:
            return int(entry["maxWorkers"]), f"{path} models.{model_name}.{version}.maxWorkers"
        if "default_workers_per_model" in props:
            return int(props["default_workers_per_model"]), f"{path} default_workers_per_model"
        return 1, f"{path} names no workers for {model_name} {version}"
    except (OSError, ValueError, AttributeError) as err:
        return 1, f"{path} unreadable ({type(err).__name__}: {err})"


_NOT_STRUCTURE = re.compile(r'[^\[\]{}"\\]+')


def nesting_depth_exceeds(body, limit: int) -> bool:
    """Whether `body` nests lists/objects deeper than `limit`, without recursion: JSON text is scanned
    (strings skipped), an already parsed value walked with a stack."""
    if isinstance(body, str):
        depth, in_string, escaped = 0, False, False
        for ch in _NOT_STRUCTURE.sub("", body):  # brackets, quotes and backslashes only: C speed for the rest
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch in "[{":
                depth += 1
                if depth > limit:
                    return True
            elif ch in "]}":
                depth -= 1
        return False
    stack = [(body, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (list, dict)):
            if depth + 1 > limit:
                return True
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return False


# TorchServe requires exactly ONE class in a handler module (pytorch/serve v0.12.0 ts/model_loader.py
# _get_class_entry_point, ts/utils/util.py list_classes_from_module): a request's failure is a plain
# (HTTP status, reason) pair, and bad input a ValueError.


class PlatformHandler(BaseHandler):
    """Softmax classifier over a TorchScript module; batch-aware; every error stays with its request."""

    def initialize(self, context) -> None:
        super().initialize(context)  # loads the TorchScript file named in the manifest onto self.device
        model_dir = context.system_properties.get("model_dir")
        with open(os.path.join(model_dir, META_FILE), encoding="utf-8") as f:
            meta = json.load(f)
        self.input_shape = tuple(int(d) for d in meta["input_shape"])
        self.labels = list(meta.get("labels") or [])
        if not os.environ.get("OMP_NUM_THREADS"):  # an explicit OMP_NUM_THREADS is the operator's choice
            version = str((context.manifest or {}).get("model", {}).get("modelVersion", ""))
            workers, source = configured_workers(context.model_name, version)
            if not source.endswith(("maxWorkers", "default_workers_per_model")):
                logger.warning("worker count not found in the serving config (%s): assuming 1", source)
            torch.set_num_threads(intra_op_threads(workers))
            logger.info("torch intra-op threads: %d (CPU budget %.2f shared by %d workers, from %s)",
                        torch.get_num_threads(), cpu_budget(), workers, source)
        else:
            logger.info("torch intra-op threads: %d (OMP_NUM_THREADS)", torch.get_num_threads())
        self.errors: dict[int, tuple[int, str]] = {}

    def _is_explain(self) -> bool:
        """Never for the whole batch (BaseHandler looks at request 0 only): explanations are refused per request."""
        return False

    # -- one request body -> one tensor ------------------------------------------------------------------

    def _decode(self, row) -> torch.Tensor:
        body = row.get("data") if row.get("data") is not None else row.get("body")
        if body is None:  # e.g. `curl -d` without a content type: TorchServe parses the body as a form
            raise ValueError("no request body: send one instance as the body with Content-Type "
                             "application/json (form-encoded bodies are not accepted)")
        rank = len(self.input_shape)
        if isinstance(body, (bytes, bytearray)):
            try:
                body = body.decode("utf-8")
            except UnicodeDecodeError as err:
                raise ValueError(f"body is not JSON: {err}") from None
        # Before json.loads (which recurses) and torch.tensor; TorchServe may have parsed a JSON body already.
        if nesting_depth_exceeds(body, rank):
            raise ValueError(f"body nests deeper than the input's {rank} dimensions "
                             f"(expected shape {list(self.input_shape)})")
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except json.JSONDecodeError as err:
                raise ValueError(f"body is not JSON: {err}") from None
        if not isinstance(body, list):
            raise ValueError(f"expected a JSON nested list of shape {list(self.input_shape)}, "
                             f"got {type(body).__name__}")
        try:
            tensor = torch.tensor(body, dtype=torch.float32)
        except (TypeError, ValueError, RuntimeError) as err:
            raise ValueError(f"expected a nested list of numbers of shape {list(self.input_shape)}: {err}") from None
        if tuple(tensor.shape) != self.input_shape:
            raise ValueError(f"expected shape {list(self.input_shape)}, got {list(tensor.shape)}")
        if not torch.isfinite(tensor).all():
            raise ValueError("values must be finite numbers")
        return tensor

    # -- BaseHandler steps -----------------------------------------------------------------------------

    def preprocess(self, data):
        """Decode every request; remember which ones failed and why; stack the good ones into one batch."""
        self.errors = {}
        self.good_rows: list[int] = []
        rows = []
        for idx, row in enumerate(data):
            if self.context.get_request_header(idx, "explain") == "True":  # /explanations, KServe :explain
                self.errors[idx] = (501, "explanations are not supported by this model; use /predictions")
                continue
            try:
                rows.append(self._decode(row))
                self.good_rows.append(idx)
            except ValueError as err:
                self.errors[idx] = (400, str(err))
            except Exception as err:  # noqa: BLE001 - a bug must not fail the neighbours
                logger.exception("request %d of the batch failed while decoding", idx)
                self.errors[idx] = (500, f"internal error: {type(err).__name__}")
        self.batch_size = len(data)
        if not rows:
            return None
        return torch.stack(rows).to(self.device)

    def _forward(self, data):
        with torch.inference_mode():
            return torch.softmax(self.model(data), dim=1)

    def inference(self, data, *args, **kwargs):
        """One forward pass for the batch; if it raises, each row alone, so only the failing rows fail."""
        if data is None:
            return None
        try:
            return list(self._forward(data))
        except Exception:  # noqa: BLE001 - isolate the failing rows instead of failing the batch
            logger.exception("batched forward pass failed: running the %d rows one by one", len(data))
        out = []
        for pos, idx in enumerate(self.good_rows):
            try:
                out.append(self._forward(data[pos:pos + 1])[0])
            except Exception as err:  # noqa: BLE001
                logger.exception("request %d of the batch failed in the forward pass", idx)
                self.errors[idx] = (500, f"inference failed: {type(err).__name__}")
                out.append(None)
        return out

    def postprocess(self, data):
        """One JSON response per request, in request order; failed requests get their status and reason."""
        results = dict(zip(self.good_rows, data or []))
        out = []
        for idx in range(self.batch_size):
            self.context.set_response_content_type(idx, "application/json")
            if idx in self.errors:
                status, reason = self.errors[idx]
                self.context.set_response_status(status, reason, idx=idx)
                out.append({"error": reason})
                continue
            p = results[idx].float().cpu().tolist()
            item = {"probabilities": p, "batch_size": self.batch_size}
            if self.labels:
                item["label"] = self.labels[max(range(len(p)), key=p.__getitem__)]
            out.append(item)
        logger.debug("served batch of %d (%d failed)", self.batch_size, len(self.errors))
        return out
