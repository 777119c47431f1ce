"""KServe v0.20's admission rules the platform touches, run over every InferenceService and InferenceGraph both
example stacks render and over each rollout variant (Standard canary, Knative canary, A/B, mirror).

The CRD schema (tests/crd_schema.py) cannot see these: they live in KServe's validating webhook and controller.
Each rule below names the file and lines at kserve/kserve tag v0.20.0 it encodes (read with `git show
v0.20.0:<path>`). `webhook_errors(obj)` returns one line per broken rule, [] for an object KServe admits.
"""
from __future__ import annotations

import dataclasses
import re

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.kserve.inference_service import InferenceServiceModel, InferenceServiceModelArgs
from models.registry import load_catalog
from models.spec import ABTest, Canary
from stacks.private_config import ModelDeployment, read_private_config
from stacks.render import run_program

V1B1 = "pkg/apis/serving/v1beta1/inference_service_validation.go"
V1A1 = "pkg/apis/serving/v1alpha1/inference_graph_validation.go"

# inference_service_validation.go lines 46, 55 (IsvcNameFmt); inference_graph_validation.go lines 53, 60
NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DEPLOYMENT_MODE = "serving.kserve.io/deploymentMode"  # pkg/constants/constants.go line 115
AUTOSCALER_CLASS = "serving.kserve.io/autoscalerClass"  # pkg/constants/constants.go line 118
# pkg/constants/constants.go lines 250-254 and 277-282 (AutoscalerAllowedClassList)
AUTOSCALER_CLASSES = {"hpa", "external", "keda", "none"}
HPA_METRICS = {"cpu", "memory"}  # constants.go lines 259-260, 285-288
KPA_METRICS = {"concurrency", "rps"}  # constants.go lines 265-266, 291-294
# pkg/apis/serving/v1beta1/predictor.go lines 168-181: the implementations of a predictor (one of them, or a
# `containers` list, must be set: component.go lines 415-420)
IMPLEMENTATIONS = ("xgboost", "pytorch", "triton", "sklearn", "tensorflow", "onnx", "pmml", "lightgbm", "paddle",
                   "huggingface", "model")
EXTENSION_AUTOSCALING = ("maxReplicas", "scaleTarget", "scaleMetric", "autoScaling")


def _replica_errors(where: str, ext: dict) -> list[str]:
    """component.go lines 374-388 (validateReplicas): min (default 1) and max >= 0, min <= max unless max is 0."""
    low, high = ext.get("minReplicas", 1), ext.get("maxReplicas", 0)
    out = []
    if low < 0 or high < 0:
        out.append(f"{where}: replicas must be >= 0 (component.go 378-383)")
    if high != 0 and low > high:
        out.append(f"{where}: minReplicas {low} > maxReplicas {high} (component.go 384-386)")
    return out


def _implementations(p: dict) -> int:
    count = sum(1 for key in IMPLEMENTATIONS if p.get(key) is not None)
    return count + (1 if p.get("containers") and count == 0 else 0)


def _autoscaling_errors(annotations: dict, p: dict) -> list[str]:
    """inference_service_validation.go lines 446-466 (validateAutoScalingCompExtension) for the predictor."""
    mode = annotations.get(DEPLOYMENT_MODE)
    out = []
    if mode == "Standard":
        if annotations.get(AUTOSCALER_CLASS) == "hpa":  # lines 527-565
            metric = p.get("scaleMetric", "cpu")
            if metric not in HPA_METRICS:
                out.append(f"predictor: scaleMetric {metric!r} not an HPA metric (lines 494-499)")
            target = p.get("scaleTarget")
            # line 540 reads `metric == MetricCPU && target < 1 || target > 100`: above 100 fails for any metric
            if target is not None and ((metric == "cpu" and target < 1) or target > 100):
                out.append(f"predictor: scaleTarget {target} outside 1-100 (lines 540-542)")
            if target is not None and metric == "memory" and target < 1:
                out.append(f"predictor: memory scaleTarget {target} below 1 (lines 544-546)")
        return out
    # Knative or no mode: the KPA branch unless the Knative class annotation asks for its HPA (lines 459-463)
    metric = p.get("scaleMetric", "concurrency")  # lines 649-652
    if metric not in KPA_METRICS:
        out.append(f"predictor: scaleMetric {metric!r} not a KPA metric (lines 636-643)")
    if p.get("deploymentStrategy") is not None:
        out.append("predictor: deploymentStrategy only in Standard mode (lines 646-648)")
    if metric == "rps" and p.get("scaleTarget", 1) < 1:
        out.append("predictor: rps scaleTarget below 1 (lines 662-664)")
    return out


