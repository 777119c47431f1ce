"""Phase 1 → 2 without a gap: how the hostname `<model>` is held while the Phase 1 pods hand over to KServe.

What KServe v0.20.0 does with the name (pkg/controller/v1beta1/inferenceservice/reconcilers/ingress/
ingress_reconciler.go, Knative mode): `Reconcile` calls `reconcileVirtualService` — `createIngress` returns no
VirtualService until the predictor is Ready — and then `reconcileExternalService`, which creates Service
`<isvc name>` as `ExternalName` to the local gateway or, if a Service of that name exists, copies its desired spec
onto it in place (`existing.Spec = desired.Spec`, no owner reference added) unless `DeepDerivative(desired,
existing)` already holds. Left alone, the Phase 1 Service is therefore turned into a pointer to the gateway seconds
after the InferenceService exists, while nothing there routes the host until the predictor is Ready (404s), and
Pulumi's deletion of "its" Service at the end of the update leaves the name unanswered until KServe's next
reconcile (it does not watch a Service it does not own).

So the hand-over holds the name itself, in four updates (stack file `handOver`, README "Moving a model"):

Knative mode
- `prepare`: the route below is built (backend Service, bridge VirtualService, the gateway admitted to the pods)
  while Service `<model>` still reaches the pods directly: Istio pushes it to the gateway after a debounce
  (istio 1.30.3 pilot/pkg/features/tuning.go: PILOT_DEBOUNCE_AFTER 100 ms, up to PILOT_DEBOUNCE_MAX 10 s), so
  it is there before anything resolves the name to the gateway.
- `bridge`: Pulumi turns Service `<model>` into exactly the spec KServe writes (`external_name_spec`), so KServe's
  copy changes nothing, and keeps it on `pulumi destroy`/removal (retain_on_delete) so it can let go later. The
  Phase 1 pods get a ClusterIP Service `<model>-torchserve`; a VirtualService `<model>-bridge` for the client host
  on the Knative local gateway and the mesh, with the very match KServe's own VirtualService uses, routes to it.
  Istio 1.30.3 orders VirtualServices for a host by creation time (pilot/pkg/model/virtualservice_controller.go
  `MergedVirtualServices` → `sortConfigByCreationTime`); on a gateway it appends each one's routes in that order
  (pilot/pkg/networking/core/gateway.go) and moves only catch-all routes last (route.go `SortVHostRoutes`), so with
  equal matches the older bridge's route comes first; on a sidecar the first VirtualService for a host builds the
  virtual host and a later one is dropped as a duplicate (httproute.go `buildVirtualHost`). KServe creates its
  VirtualService only once the predictor is Ready, after the bridge: the Phase 1 pods keep answering.
- `cutOver`: the bridge VirtualService goes; KServe's answers (its predictor was Ready when the previous update
  finished: Pulumi waited for PredictorReady). The Phase 1 pods still run, so a proxy that has not yet received
  the change still reaches a Ready backend.
- no `handOver`: the Phase 1 objects go; Service `<model>` is released (retained). KServe keeps copying its spec
  onto it but never owns it (it sets the owner reference only on a Service it creates): it outlives the
  InferenceService.

Standard mode (KServe runs the predictor as a Deployment whose pods carry `serving.kserve.io/inferenceservice:
<model>` and `component: predictor`: kserve v0.20.0 pkg/controller/v1beta1/inferenceservice/components/predictor.go
buildObjectMeta; Karmada v1.18.2 will not
adopt an existing member object unless the policy's `conflictResolution` is `Overwrite`,
pkg/apis/policy/v1alpha1/propagation_types.go)
- `bridge`: the Phase 1 pods also carry those two labels and Service `<model>` (still Pulumi's, on the
  cluster) selects them only, so it reaches the Phase 1 pods and, once Ready, the predictor's.
- `cutOver`: the same (nothing to route differently).
- no `handOver`: the Phase 1 objects go (the predictor's pods keep the Service's endpoints); Service `<model>` is
  released and the component's Karmada template of the same spec takes it over (policy `conflictResolution:
  Overwrite`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components import pod
from components.kserve.inference_service import (KNATIVE_LOCAL_GATEWAY, KNATIVE_LOCAL_GATEWAY_HOST,
                                                 VIRTUAL_SERVICE_API, cluster_host, hostname_service)
from components.kserve.platform import ISTIO_NAMESPACE
from components.options import child_options
from components.torchserve.model import METRICS_PORT, SERVICE_PORT, HostnameHandOver, pod_selector
from models.deployment import DeploymentMode, HandOver, ModelDeployment
from models.spec import Model

# Marks the objects of a hand-over with its step; `stacks diff` reads it to tell a cut-over from a direct move.
HAND_OVER_LABEL = "inference-platform.io/hand-over"
BRIDGE_COMPONENT = "hand-over-bridge"
# The Istio gateway pods behind Knative's local gateway (components/kserve/platform.py: release
# `istio-ingressgateway`, pods labelled `istio: ingressgateway`, which net-istio's knative-local-gateway selects).
GATEWAY_POD_LABELS = {"istio": "ingressgateway"}
GATEWAY_NAMESPACE = ISTIO_NAMESPACE
MESH_GATEWAY = "mesh"


def backend_service_name(model: Model) -> str:
    """The Phase 1 pods' ClusterIP Service while the hostname Service points at the gateway."""
    return f"{model.name}-torchserve"


