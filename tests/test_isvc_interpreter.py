"""The Karmada interpreter for KServe InferenceService: each Lua script executed under Lua 5.1.

The scripts run from the very text `isvc_interpreter_customization()` embeds, in a sandbox
like Karmada's (see lua_harness), against sample InferenceServices.
"""

from __future__ import annotations

import copy

import pytest
from jsonschema import Draft7Validator

from tests.crd_schema import CustomResourceInvalid, crds_dir, validate_custom_resource
from tests.lua_harness import LUA_RUNTIME, empty_tables, lua_version, new_runtime, run_script

from components.karmada import interpreter
from components.karmada.interpreter import SCRIPTS, isvc_interpreter_customization
from stacks import crd_schema
from tests.messages import exactly

CUSTOMIZATION = isvc_interpreter_customization()


def call(field: str, *args):
    """Run the customization's script for `field` the way Karmada calls it."""
    script = CUSTOMIZATION["spec"]["customizations"][field]["luaScript"]
    _filename, function = SCRIPTS[field]
    result = run_script(script, function, *args)
    for value in result if isinstance(result, tuple) else (result,):
        assert empty_tables(value) == [], "Karmada would drop these empty tables"
    return result


def isvc(predictor=None, *, namespace="ml", generation=4, status=None, **spec):
    obj = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "fraud-scorer", "namespace": namespace, "generation": generation},
        "spec": {"predictor": predictor, **spec} if predictor is not None else dict(spec),
    }
    if namespace is None:
        del obj["metadata"]["namespace"]
    if status is not None:
        obj["status"] = status
    return obj


CPU_PREDICTOR = {
    "model": {
        "modelFormat": {"name": "sklearn"},
        "storageUri": "s3://models/fraud",
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
    }
}

GPU_TOLERATIONS = [
    {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "karpenter.sh/capacity-type", "operator": "Equal", "value": "spot", "effect": "NoSchedule"},
]
GPU_AFFINITY = {
    "nodeSelectorTerms": [
        {"matchExpressions": [{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["g5", "g6"]}]}
    ]
}
GPU_PREDICTOR = {
    "minReplicas": 2,
    "maxReplicas": 6,
    "priorityClassName": "inference-critical",
    "nodeSelector": {"nvidia.com/gpu.present": "true"},
    "tolerations": GPU_TOLERATIONS,
    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": GPU_AFFINITY}},
    "model": {
        "modelFormat": {"name": "pytorch"},
        "runtime": "kserve-torchserve",
        "resources": {
            "requests": {"cpu": "4", "memory": "16Gi"},
            # GPUs are usually given as limits only; the request defaults to the limit
            "limits": {"cpu": "8", "memory": "24Gi", "nvidia.com/gpu": "1"},
        },
    },
}


def ready(status="True", **extra):
    return {"type": "Ready", "status": status, **extra}


# --- runtime ---------------------------------------------------------------------------------


def test_scripts_run_under_lua_5_1():
    if LUA_RUNTIME != "lupa.lua51":
        pytest.skip(f"lupa has no Lua 5.1 build here; ran under {LUA_RUNTIME}")
    assert lua_version(new_runtime()) == "Lua 5.1"


def test_sandbox_matches_karmada():
    with pytest.raises(Exception, match="not supported in karmada"):
        run_script("function F() return setmetatable({}, {}) end", "F")


# --- GetReplicas ------------------------------------------------------------------------------


def test_get_replicas_cpu_only_without_min_replicas():
    replicas, requirement = call("replicaResource", isvc(CPU_PREDICTOR))
    assert replicas == 1  # KServe's default minReplicas
    # requests win over limits; no nodeClaim when nothing constrains nodes
    assert requirement == {"resourceRequest": {"cpu": "1", "memory": "2Gi"}, "namespace": "ml"}