def _canary_errors(annotations: dict, spec: dict) -> list[str]:
    """inference_service_validation.go lines 183-266 (validateCanarySpecs)."""
    canaries = spec.get("canary") or []
    if not canaries:
        return []
    if annotations.get(DEPLOYMENT_MODE) != "Standard":  # lines 188-191: the raw annotation, exactly "Standard"
        return ["canary: only in Standard deployment mode (lines 188-191)"]
    stable = spec["predictor"]
    out = []
    if stable.get("model") is None and not any(stable.get(k, {}).get("storageUri") for k in IMPLEMENTATIONS):
        out.append("canary: the stable predictor needs a model (lines 193-195)")
    names, total = set(), 0
    for i, canary in enumerate(canaries):
        p = canary.get("predictor", {})
        name = p.get("name", "")
        if not name:
            out.append(f"canary[{i}]: predictor.name is required (lines 203-205)")
        if name in names:
            out.append(f"canary[{i}]: predictor.name {name!r} duplicated (lines 207-209)")
        names.add(name)
        if name and name == stable.get("name"):
            out.append(f"canary[{i}]: predictor.name {name!r} is the stable predictor's (lines 212-214)")
        percent = canary.get("trafficPercent", 0)
        if not 0 <= percent <= 100:
            out.append(f"canary[{i}]: trafficPercent {percent} outside 0-100 (lines 216-218)")
        total += percent
        if _implementations(p) != 1:
            out.append(f"canary[{i}]: exactly one implementation (lines 221-223)")
        out += _replica_errors(f"canary[{i}]", p)  # lines 224-229: GetExtensions().Validate()
        if p.get("workerSpec") is not None:
            out.append(f"canary[{i}]: must not set workerSpec (lines 231-233)")
        if p.get("maxReplicas", 0) > 0:
            out.append(f"canary[{i}]: must not set maxReplicas (lines 236-238)")
        for key in ("scaleTarget", "scaleMetric", "autoScaling"):
            if p.get(key) is not None:
                out.append(f"canary[{i}]: must not set {key} (lines 239-247)")
        if p.get("minReplicas") is not None and p["minReplicas"] > stable.get("minReplicas", 1):
            out.append(f"canary[{i}]: minReplicas above the stable predictor's (lines 249-257)")
    if total > 100:
        out.append(f"canary: trafficPercent sum {total} above 100 (lines 261-263)")
    return out


def isvc_webhook_errors(obj: dict) -> list[str]:
    """validateInferenceService (lines 119-181) as far as the platform's objects reach, plus the annotation rule."""
    meta, spec = obj["metadata"], obj["spec"]
    annotations = meta.get("annotations", {})
    out = []
    if not NAME.match(meta["name"]):
        out.append(f"name {meta['name']!r} (lines 469-474)")
    cls = annotations.get(AUTOSCALER_CLASS)
    if cls is not None and cls not in AUTOSCALER_CLASSES:
        out.append(f"autoscalerClass {cls!r} (lines 477-491)")
    # The deployment mode, as the platform must write it: exactly "Knative" or "Standard".
    # - An unknown value silently falls back to the cluster default (pkg/controller/v1beta1/inferenceservice/utils/
    #   utils.go lines 240-247).
    # - A legacy name ("Serverless", "RawDeployment") is recorded normalised in status.deploymentMode (pkg/constants/
    #   constants.go lines 571-587; controller.go line 425), and every later update is refused because the raw
    #   annotation differs from it (validateDeploymentMode, inference_service_validation.go lines 691-701).
    # - A canary needs the exact string "Standard" (lines 188-191).
    mode = annotations.get(DEPLOYMENT_MODE)
    if mode not in ("Knative", "Standard"):
        out.append(f"{DEPLOYMENT_MODE} {mode!r}: write 'Knative' or 'Standard' (constants.go 559-587, lines 691-701)")
    p = spec.get("predictor", {})
    if p.get("model", {}).get("name"):  # lines 296-297 (validatePredictor)
        out.append("predictor.model.name is not allowed on the stable predictor (lines 296-297)")
    if _implementations(p) != 1:  # lines 157-165
        out.append("predictor: exactly one implementation (lines 157-165, component.go 415-420)")
    out += _replica_errors("predictor", p)  # lines 166-170: GetExtensions().Validate()
    out += _autoscaling_errors(annotations, p)  # line 169
    out += _canary_errors(annotations, spec)  # lines 176-178
    return out


