"""What the tuner needs from a running server: where to POST, what to POST, and how to learn the batch sizes.

Each runtime (`models.tune_torchserve`, `models.tune_triton`) starts its server for one configuration and yields
a `Target`. The mean batch size comes either from the answers themselves (`batch_in_answers`: TorchServe's
handler reports it) or from a server counter pair read before and after the load (`batch_counters`: Triton's
statistics give inferences and executions; their ratio over the window is the mean batch size).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional


@dataclasses.dataclass(frozen=True)
class Target:
    url: str
    body: str
    batch_in_answers: bool = False
    batch_counters: Optional[Callable[[], tuple[int, int]]] = None  # () -> (requests inferred, executions)
