"""Phase 2: one model as KServe serves it — an InferenceService named after the model, plus what its rollout needs.

Builders return the plain (camelCase) custom resources; `InferenceServiceModel` creates them for one
`ModelDeployment`. Clients keep calling `http://<model>.<namespace>.svc.cluster.local/predictions/<model>`.

Behaviour (mode = the deployment's KServe mode, always written to `serving.kserve.io/deploymentMode`):
- TorchServe's `config.properties` is the platform's, not the artifact's: a ConfigMap
  `<model>-serving-config-<checksum>` rendered from the declaration (as in Phase 1), mounted by the runtime from
  the predictor's volume `torchserve-config`; a changed config changes the name, hence the predictor (rollout).
- The InferenceService `<model>` runs the model's artifact with the platform runtime for its server
  (`platform-torchserve`, its GPU build for GPU models, or `platform-triton`), the declaration's resources, GPU node
  selector and tolerations, and the secure pod defaults of components/pod.py. Its labels mark it
  `app.kubernetes.io/component: inference-service`, so Phase 1's selectors (`predictor`) never pick its pods.
- Scaling: between the declaration's replica bounds. Knative mode scales on in-flight requests
  (`scaleMetric: concurrency`, `scaleTarget` = target concurrency) and may scale to zero. Standard mode scales with
  an HPA on CPU (`autoscalerClass: hpa`, 70 % of requests, as Phase 1), because KServe's HPA accepts only cpu and
  memory; scale-to-zero is Knative-only (stacks/private_config.py rejects it in Standard mode).
- GPU models that may scale from zero (Knative, min 0) carry Knative's cold-start settings on the predictor (KServe
  copies predictor annotations onto the Knative revision): a progress deadline long enough for a GPU node to
  arrive (default 1200 s, Knative's own is 600 s), a retention period that keeps the last pod after traffic stops,
  and an initial scale of 1 so every new revision proves it loads before it takes traffic.
- Pulumi waits for `PredictorReady` (`pulumi.com/waitFor`), not `Ready`: the predictor serving is what must hold
  before the same update deletes Phase 1's objects. (`Ready` also needs KServe's ingress, which cannot take the
  name `<model>` while Phase 1's Service still holds it.) Unless `await_ready` is False (a model only Pull members
  host): then `pulumi.com/skipAwait`.
- Canary (Knative): the predictor runs the candidate with `canaryTrafficPercent`; KServe keeps the last revision
  that had 100 % for the rest. Canary (Standard): the predictor keeps the stable artifact and `spec.canary[]` runs
  the candidate (`<model>-candidate-predictor`) with `trafficPercent`; the entry carries only the candidate's name
  and model (KServe's webhook refuses canary autoscaling fields; the controller copies the rest from the stable
  predictor and runs fixed replicas in proportion to the traffic). In both modes 100 % renders exactly the
  promoted end state (candidate as the artifact, no canary fields). 0 %: in Standard mode the rolled-back state
  (stable artifact, no canary fields); in Knative mode the candidate at `canaryTrafficPercent: 0`, all traffic on
  the previous revision (see `canary_split`).
- A/B test: InferenceServices `<model>-a` (the model's artifact) and `<model>-b` (B's) and an InferenceGraph
  `<model>` whose root Splitter sends `b_weight` % of requests to B's predictor and the rest to A's, both at the
  runtime's predict path. The graph takes the name `<model>`, so the hostname stays. Header pinning: an Istio
  VirtualService `<model>-ab` for the client host sends every request carrying `header_name: header_value` to B's
  predictor (through the Knative local gateway, Host set to B's predictor) and everything else on to the graph.
  (The graph's own `Switch` router cannot do this: it evaluates GJSON conditions on the request body only —
  kserve cmd/router `pickupRouteByCondition` — so the header match lives in the mesh.)
- Mirror (Knative mode only): the InferenceService `<model>`, a shadow `<model>-shadow` (Standard mode,
  cluster-local, at least one replica) and an Istio VirtualService `<model>-mirror` for the client host
  `<model>.<ns>.svc.cluster.local`, matching and routing as KServe's own does (its authority match; to the
  Knative local gateway, Host set to the predictor) and mirroring `percent` % to the shadow predictor's ClusterIP Service. The shadow runs in Standard
  mode because Envoy appends `-shadow` to a mirrored request's Host, which Knative's host-based routing would not
  match; a plain Service ignores the Host.
- Standard mode without A/B: KServe names its Service `<model>-predictor`, so the component adds a Service
  `<model>` (port 80 to the stable predictor pods) to keep the hostname.

Known limits (also in the report to the stack owner):
- KServe's (or Knative's) own VirtualService routes the same host. Istio 1.30 merges the routes of every
  VirtualService for a host on a gateway oldest first, but moves routes without a match behind all others; on
  sidecars (`mesh`) the oldest VirtualService takes the host (IST0109 reports the conflict). The mirror and A/B
  routes carry KServe's own authority match (`kserve_host_match`), so they win while they are the older one —
  true for a model created with its rollout (the InferenceService or graph depends on the VirtualService); for a
  model that gains a mirror or A/B test later, delete the generated VirtualService `<model>` (and, for A/B,
  Knative's `<model>-ingress` and `<model>-mesh`) once: they are recreated, newer.
- In Standard mode `trafficPercent` is applied by KServe's Gateway API route; callers of the in-cluster Service
  `<model>` reach the stable predictor only. A Standard-mode InferenceGraph serves on Service port 443 (plain
  HTTP), not 80.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components import pod
from components.options import child_options
from components.kserve.runtimes import (CONFIG_VOLUME, CONTAINER_NAME, TORCHSERVE_GPU_RUNTIME, TORCHSERVE_RUNTIME,
                                        TRITON_HTTP_PORT, TRITON_METRICS_PORT, TRITON_RUNTIME)
from components.torchserve.model import CPU_TARGET_PERCENT, SERVICE_PORT
from models.spec import ABTest, Canary, Mirror, Model, Runtime
from models.torchserve_config import INFERENCE_PORT, METRICS_PORT, config_properties, serving_config_map_name
from models.deployment import DeploymentMode, ModelDeployment

ISVC_API = "serving.kserve.io/v1beta1"
GRAPH_API = "serving.kserve.io/v1alpha1"
VIRTUAL_SERVICE_API = "networking.istio.io/v1"
DEPLOYMENT_MODE = "serving.kserve.io/deploymentMode"
AUTOSCALER_CLASS = "serving.kserve.io/autoscalerClass"
VISIBILITY_LABEL = "networking.kserve.io/visibility"
WAIT_FOR = "pulumi.com/waitFor"
TIMEOUT = "pulumi.com/timeoutSeconds"
SKIP_AWAIT = "pulumi.com/skipAwait"
PROGRESS_DEADLINE = "serving.knative.dev/progress-deadline"
RETENTION = "autoscaling.knative.dev/scale-to-zero-pod-retention-period"
INITIAL_SCALE = "autoscaling.knative.dev/initial-scale"
# KServe v0.20.0 pkg/constants/constants.go lines 124-129: the pod webhook's switches and the annotations it writes.
METRIC_AGGREGATION = "serving.kserve.io/enable-metric-aggregation"
PROMETHEUS_SCRAPING = "serving.kserve.io/enable-prometheus-scraping"
PROMETHEUS_PORT = "prometheus.io/port"
PROMETHEUS_PATH = "prometheus.io/path"
VARIANT_LABEL = "inference-platform.io/variant"
COMPONENT = "inference-service"
CANARY_NAME = "candidate"
KNATIVE_LOCAL_GATEWAY = "knative-serving/knative-local-gateway"
KNATIVE_LOCAL_GATEWAY_HOST = "knative-local-gateway.istio-system.svc.cluster.local"


def serving_config_name(model: Model) -> str:
    """`<model>-serving-config-<first 10 hex of the SHA-256 of config.properties>`."""
    digest = hashlib.sha256(config_properties(model).encode()).hexdigest()[:10]
    return f"{serving_config_map_name(model)}-{digest}"


def serving_config_map(dep: ModelDeployment, namespace: str) -> dict:
    """The ConfigMap with TorchServe's `config.properties` for `dep`'s model (the platform's, in every phase)."""
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": serving_config_name(dep.model), "namespace": namespace,
                         "labels": pod.model_labels(dep.model, "serving-config")},
            "data": {"config.properties": config_properties(dep.model)}}