def graph_webhook_errors(obj: dict) -> list[str]:
    """validateInferenceGraph, inference_graph_validation.go lines 112-133."""
    name, nodes = obj["metadata"]["name"], obj["spec"].get("nodes", {})
    out = []
    if not NAME.match(name):
        out.append(f"graph name {name!r} (lines 181-186)")
    if "root" not in nodes:  # lines 189-197; GraphRootNodeName = "root" (inference_graph.go line 117)
        out.append("no node named 'root' (lines 189-197)")
    for node_name, node in nodes.items():
        steps = node.get("steps", [])
        step_names = [s["name"] for s in steps if s.get("name")]
        if len(step_names) != len(set(step_names)):
            out.append(f"node {node_name}: duplicate step names (lines 136-151)")
        for i, step in enumerate(steps):
            targets = sum(1 for key in ("nodeName", "serviceName", "serviceUrl") if step.get(key))
            if targets != 1:
                out.append(f"node {node_name} step {i}: {targets} targets, exactly one (lines 154-178)")
        if node.get("routerType") == "Splitter":  # lines 200-216
            if any(s.get("weight") is None for s in steps):
                out.append(f"node {node_name}: a Splitter step without weight (lines 206-208)")
            elif sum(s["weight"] for s in steps) != 100:
                out.append(f"node {node_name}: Splitter weights sum to {sum(s['weight'] for s in steps)} (211-213)")
    # The graph controller reads the mode the same way as the InferenceService's (pkg/controller/v1alpha1/
    # inferencegraph/controller.go line 195 -> utils.GetDeploymentMode).
    mode = obj["metadata"].get("annotations", {}).get(DEPLOYMENT_MODE)
    if mode not in ("Knative", "Standard"):
        out.append(f"{DEPLOYMENT_MODE} {mode!r}: write 'Knative' or 'Standard' (utils.go 224-248)")
    return out


def webhook_errors(obj: dict) -> list[str]:
    if obj["kind"] == "InferenceService":
        return isvc_webhook_errors(obj)
    if obj["kind"] == "InferenceGraph":
        return graph_webhook_errors(obj)
    raise AssertionError(f"not a KServe kind: {obj['kind']}")


# -- the objects the platform renders -----------------------------------------------------------------------------

CATALOG = load_catalog()
KSERVE_KINDS = ("InferenceService", "InferenceGraph")


def deployment(name: str, mode: str = "Knative", **settings) -> ModelDeployment:
    cfg = read_private_config({"phase": "kserve", "kserve": {"deploymentMode": mode},
                               "gpuPools": [{"gpuType": "t4"}, {"gpuType": "a10g"}],
                               "models": {name: settings}}, CATALOG)
    return cfg.models[0]


def with_rollout(dep: ModelDeployment, rollout) -> ModelDeployment:
    return dataclasses.replace(dep, model=dataclasses.replace(dep.model, rollout=rollout))


def render_models(*deps: ModelDeployment):
    def program():
        provider = k8s.Provider("karmada", context="test")
        for dep in deps:
            InferenceServiceModel(dep.name, InferenceServiceModelArgs(deployment=dep, namespace="inference"),
                                  opts=pulumi.ResourceOptions(provider=provider))
    return run_program(program, stack="test", config={})


def kserve_objects(render) -> list[dict]:
    return [o for o in render.objects() if o["kind"] in KSERVE_KINDS]


