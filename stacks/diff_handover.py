"""`stacks diff`: which model moves keep the hostname answering from a Ready backend, by the pinned upstreams.

The general rule in stacks/diff.py (a serving object may go when a successor is created) is wrong for the moves
below; this module judges them instead (README "Moving a model" has the sequences):

- Phase 1 → 2. Without the hand-over, KServe v0.20 (Knative) rewrites Service `<model>` into a pointer at the
  gateway at once but routes the host only once the predictor is Ready, and Pulumi deletes the Service at the end
  (components/handover.py); in Standard mode Karmada will not take over the Phase 1 Service. So deleting the
  Phase 1 objects is safe only from a hand-over: at `cutOver` (Knative: the bridge already gone, the
  InferenceService Ready since the update that created it) or from `bridge`/`cutOver` in Standard mode (the shared
  Service keeps the predictor's pods). The bridge and the Phase 1 pods leaving in one update is flagged: a proxy
  that has not yet received the route change still sends to pods being deleted.
- A Service `<model>` turned into a pointer at the gateway with no bridge route there (or one created in the same
  update, which the gateway may not have yet): 404 until KServe routes it.
- Knative canaries (kserve v0.20.0 reconcilers/knative/ksvc_reconciler.go): a predictor spec changed while its
  `canaryTrafficPercent` goes away routes 100 % to the latest *ready* revision — the old candidate — until the new
  one is Ready; an InferenceService created with a canary has no previous revision and sends it all to the
  candidate.
- A model whose clusters before and after share none (a batch model moved 2 → 3 directly): Karmada deletes the old
  cluster's copy when it reschedules, before a new cluster serves.
"""
from __future__ import annotations

from typing import Optional

from stacks import diff_rules as rules
from stacks.diff_render import StackRender, is_kubernetes_object

HAND_OVER_LABEL = "inference-platform.io/hand-over"  # components/handover.py
BRIDGE_COMPONENT = "hand-over-bridge"
PHASE_ONE_PARENT = "platform:torchserve:TorchServeModel::"
DEPLOYMENT_MODE = "serving.kserve.io/deploymentMode"
KNATIVE = "Knative"


def _objects(render: Optional[StackRender], model: str) -> list[tuple[str, dict]]:
    if render is None:
        return []
    return [(key, res) for key, res in render.resources.items()
            if is_kubernetes_object(res) and rules.model_of(res.get("inputs") or {}) == model]


def _labels(inputs: dict) -> dict:
    return (inputs.get("metadata") or {}).get("labels") or {}


def hand_over_step(render: Optional[StackRender], model: str) -> Optional[str]:
    """The model's hand-over step in this render (`bridge`, `cutOver`), from Service `<model>`'s label."""
    for _, res in _objects(render, model):
        inputs = res["inputs"]
        if inputs.get("kind") == "Service" and (inputs.get("metadata") or {}).get("name") == model:
            return _labels(inputs).get(HAND_OVER_LABEL)
    return None


def has_bridge(render: Optional[StackRender], model: str) -> bool:
    return any(res["inputs"].get("kind") == "VirtualService" and
               _labels(res["inputs"]).get("app.kubernetes.io/component") == BRIDGE_COMPONENT
               for _, res in _objects(render, model))


def inference_service(render: Optional[StackRender], model: str) -> Optional[tuple[str, dict]]:
    """(key, inputs) of the InferenceService named after the model, if the render has one."""
    for key, res in _objects(render, model):
        inputs = res["inputs"]
        if inputs.get("kind") == "InferenceService" and (inputs.get("metadata") or {}).get("name") == model:
            return key, inputs
    return None


def _mode(isvc: dict) -> Optional[str]:
    return ((isvc.get("metadata") or {}).get("annotations") or {}).get(DEPLOYMENT_MODE)


def _phase_one_or_bridge(c, before: Optional[StackRender]) -> bool:
    res = before.resources.get(c.key) if before else None
    if res is None:
        return False
    return str(res.get("parent") or "").startswith(PHASE_ONE_PARENT) or \
        _labels(res.get("inputs") or {}).get("app.kubernetes.io/component") == BRIDGE_COMPONENT


def judge_phase_one(c, before: Optional[StackRender], after: Optional[StackRender],
                    gone: set) -> Optional[Optional[str]]:
    """For a deleted or replaced Phase 1 / hand-over object: None if this module has no say, else "" (safe) or
    the reason it endangers serving."""
    if c.action not in ("delete", "replace") or not c.model or not _phase_one_or_bridge(c, before):
        return None
    model = c.model
    step = hand_over_step(before, model)
    isvc_before, isvc_after = inference_service(before, model), inference_service(after, model)
    kept = isvc_before is not None and isvc_after is not None and (c.stack, isvc_after[0]) not in gone
    if step is None:
        if any(res["inputs"].get("kind") in ("InferenceService", "InferenceGraph") for _, res in _objects(after, model)):
            return ("Phase 1 → 2 in one update: KServe rewrites Service " + model + " at once but routes it only "
                    "once the predictor is Ready (Knative), and Karmada does not take over the Phase 1 Service "
                    "(Standard); move through handOver: bridge, then cutOver")
        return None  # not a move: diff.py's general rule decides
    if not kept:
        return f"the hand-over's InferenceService {model} is not kept through this change"
    if _mode(isvc_after[1]) != KNATIVE:
        return ""  # Standard: Service <model> selects the predictor's pods too; they stay
    if step == "bridge" and has_bridge(before, model) and not _is_bridge(c, before):
        return ("the bridge VirtualService and the Phase 1 pods go in one update: a proxy that has not yet received "
                "the route change (Istio debounces pushes) still sends requests to pods being deleted; set "
                "handOver: cutOver first")
    return ""


