"""Does TorchServe's server-side batching pay? One real TorchServe per configuration, same model, same load.

    .venv/bin/python benchmarks/torchserve_batching.py [--model fraud-scorer] [--duration 8] [--connections 32]

For the catalog model it packages one `.mar` (the real packaging code), then serves it twice on loopback:
  1. with the declared batching (for fraud-scorer: batches of up to 16, waiting at most 10 ms), and
  2. with batching off (batchSize 1, maxBatchDelay 0),
same workers, same archive. Each is loaded by `wrk` (HTTP keep-alive, N connections, POSTing one JSON
instance) after a short warm-up; the table shows requests/s, p50/p99 latency, non-2xx answers, and the mean
batch size the handler reported (request-weighted, from the response bodies).

The load generator must cost little CPU, or it hides the difference on a small machine (a Python-thread
client saturates near 1,600 req/s on 2 cores): `wrk` from Debian, `apt-get install -y wrk`. Java 17 is needed
for TorchServe's frontend. Both missing-tool cases print one line and exit 2.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.errors import PlatformError  # noqa: E402
from models.packaging import build_module, example_input, find_model, write_mar  # noqa: E402
from models.spec import Batching, Model  # noqa: E402
from models.torchserve_local import LocalTorchServe, java_available  # noqa: E402
from models.tune_load import parse_wrk, run_wrk, write_script  # noqa: E402

@dataclasses.dataclass
class Result:
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    mean_batch: float


def measure(model: Model, label: str, mar: Path, workdir: Path, lua: Path, args) -> Result:
    with LocalTorchServe(model, workdir, mar=mar) as server:
        run_wrk(server.predict_url, lua, connections=args.connections, threads=args.threads,
                duration_s=args.warmup)  # JIT, sockets, worker caches
        out = run_wrk(server.predict_url, lua, connections=args.connections, threads=args.threads,
                      duration_s=args.duration)
    if args.verbose:
        print(f"--- wrk, {label}\n{out}")
    load = parse_wrk(out)
    return Result(label, load.rps, load.p50_ms, load.p99_ms, load.non_2xx, load.socket_errors, load.mean_batch or 0.0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="fraud-scorer", help="catalog model (default: fraud-scorer)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients (default: 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default: 2)")
    parser.add_argument("--duration", type=int, default=8, help="seconds measured per configuration (default: 8)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per configuration (default: 2)")
    parser.add_argument("--min-speedup", type=float, default=None,
                        help="exit 1 if batched req/s < this many times unbatched req/s")
    parser.add_argument("--verbose", action="store_true", help="print the raw wrk output")
    args = parser.parse_args(argv)

    if not shutil.which("wrk"):
        print("error: wrk not found: install it (Debian: apt-get install -y wrk); a Python client is too "
              "CPU-hungry to measure this honestly", file=sys.stderr)
        return 2
    if not java_available():
        print("error: java not found: TorchServe's frontend needs Java 17 (Debian: openjdk-17-jre-headless)",
              file=sys.stderr)
        return 2
    try:
        model = find_model(args.model)
    except PlatformError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    unbatched = dataclasses.replace(model, batching=Batching(max_batch_size=1, max_delay_ms=0))

    with tempfile.TemporaryDirectory(prefix="ts-batching-") as tmp:
        root = Path(tmp)
        mar = write_mar(model, build_module(model), root / "store")
        body = json.dumps(example_input(model)[0].tolist())
        lua = write_script(root / "post.lua", body, count_batches=True)
        b = model.batching
        results = [
            measure(model, f"batch {b.max_batch_size} / {b.max_delay_ms} ms (declared)", mar, root / "batched",
                    lua, args),
            measure(unbatched, "batch 1 / 0 ms", mar, root / "unbatched", lua, args),
        ]

    print(f"\n{model.name} ({model.source.factory}, input {list(model.source.input_shape)}), "
          f"{model.workers} worker(s), TorchServe 0.12.0, {os.cpu_count()} CPUs; "
          f"wrk {args.threads} threads, {args.connections} connections, {args.duration} s after "
          f"{args.warmup} s warm-up")
    header = f"{'configuration':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'mean batch':>11} {'non-2xx':>8} {'sock err':>9}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.label:<28} {r.rps:>9.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.mean_batch:>11.1f} "
              f"{r.non_2xx:>8} {r.socket_errors:>9}")
    speedup = results[0].rps / results[1].rps if results[1].rps else float("inf")
    print(f"throughput with batching: {speedup:.1f}x")
    if any(r.non_2xx or r.socket_errors for r in results):
        print("warning: some requests failed (see non-2xx / socket errors)")
    if args.min_speedup is not None and speedup < args.min_speedup:
        print(f"FAIL: speed-up {speedup:.1f}x below --min-speedup {args.min_speedup}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
