"""TorchServe handler shared by every catalog model (packaged into each `.mar` as `handler.py`).

Self-contained on purpose: inside the server it is imported from the extracted archive, where only `ts`,
`torch` and the standard library exist (the `models` package is not there).

Request: the body is ONE instance, a JSON nested list of numbers whose shape is the model's declared input
shape (`Source.input_shape`, e.g. 8 numbers, or 1x28x28 nested lists). Send it as `application/json`
(or text/plain, application/octet-stream); a form-encoded body (`curl -d` without a content type) is refused.

Response, one per request:
    {"probabilities": [p0, p1, ...], "batch_size": n}            # plus "label": "<name>" when labels are declared
`probabilities` is the softmax of the model's logits. `batch_size` is how many requests TorchServe handed to
this handler call (its server-side batch): it makes batching observable from the outside, for tests and
benchmarks, at the cost of a few bytes.

A batch of requests is stacked into one tensor and runs in ONE forward pass. A malformed request (bad JSON,
wrong shape, non-numbers) gets its own HTTP 400 with a one-line reason; the other requests of the batch are
answered normally.

The archive carries `model_meta.json` next to the serialized module: {"name", "input_shape", "labels",
"workers"}. Unless OMP_NUM_THREADS is set, each worker uses (CPU budget // workers) intra-op threads, where the
budget is the CPU affinity capped by the cgroup CPU quota (see `intra_op_threads`).
"""
from __future__ import annotations

import json
import logging
import os

import torch
from ts.torch_handler.base_handler import BaseHandler

logger = logging.getLogger(__name__)

META_FILE = "model_meta.json"


# TorchServe requires exactly ONE class in a handler module: bad requests are plain ValueErrors.


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


class PlatformHandler(BaseHandler):
    """Softmax classifier over a TorchScript module; batch-aware; per-request errors."""

    def initialize(self, context) -> None:
        super().initialize(context)  # loads the TorchScript file named in the manifest onto self.device
        model_dir = context.system_properties.get("model_dir")
        with open(os.path.join(model_dir, META_FILE), encoding="utf-8") as f:
            meta = json.load(f)
        self.input_shape = tuple(int(d) for d in meta["input_shape"])
        self.labels = list(meta.get("labels") or [])
        if not os.environ.get("OMP_NUM_THREADS"):  # an explicit OMP_NUM_THREADS is the operator's choice
            torch.set_num_threads(intra_op_threads(int(meta.get("workers", 1))))
        logger.info("torch intra-op threads: %d", torch.get_num_threads())
        self.errors: dict[int, str] = {}

    # -- one request body -> one tensor ------------------------------------------------------------------

    def _decode(self, row) -> torch.Tensor:
        body = row.get("data") if row.get("data") is not None else row.get("body")
        if body is None:  # e.g. `curl -d` without a content type: TorchServe parses the body as a form
            raise ValueError("no request body: send one instance as the body with Content-Type "
                             "application/json (form-encoded bodies are not accepted)")
        if isinstance(body, (bytes, bytearray)):
            try:
                body = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                raise ValueError(f"body is not JSON: {err}") from None
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
        """Decode every request; remember which ones are bad; stack the good ones into one batch."""
        self.errors = {}
        rows = []
        for idx, row in enumerate(data):
            try:
                rows.append(self._decode(row))
            except ValueError as err:
                self.errors[idx] = str(err)
        self.batch_size = len(data)
        if not rows:
            return None
        return torch.stack(rows).to(self.device)

    def inference(self, data, *args, **kwargs):
        if data is None:
            return None
        with torch.inference_mode():
            return torch.softmax(self.model(data), dim=1)

    def postprocess(self, data):
        """One response per request, in request order; bad requests get status 400 and their reason."""
        probs = [] if data is None else data.float().cpu().tolist()
        good = iter(probs)
        out = []
        for idx in range(self.batch_size):
            if idx in self.errors:
                self.context.set_response_status(400, self.errors[idx], idx=idx)
                out.append({"error": self.errors[idx]})
                continue
            p = next(good)
            item = {"probabilities": p, "batch_size": self.batch_size}
            if self.labels:
                item["label"] = self.labels[max(range(len(p)), key=p.__getitem__)]
            out.append(item)
        logger.debug("served batch of %d (%d bad)", self.batch_size, len(self.errors))
        return out