@dataclass(frozen=True)
class ColdStart:
    """Knative settings for GPU models that may scale from zero: `progress_deadline` for a revision's first pod
    (node provisioning + image pull + model load), `retention_period` the last pod stays after traffic stops,
    `initial_scale` pods a new revision starts with. `timeout_s`: how long Pulumi waits for PredictorReady."""

    progress_deadline: str = "1200s"
    retention_period: str = "10m"
    initial_scale: int = 1
    timeout_s: int = 1800


DEFAULT_TIMEOUT_S = 900


def cluster_host(name: str, namespace: str) -> str:
    return f"{name}.{namespace}.svc.cluster.local"


def short_service_host(name: str, namespace: str) -> str:
    """`<name>.<namespace>.svc`: a name Knative's own VirtualService for a service answers (it lists the short
    forms of every cluster-local host), while the platform's VirtualServices claim only the full name."""
    return f"{name}.{namespace}.svc"


def runtime_name(dep: ModelDeployment) -> str:
    if dep.runtime is Runtime.TRITON:
        return TRITON_RUNTIME
    return TORCHSERVE_GPU_RUNTIME if dep.model.uses_gpu else TORCHSERVE_RUNTIME


def predict_path(dep: ModelDeployment) -> str:
    """The path clients call on the runtime: TorchServe's inference API, or Triton's v2 infer endpoint."""
    if dep.runtime is Runtime.TRITON:
        return f"/v2/models/{dep.name}/infer"
    return f"/predictions/{dep.name}"


