"""The tuner's Triton: the CPU Triton 2.51 server the tests run (`tests/triton_server.py`), one per configuration.

What this build can and cannot represent (FIELD-NOTES, "Triton and TorchServe side by side"): the binary from the
`nvidia-pytriton` wheel ships only the Python backend, so the generated `config.pbtxt` (platform
`pytorch_libtorch`) is served with its backend switched to Python (`tests.triton_server.python_backend_repo`),
running the same `model.pt` through `tests/triton_python_model.py`, one forward per request. Everything else in
the generated config applies as rendered: max batch size, dynamic batching (preferred sizes, queue delay) and the
instance count. So the figures stand for Triton's HTTP frontend, dynamic batcher and instance scheduling on this
machine, not for libtorch: batching cannot make the forward pass cheaper here, and the batch size picked on this
build is not evidence for a GPU or a libtorch deployment.

Triton is the runtime of phase 3, so the declared configuration is the declaration at `Phase.HYBRID` (as
`models.triton_packaging` renders it, a HYBRID phase override included), and the lines to paste go into that
override. The mean batch size comes from Triton's statistics extension over the load window:
`GET v2/models/<name>/stats` -> `inference_count` (requests, counted per batch element) / `execution_count`
(model executions) (triton-inference-server/server v2.51.0, docs/protocol/extension_statistics.md, lines 52-111).
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import urllib.request
from pathlib import Path
from typing import Iterator

from models.errors import PlatformError
from models.spec import Batching, Model, Phase
from models.tune_search import Config
from models.tune_target import Target

_NOTE = ("CPU Triton 2.51 from the nvidia-pytriton wheel: Python backend only; the generated config.pbtxt is served "
        "with backend 'python' running the same model.pt one request at a time (tests/triton_python_model.py). "
        "Measures Triton's frontend, dynamic batcher and instance count, not libtorch.")


def _server_module():
    """tests/triton_server.py owns how this project installs and starts its Triton build; reuse it, not a copy."""
    try:
        from tests import triton_server
    except ImportError as err:
        raise PlatformError(f"Triton cannot start: tests/triton_server.py does not import ({err}); run from the "
                            "repository root with PYTHONPATH=.") from None
    return triton_server


def check_available() -> None:
    """PlatformError unless the Triton binary is installed (this never installs it)."""
    server = _server_module()
    if server.find_dist() is None:
        where = server.os.environ.get("TRITONSERVER_DIST", server.DEFAULT_DIST)
        raise PlatformError(f"Triton cannot start: no tritonserver binary under '{where}'; install: "
                            f"{server.INSTALL_HINT} (or point TRITONSERVER_DIST at a pytriton/tritonserver directory)")


def hybrid(model: Model) -> Model:
    return model.at_phase(Phase.HYBRID)


def variant(model: Model, config: Config) -> Model:
    """The declaration at HYBRID with `config`'s batching and instance count (default preferred sizes), or the
    declaration itself (its preferred sizes kept) when `config` is what it declares."""
    m = hybrid(model)
    if config == Config(m.batching.max_batch_size, m.batching.max_delay_ms, m.workers):
        return m
    return dataclasses.replace(m, batching=Batching(max_batch_size=config.max_batch_size,
                                                    max_delay_ms=config.max_delay_ms),
                               workers=config.workers, phase_overrides={})


class TritonRuntime:
    name = "triton"
    version = "Triton 2.51 (nvidia-pytriton 0.7.0, CPU, Python backend)"
    note = _NOTE

    def __init__(self, model: Model, workdir: Path) -> None:
        from models.triton_packaging import package_triton
        from models.packaging import build_module

        check_available()
        self.model, self.workdir = model, Path(workdir)
        self.module = build_module(model)
        self.packaged = Path(package_triton(hybrid(model), self.workdir / "packaged", module=self.module).root)

    def declared(self) -> Config:
        m = hybrid(self.model)
        return Config(m.batching.max_batch_size, m.batching.max_delay_ms, m.workers)

    def body(self) -> str:
        from models.packaging import example_input
        from models.triton_packaging import INPUT_NAME

        row = example_input(self.model)
        return json.dumps({"inputs": [{"name": INPUT_NAME, "shape": list(row.shape), "datatype": "FP32",
                                       "data": row.flatten().tolist()}]})

    @contextlib.contextmanager
    def serve(self, config: Config, workdir: Path) -> Iterator[Target]:
        from models.triton_packaging import CONFIG_FILENAME, MODEL_FILENAME, VERSION, config_text, triton_config

        server_mod = _server_module()
        m = variant(self.model, config)
        source = workdir / "packaged" / m.name
        (source / VERSION).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.packaged / m.name / VERSION / MODEL_FILENAME, source / VERSION / MODEL_FILENAME)
        (source / CONFIG_FILENAME).write_text(config_text(triton_config(m, module=self.module)), encoding="utf-8")
        repo = workdir / "repository"
        server_mod.python_backend_repo(source, repo)
        with server_mod.TritonServer(repo, workdir) as server:
            model_url = f"{server.url}/v2/models/{m.name}"

            def counters() -> tuple[int, int]:
                with urllib.request.urlopen(f"{model_url}/stats", timeout=10) as resp:
                    stats = json.loads(resp.read())["model_stats"][0]
                return int(stats["inference_count"]), int(stats["execution_count"])

            yield Target(url=f"{model_url}/infer", body=self.body(), batch_counters=counters)