def test_get_replicas_gpu_predictor():
    replicas, requirement = call("replicaResource", isvc(GPU_PREDICTOR))
    assert replicas == 2
    assert requirement["resourceRequest"] == {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"}
    assert requirement["nodeClaim"] == {
        "nodeSelector": {"nvidia.com/gpu.present": "true"},
        "tolerations": GPU_TOLERATIONS,
        "hardNodeAffinity": GPU_AFFINITY,
    }
    assert requirement["priorityClassName"] == "inference-critical"
    assert requirement["namespace"] == "ml"


def test_get_replicas_scale_to_zero_schedules_one_replica():
    predictor = {**copy.deepcopy(GPU_PREDICTOR), "minReplicas": 0, "maxReplicas": 4}
    replicas, requirement = call("replicaResource", isvc(predictor))
    assert replicas == 1
    assert requirement["resourceRequest"]["nvidia.com/gpu"] == "1"


def test_get_replicas_sums_containers_takes_init_max_and_adds_overhead():
    predictor = {
        "model": {"modelFormat": {"name": "onnx"}, "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
        "containers": [
            {"name": "transformer", "image": "t:1", "resources": {"limits": {"cpu": "250m", "memory": "512Mi"}}}
        ],
        "initContainers": [{"name": "warmup", "image": "w:1", "resources": {"requests": {"cpu": "2"}}}],
        "overhead": {"cpu": "100m"},
    }
    _replicas, requirement = call("replicaResource", isvc(predictor))
    # cpu: max(0.5 + 0.25, 2) + 0.1; memory: 1Gi + 512Mi in bytes
    assert requirement["resourceRequest"] == {"cpu": "2100m", "memory": "1610612736"}


def test_get_replicas_custom_container_and_legacy_framework_field():
    custom = {"containers": [{"name": "kserve-container", "image": "m:1", "resources": {"requests": {"cpu": 3}}}]}
    assert call("replicaResource", isvc(custom))[1]["resourceRequest"] == {"cpu": 3}
    legacy = {"sklearn": {"storageUri": "gs://m", "resources": {"limits": {"memory": "1.5Gi"}}}}
    assert call("replicaResource", isvc(legacy))[1]["resourceRequest"] == {"memory": "1.5Gi"}


def test_get_replicas_without_resources_or_predictor():
    assert call("replicaResource", isvc({"model": {"modelFormat": {"name": "xgboost"}}})) == (1, None)
    assert call("replicaResource", isvc(None)) == (1, None)


def test_get_replicas_rejects_an_invalid_quantity():
    bad = {"model": {"modelFormat": {"name": "onnx"}, "resources": {"requests": {"cpu": "lots"}}}}
    with pytest.raises(Exception, match="invalid resource quantity 'lots'"):
        call("replicaResource", isvc(bad))


def test_get_replicas_requirement_matches_resource_binding_schema():
    """The requirement must fit work.karmada.io ResourceBinding spec.replicaRequirements."""
    crd = crd_schema.crd_for("work.karmada.io/v1alpha2", "ResourceBinding", crds_dir())
    schema = crd_schema.strict_schema(crd.schema)["properties"]["spec"]["properties"]["replicaRequirements"]
    for predictor in (GPU_PREDICTOR, CPU_PREDICTOR):
        _replicas, requirement = call("replicaResource", isvc(copy.deepcopy(predictor)))
        errors = [e.message for e in Draft7Validator(schema).iter_errors(requirement)]
        assert errors == []


# --- ReviseReplica ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "share", "expected"),
    [
        # the ceiling less the floors the other members hold: 10 - (4 - 1), 10 - (4 - 3)
        ({"minReplicas": 4, "maxReplicas": 10}, 1, {"minReplicas": 1, "maxReplicas": 7}),
        ({"minReplicas": 4, "maxReplicas": 10}, 3, {"minReplicas": 3, "maxReplicas": 9}),
        ({"minReplicas": 4, "maxReplicas": 10}, 4, {"minReplicas": 4, "maxReplicas": 10}),
        ({"minReplicas": 3}, 2, {"minReplicas": 2}),  # no ceiling stays no ceiling
        ({}, 1, {"minReplicas": 1}),  # absent min: GetReplicas reported 1
        ({"minReplicas": 0, "maxReplicas": 4}, 1, {"minReplicas": 0, "maxReplicas": 4}),  # scale-to-zero kept
        ({"minReplicas": 4, "maxReplicas": 4}, 1, {"minReplicas": 1, "maxReplicas": 1}),
        ({"minReplicas": 6, "maxReplicas": 2}, 3, {"minReplicas": 3, "maxReplicas": 3}),  # max never below min
    ],
)
def test_revise_replica(declared, share, expected):
    predictor = {**copy.deepcopy(CPU_PREDICTOR), **declared}
    template = isvc(predictor, transformer={"minReplicas": 2, "containers": [{"name": "t", "image": "t:1"}]})
    revised = call("replicaRevision", template, share)
    expected_obj = copy.deepcopy(template)
    expected_obj["spec"]["predictor"].pop("maxReplicas", None)
    expected_obj["spec"]["predictor"].update(expected)
    assert revised == expected_obj  # nothing else changes, the transformer included


def test_revise_replica_shares_keep_the_declared_floor_and_each_member_within_the_ceiling():
    template = isvc({**copy.deepcopy(CPU_PREDICTOR), "minReplicas": 5, "maxReplicas": 12})
    shares = [2, 2, 1]
    revised = [call("replicaRevision", template, n)["spec"]["predictor"] for n in shares]
    assert sum(p["minReplicas"] for p in revised) == 5
    assert [p["maxReplicas"] for p in revised] == [9, 9, 8]  # 12 less the other members' floors


def test_revise_replica_without_predictor_returns_object_unchanged():
    obj = isvc(None, explainer={"minReplicas": 2})
    assert call("replicaRevision", obj, 2) == obj


# --- InterpretHealth --------------------------------------------------------------------------


def predictor_ready(status="True", **extra):
    return {"type": "PredictorReady", "status": status, **extra}


@pytest.mark.parametrize(
    ("status", "healthy"),
    [
        ({"observedGeneration": 4, "conditions": [predictor_ready(), {"type": "IngressReady", "status": "True"},
                                                  ready()]}, True),
        ({"conditions": [predictor_ready()]}, True),
        # KServe's observedGeneration is the Knative Service's or the Deployment's: any value, never compared
        ({"observedGeneration": 3, "conditions": [predictor_ready(), ready()]}, True),
        ({"observedGeneration": 11, "conditions": [predictor_ready(), ready()]}, True),
        # Ready False for want of the member's ingress: the predictor still serves, nothing to fail over
        ({"conditions": [predictor_ready(), {"type": "IngressReady", "status": "False"}, ready("False")]}, True),
        ({"observedGeneration": 4, "conditions": [predictor_ready("False", reason="RevisionMissing"),
                                                  ready("False", reason="RevisionMissing")]}, False),
        ({"observedGeneration": 4, "conditions": [predictor_ready("Unknown"), ready("Unknown")]}, False),
        ({"observedGeneration": 4, "conditions": [ready()]}, False),  # no PredictorReady: nothing says it serves
        ({"observedGeneration": 4, "conditions": []}, False),
        ({"observedGeneration": 4}, False),
        (None, False),
    ],
)
def test_interpret_health(status, healthy):
    result = call("healthInterpretation", isvc(CPU_PREDICTOR, status=status))
    assert result is healthy  # a real boolean: Karmada rejects anything else


# --- ReflectStatus ----------------------------------------------------------------------------

MEMBER_STATUS = {
    "observedGeneration": 2,
    "url": "http://fraud-scorer.ml.eu.example.com",
    "address": {"url": "http://fraud-scorer-predictor.ml.svc.cluster.local"},
    "components": {"predictor": {"latestReadyRevision": "fraud-scorer-predictor-00002", "url": "http://p.eu"}},
    "modelStatus": {"transitionStatus": "UpToDate", "states": {"activeModelState": "Loaded"}},
    "conditions": [{"type": "PredictorReady", "status": "True"}, ready(lastTransitionTime="2025-01-01T00:00:00Z")],
    "deploymentMode": "Serverless",
    "annotations": {"x": "y"},
}


def test_reflect_status_picks_fields_and_template_generation():
    observed = isvc(CPU_PREDICTOR, generation=2, status=copy.deepcopy(MEMBER_STATUS))
    observed["metadata"]["annotations"] = {"resourcetemplate.karmada.io/generation": "7"}
    reflected = call("statusReflection", observed)
    # KServe's observedGeneration (the Knative Service's) and the member's own generation stay behind.
    assert reflected == {
        "conditions": MEMBER_STATUS["conditions"],
        "url": MEMBER_STATUS["url"],
        "address": MEMBER_STATUS["address"],
        "components": MEMBER_STATUS["components"],
        "modelStatus": MEMBER_STATUS["modelStatus"],
        "resourceTemplateGeneration": 7,
    }


def test_reflect_status_without_status_or_with_empty_fields():
    assert call("statusReflection", isvc(CPU_PREDICTOR, generation=1)) == {}
    annotated = isvc(CPU_PREDICTOR, generation=1)
    annotated["metadata"]["annotations"] = {"serving.kserve.io/deploymentMode": "Standard",
                                            "resourcetemplate.karmada.io/generation": "not-a-number"}
    assert call("statusReflection", annotated) == {}
    reflected = call("statusReflection", isvc(CPU_PREDICTOR, generation=1, status={"conditions": [], "components": {}}))
    assert reflected == {}


# --- AggregateStatus --------------------------------------------------------------------------


def member(name, *, url=None, template=4, conditions=None, **extra):
    status = {"resourceTemplateGeneration": template}
    status["conditions"] = conditions if conditions is not None else [
        {"type": "PredictorReady", "status": "True"},
        ready(lastTransitionTime="2025-01-01T00:00:00Z"),
    ]
    if url:
        status["url"] = url
    status.update(extra)
    return {"clusterName": name, "applied": True, "health": "Healthy", "status": status}


def test_aggregate_status_all_ready():
    items = [
        member("eu", url="http://fraud.eu", components={"predictor": {"url": "http://p.eu"}}),
        member("us", url="http://fraud.us",
               conditions=[{"type": "PredictorReady", "status": "True"}, ready(lastTransitionTime="2025-02-01T00:00:00Z")],
               components={"predictor": {"url": "http://p.us"}, "transformer": {"url": "http://t.us"}}),
    ]
    result = call("statusAggregation", isvc(CPU_PREDICTOR), items)
    status = result["status"]
    assert status["conditions"] == [
        {"type": "Ready", "status": "True", "lastTransitionTime": "2025-02-01T00:00:00Z"},
        {"type": "PredictorReady", "status": "True"},
    ]
    assert status["url"] == "http://fraud.eu"
    assert status["components"] == {"predictor": {"url": "http://p.eu"}, "transformer": {"url": "http://t.us"}}
    assert status["observedGeneration"] == 4  # every member object was made from template generation 4
    assert "resourceTemplateGeneration" not in status
    assert result["spec"] == isvc(CPU_PREDICTOR)["spec"]


def test_aggregate_status_one_member_not_ready():
    troubled = {"transitionStatus": "BlockedByFailedLoad", "states": {"activeModelState": "FailedToLoad"},
                "lastFailureInfo": {"reason": "ModelLoadFailed", "message": "CUDA out of memory"}}
    items = [
        member("eu", url="http://fraud.eu", modelStatus={"transitionStatus": "UpToDate", "states": {"activeModelState": "Loaded"}}),
        member("us", conditions=[{"type": "PredictorReady", "status": "False", "reason": "ModelLoadFailed"},
                                 ready("False", reason="ModelLoadFailed", message="CUDA out of memory")],
               modelStatus=troubled),
    ]
    template = isvc(CPU_PREDICTOR, status={"observedGeneration": 3})
    status = call("statusAggregation", template, items)["status"]
    readiness = status["conditions"][0]
    assert readiness["type"] == "Ready" and readiness["status"] == "False"
    assert readiness["reason"] == "ModelLoadFailed"
    assert readiness["message"] == "Ready is not True in 1 of 2 member clusters: us: False (ModelLoadFailed) CUDA out of memory"
    assert status["conditions"][1]["status"] == "False"
    assert status["modelStatus"] == troubled  # the failing member's model status surfaces


def test_aggregate_status_missing_status_or_failed_apply_is_not_ready():
    items = [
        member("eu"),
        {"clusterName": "us", "applied": True},
        # Karmada sends `applied` only when true (json omitempty): a failed apply has no `applied` key at all.
        {"clusterName": "ap", "appliedMessage": "no matches for kind InferenceService"},
        {"clusterName": "sa"},
    ]
    template = isvc(CPU_PREDICTOR, status={"observedGeneration": 3})
    status = call("statusAggregation", template, items)["status"]
    readiness, predictor = status["conditions"]
    assert readiness["status"] == "False" and readiness["reason"] == "NoStatus"
    assert "us: False (NoStatus)" in readiness["message"]
    assert "ap: False (ApplyFailed) no matches for kind InferenceService" in readiness["message"]
    assert "sa: False (NotApplied)" in readiness["message"]
    assert predictor["status"] == "Unknown"  # absent where nothing was reported
    assert status["observedGeneration"] == 3  # not every member caught up: previous value kept


@pytest.mark.parametrize(
    ("us", "expected"),
    [
        (member("us", template=3), 3),  # us still runs template generation 3: previous value kept
        (member("us", template=4), 4),
        (member("us", template=5), 4),  # Karmada's own rule is >= (aggregateDeploymentStatus)
        # Karmada could not apply generation 4 there: it omits `applied` (json omitempty), it never sends false
        ({k: v for k, v in member("us", template=4).items() if k != "applied"}, 3),
        ({"clusterName": "us", "applied": True}, 3),  # nothing reported yet
    ],
)
def test_aggregate_status_observed_generation_follows_the_template_generation_applied(us, expected):
    template = isvc(CPU_PREDICTOR, status={"observedGeneration": 3})
    assert call("statusAggregation", template, [member("eu"), us])["status"]["observedGeneration"] == expected


def test_aggregate_status_without_a_previous_value_writes_none_until_every_member_caught_up():
    status = call("statusAggregation", isvc(CPU_PREDICTOR), [member("eu"), member("us", template=3)])["status"]
    assert "observedGeneration" not in status


def test_aggregate_status_condition_missing_in_one_member_is_unknown():
    items = [
        member("eu", conditions=[ready(), {"type": "IngressReady", "status": "True"}]),
        member("us", conditions=[ready()]),
    ]
    conditions = call("statusAggregation", isvc(CPU_PREDICTOR), items)["status"]["conditions"]
    assert conditions[0] == {"type": "Ready", "status": "True"}
    assert conditions[1]["type"] == "IngressReady" and conditions[1]["status"] == "Unknown"
    assert conditions[1]["reason"] == "ConditionMissing"


@pytest.mark.parametrize("items", [[], None])
def test_aggregate_status_without_items_changes_nothing(items):
    template = isvc(CPU_PREDICTOR)
    assert call("statusAggregation", template, items) == template  # never reads as Ready


# --- GetDependencies --------------------------------------------------------------------------


def test_get_dependencies():
    predictor = {
        **copy.deepcopy(CPU_PREDICTOR),
        "serviceAccountName": "model-reader",
        "imagePullSecrets": [{"name": "ecr-pull"}, {"name": "ecr-pull"}],
        "volumes": [
            {"name": "tls", "secret": {"secretName": "model-tls"}},
            {"name": "cfg", "configMap": {"name": "torchserve-config"}},
            {"name": "cache", "persistentVolumeClaim": {"claimName": "hf-cache"}},
            {"name": "scratch", "emptyDir": {"medium": "Memory"}},
            {"name": "creds", "projected": {"sources": [{"secret": {"name": "s3-creds"}}, {"serviceAccountToken": {"path": "t"}}]}},
        ],
    }
    predictor["model"]["storageUri"] = "pvc://model-store/fraud/v3"
    predictor["model"]["env"] = [
        {"name": "PLAIN", "value": "1"},
        {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "scorer-api", "key": "key"}}},
    ]
    predictor["containers"] = [{"name": "sidecar", "image": "s:1", "envFrom": [{"configMapRef": {"name": "sidecar-env"}}]}]
    transformer = {"serviceAccountName": "default", "containers": [{"name": "t", "image": "t:1"}],
                   "imagePullSecrets": [{"name": "ecr-pull"}]}
    refs = call("dependencyInterpretation", isvc(predictor, transformer=transformer))

    def ref(kind, name):
        return {"apiVersion": "v1", "kind": kind, "namespace": "ml", "name": name}

    assert refs == [
        ref("ServiceAccount", "model-reader"),
        ref("Secret", "ecr-pull"),
        ref("Secret", "model-tls"),
        ref("ConfigMap", "torchserve-config"),
        ref("PersistentVolumeClaim", "hf-cache"),
        ref("Secret", "s3-creds"),
        ref("Secret", "scorer-api"),
        ref("PersistentVolumeClaim", "model-store"),
        ref("ConfigMap", "sidecar-env"),
    ]