def predictor(dep: ModelDeployment, storage_uri: str, *, mode: Optional[DeploymentMode] = None,
              min_replicas: Optional[int] = None, cold_start: ColdStart = ColdStart(),
              service_account_name: Optional[str] = None, name: Optional[str] = None) -> dict:
    """The predictor component of an InferenceService for `dep`'s model, serving `storage_uri`."""
    model, mode = dep.model, mode or dep.mode
    knative = mode is DeploymentMode.KNATIVE
    spec: dict = {}
    if name:
        spec["name"] = name
    spec.update({
        "minReplicas": model.scaling.min_replicas if min_replicas is None else min_replicas,
        "maxReplicas": model.scaling.max_replicas,
        "scaleMetric": "concurrency" if knative else "cpu",
        "scaleTarget": model.scaling.target_concurrency if knative else CPU_TARGET_PERCENT,
    })
    if knative and spec["minReplicas"] == 0 and model.uses_gpu:
        spec["annotations"] = {PROGRESS_DEADLINE: cold_start.progress_deadline,
                               RETENTION: cold_start.retention_period,
                               INITIAL_SCALE: str(cold_start.initial_scale)}
    if service_account_name:
        spec["serviceAccountName"] = service_account_name
    spec["automountServiceAccountToken"] = False
    spec["securityContext"] = pod.pod_security_context()
    if pod.node_selector(model):
        spec["nodeSelector"] = pod.node_selector(model)
    if pod.tolerations(model):
        spec["tolerations"] = pod.tolerations(model)
    if dep.runtime is not Runtime.TRITON:
        # The platform's config.properties (the runtime mounts this volume; the artifact's copy is never read).
        # Its name carries its checksum, so a changed config is a changed predictor: a new revision / rollout.
        spec["volumes"] = [{"name": CONFIG_VOLUME, "configMap": {"name": serving_config_name(model)}}]
    spec["model"] = {
        "modelFormat": {"name": model.framework.value},
        "runtime": runtime_name(dep),
        "protocolVersion": "v2" if dep.runtime is Runtime.TRITON else "v1",
        "storageUri": storage_uri,
        "resources": pod.resource_requirements(model),
    }
    return spec


