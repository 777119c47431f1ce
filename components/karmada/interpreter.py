"""The Karmada `ResourceInterpreterCustomization` for KServe `InferenceService`.

Why it exists: Karmada ships no resource interpreter for `serving.kserve.io/v1beta1
InferenceService`. Without one, Karmada treats an InferenceService as an opaque object: it
cannot divide its replicas between member clusters (no Divided scheduling, no capacity
estimate for GPU pods), reports it always healthy (so application failover never fires),
aggregates no status back to the control plane, and cannot propagate the Secrets,
ServiceAccounts, ConfigMaps and PVCs its pods need. This customization supplies all of that
as Lua (Karmada's Lua 5.1 VM), one script per operation, kept as real files under `lua/` so
they can be read, linted and executed in tests (tests/test_isvc_interpreter.py runs each
one with lupa).

Semantics in short (details in each script's header):

- replicaResource (`GetReplicas`): replicas = predictor `minReplicas` (absent -> 1;
  0 / scale-to-zero -> 1, so Karmada places one replica's worth of capacity); requirements =
  one predictor pod's requests (limits fill missing requests, so `nvidia.com/gpu` in limits
  counts) plus nodeSelector, tolerations and required node affinity.
- replicaRevision (`ReviseReplica`): a member's share becomes its `minReplicas`
  (scale-to-zero stays 0); `maxReplicas` becomes the declared ceiling less the other members' floors.
- healthInterpretation (`InterpretHealth`): healthy exactly when `PredictorReady` is "True".
  Not `status.observedGeneration`: KServe v0.20 copies it from the Knative Service or the
  Deployment (kserve/kserve v0.20.0 pkg/apis/serving/v1beta1/inference_service_status.go,
  lines 456 and 635), whose generations move with Knative traffic rewrites and HPA scaling, so
  comparing it with the InferenceService's generation would fail over serving members. Not
  `Ready`: it also needs the member's ingress (IngressReady), which failover cannot mend.
- statusReflection / statusAggregation: conditions, url, address, components, modelStatus;
  the aggregate is Ready (or PredictorReady) only if every member is. `observedGeneration` is
  Karmada's own record: the template's generation once every member object carries it in the
  `resourcetemplate.karmada.io/generation` annotation Karmada sets when applying (karmada-io/
  karmada v1.18.2 pkg/controllers/binding/common.go), as Karmada aggregates Deployments —
  which is what pulumi-kubernetes' `waitFor` compares with `metadata.generation`.
- dependencyInterpretation (`GetDependencies`): ServiceAccounts, Secrets, ConfigMaps and
  PVCs referenced by the predictor, transformer, explainer and canaries.
- retention (`Retain`): keeps the member's status only.

`componentResource` is deliberately not set: when the MultiplePodTemplatesScheduling feature
gate is on, Karmada would use it instead of `replicaResource`.

This module only builds a plain dict; wrapping it in a Pulumi
`kubernetes.apiextensions.CustomResource` (cluster-scoped, applied to the Karmada API server)
is left to the caller.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

API_VERSION = "config.karmada.io/v1alpha1"
KIND = "ResourceInterpreterCustomization"

TARGET_API_VERSION = "serving.kserve.io/v1beta1"
TARGET_KIND = "InferenceService"

LUA_DIR = Path(__file__).resolve().parent / "lua"

# customization field (as named in the CRD) -> (Lua file, function Karmada calls)
SCRIPTS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "replicaResource": ("isvc_get_replicas.lua", "GetReplicas"),
        "replicaRevision": ("isvc_revise_replica.lua", "ReviseReplica"),
        "retention": ("isvc_retain.lua", "Retain"),
        "statusReflection": ("isvc_reflect_status.lua", "ReflectStatus"),
        "statusAggregation": ("isvc_aggregate_status.lua", "AggregateStatus"),
        "healthInterpretation": ("isvc_interpret_health.lua", "InterpretHealth"),
        "dependencyInterpretation": ("isvc_get_dependencies.lua", "GetDependencies"),
    }
)


def lua_script(field: str) -> str:
    """The Lua source for one customization field (a key of `SCRIPTS`)."""
    try:
        filename, _function = SCRIPTS[field]
    except KeyError:
        raise KeyError(f"no Lua script for customization {field!r}; known: {', '.join(SCRIPTS)}") from None
    return (LUA_DIR / filename).read_text(encoding="utf-8")


def isvc_interpreter_customization(name: str = "inferenceservice-interpreter") -> dict[str, Any]:
    """The full `ResourceInterpreterCustomization` for InferenceService, as a plain dict.

    Cluster-scoped; apply it to the Karmada API server (which must also have the KServe CRDs
    installed). Every customization except `componentResource` is set.
    """
    if not name:
        raise ValueError("name must be a non-empty string")
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name},
        "spec": {
            "target": {"apiVersion": TARGET_API_VERSION, "kind": TARGET_KIND},
            "customizations": {field: {"luaScript": lua_script(field)} for field in SCRIPTS},
        },
    }
