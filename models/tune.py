"""`python -m models tune NAME`: choose a model's batching and workers by measuring them on a real server.

    python -m models tune fraud-scorer [--runtime torchserve|triton] [--concurrency 8,32,64] [--pick-at N]
                                       [--p99-ms MS] [--budget-s 170] [--out DIR]

The model is packaged as the platform packages it and served locally by the real server with the generated
config (`models.tune_torchserve`, `models.tune_triton`); wrk loads it (`models.tune_load`) at each concurrency,
warm-up excluded. Configurations (max batch size, max delay, workers) are searched coarse-to-fine, or as a full
grid when the budget pays for one (`models.tune_search`); the pick rule is there too. The pick is made at
`--pick-at` clients (default: the declaration's `scaling.target_concurrency`, the load one replica is scaled
for; it is measured even when not in `--concurrency`) against the declaration's `latency_p99_ms` (or `--p99-ms`).

At the end the search's best `--finalists`, the declared configuration and batch size 1 are measured again side by
side in one run (`models.tune_measure.side_by_side`), and the pick rule is applied to that run: one short
measurement on a shared machine can put any configuration first by chance, alternating rounds cannot. The pick's
and the declared configuration's figures from that run are reported side by side. Output under
`--out` (default `build/tune/<model>-<runtime>`): `tune.json` (every point, the machine), `tune.png`, and the
lines to paste into the declaration, also printed. Exit 0 with a pick, 1 when no point meets the objective,
2 for a bad argument or a server that cannot start here (one line).

Needs wrk (Debian: `apt-get install -y wrk`), Java 17 for TorchServe, and for Triton the CPU build the tests use.
"""
from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Optional

from models.errors import PlatformError

DEFAULT_CONCURRENCY = "8,32,64"
DEFAULT_BUDGET_S = 170.0  # the whole run, packaging and the final side-by-side included: under 3 minutes
MAX_BATCH = 64
DELAYS_MS = "1,2,5,10,20,50"
START_S = 5.0  # a server start and stop, measured here: TorchServe 3-4 s, Triton (Python backend) similar
WARMUP_S = 1
DURATION_S = 2
FINAL_DURATION_S = 3
FINAL_ROUNDS = 2
FINALISTS = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="catalog model name, e.g. fraud-scorer")
    parser.add_argument("--runtime", choices=("torchserve", "triton"), default="torchserve",
                        help="server to tune (default: torchserve)")
    parser.add_argument("--concurrency", default=DEFAULT_CONCURRENCY,
                        help=f"concurrent clients to measure at, comma-separated (default: {DEFAULT_CONCURRENCY})")
    parser.add_argument("--pick-at", type=str, default=None,
                        help="clients the pick is made for (default: the declaration's scaling.target_concurrency)")
    parser.add_argument("--p99-ms", type=str, default=None,
                        help="latency objective, overriding the declaration's latency_p99_ms")
    parser.add_argument("--budget-s", type=str, default=str(DEFAULT_BUDGET_S),
                        help=f"wall-clock budget of the whole run in seconds (default: {DEFAULT_BUDGET_S:g})")
    parser.add_argument("--batch-sizes", default=None,
                        help=f"batch sizes to search (default: powers of two up to {MAX_BATCH}; the declared "
                             "configuration is always measured)")
    parser.add_argument("--delays-ms", default=DELAYS_MS, help=f"max delays to search, ms (default: {DELAYS_MS})")
    parser.add_argument("--workers", default=None,
                        help="worker (Triton: instance) counts to search (default: powers of two up to the CPUs)")
    parser.add_argument("--warmup-s", type=str, default=str(WARMUP_S), help="warm-up per server, s (default: 1)")
    parser.add_argument("--duration-s", type=str, default=str(DURATION_S),
                        help="measurement per point, s (default: 2)")
    parser.add_argument("--final-duration-s", type=str, default=str(FINAL_DURATION_S),
                        help="measurement per configuration and round in the final side-by-side, s (default: 3)")
    parser.add_argument("--final-rounds", type=str, default=str(FINAL_ROUNDS),
                        help="alternating rounds in the final side-by-side (default: 2)")
    parser.add_argument("--finalists", type=str, default=str(FINALISTS),
                        help=f"the search's best configurations measured again in the final side-by-side, where the "
                             f"pick is made (default: {FINALISTS})")
    parser.add_argument("--out", default=None, help="output directory (default: build/tune/<model>-<runtime>)")


# -- argument checks: each failure is one line (PlatformError), exit 2 ----------------------------------------