def standard_canary_predictor(dep: ModelDeployment, candidate_uri: str) -> dict:
    """The `predictor` of a Standard-mode `spec.canary[]` entry: its name and the candidate's model, nothing else.

    KServe v0.20's webhook refuses a canary that sets `maxReplicas`, `scaleTarget`, `scaleMetric` or `autoScaling`
    (kserve/kserve v0.20.0 pkg/apis/serving/v1beta1/inference_service_validation.go lines 235-247: canaries run
    fixed replicas) and one whose `minReplicas` exceeds the stable predictor's (lines 249-257; Karmada's replica
    revision lowers the stable one per member, so none is set). The controller builds the canary Deployment from a
    copy of the stable predictor with this entry merged over it (pkg/controller/v1beta1/inferenceservice/components/
    predictor.go `buildCanaryPredictor`, lines 897-910; dario.cat/mergo v1.0.2 merge.go lines 262-270 merges the
    `model` present on both sides field by field) and runs ceil(stable replicas x trafficPercent / 100)
    replicas (`canaryReplicaCount`, lines 886-894): runtime, resources, scheduling and security come from the stable
    predictor. The CRD requires `name` and `modelFormat` in a canary's model (config/crd/full, `spec.canary[].
    predictor.model.required`); KServe's serving container is named `kserve-container`."""
    return {"name": CANARY_NAME,
            "model": {"name": CONTAINER_NAME, "modelFormat": {"name": dep.model.framework.value},
                      "storageUri": candidate_uri}}


def canary_split(model: Model, mode: DeploymentMode = DeploymentMode.STANDARD
                 ) -> tuple[str, Optional[str], Optional[int]]:
    """(stable artifact, candidate artifact or None, candidate's percent or None) for the model's rollout.
    100 % is the promoted state: the candidate as the artifact, no canary. 0 % in Standard mode is the rolled-back
    state (no canary: the stable predictor never stopped). 0 % in Knative mode keeps the candidate as the
    predictor's spec with `canaryTrafficPercent: 0`: dropping the canary there would make a new revision and
    route 100 % to the latest *ready* one — the candidate — until it is Ready (kserve v0.20.0
    pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go: without canaryTrafficPercent
    the only traffic target is `latestRevision: true`, 100 %; with it, the rest goes to the status'
    LatestRolledoutRevision), so rollback pins the previous revision first (README "Rollouts")."""
    rollout = model.rollout
    if not isinstance(rollout, Canary) or (rollout.traffic_percent <= 0 and mode is not DeploymentMode.KNATIVE):
        return model.storage_uri, None, None
    if rollout.traffic_percent >= 100:
        return rollout.candidate_uri, None, None
    return model.storage_uri, rollout.candidate_uri, rollout.traffic_percent


def standard_metrics_annotations(dep: ModelDeployment) -> dict[str, str]:
    """Standard mode: the pods are marked for Prometheus on the server's own metrics port (TorchServe 8082, Triton
    8002), not on queue-proxy's, which Standard mode does not run.

    KServe v0.20.0 pkg/webhook/admission/pod/metrics_aggregate_injector.go `InjectMetricsAggregator` (lines 94-128)
    takes each switch from the pod's annotation when present, else from the cluster config (on here:
    components/kserve/platform.py); with scraping on it overwrites `prometheus.io/port` with 9088 (aggregation on)
    or 9091, queue-proxy's ports, in every mode. With both annotations "false" it leaves the pod's own
    `prometheus.io/*` alone. The InferenceService's annotations reach the predictor Deployment's pod template
    (pkg/controller/v1beta1/inferenceservice/components/predictor.go lines 100 and 498-518, `buildObjectMeta`;
    reconcilers/deployment/deployment_reconciler.go `createRawDefaultDeployment`: pod metadata = component
    metadata), canary and shadow predictors included."""
    port = TRITON_METRICS_PORT if dep.runtime is Runtime.TRITON else METRICS_PORT
    return {METRIC_AGGREGATION: "false", PROMETHEUS_SCRAPING: "false",
            PROMETHEUS_PORT: str(port), PROMETHEUS_PATH: "/metrics"}