def test_get_dependencies_canary_worker_and_default_namespace():
    predictor = {**copy.deepcopy(CPU_PREDICTOR), "workerSpec": {"serviceAccount": "ray-worker", "containers": []}}
    canary = [{"trafficPercent": 10, "predictor": {"serviceAccountName": "canary-sa", "model": {"modelFormat": {"name": "onnx"}}}}]
    refs = call("dependencyInterpretation", isvc(predictor, namespace=None, canary=canary))
    assert refs == [
        {"apiVersion": "v1", "kind": "ServiceAccount", "namespace": "default", "name": "ray-worker"},
        {"apiVersion": "v1", "kind": "ServiceAccount", "namespace": "default", "name": "canary-sa"},
    ]


def test_get_dependencies_none():
    assert call("dependencyInterpretation", isvc(CPU_PREDICTOR)) == {}  # an empty Lua table: Karmada reads []


# --- Retain -----------------------------------------------------------------------------------


def test_retain_keeps_member_status_only():
    desired = isvc({**copy.deepcopy(CPU_PREDICTOR), "minReplicas": 2})
    observed = isvc({**copy.deepcopy(CPU_PREDICTOR), "minReplicas": 7}, status=copy.deepcopy(MEMBER_STATUS))
    observed["metadata"]["annotations"] = {"serving.kserve.io/deploymentMode": "Serverless"}
    retained = call("retention", desired, observed)
    assert retained["status"] == MEMBER_STATUS
    assert retained["spec"] == desired["spec"]  # the control plane's spec wins
    assert retained["metadata"] == desired["metadata"]  # Karmada itself merges labels/annotations