def _ints(flag: str, text: Optional[str], minimum: int, maximum: int) -> tuple[int, ...]:
    items = [] if text is None else [t.strip() for t in text.split(",") if t.strip()]
    values = []
    for item in items:
        try:
            value = int(item)
        except ValueError:
            value = None
        if value is None or not minimum <= value <= maximum:
            raise PlatformError(f"invalid {flag} {text!r}: expected comma-separated integers from {minimum} to "
                                f"{maximum}")
        values.append(value)
    if not values:
        raise PlatformError(f"invalid {flag} {text!r}: expected at least one value (an empty grid measures nothing)")
    return tuple(sorted(set(values)))


def _int(flag: str, text: str, minimum: int, maximum: int) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = None
    if value is None or not minimum <= value <= maximum:
        raise PlatformError(f"invalid {flag} {text!r}: expected an integer from {minimum} to {maximum}")
    return value


def _number(flag: str, text: str, minimum_exclusive: float = 0.0) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= minimum_exclusive:
        raise PlatformError(f"invalid {flag} {text!r}: expected a number > {minimum_exclusive:g}")
    return value


def _check_wrk() -> None:
    from models.tune_load import INSTALL_HINT, wrk_path

    if wrk_path() is None:
        raise PlatformError(f"the load generator wrk is not on PATH: {INSTALL_HINT}")


def _runtime_class(name: str):
    """(runtime class, its availability check); imported on use, so TorchServe needs nothing of Triton's."""
    if name == "triton":
        from models import tune_triton as module
        return module.TritonRuntime, module.check_available
    from models import tune_torchserve as module
    return module.TorchServeRuntime, module.check_available