def inference_service(dep: ModelDeployment, namespace: str, *, name: Optional[str] = None,
                      storage_uri: Optional[str] = None, mode: Optional[DeploymentMode] = None,
                      variant: Optional[str] = None, min_replicas: Optional[int] = None,
                      cluster_local: bool = False, cold_start: ColdStart = ColdStart(),
                      service_account_name: Optional[str] = None, await_ready: bool = True) -> dict:
    """The InferenceService for `dep` (or one variant of it: `name`, `storage_uri`, `mode` override the model's).
    With neither `name` nor `storage_uri` given, a Canary rollout renders as described in the module docstring.
    `await_ready` False: Pulumi creates it without waiting (`pulumi.com/skipAwait: "true"`, which pulumi-kubernetes
    checks before `waitFor`: provider/pkg/metadata/overrides.go `ReadyCondition` line 108, annotations.go line 33
    and `IsAnnotationTrue` line 100 — exactly "true"; read at v4.32.0, unchanged on master)."""
    model, mode = dep.model, mode or dep.mode
    name = name or dep.name
    candidate = percent = None
    if storage_uri is None:
        storage_uri, candidate, percent = canary_split(model, mode)
    labels = pod.model_labels(model, COMPONENT)
    if variant:
        labels[VARIANT_LABEL] = variant
    if cluster_local:
        labels[VISIBILITY_LABEL] = "cluster-local"
    gpu_cold = mode is DeploymentMode.KNATIVE and model.uses_gpu and (
        model.scaling.min_replicas if min_replicas is None else min_replicas) == 0
    annotations = {DEPLOYMENT_MODE: mode.value}
    if await_ready:
        annotations.update({WAIT_FOR: "condition=PredictorReady",
                            TIMEOUT: str(cold_start.timeout_s if gpu_cold else DEFAULT_TIMEOUT_S)})
    else:
        annotations[SKIP_AWAIT] = "true"
    if mode is DeploymentMode.STANDARD:
        annotations[AUTOSCALER_CLASS] = "hpa"
        annotations.update(standard_metrics_annotations(dep))
    common = dict(mode=mode, min_replicas=min_replicas, cold_start=cold_start,
                  service_account_name=service_account_name)
    spec: dict = {}
    if candidate is None:
        spec["predictor"] = predictor(dep, storage_uri, **common)
    elif mode is DeploymentMode.KNATIVE:
        spec["predictor"] = {**predictor(dep, candidate, **common), "canaryTrafficPercent": percent}
    else:
        spec["predictor"] = predictor(dep, storage_uri, **common)
        spec["canary"] = [{"predictor": standard_canary_predictor(dep, candidate), "trafficPercent": percent}]
    return {"apiVersion": ISVC_API, "kind": "InferenceService",
            "metadata": {"name": name, "namespace": namespace, "labels": labels, "annotations": annotations},
            "spec": spec}


def ab_graph(dep: ModelDeployment, namespace: str) -> dict:
    """InferenceGraph `<model>`: a root Splitter over the predictors of `<model>-a` and `<model>-b`."""
    rollout = dep.model.rollout
    assert isinstance(rollout, ABTest)
    path = predict_path(dep)

    def step(variant: str, weight: int) -> dict:
        host = cluster_host(f"{dep.name}-{variant}-predictor", namespace)
        return {"name": variant, "serviceUrl": f"http://{host}{path}", "weight": weight}

    labels = pod.model_labels(dep.model, "inference-graph")
    return {
        "apiVersion": GRAPH_API, "kind": "InferenceGraph",
        "metadata": {"name": dep.name, "namespace": namespace, "labels": labels,
                     # The graph takes over the name `<model>`; it cannot be Ready while the object that held it
                     # (Phase 1's Service, or the InferenceService `<model>`) is deleted at the end of the update.
                     "annotations": {DEPLOYMENT_MODE: dep.mode.value, SKIP_AWAIT: "true"}},
        "spec": {
            "nodes": {"root": {"routerType": "Splitter",
                               "steps": [step("a", 100 - rollout.b_weight), step("b", rollout.b_weight)]}},
            "minReplicas": 1,
            "maxReplicas": dep.model.scaling.max_replicas,
        },
    }


def _local_gateway_route(host: str) -> dict:
    """An HTTP route to the Knative local gateway with the Host it routes by set to `host`."""
    return {"route": [{"destination": {"host": KNATIVE_LOCAL_GATEWAY_HOST, "port": {"number": 80}}}],
            "headers": {"request": {"set": {"Host": host}}}}