def test_retain_without_observed_status():
    desired = isvc(CPU_PREDICTOR)
    assert call("retention", desired, isvc(CPU_PREDICTOR)) == desired


# --- the customization object -----------------------------------------------------------------


def test_customization_object():
    assert CUSTOMIZATION["apiVersion"] == "config.karmada.io/v1alpha1"
    assert CUSTOMIZATION["kind"] == "ResourceInterpreterCustomization"
    assert CUSTOMIZATION["metadata"] == {"name": "inferenceservice-interpreter"}
    spec = CUSTOMIZATION["spec"]
    assert spec["target"] == {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService"}
    assert set(spec["customizations"]) == {
        "replicaResource", "replicaRevision", "retention", "statusReflection",
        "statusAggregation", "healthInterpretation", "dependencyInterpretation",
    }
    for field, (filename, function) in SCRIPTS.items():
        text = spec["customizations"][field]["luaScript"]
        assert text == (interpreter.LUA_DIR / filename).read_text(encoding="utf-8")
        assert f"function {function}(" in text
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
        assert "require(" not in code  # no kube helpers: the tests execute all of the logic
    assert isvc_interpreter_customization("isvc")["metadata"]["name"] == "isvc"


def test_customization_matches_the_crd():
    validate_custom_resource(CUSTOMIZATION)


def test_crd_validation_rejects_unknown_fields():
    bad = copy.deepcopy(CUSTOMIZATION)
    bad["spec"]["customizations"]["healthInterpretation"]["luascript"] = "x"
    with pytest.raises(CustomResourceInvalid) as raised:
        validate_custom_resource(bad)
    assert "spec.customizations.healthInterpretation" in str(raised.value)
    assert "did you mean 'luaScript'" in str(raised.value)

    bad = copy.deepcopy(CUSTOMIZATION)
    bad["spec"]["customizations"]["replicaRevisions"] = bad["spec"]["customizations"].pop("replicaRevision")
    with pytest.raises(CustomResourceInvalid, match="unknown field 'replicaRevisions'") as raised:
        validate_custom_resource(bad)
    exactly(str(raised.value))


def test_sample_inference_services_match_the_kserve_crd():
    """The fixtures above are real InferenceServices, not made-up shapes."""
    samples = [isvc(CPU_PREDICTOR), isvc(GPU_PREDICTOR),
               isvc({**copy.deepcopy(GPU_PREDICTOR), "minReplicas": 0},
                    transformer={"minReplicas": 2, "containers": [{"name": "t", "image": "t:1"}]})]
    for sample in samples:
        validate_custom_resource(sample)