def _variants() -> dict[str, tuple[ModelDeployment, ...]]:
    fraud_standard = deployment("fraud-scorer", mode="Standard")
    candidate = "s3://ml-artifacts/fraud-scorer/v4"
    churn = deployment("churn-predictor")
    return {
        "standard-canary": (with_rollout(fraud_standard, Canary(candidate_uri=candidate, traffic_percent=25)),
                            deployment("digit-reader", mode="Standard", minReplicas=1)),
        "standard-canary-at-1-and-99": (
            with_rollout(fraud_standard, Canary(candidate_uri=candidate, traffic_percent=1)),
            with_rollout(deployment("ticket-router", mode="Standard"),
                         Canary(candidate_uri="s3://ml-artifacts/ticket-router/v9", traffic_percent=99))),
        "knative-canary": (deployment("digit-reader"), deployment("digit-reader", canaryPercent=100)),
        "ab-knative": (churn, deployment("churn-predictor", runtime="triton")),
        "ab-at-the-edges": (with_rollout(churn, dataclasses.replace(churn.model.rollout, b_weight=1)),
                            with_rollout(deployment("search-ranker", minReplicas=1),
                                         ABTest(b_uri="s3://ml-artifacts/search-ranker/v13", b_weight=99))),
        "mirror": (deployment("search-ranker"), deployment("search-ranker", runtime="triton")),
    }


VARIANTS = _variants()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_rendered_variant_passes_kserves_webhook(variant):
    objects = kserve_objects(render_models(*VARIANTS[variant]))
    assert objects
    for obj in objects:
        assert webhook_errors(obj) == [], obj["metadata"]["name"]


def test_every_kserve_object_of_the_example_stacks_passes_kserves_webhook(private_render, public_render):
    objects = kserve_objects(private_render) + kserve_objects(public_render)
    # the private stack serves a canary, an A/B graph, a mirror and the hybrid classes through KServe
    assert {o["metadata"]["name"] for o in objects} >= {"digit-reader", "churn-predictor", "churn-predictor-a",
                                                        "search-ranker", "search-ranker-shadow",
                                                        "doc-classifier-batch", "ticket-router"}
    for obj in objects:
        assert webhook_errors(obj) == [], obj["metadata"]["name"]


def test_the_variants_render_what_they_are_named_after():
    standard = kserve_objects(render_models(*VARIANTS["standard-canary"]))
    canaries = {o["metadata"]["name"]: o["spec"]["canary"] for o in standard if "canary" in o["spec"]}
    assert set(canaries) == {"fraud-scorer", "digit-reader"}
    knative = kserve_objects(render_models(VARIANTS["knative-canary"][0]))
    assert [o["spec"]["predictor"].get("canaryTrafficPercent") for o in knative] == [10]
    graphs = [o for o in kserve_objects(render_models(*VARIANTS["ab-at-the-edges"])) if o["kind"] == "InferenceGraph"]
    assert sorted(s["weight"] for g in graphs for s in g["spec"]["nodes"]["root"]["steps"]) == [1, 1, 99, 99]
    mirror = kserve_objects(render_models(VARIANTS["mirror"][0]))
    assert {o["metadata"]["annotations"][DEPLOYMENT_MODE] for o in mirror} == {"Knative", "Standard"}


# -- each rule fires, on both sides of its boundary ---------------------------------------------------------------


def _standard_canary() -> dict:
    [obj] = [o for o in kserve_objects(render_models(VARIANTS["standard-canary"][0]))]
    return obj


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("maxReplicas", 6, "must not set maxReplicas"),
    ("scaleMetric", "cpu", "must not set scaleMetric"),
    ("scaleTarget", 70, "must not set scaleTarget"),
    ("autoScaling", {"metrics": []}, "must not set autoScaling"),
    ("workerSpec", {}, "must not set workerSpec"),
    ("minReplicas", 3, "minReplicas above the stable"),  # stable fraud-scorer runs 2
    ("name", "", "predictor.name is required"),
])
def test_canary_rules_refuse_what_kserve_refuses(field, value, fragment):
    obj = _standard_canary()
    assert webhook_errors(obj) == []
    obj["spec"]["canary"][0]["predictor"][field] = value
    assert any(fragment in e for e in webhook_errors(obj)), webhook_errors(obj)


def test_canary_boundaries():
    obj = _standard_canary()
    obj["spec"]["canary"][0]["predictor"]["minReplicas"] = 2  # equal to the stable: allowed
    obj["spec"]["canary"][0]["predictor"]["maxReplicas"] = 0  # zero is "not set"
    assert webhook_errors(obj) == []
    for percent, ok in ((0, True), (100, True), (-1, False), (101, False)):
        obj["spec"]["canary"][0]["trafficPercent"] = percent
        assert (webhook_errors(obj) == []) is ok, percent
    obj["spec"]["canary"][0]["trafficPercent"] = 60
    obj["spec"]["canary"].append({"predictor": {**obj["spec"]["canary"][0]["predictor"], "name": "other"},
                                  "trafficPercent": 40})
    assert webhook_errors(obj) == []  # sum 100
    obj["spec"]["canary"][1]["trafficPercent"] = 41
    assert any("sum 101" in e for e in webhook_errors(obj))
    obj["spec"]["canary"][1]["predictor"]["name"] = "candidate"
    assert any("duplicated" in e for e in webhook_errors(obj))