# Go's regexp.QuoteMeta escapes exactly these (golang/go src/regexp/regexp.go `specialBytes`; KServe v0.20.0 builds
# with go 1.25.8, go.mod line 3); Python's re.escape escapes more (`-` among them), and the regex must be character
# for character the one KServe writes.
_GO_REGEXP_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def kserve_host_regex(host: str) -> str:
    """The authority regex KServe v0.20 matches a cluster-local host with: kserve/kserve v0.20.0
    pkg/constants/constants.go `HostRegExp` (lines 880-893; a plain `<name>.<ns>.svc.cluster.local` takes the
    exact branch, line 887): `^` + QuoteMeta(host) + optional port + `$`."""
    quoted = "".join("\\" + c if c in _GO_REGEXP_SPECIAL else c for c in host)
    return "^" + quoted + r"(?::\d{1,5})?$"


def kserve_host_match(host: str) -> dict:
    """The match KServe v0.20 puts on its own VirtualService route for the cluster-local host of an
    InferenceService (kserve/kserve v0.20.0 pkg/controller/v1beta1/inferenceservice/reconcilers/ingress/
    ingress_reconciler.go `createHTTPMatchRequest`, lines 415-425): the authority regex, on the local gateway and
    the mesh.

    Why the platform's routes for that host carry it too: Istio 1.30 merges the routes of every VirtualService for
    one host on a gateway in creation order (istio/istio 1.30.3 pilot/pkg/model/virtualservice_controller.go
    line 134, pilot/pkg/networking/core/gateway.go lines 488-491) and then moves every catch-all route — no
    header, authority or query match and a `/` path, which is what a route without `match` becomes — behind all
    others (gateway.go line 560, pilot/pkg/networking/core/route/route.go `SortVHostRoutes`/`IsCatchAllRoute`,
    lines 1621-1649; an authority match is a header match, route.go lines 1122-1125). With KServe's own match, the
    routes stay in creation order, so the older VirtualService wins on the gateway as it does on sidecars (which
    take the oldest VirtualService for a host, pilot/pkg/networking/core/httproute.go lines 408-420)."""
    return {"authority": {"regex": kserve_host_regex(host)}, "gateways": [KNATIVE_LOCAL_GATEWAY, "mesh"]}


def _client_host_route(dep: ModelDeployment, namespace: str, suffix: str, http: list[dict]) -> dict:
    """VirtualService `<model>-<suffix>` for the host clients call, on the Knative local gateway and the mesh.

    Every route matches the host as KServe's own route does (`kserve_host_match`, added to each of the route's
    matches, or as its only match), so Istio keeps it in front of KServe's and Knative's while it is the older.
    Every route goes back through the local gateway with a rewritten Host; a Host this VirtualService answers
    itself would bring the request straight back to it, round and round, so that is refused."""
    host = cluster_host(dep.name, namespace)
    for route in http:
        if route.get("headers", {}).get("request", {}).get("set", {}).get("Host") == host:
            raise ValueError(f"VirtualService {dep.name}-{suffix}: route {route.get('name')!r} sends requests "
                             f"back to its own host {host!r}")
    host_match = kserve_host_match(host)
    http = [{**route, "match": [{**m, **host_match} for m in route.get("match", [{}])]} for route in http]
    return {
        "apiVersion": VIRTUAL_SERVICE_API, "kind": "VirtualService",
        "metadata": {"name": f"{dep.name}-{suffix}", "namespace": namespace,
                     "labels": pod.model_labels(dep.model, f"{suffix}-routing")},
        "spec": {"hosts": [host], "gateways": [KNATIVE_LOCAL_GATEWAY, "mesh"],
                 "http": http},
    }


def ab_header_virtual_service(dep: ModelDeployment, namespace: str) -> dict:
    """VirtualService `<model>-ab`: requests with the A/B header go to B's predictor, all others to the graph
    (through the local gateway as `<model>.<namespace>.svc`, which only the graph's Knative route answers)."""
    rollout = dep.model.rollout
    assert isinstance(rollout, ABTest)
    return _client_host_route(dep, namespace, "ab", [
        {"name": "pinned-to-b", "match": [{"headers": {rollout.header_name: {"exact": rollout.header_value}}}],
         **_local_gateway_route(cluster_host(f"{dep.name}-b-predictor", namespace))},
        {"name": "weighted-split", **_local_gateway_route(short_service_host(dep.name, namespace))},
    ])


