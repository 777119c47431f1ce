"""Measure configurations on a real server: warm-up excluded, every concurrency on one server start.

A configuration is served by a fresh server (the runtime's `serve(config, workdir)`), because batch size, delay
and workers are start-up settings of both servers. At each concurrency wrk first runs `warmup_s` (TorchScript's
first calls, connection set-up, worker caches), discarded, then `duration_s`, measured.

`side_by_side` measures a few configurations against each other in one run: all their servers are up together
(idle servers cost next to no CPU), and the measurements alternate over `rounds`, so that load from elsewhere on a
shared machine falls on all of them alike; the figures are the means over the rounds.
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Optional, Protocol, Sequence

from models.tune_load import Load, measure as wrk_measure, write_script
from models.tune_search import Config, Point
from models.tune_target import Target


class Runtime(Protocol):
    name: str

    def declared(self) -> Config: ...

    def serve(self, config: Config, workdir: Path) -> contextlib.AbstractContextManager[Target]: ...


def _scripts(target: Target, workdir: Path) -> Path:
    return write_script(workdir / "load.lua", target.body, count_batches=target.batch_in_answers)


def load_once(target: Target, script: Path, concurrency: int, duration_s: float) -> Load:
    before = target.batch_counters() if target.batch_counters else None
    load = wrk_measure(target.url, script, connections=concurrency, duration_s=duration_s)
    if before is not None:
        after = target.batch_counters()
        inferred, executions = after[0] - before[0], after[1] - before[1]
        load = Load(**{**load.__dict__, "mean_batch": inferred / executions if executions else None})
    return load


def _point(config: Config, concurrency: int, load: Load) -> Point:
    return Point(config=config, concurrency=concurrency, rps=load.rps, p50_ms=load.p50_ms, p99_ms=load.p99_ms,
                 mean_batch=load.mean_batch, errors=load.errors)


@contextlib.contextmanager
def _workdir(root: Optional[Path], config: Config):
    path = Path(tempfile.mkdtemp(prefix=f"b{config.max_batch_size}-d{config.max_delay_ms}-w{config.workers}-",
                                 dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def measure_config(runtime: Runtime, config: Config, concurrencies: Sequence[int], *, warmup_s: float,
                   duration_s: float, root: Optional[Path] = None) -> list[Point]:
    """One server start for `config`, then a warm-up and a measurement at each concurrency."""
    points = []
    with _workdir(root, config) as work, runtime.serve(config, work) as target:
        script = _scripts(target, work)
        for c in concurrencies:
            if warmup_s > 0:
                load_once(target, script, c, warmup_s)
            points.append(_point(config, c, load_once(target, script, c, duration_s)))
    return points


def side_by_side(runtime: Runtime, configs: Sequence[Config], concurrency: int, *, warmup_s: float,
                 duration_s: float, rounds: int, root: Optional[Path] = None) -> list[tuple[Point, list[Point]]]:
    """Each of `configs` (distinct) measured `rounds` times, alternating; returns (mean point, the rounds) each."""
    with contextlib.ExitStack() as stack:
        targets = []
        for config in configs:
            work = stack.enter_context(_workdir(root, config))
            target = stack.enter_context(runtime.serve(config, work))
            targets.append((target, _scripts(target, work)))
        for target, script in targets:
            if warmup_s > 0:
                load_once(target, script, concurrency, warmup_s)
        measured: list[list[Point]] = [[] for _ in configs]
        for _ in range(rounds):
            for i, (target, script) in enumerate(targets):
                measured[i].append(_point(configs[i], concurrency, load_once(target, script, concurrency,
                                                                             duration_s)))
    out = []
    for config, runs in zip(configs, measured):
        batches = [p.mean_batch for p in runs if p.mean_batch is not None]
        mean = Point(config=config, concurrency=concurrency, rps=sum(p.rps for p in runs) / len(runs),
                     p50_ms=sum(p.p50_ms for p in runs) / len(runs), p99_ms=sum(p.p99_ms for p in runs) / len(runs),
                     mean_batch=sum(batches) / len(batches) if batches else None,
                     errors=sum(p.errors for p in runs))
        out.append((mean, runs))
    return out