def external_name_spec() -> dict:
    """Exactly the Service spec KServe's `reconcileExternalService` writes (`ExternalName` to the chart's
    `localGatewayService`, kserve-resources v0.20.0 values `kserve.controller.gateway.localGateway.gatewayService`,
    `SessionAffinity: None`), so its in-place copy over Pulumi's Service changes nothing."""
    return {"type": "ExternalName", "externalName": KNATIVE_LOCAL_GATEWAY_HOST, "sessionAffinity": "None"}


def host_match(host: str) -> dict:
    """KServe's match for the cluster-local host (ingress_reconciler.go `createHTTPMatchRequest`: authority regex
    `constants.HostRegExp(host)`, gateways local + mesh). `HostRegExp` only widens hosts ending in the literal
    "(?i).svc.cluster.local" — none do — so it is the host, dots escaped, plus an optional port."""
    return {"authority": {"regex": "^" + host.replace(".", r"\.") + r"(?::\d{1,5})?$"},
            "gateways": [KNATIVE_LOCAL_GATEWAY, MESH_GATEWAY]}


def bridge_virtual_service(model: Model, namespace: str) -> dict:
    """VirtualService `<model>-bridge`: the client host, KServe's match, to the Phase 1 pods' Service."""
    host = cluster_host(model.name, namespace)
    labels = {**pod.model_labels(model, BRIDGE_COMPONENT), HAND_OVER_LABEL: HandOver.BRIDGE.value}
    return {
        "apiVersion": VIRTUAL_SERVICE_API, "kind": "VirtualService",
        "metadata": {"name": f"{model.name}-bridge", "namespace": namespace, "labels": labels},
        "spec": {"hosts": [host], "gateways": [KNATIVE_LOCAL_GATEWAY, MESH_GATEWAY],
                 "http": [{"name": "phase-1-pods", "match": [host_match(host)],
                           "route": [{"destination": {"host": cluster_host(backend_service_name(model), namespace),
                                                      "port": {"number": 80}}}]}]},
    }


def backend_service(model: Model, namespace: str) -> dict:
    """Service `<model>-torchserve`: the Phase 1 Service's ports and selector under another name."""
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": backend_service_name(model), "namespace": namespace,
                         "labels": pod.model_labels(model, BRIDGE_COMPONENT)},
            "spec": {"type": "ClusterIP", "selector": pod_selector(model),
                     "ports": [{"name": "http", "port": SERVICE_PORT, "targetPort": "http", "protocol": "TCP"},
                               {"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics",
                                "protocol": "TCP"}]}}


def hostname_hand_over(dep: ModelDeployment, namespace: str,
                       bridge: Optional[pulumi.Resource] = None) -> HostnameHandOver:
    """How the Phase 1 component holds Service `<model>` at this step (`bridge`: the HandOverBridge, Knative)."""
    labels = {HAND_OVER_LABEL: dep.hand_over.value}
    if dep.hand_over is HandOver.PREPARE:  # the gateway is admitted and the route built; the name is untouched
        return HostnameHandOver(service_spec=None, service_labels={}, gateway_peer=(GATEWAY_NAMESPACE,
                                                                                   GATEWAY_POD_LABELS))
    if dep.mode is DeploymentMode.KNATIVE:
        return HostnameHandOver(service_spec=external_name_spec(), service_labels=labels,
                                gateway_peer=(GATEWAY_NAMESPACE, GATEWAY_POD_LABELS),
                                depends_on=(bridge,) if bridge is not None else ())
    # Standard: the spec the InferenceService component's own Service `<model>` has, so Karmada's later adoption
    # (conflictResolution Overwrite) changes nothing.
    # The Phase 1 pods carry the labels that Service selects (KServe's on every predictor pod), so it reaches them
    # and, once Ready, the predictor's.
    spec = hostname_service(dep, namespace)["spec"]
    return HostnameHandOver(service_spec=spec, service_labels=labels, pod_labels=dict(spec["selector"]))


@dataclass(frozen=True)
class HandOverBridgeArgs:
    """`model` in `namespace`, handed over in Knative mode at `step` (`prepare`, `bridge` or `cutOver`); create it
    with the provider of the cluster that runs the Phase 1 pods, after the Istio CRDs (`opts.depends_on`)."""

    model: Model
    namespace: str
    step: HandOver


class HandOverBridge(pulumi.ComponentResource):
    """The Phase 1 pods' backend Service (both steps, so a proxy that still routes the old way reaches them) and,
    at `bridge`, the VirtualService routing the client host to it (see the module docstring). Service `<model>`
    depends on this component, so it points at the gateway only once the route there exists."""

    def __init__(self, name: str, args: HandOverBridgeArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:kserve:HandOverBridge", name, None, opts)
        svc = backend_service(args.model, args.namespace)
        self.backend = k8s.core.v1.Service(f"{name}-backend", metadata=svc["metadata"], spec=svc["spec"],
                                           opts=child_options(self, opts))
        self.virtual_service = None
        if args.step in (HandOver.PREPARE, HandOver.BRIDGE):
            obj = bridge_virtual_service(args.model, args.namespace)
            self.virtual_service = k8s.apiextensions.CustomResource(
                f"{name}-virtual-service", api_version=obj["apiVersion"], kind=obj["kind"], metadata=obj["metadata"],
                spec=obj["spec"], opts=child_options(self, opts, self.backend))
        self.register_outputs({"backend": svc["metadata"]["name"]})