def mirror_virtual_service(dep: ModelDeployment, namespace: str) -> dict:
    """VirtualService `<model>-mirror`: KServe's route for the client host, plus a mirror to the shadow."""
    rollout = dep.model.rollout
    assert isinstance(rollout, Mirror)
    return _client_host_route(dep, namespace, "mirror", [{
        "name": "primary-with-mirror",
        **_local_gateway_route(cluster_host(f"{dep.name}-predictor", namespace)),
        "mirror": {"host": cluster_host(f"{dep.name}-shadow-predictor", namespace), "port": {"number": 80}},
        "mirrorPercentage": {"value": float(rollout.percent)},
    }])


# Every predictor pod KServe runs for an InferenceService, stable and Standard-mode canary alike, carries these two
# labels (kserve v0.20.0 pkg/controller/v1beta1/inferenceservice/components/predictor.go buildObjectMeta, lines
# 498-518; pkg/constants/constants.go: InferenceServicePodLabelKey, KServiceComponentLabel). KServe routes nothing
# to a Standard-mode canary's own Service (`reconcileCanaryDeployments` only creates it); it sizes the canary at
# ceil(stable minReplicas x trafficPercent / 100) pods and lowers the stable minReplicas by as many (lines 795-800,
# 886-894). So the hostname selecting both splits requests by pod count, which is the declared percentage at the
# replica floor (the stable HPA may add pods above it).
PREDICTOR_POD_SELECTOR = ("serving.kserve.io/inferenceservice", "component")


def hostname_service(dep: ModelDeployment, namespace: str) -> dict:
    """Standard mode: Service `<model>` (port 80) to every predictor pod of the InferenceService `<model>`: the
    stable predictor's, and a canary's (see PREDICTOR_POD_SELECTOR)."""
    port = TRITON_HTTP_PORT if dep.runtime is Runtime.TRITON else INFERENCE_PORT
    return {
        "apiVersion": "v1", "kind": "Service",
        # Created on the Karmada API server, which runs no endpoints controller: Pulumi's Service await would watch
        # for endpoints until its 10-minute timeout (pulumi-kubernetes v4.32.0 provider/pkg/await/service.go).
        "metadata": {"name": dep.name, "namespace": namespace, "labels": pod.model_labels(dep.model, COMPONENT),
                     "annotations": {SKIP_AWAIT: "true"}},
        "spec": {"type": "ClusterIP", "selector": {PREDICTOR_POD_SELECTOR[0]: dep.name, PREDICTOR_POD_SELECTOR[1]: "predictor"},
                 "ports": [{"name": "http", "port": SERVICE_PORT, "targetPort": port, "protocol": "TCP"}]},
    }


@dataclass(frozen=True)
class InferenceServiceModelArgs:
    """`deployment`: the model as the stack serves it (mode already validated by stacks/private_config.py).
    `namespace`: where its objects live. `mesh_provider`: where the Istio VirtualServices of A/B and mirror
    rollouts go — the member whose mesh routes the model's host (Karmada's API server knows no Istio kinds);
    default: the component's own provider, after `mesh_depends_on` (the release that installs Istio).
    `cold_start`: Knative settings for GPU scale-from-zero. Optional `service_account_name` for the predictor pods.
    `await_ready`: whether Pulumi waits for the InferenceServices' PredictorReady. The stack passes False for a
    model no Push member hosts: only Pull members, which join Karmada after the update that exports their
    credentials, could make it ready, so waiting would time out that very update.
    `hostname_service=False`: no Standard-mode Service `<model>` (a Phase 1 hand-over holds the name meanwhile)."""

    deployment: ModelDeployment
    namespace: pulumi.Input[str]
    cold_start: ColdStart = ColdStart()
    service_account_name: Optional[str] = None
    await_ready: bool = True
    mesh_provider: Optional[k8s.Provider] = None
    mesh_depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)
    hostname_service: bool = True


