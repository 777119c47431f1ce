"""A render directory as `stacks diff` and `stacks diagram` read it: resources.json, and the models it runs.

Both commands work from what `python -m stacks render` wrote, never from the stack program, so they compare any
two revisions the same way and need no credentials.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from models.errors import PlatformError
from stacks.resource_types import HELM_RELEASE


@dataclass
class StackRender:
    """One stack's resources.json: resources keyed by "type::name", in declaration order."""

    stack: str
    resources: dict[str, dict]
    outputs: dict = field(default_factory=dict)

    def provider_inputs(self, cluster: Optional[str]) -> dict:
        if not cluster:
            return {}
        provider = self.resources.get(f"pulumi:providers:kubernetes::{cluster}")
        return (provider or {}).get("inputs") or {}

    def kubernetes_objects(self) -> list[dict]:
        return [r for r in self.resources.values() if is_kubernetes_object(r)]


def is_kubernetes_object(res: dict) -> bool:
    return (res["type"].startswith("kubernetes:") and res["type"] != HELM_RELEASE and not res.get("read_id")
            and "apiVersion" in (res.get("inputs") or {}))


def load_stack(directory: Path) -> StackRender:
    path = Path(directory) / "resources.json"
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise PlatformError(f"render {directory}: no resources.json; expected a directory written by "
                            "`python -m stacks render`") from None
    except (OSError, ValueError) as err:
        raise PlatformError(f"render {path}: cannot read it: {err}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("resources"), list) or not doc.get("stack"):
        raise PlatformError(f"render {path}: expected {{'stack': ..., 'resources': [...]}} as `stacks render` writes")
    return from_document(doc)


def from_document(doc: dict) -> StackRender:
    """A StackRender from the parsed resources.json document."""
    resources = {f"{r['type']}::{r['name']}": r for r in doc["resources"]}
    return StackRender(stack=str(doc["stack"]), resources=resources, outputs=doc.get("outputs") or {})


def load_renders(directory: Path) -> dict[str, StackRender]:
    """A render directory (holding resources.json) or a folder of them (build/render/<stack>/), by stack name."""
    directory = Path(directory)
    if not directory.is_dir():
        raise PlatformError(f"render {directory}: not a directory; expected a render directory or a folder of them")
    if (directory / "resources.json").exists():
        one = load_stack(directory)
        return {one.stack: one}
    found = {}
    for child in sorted(p for p in directory.iterdir() if (p / "resources.json").exists()):
        render = load_stack(child)
        found[render.stack] = render
    if not found:
        raise PlatformError(f"render {directory}: no resources.json in it or its subfolders; expected the output "
                            "of `python -m stacks render` (or `make render`)")
    return found


# --- Models --------------------------------------------------------------------------------------------------------


def model_facts(render: StackRender) -> dict[str, dict]:
    """Per model this stack runs: phase, runtime, deployment mode, rollout and placement, as the render shows them."""
    phases = render.outputs.get("modelPhases") or {}
    clusters = render.outputs.get("modelClusters") or {}
    facts: dict[str, dict] = {m: {"phase": p} for m, p in phases.items()}
    for res in render.kubernetes_objects():
        obj = res["inputs"]
        labels = (obj.get("metadata") or {}).get("labels") or {}
        model = labels.get("app.kubernetes.io/name")
        if model not in facts:
            continue
        entry = facts[model]
        kind, name = obj.get("kind"), (obj.get("metadata") or {}).get("name")
        spec = obj.get("spec") or {}
        if kind == "Deployment":
            entry["runtime"] = "torchserve (Deployment)"
            entry["placement"] = res.get("cluster")
        elif kind == "InferenceService" and name in (model, f"{model}-a"):
            predictor = spec.get("predictor") or {}
            entry["runtime"] = (predictor.get("model") or {}).get("runtime")
            entry["mode"] = ((obj.get("metadata") or {}).get("annotations") or {}).get(
                "serving.kserve.io/deploymentMode")
            rollout = []
            if predictor.get("canaryTrafficPercent") is not None:
                rollout.append(f"canary {predictor['canaryTrafficPercent']}%")
            for canary in spec.get("canary") or []:
                rollout.append(f"canary {canary.get('trafficPercent')}%")
            if rollout:
                entry["rollout"] = ", ".join(rollout)
        elif kind == "InferenceGraph":
            steps = ((spec.get("nodes") or {}).get("root") or {}).get("steps") or []
            entry["rollout"] = "A/B " + "/".join(str(s.get("weight")) for s in steps)
        elif kind == "VirtualService" and any("mirror" in h for h in spec.get("http") or []):
            pct = next(((h.get("mirrorPercentage") or {}).get("value") for h in spec["http"] if "mirror" in h), None)
            entry["rollout"] = f"mirror {pct}%"
    for m, where in clusters.items():
        if m in facts:
            facts[m]["placement"] = ", ".join(where)
    for entry in facts.values():
        entry.setdefault("rollout", "none")
    return facts
