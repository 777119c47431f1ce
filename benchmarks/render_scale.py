"""How the offline render scales with the catalog: N generated models rendered by the real private stack program
(phase 1 components) against the SDK floor — the same number of bare resources registered under the same mocks.

Target: at most 1.3x the floor, and linear in N. Prints one row per N; run with `make bench` or
`PYTHONPATH=. .venv/bin/python benchmarks/render_scale.py [N ...]`.
"""
from __future__ import annotations

import sys
import time

import pulumi
import pulumi_kubernetes as k8s

from models.registry import load_catalog
from models.spec import Model
from stacks.private import build
from stacks.private_config import read_private_config
from stacks.render import run_program


def generated_catalog(n: int) -> dict[str, Model]:
    template = load_catalog()["fraud-scorer"]
    import dataclasses
    return {f"model-{i:05d}": dataclasses.replace(template, name=f"model-{i:05d}",
                                                   storage_uri=f"s3://ml-artifacts/model-{i:05d}/v1")
            for i in range(n)}


def platform_render(n: int) -> tuple[float, int]:
    catalog = generated_catalog(n)
    values = {"phase": "torchserve", "models": {name: {} for name in catalog}}
    start = time.perf_counter()
    cfg = read_private_config(values, catalog)
    render = run_program(lambda: build(cfg), stack="private", config={})
    return time.perf_counter() - start, len(render.resources)


def floor_render(count: int) -> float:
    def program():
        provider = k8s.Provider("private", context="bench")
        opts = pulumi.ResourceOptions(provider=provider)
        for i in range(count - 1):
            k8s.core.v1.ConfigMap(f"cm-{i}", metadata={"name": f"cm-{i}", "namespace": "inference"},
                                  data={"k": "v"}, opts=opts)
    start = time.perf_counter()
    run_program(program, stack="private", config={})
    return time.perf_counter() - start


def main(sizes: list[int]) -> None:
    floor_render(50)  # warm imports and the mock monitor
    print(f"{'models':>7} {'resources':>9} {'render s':>9} {'floor s':>8} {'ratio':>6} {'ms/model':>9}")
    for n in sizes:
        seconds, count = platform_render(n)
        floor = floor_render(count)
        print(f"{n:>7} {count:>9} {seconds:>9.2f} {floor:>8.2f} {seconds / floor:>6.2f} {1000 * seconds / n:>9.2f}",
              flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 2000])