class InferenceServiceModel(pulumi.ComponentResource):
    """One served model on KServe: its InferenceService(s), and for A/B or mirroring the graph or route in front.

    Create it with the provider of the cluster that should hold the objects (the Karmada API server from phase 2)
    and `depends_on` the KServe CRD and controller releases of that cluster in `opts`. `hostname` is the stable
    in-cluster hostname; `inference_service` the main InferenceService (`<model>`, or `<model>-a` for A/B)."""

    inference_service: k8s.apiextensions.CustomResource

    def __init__(self, name: str, args: InferenceServiceModelArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:kserve:InferenceServiceModel", name, None, opts)
        dep = args.deployment
        ns = pulumi.Output.from_input(args.namespace)
        common = dict(cold_start=args.cold_start, service_account_name=args.service_account_name,
                      await_ready=args.await_ready)

        def create(part: str, build, depends_on: Sequence[pulumi.Resource] = (),
                   on_mesh: bool = False) -> k8s.apiextensions.CustomResource:
            obj = ns.apply(build)
            options = child_options(self, opts, *depends_on)
            if on_mesh and args.mesh_provider is not None:
                options = pulumi.ResourceOptions(parent=self, provider=args.mesh_provider,
                                                 depends_on=[*args.mesh_depends_on, *depends_on])
            return k8s.apiextensions.CustomResource(
                f"{name}-{part}", api_version=_static(build, "apiVersion"), kind=_static(build, "kind"),
                metadata=obj.apply(lambda o: o["metadata"]), spec=obj.apply(lambda o: o["spec"]), opts=options)

        self.variants: dict[str, k8s.apiextensions.CustomResource] = {}
        self.graph = self.mirror = self.service = self.header_route = self.config_map = None
        if dep.runtime is not Runtime.TRITON:
            config = ns.apply(lambda n: serving_config_map(dep, n))
            self.config_map = k8s.core.v1.ConfigMap(
                f"{name}-serving-config", metadata=config.apply(lambda o: o["metadata"]),
                data=config.apply(lambda o: o["data"]), opts=child_options(self, opts))
            # No explicit ordering: a predictor pod whose ConfigMap is not there yet waits in ContainerCreating
            # (the kubelet retries the mount), and Karmada propagates the ConfigMap as the InferenceService's
            # dependency (interpreter GetDependencies: configMap volumes) whenever it appears.
        rollout = dep.model.rollout
        if isinstance(rollout, ABTest):
            for variant, uri in (("a", dep.model.storage_uri), ("b", rollout.b_uri)):
                self.variants[variant] = create(
                    f"isvc-{variant}", lambda n, v=variant, u=uri: inference_service(
                        dep, n, name=f"{dep.name}-{v}", storage_uri=u, variant=v, **common))
            self.inference_service = self.variants["a"]
            self.header_route = create("ab-route", lambda n: ab_header_virtual_service(dep, n), on_mesh=True)
            self.graph = create("graph", lambda n: ab_graph(dep, n),
                                depends_on=[*self.variants.values(), self.header_route])
        elif isinstance(rollout, Mirror):
            self.mirror = create("mirror", lambda n: mirror_virtual_service(dep, n), on_mesh=True)
            self.inference_service = create("isvc", lambda n: inference_service(dep, n, **common),
                                            depends_on=[self.mirror])
            self.variants["shadow"] = create("isvc-shadow", lambda n: inference_service(
                dep, n, name=f"{dep.name}-shadow", storage_uri=rollout.shadow_uri, variant="shadow",
                mode=DeploymentMode.STANDARD, min_replicas=max(1, dep.model.scaling.min_replicas),
                cluster_local=True, **common))
        else:
            self.inference_service = create("isvc", lambda n: inference_service(dep, n, **common))
            if dep.mode is DeploymentMode.STANDARD and args.hostname_service:
                svc = ns.apply(lambda n: hostname_service(dep, n))
                self.service = k8s.core.v1.Service(
                    f"{name}-service", metadata=svc.apply(lambda o: o["metadata"]),
                    spec=svc.apply(lambda o: o["spec"]), opts=child_options(self, opts, self.inference_service))
        self.hostname = pulumi.Output.concat(dep.name, ".", ns, ".svc.cluster.local")
        self.register_outputs({"hostname": self.hostname})


def _static(build, key: str) -> str:
    """apiVersion/kind do not depend on the namespace: read them from a render with a placeholder."""
    return build("_")[key]