def _is_bridge(c, before: Optional[StackRender]) -> bool:
    res = before.resources.get(c.key) if before else None
    inputs = (res or {}).get("inputs") or {}
    return inputs.get("kind") == "VirtualService" and \
        _labels(inputs).get("app.kubernetes.io/component") == BRIDGE_COMPONENT


def gateway_pointer_without_route(c, before: Optional[StackRender], after: Optional[StackRender]) -> Optional[str]:
    """Service `<model>` turned into an ExternalName (the gateway) in this change with no bridge route there."""
    if c.kind != "Service" or c.action not in ("update", "replace", "add") or not c.model:
        return None
    res_after = after.resources.get(c.key) if after else None
    res_before = before.resources.get(c.key) if before else None
    spec_after = ((res_after or {}).get("inputs") or {}).get("spec") or {}
    spec_before = ((res_before or {}).get("inputs") or {}).get("spec") or {}
    name = (((res_after or {}).get("inputs") or {}).get("metadata") or {}).get("name")
    if name != c.model or spec_after.get("type") != "ExternalName" or spec_before.get("type") == "ExternalName":
        return None
    if has_bridge(before, c.model) and has_bridge(after, c.model):
        return None
    if has_bridge(after, c.model):
        return (f"Service {c.model} points at the gateway in the update that creates the bridge route there: Istio "
                "debounces pushes (up to 10 s), so the gateway may answer 404 meanwhile; set handOver: prepare first")
    return (f"Service {c.model} now points at the gateway, where no route serves its host until KServe's predictor "
            "is Ready (404); the bridge VirtualService must exist first")


def _template(predictor: dict) -> dict:
    return {k: v for k, v in predictor.items() if k != "canaryTrafficPercent"}


def judge_canary(c, before: Optional[StackRender], after: Optional[StackRender]) -> Optional[str]:
    """A Knative InferenceService's canary change that routes to a revision it should not."""
    if c.kind != "InferenceService" or c.action not in ("add", "update"):
        return None
    res_after = after.resources.get(c.key) if after else None
    isvc = (res_after or {}).get("inputs") or {}
    if _mode(isvc) != KNATIVE:
        return None
    new = (isvc.get("spec") or {}).get("predictor") or {}
    if c.action == "add":
        if new.get("canaryTrafficPercent") is not None:
            return ("created with a canary: with no earlier revision KServe routes 100 % to the latest revision — "
                    "the candidate; create it with its stable artifact first, then add the canary")
        return None
    res_before = before.resources.get(c.key) if before else None
    old = (((res_before or {}).get("inputs") or {}).get("spec") or {}).get("predictor") or {}
    percent = old.get("canaryTrafficPercent")
    if percent is None or percent >= 100 or new.get("canaryTrafficPercent") is not None:
        return None
    if _template(old) == _template(new):
        return None  # promotion (the candidate's own spec, now at 100 %): no new revision
    return (f"canary at {percent} % dropped together with a spec change: Knative routes 100 % to the latest ready "
            "revision — the candidate — until the new one is Ready; roll back with canaryPercent 0 first (README "
            "\"Rollouts\")")


def disjoint_placements(stack: str, before: Optional[StackRender], after: Optional[StackRender]
                        ) -> list[tuple[str, str]]:
    """(model, message) for each model whose clusters before and after have none in common, and for each model
    that leaves the private cluster: its private hostname stops answering there (the copies on public members are
    reachable only inside their own clusters until the mesh carries traffic, README Phase 3)."""
    if before is None or after is None:
        return []
    old, new = before.outputs.get("modelClusters") or {}, after.outputs.get("modelClusters") or {}
    members = set(after.outputs.get("memberContracts") or {}) | set(before.outputs.get("memberContracts") or {})
    out = []
    for model, clusters in new.items():
        previous = old.get(model)
        if previous and clusters and not set(previous) & set(clusters):
            out.append((model, f"placed on {', '.join(clusters)} instead of {', '.join(previous)}: Karmada removes "
                               f"the copy on {', '.join(previous)} when it reschedules, before the new clusters "
                               "serve; keep the old cluster meanwhile (handOver: keepPrivate for a batch model)"))
        elif previous and clusters:
            left = [c for c in previous if c not in clusters and c not in members]
            if left:
                out.append((model, f"leaves the private cluster {', '.join(left)}: its hostname there stops "
                                   "answering (the public copies serve callers inside their own clusters, at the "
                                   "member stacks' batchEndpoints); move its clients there first, then take this "
                                   "step"))
    return out

