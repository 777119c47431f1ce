"""The tuner's TorchServe: one real TorchServe 0.12 per configuration, configured exactly as the platform would.

Each configuration is a variant of the declaration (`dataclasses.replace` of batching and workers) rendered by
the platform's own `config_properties` and served from the platform's own `.mar` (`models.packaging.write_mar`)
by `models.torchserve_local.LocalTorchServe`. The archive carries the worker count (`model_meta.json`: the handler
divides the CPUs among the workers), so one archive is written per worker count and reused.

The mean batch size comes from the answers: the handler reports `batch_size` in each one, and the wrk script adds
them up. TorchServe is the runtime of phases 1 and 2, so the declared configuration is the declaration itself
(its `models=` snapshot is what `models.packaging.package_torchserve` writes; no phase override applies).
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path
from typing import Iterator

from models.errors import PlatformError
from models.spec import Batching, Model
from models.tune_search import Config
from models.tune_target import Target
from models.torchserve_local import LocalTorchServe, java_available


def check_available() -> None:
    """PlatformError unless TorchServe can start here: Java 17 for its frontend, and the `ts` package."""
    if not java_available():
        raise PlatformError("TorchServe cannot start: no java found (JAVA_HOME or PATH); its frontend needs Java 17 "
                            "(Debian: apt-get install -y openjdk-17-jre-headless)")
    try:
        import ts.model_server  # noqa: F401
    except ImportError as err:
        raise PlatformError(f"TorchServe cannot start: the torchserve package does not import ({err}); install "
                            "requirements.txt") from None


def variant(model: Model, config: Config) -> Model:
    """The declaration with `config`'s batching and workers (preferred batch sizes are Triton's: dropped)."""
    return dataclasses.replace(model, batching=Batching(max_batch_size=config.max_batch_size,
                                                        max_delay_ms=config.max_delay_ms),
                               workers=config.workers)


# TorchServe 0.12 reads each value of the `models=` snapshot with ConfigManager.getJsonIntValue, which replaces a
# value <= 0 by the default: `maxBatchDelay: 0` becomes 100 ms (pytorch/serve v0.12.0,
# frontend/server/src/main/java/org/pytorch/serve/util/ConfigManager.java lines 1107-1118, and
# .../http/messages/RegisterModelRequest.java line 12, DEFAULT_MAX_BATCH_DELAY = 100). Batch size 1 never waits
# (wlm/Model.java pollInferJob, lines 403-405), so the tuner searches delays from 1 ms and keeps 0 only for batch 1.
ZERO_DELAY_MEANS_MS = 100
MIN_DELAY_MS = 1


def effective_delay_ms(config: Config) -> int:
    return config.max_delay_ms if config.max_delay_ms > 0 else ZERO_DELAY_MEANS_MS


class TorchServeRuntime:
    name = "torchserve"
    version = "TorchServe 0.12.0"
    note = "the generated config.properties and the platform's .mar, served on loopback"

    def __init__(self, model: Model, workdir: Path) -> None:
        from models.packaging import build_module

        check_available()
        self.model, self.workdir = model, Path(workdir)
        self.module = build_module(model)
        self._mars: dict[int, Path] = {}

    def declared(self) -> Config:
        return Config(self.model.batching.max_batch_size, self.model.batching.max_delay_ms, self.model.workers)

    def body(self) -> str:
        from models.packaging import example_input

        return json.dumps(example_input(self.model)[0].tolist())

    def _mar(self, model: Model) -> Path:
        from models.packaging import write_mar

        if model.workers not in self._mars:
            self._mars[model.workers] = write_mar(model, self.module, self.workdir / f"store-w{model.workers}")
        return self._mars[model.workers]

    @contextlib.contextmanager
    def serve(self, config: Config, workdir: Path) -> Iterator[Target]:
        model = variant(self.model, config)
        with LocalTorchServe(model, workdir, mar=self._mar(model)) as server:
            described = server.describe()
            got = (described["batchSize"], described["maxBatchDelay"], len(described["workers"]))
            if got != (config.max_batch_size, effective_delay_ms(config), config.workers):
                raise PlatformError(f"model '{model.name}': TorchServe serves batch/delay/workers {got}, not the "
                                    f"configuration asked for ({config.label()})")
            yield Target(url=server.predict_url, body=self.body(), batch_in_answers=True)
