"""How the offline render scales with the catalog: N generated models rendered by the real private stack program
(phase 1 components) against two floors under the same mocks:
- bare: the same number of bare resources (a ConfigMap with one key each): the SDK's cost per registration;
- flat: the very objects the render produced, registered as plain resources without components, typed args or
  dependencies: the SDK's cost for that much content.

Target: at most 1.3x the floor, and linear in N. Prints one row per N; run with `make bench` or
`PYTHONPATH=. .venv/bin/python benchmarks/render_scale.py [N ...]`.
"""
from __future__ import annotations

import dataclasses
import re
import sys
import time

import pulumi
import pulumi_kubernetes as k8s

from models.registry import load_catalog
from models.spec import Model
from stacks.private import build
from stacks.private_plan import plan_private
from stacks.private_config import read_private_config
from stacks.render import Render, run_program

KINDS = {"ConfigMap": k8s.core.v1.ConfigMap, "Deployment": k8s.apps.v1.Deployment, "Service": k8s.core.v1.Service,
         "HorizontalPodAutoscaler": k8s.autoscaling.v2.HorizontalPodAutoscaler,
         "PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget, "NetworkPolicy": k8s.networking.v1.NetworkPolicy,
         "Namespace": k8s.core.v1.Namespace, "ServiceAccount": k8s.core.v1.ServiceAccount}


def generated_catalog(n: int) -> dict[str, Model]:
    template = load_catalog()["fraud-scorer"]
    return {f"model-{i:05d}": dataclasses.replace(template, name=f"model-{i:05d}",
                                                   storage_uri=f"s3://ml-artifacts/model-{i:05d}/v1")
            for i in range(n)}


def timed(program) -> tuple[float, Render]:
    start = time.perf_counter()
    render = run_program(program, stack="private", config={})
    return time.perf_counter() - start, render


def platform_render(n: int) -> tuple[float, Render]:
    catalog = generated_catalog(n)
    values = {"phase": "torchserve", "models": {name: {} for name in catalog}}
    start = time.perf_counter()
    cfg = read_private_config(values, catalog)
    render = run_program(lambda: build(cfg, plan_private(cfg)), stack="private", config={})
    return time.perf_counter() - start, render


def bare_floor(count: int) -> float:
    def program():
        opts = pulumi.ResourceOptions(provider=k8s.Provider("private", context="bench"))
        for i in range(count - 1):
            k8s.core.v1.ConfigMap(f"cm-{i}", metadata={"name": f"cm-{i}", "namespace": "inference"},
                                  data={"k": "v"}, opts=opts)
    return timed(program)[0]


def snake(key: str) -> str:
    """A top-level manifest field as the resource constructor's keyword (`automountServiceAccountToken` ->
    `automount_service_account_token`); nested dicts keep the manifest's own names."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def flat_floor(objects: list[dict]) -> float:
    def program():
        opts = pulumi.ResourceOptions(provider=k8s.Provider("private", context="bench"))
        for i, obj in enumerate(objects):
            KINDS[obj["kind"]](f"o-{i}", **{snake(k): v for k, v in obj.items() if k not in ("apiVersion", "kind")},
                               opts=opts)
    return timed(program)[0]


def main(sizes: list[int]) -> None:
    bare_floor(50)  # warm imports and the mock monitor
    print(f"{'models':>7} {'resources':>9} {'render s':>9} {'bare s':>7} {'x bare':>7} {'flat s':>7} {'x flat':>7} "
          f"{'ms/model':>9}")
    for n in sizes:
        seconds, render = platform_render(n)
        count = len(render.resources)
        bare, flat = bare_floor(count), flat_floor(render.objects())
        print(f"{n:>7} {count:>9} {seconds:>9.2f} {bare:>7.2f} {seconds / bare:>7.2f} {flat:>7.2f} "
              f"{seconds / flat:>7.2f} {1000 * seconds / n:>9.2f}", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 2000])