@pytest.mark.parametrize(("mode", "ok"), [("Standard", True), ("RawDeployment", False), ("Knative", False),
                                          (None, False)])
def test_canary_needs_the_exact_standard_annotation(mode, ok):
    obj = _standard_canary()
    if mode is None:
        del obj["metadata"]["annotations"][DEPLOYMENT_MODE]
    else:
        obj["metadata"]["annotations"][DEPLOYMENT_MODE] = mode
    assert any("only in Standard deployment mode" in e for e in webhook_errors(obj)) is not ok


@pytest.mark.parametrize(("mode", "ok"), [("Knative", True), ("Standard", True), ("Serverless", False),
                                          ("RawDeployment", False), ("ModelMesh", False), ("knative", False)])
def test_deployment_mode_annotation_values(mode, ok):
    [obj] = [o for o in kserve_objects(render_models(deployment("fraud-scorer")))]
    obj["metadata"]["annotations"][DEPLOYMENT_MODE] = mode
    obj["metadata"]["annotations"].pop(AUTOSCALER_CLASS, None)
    errors = [e for e in webhook_errors(obj) if DEPLOYMENT_MODE in e]
    assert (errors == []) is ok


def test_predictor_rules():
    [obj] = [o for o in kserve_objects(render_models(deployment("fraud-scorer", mode="Standard")))]
    assert webhook_errors(obj) == []
    p = obj["spec"]["predictor"]
    for target, ok in ((1, True), (100, True), (0, False), (101, False)):
        p["scaleTarget"] = target
        assert (webhook_errors(obj) == []) is ok, target
    p["scaleTarget"] = 70
    p["scaleMetric"] = "concurrency"  # a KPA metric under the HPA
    assert any("not an HPA metric" in e for e in webhook_errors(obj))
    p["scaleMetric"] = "cpu"
    p["model"]["name"] = "kserve-container"
    assert any("not allowed on the stable predictor" in e for e in webhook_errors(obj))
    del p["model"]["name"]
    p["minReplicas"], p["maxReplicas"] = 7, 6
    assert any("minReplicas 7 > maxReplicas 6" in e for e in webhook_errors(obj))
    p["maxReplicas"] = 0  # no ceiling
    assert webhook_errors(obj) == []
    obj["metadata"]["annotations"][AUTOSCALER_CLASS] = "kpa"
    assert any("autoscalerClass 'kpa'" in e for e in webhook_errors(obj))
    [knative] = [o for o in kserve_objects(render_models(deployment("fraud-scorer")))]
    knative["spec"]["predictor"]["scaleMetric"] = "cpu"  # an HPA metric under the KPA
    assert any("not a KPA metric" in e for e in webhook_errors(knative))
    knative["metadata"]["name"] = "Fraud_Scorer"
    assert any("name 'Fraud_Scorer'" in e for e in webhook_errors(knative))


def test_graph_rules():
    [graph] = [o for o in kserve_objects(render_models(deployment("churn-predictor")))
               if o["kind"] == "InferenceGraph"]
    assert webhook_errors(graph) == []
    root = graph["spec"]["nodes"]["root"]
    root["steps"][1]["weight"] = 31  # 70 + 31
    assert any("sum to 101" in e for e in webhook_errors(graph))
    root["steps"][1]["weight"] = 29
    assert any("sum to 99" in e for e in webhook_errors(graph))
    root["steps"][1]["weight"] = 30
    root["steps"][1]["serviceName"] = "churn-predictor-b"
    assert any("2 targets" in e for e in webhook_errors(graph))
    del root["steps"][1]["serviceName"]
    root["steps"][1]["name"] = "a"
    assert any("duplicate step names" in e for e in webhook_errors(graph))
    root["steps"][1]["name"] = "b"
    graph["spec"]["nodes"] = {"start": root}
    assert any("no node named 'root'" in e for e in webhook_errors(graph))