# -- the run -----------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """The `tune` subcommand; PlatformErrors go up to the CLI (one line, exit 2)."""
    from models import tune_report as report
    from models.packaging import check_out_dir, find_model
    from models.tune_measure import measure_config, side_by_side
    from models.tune_search import Config, Space, choose_strategy, finalists, ladder, pick, run_search

    t0, load_at_start = time.monotonic(), list(os.getloadavg())
    model = find_model(args.name)
    concurrency = _ints("--concurrency", args.concurrency, 1, 4096)
    pick_at = (_int("--pick-at", args.pick_at, 1, 4096) if args.pick_at is not None
               else model.scaling.target_concurrency)
    objective = _number("--p99-ms", args.p99_ms) if args.p99_ms is not None else model.latency_p99_ms
    budget = _number("--budget-s", args.budget_s)
    warmup = _number("--warmup-s", args.warmup_s, -1.0)
    dur = _number("--duration-s", args.duration_s)
    final_dur = _number("--final-duration-s", args.final_duration_s)
    rounds = _int("--final-rounds", args.final_rounds, 1, 10)
    n_finalists = _int("--finalists", args.finalists, 1, 8)
    runtime_cls, check_available = _runtime_class(args.runtime)
    min_delay = 1 if args.runtime == "torchserve" else 0  # see tune_torchserve.ZERO_DELAY_MEANS_MS
    delays = _ints("--delays-ms", args.delays_ms, min_delay, 60_000)
    cpus = len(os.sched_getaffinity(0))
    workers = _ints("--workers", args.workers, 1, 64) if args.workers is not None else ladder(1, max(1, cpus))
    batch_sizes = (_ints("--batch-sizes", args.batch_sizes, 1, 1024) if args.batch_sizes is not None
                   else ladder(1, MAX_BATCH))
    out = Path(args.out) if args.out else Path("build") / "tune" / f"{model.name}-{args.runtime}"
    check_out_dir(out)
    _check_wrk()
    check_available()
    measured_at = tuple(sorted(set(concurrency) | {pick_at}))

    with tempfile.TemporaryDirectory(prefix=f"tune-{model.name}-") as tmp:
        root = Path(tmp)
        print(f"tune {model.name} on {args.runtime}: packaging ...", flush=True)
        runtime = runtime_cls(model, root)
        declared = runtime.declared()
        space = Space(batch_sizes=batch_sizes, delays_ms=delays, workers=workers, declared=declared)
        load_s = warmup + len(measured_at) * dur
        config_cost = START_S + load_s
        n_final = n_finalists + 2  # at most: the finalists, the declared configuration, batch size 1

        def final_reserve(cost: float) -> float:
            """The final side-by-side: a server start for each configuration, a warm-up each, the rounds."""
            return n_final * (max(START_S, cost - load_s) + warmup) + rounds * n_final * final_dur

        search_budget = budget - (time.monotonic() - t0)
        strategy_name, strategy = choose_strategy(space, config_cost, search_budget - final_reserve(config_cost))
        source = "--p99-ms" if args.p99_ms is not None else ("declaration" if objective is not None else None)
        print(f"{strategy_name} over batch {list(batch_sizes)} x delay {list(delays)} ms x workers {list(workers)}; "
              f"clients {list(measured_at)}, pick at {pick_at}; objective: "
              + (f"p99 <= {objective:g} ms ({source})" if objective is not None else "p99 no worse than batch size 1")
              + f"; budget {budget:g} s", flush=True)

        points: list = []
        configs = strategy(space, points, pick_at, objective)

        def measure(config: Config):
            return measure_config(runtime, config, measured_at, warmup_s=warmup, duration_s=dur, root=root)

        def on_point(config, new, elapsed, cost):
            done = len({p.config for p in points})
            left = max(0.0, search_budget - final_reserve(cost) - elapsed)
            grid = len(space.grid())
            total = grid if strategy_name == "full grid" else min(grid, done + int(left // cost))
            eta = min(left, max(0, total - done) * cost) + final_reserve(cost)
            print(report.progress_line(done, max(total, done), config, new, eta), flush=True)

        result = run_search(configs, points, measure, budget_s=search_budget, clock=time.monotonic,
                            first_cost_s=config_cost, reserve_s=final_reserve, on_point=on_point)
        if result.cut:
            print(f"search stopped early: {result.cut}", flush=True)
        nominated = finalists(points, pick_at, space.baseline, objective, n_finalists)
        distinct = list(dict.fromkeys([*nominated, declared, space.baseline]))
        print(f"final side-by-side at {pick_at} clients: {len(distinct)} configuration(s) (the search's best "
              f"{len(nominated)}, the declared one, batch size 1), {rounds} round(s) ...", flush=True)
        final = dict(zip(distinct, side_by_side(runtime, distinct, pick_at, warmup_s=warmup, duration_s=final_dur,
                                                rounds=rounds, root=root)))

    final_points = [mean for mean, _ in final.values()]
    chosen = pick(final_points, pick_at, space.baseline, objective)
    roles = [("pick", chosen.point.config)] if chosen.point else []
    roles += [("declared", declared), ("batch 1", space.baseline)]
    roles += [("finalist", c) for c in distinct if c not in {c for _, c in roles}]
    rows = [(role, final[c][0]) for role, c in roles]
    elapsed = time.monotonic() - t0
    out.mkdir(parents=True, exist_ok=True)
    machine = report.machine_info() | {"load_average_at_start": load_at_start,
                                       "load_average_at_end": list(os.getloadavg())}
    record = {
        "model": model.name, "runtime": args.runtime, "server": runtime_cls.version,
        "server_note": runtime_cls.note,
        "machine": machine,
        "settings": {"concurrency": list(measured_at), "pick_at": pick_at, "objective_p99_ms": objective,
                     "finalists": n_finalists,
                     "objective_from": source, "budget_s": budget, "strategy": strategy_name,
                     "warmup_s": warmup, "duration_s": dur, "final_duration_s": final_dur, "final_rounds": rounds,
                     "batch_sizes": list(batch_sizes), "delays_ms": list(delays), "workers": list(workers),
                     "search_cut": result.cut, "elapsed_s": round(elapsed, 1)},
        "declared": report.point_dict(final[declared][0]) | {"role": "declared"},
        "points": [report.point_dict(p) for p in points],
        "finalists": [report.config_dict(c) for c in nominated],
        "pick": {"reason": chosen.reason, "bound_p99_ms": chosen.bound_ms,
                 "final_point": report.point_dict(chosen.point) if chosen.point else None},
        "final": [report.point_dict(p) | {"role": role, "rounds": [report.point_dict(r) for r in final[p.config][1]]}
                  for role, p in rows],
        "paste": report.paste_lines(chosen.point.config, args.runtime) if chosen.point else [],
    }
    json_path = report.write_json(out / "tune.json", record)
    png = report.plot(out / "tune.png", points, pick_at, rows, objective,
                      f"{model.name} on {runtime_cls.version}, {pick_at} clients ({machine['cpus_usable']} CPUs)")

    print("")
    for line in report.table(rows):
        print(line)
    print(f"({pick_at} clients, mean of {rounds} alternating round(s) of {final_dur:g} s; {elapsed:.0f} s in all)")
    print(report.summary(rows, chosen.bound_ms))
    print(f"wrote {json_path} and {png}")
    if chosen.point is None:
        print(f"no pick: {chosen.reason}")
        return 1
    print(f"pick, from the final run: {chosen.reason}. Paste into models/catalog (the '{model.name}' Model(...)):")
    for line in record["paste"]:
        print(f"    {line}")
    return 0
