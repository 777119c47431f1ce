"""Phase 2: the KServe platform on the private cluster, as pinned upstream Helm releases (helm.v3.Release).

Children, in dependency order (each waits for what it needs, so webhooks exist before anything calls them):

    cert-manager ──────────────────────────────────────────────┐
    istio-base ─► istiod ─► istio-ingressgateway ─┐              │
    knative-operator ─► (knative-serving Namespace) KnativeServing ─► kserve-resources (controller, webhooks)
    kserve-crd (component KServeCrds) ──────────────────────────────┘

Behaviour:
- cert-manager (jetstack chart) installs its own CRDs (`crds.enabled`, the key since chart v1.15) and issues the
  KServe webhook certificate.
- Istio is the network layer of Knative mode: istio-base (CRDs), istiod, and the `istio-ingressgateway` gateway
  whose pods (`istio: ingressgateway`) back Knative's `knative-local-gateway`; its Service is ClusterIP unless
  asked otherwise (a LoadBalancer Service never becomes ready on a cluster without a load-balancer controller,
  and Helm's wait would time out). Access logs on, so mirrored (shadow) traffic can be seen.
- Knative publishes no Helm chart for Serving: the Knative Operator chart installs the operator and a
  `KnativeServing` resource asks it for Serving with its Istio ingress (net-istio). It also sets the cluster
  domain to the ingress domain and turns on the Knative feature flags KServe predictors use (node selectors,
  tolerations, affinity, pod security context, emptyDir volumes). Pulumi waits for it to be Ready, because the
  KServe controller only watches Knative Services if their CRD exists when it starts.
- KServe: `kserve-crd` then `kserve-resources` (the controller chart's name since v0.17) from
  oci://ghcr.io/kserve/charts, with the default deployment mode, the ingress domain, the S3-compatible endpoint and
  metric aggregation with Prometheus scraping in its values (all under `kserve.*`, see `kserve_values`). Its
  serving runtimes chart is not installed: the platform brings its own (components/kserve/runtimes.py).
- Every image these charts run is pinned in components/versions.py (repository and tag).
- Every release is atomic (a failed install is rolled back), cleans up on failure, waits for its workloads and
  jobs, and has a timeout sized for webhooks coming up on a fresh cluster.
- `knative=False` installs neither Istio nor Knative (Standard mode only), except Istio (base and istiod, no
  ingress gateway) for a cluster of the phase 3 mesh (`mesh`); asking for Knative as the default mode without
  installing it is an error.

Providers come in through `opts`; the private stack passes the private cluster's provider.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.versions import (CERT_MANAGER_CHART, CERT_MANAGER_IMAGES, ISTIO_BASE_CHART, ISTIO_GATEWAY_CHART,
                                 ISTIO_HUB, ISTIO_VERSION, ISTIOD_CHART, KNATIVE_OPERATOR_CHART,
                                 KNATIVE_OPERATOR_IMAGES, KNATIVE_SERVING_VERSION, KSERVE_CRD_CHART, KSERVE_IMAGES,
                                 KSERVE_RBAC_PROXY_IMAGE, KSERVE_RESOURCES_CHART, Chart)
from components.mesh.identity import MeshIdentity
from components.options import child_options
from models.deployment import DeploymentMode

CERT_MANAGER_NAMESPACE = "cert-manager"
ISTIO_NAMESPACE = "istio-system"
KNATIVE_OPERATOR_NAMESPACE = "knative-operator"
KNATIVE_SERVING_NAMESPACE = "knative-serving"
KSERVE_NAMESPACE = "kserve"
# The istio/gateway chart labels its pods `istio: <release name without "istio-">`; net-istio's gateways select
# `istio: ingressgateway`, so the release name is fixed.
ISTIO_GATEWAY_RELEASE = "istio-ingressgateway"
KNATIVE_FEATURES = ("kubernetes.podspec-nodeselector", "kubernetes.podspec-tolerations",
                    "kubernetes.podspec-affinity", "kubernetes.podspec-securitycontext",
                    "kubernetes.podspec-volumes-emptydir")
# Seconds Helm waits for a release's workloads (and Pulumi for the KnativeServing resource).
TIMEOUT_S = {"cert-manager": 600, "istio": 600, "knative-operator": 600, "knative-serving": 900, "kserve": 900}


def release(name: str, chart: Chart, *, release_name: str, namespace: str, values: Mapping[str, Any],
            timeout: int, opts: pulumi.ResourceOptions) -> k8s.helm.v3.Release:
    """A pinned helm.v3.Release: OCI charts by their full reference, others through their repository."""
    return k8s.helm.v3.Release(
        name, name=release_name, namespace=namespace, create_namespace=True, values=dict(values), atomic=True,
        cleanup_on_fail=True, wait_for_jobs=True, timeout=timeout, opts=opts, **chart.release_source())


@dataclass(frozen=True)
class KServeCrdsArgs:
    """Where the `kserve-crd` release records itself (the CRDs are cluster-scoped)."""

    namespace: str = KSERVE_NAMESPACE


class KServeCrds(pulumi.ComponentResource):
    """Only the KServe CRDs (chart `kserve-crd`), on the cluster of the provider in `opts` — e.g. the Karmada API
    server, which must know the InferenceService kinds before it accepts them. Custom resources `depends_on`
    `release`."""

    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: Optional[KServeCrdsArgs] = None,
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:kserve:KServeCrds", name, None, opts)
        args = args or KServeCrdsArgs()
        # The chart (kserve/kserve v0.20.0 charts/kserve-crd/templates/*.yaml) ships its CRDs as templates without
        # `helm.sh/resource-policy: keep`, so uninstalling the release deletes the CRDs and with them every
        # InferenceService. Pulumi never uninstalls it: on destroy or removal the release is left in place.
        self.release = release(f"{name}-kserve-crd", KSERVE_CRD_CHART, release_name="kserve-crd",
                               namespace=args.namespace, values={}, timeout=TIMEOUT_S["kserve"],
                               opts=child_options(self, opts, retain_on_delete=True))
        self.register_outputs({"release": self.release.name})


@dataclass(frozen=True)
class KServePlatformArgs:
    """`default_mode`: the mode of InferenceServices without the per-service annotation (this platform always
    annotates). `ingress_domain`: the external domain of KServe and Knative routes. `knative`: install Istio and
    Knative Serving (needed as soon as one model runs in Knative mode). `ingress_gateway_service_type`: the Istio
    ingress gateway's Service type (ClusterIP: in-cluster callers only). `s3_endpoint`: an S3-compatible store's
    URL for the storage initializer (default: AWS S3)."""

    default_mode: DeploymentMode = DeploymentMode.KNATIVE
    ingress_domain: str = "inference.internal"
    knative: bool = True
    ingress_gateway_service_type: str = "ClusterIP"
    s3_endpoint: Optional[str] = None
    # Phase 3: the cluster's place in the multi-cluster mesh (istiod's meshID, cluster name and network), and what
    # the Istio releases wait for (components/mesh/istio_system.py: the labelled istio-system namespace and the
    # `cacerts` Secret istiod must find at start). A mesh cluster gets Istio even without Knative models.
    mesh: Optional[MeshIdentity] = None
    istio_depends_on: tuple[pulumi.Resource, ...] = ()


def knative_serving(ingress_domain: str) -> dict:
    """The KnativeServing resource (operator.knative.dev/v1beta1) the Knative Operator reconciles."""
    return {
        "apiVersion": "operator.knative.dev/v1beta1",
        "kind": "KnativeServing",
        "metadata": {"name": "knative-serving", "namespace": KNATIVE_SERVING_NAMESPACE,
                     "annotations": {"pulumi.com/waitFor": "condition=Ready",
                                     "pulumi.com/timeoutSeconds": str(TIMEOUT_S["knative-serving"])}},
        "spec": {
            "version": KNATIVE_SERVING_VERSION,
            "ingress": {"istio": {"enabled": True}},
            "config": {
                "domain": {ingress_domain: ""},
                "features": {flag: "enabled" for flag in KNATIVE_FEATURES},
            },
        },
    }


def kserve_values(default_mode: DeploymentMode, ingress_domain: str, s3_endpoint: Optional[str] = None) -> dict:
    """Values for the kserve-resources chart. In v0.20.0 every key lives under `kserve.*`: the
    `inferenceservice-config` ConfigMap is built from charts/kserve-resources/files/common/configmap-patch.yaml
    (through `tpl`), which reads `kserve.controller.deploymentMode` (`deploy.defaultDeploymentMode`),
    `kserve.controller.gateway.domain` (`ingress.ingressDomain`), `kserve.storage.s3.endpoint` (`credentials.s3`)
    and `kserve.metricsaggregator.*` (`metricsAggregator`). Helm ignores keys nothing reads, silently: the chart
    conformance test checks every key against the chart at the pinned version.

    - `s3_endpoint` keeps its scheme: KServe v0.20.0 pkg/credentials/s3/utils.go `getEndpointConfiguration`
      derives S3_USE_HTTPS and AWS_ENDPOINT_URL from an `http://` / `https://` prefix.
    - Metric aggregation and Prometheus scraping are on (pkg/webhook/admission/pod/metrics_aggregate_injector.go):
      in Knative mode queue-proxy scrapes the serving container on the runtime's `prometheus.kserve.io/port`
      (components/kserve/runtimes.py: TorchServe 8082, Triton 8002) and serves both its own and the server's
      metrics on 9088, and the pod gets `prometheus.io/port: "9088"`, `prometheus.io/path: /metrics`.
    - Images pinned (components.versions.KSERVE_IMAGES)."""
    images = {part: {"image": img.repository, "tag": img.tag} for part, img in KSERVE_IMAGES.items()}
    s3: dict = {"endpoint": s3_endpoint} if s3_endpoint else {}
    return {"kserve": {
        "controller": {"deploymentMode": default_mode.value, "gateway": {"domain": ingress_domain},
                       "rbacProxyImage": KSERVE_RBAC_PROXY_IMAGE.ref, **images["controller"]},
        "agent": images["agent"],
        "router": images["router"],
        "storage": {**images["storage"], **({"s3": s3} if s3 else {})},
        "metricsaggregator": {"enableMetricAggregation": "true", "enablePrometheusScraping": "true"},
    }}


def cert_manager_values() -> dict:
    """cert-manager installs its CRDs (`crds.enabled`, the key since chart v1.15); every image pinned."""
    def image(part: str) -> dict:
        img = CERT_MANAGER_IMAGES[part]
        return {"image": {"repository": img.repository, "tag": img.tag}}
    return {"crds": {"enabled": True}, **image("controller"),
            **{part: image(part) for part in ("webhook", "cainjector", "acmesolver", "startupapicheck")}}


def istiod_values(mesh: Optional[MeshIdentity] = None) -> dict:
    """Access logs on (mirrored traffic can be seen); pilot and the injected proxy from the pinned hub and tag
    (istiod's `hub`/`tag` fall back to `global.hub`/`global.tag`; both set, so neither is left to a default); in
    a multi-cluster mesh, the cluster's mesh ID, cluster name and network (MeshIdentity.istiod_values)."""
    mesh_global = mesh.istiod_values()["global"] if mesh else {}
    return {"meshConfig": {"accessLogFile": "/dev/stdout"}, "hub": ISTIO_HUB, "tag": ISTIO_VERSION,
            "global": {"hub": ISTIO_HUB, "tag": ISTIO_VERSION, **mesh_global}}


def knative_operator_values() -> dict:
    return {"knative_operator": {part: {"image": img.repository, "tag": img.tag}
                                 for part, img in KNATIVE_OPERATOR_IMAGES.items()}}


class KServePlatform(pulumi.ComponentResource):
    """cert-manager, Istio, Knative Serving and KServe on one cluster (the provider in `opts`).

    Attributes for dependents: `kserve_crds` (the CRD release: custom resources `depends_on` it), `kserve` (the
    controller release: anything its webhooks admit — InferenceServices, ServingRuntimes — `depends_on` it too),
    `ready` (both)."""

    kserve_crds: k8s.helm.v3.Release
    kserve: k8s.helm.v3.Release

    def __init__(self, name: str, args: Optional[KServePlatformArgs] = None,
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:kserve:KServePlatform", name, None, opts)
        args = args or KServePlatformArgs()
        if args.default_mode is DeploymentMode.KNATIVE and not args.knative:
            raise ValueError("KServePlatformArgs: default_mode Knative needs knative=True (Istio + Knative Serving)")

        def after(*deps: pulumi.Resource) -> pulumi.ResourceOptions:
            return child_options(self, opts, *deps)

        self.cert_manager = release(f"{name}-cert-manager", CERT_MANAGER_CHART, release_name="cert-manager",
                                    namespace=CERT_MANAGER_NAMESPACE, values=cert_manager_values(),
                                    timeout=TIMEOUT_S["cert-manager"], opts=after())
        kserve_deps: list[pulumi.Resource] = [self.cert_manager]

        self.istio_base = self.istiod = self.istio_gateway = None
        self.knative_operator = self.knative_namespace = self.knative_serving = None
        if args.knative or args.mesh is not None:
            self.istio_base = release(f"{name}-istio-base", ISTIO_BASE_CHART, release_name="istio-base",
                                      namespace=ISTIO_NAMESPACE, values={"defaultRevision": "default"},
                                      timeout=TIMEOUT_S["istio"], opts=after(*args.istio_depends_on))
            self.istiod = release(f"{name}-istiod", ISTIOD_CHART, release_name="istiod", namespace=ISTIO_NAMESPACE,
                                  values=istiod_values(args.mesh),
                                  timeout=TIMEOUT_S["istio"], opts=after(self.istio_base, *args.istio_depends_on))
        if args.knative:
            self.istio_gateway = release(f"{name}-istio-ingressgateway", ISTIO_GATEWAY_CHART,
                                         release_name=ISTIO_GATEWAY_RELEASE, namespace=ISTIO_NAMESPACE,
                                         values={"service": {"type": args.ingress_gateway_service_type}},
                                         timeout=TIMEOUT_S["istio"], opts=after(self.istiod))
            self.knative_operator = release(f"{name}-knative-operator", KNATIVE_OPERATOR_CHART,
                                            release_name="knative-operator", namespace=KNATIVE_OPERATOR_NAMESPACE,
                                            values=knative_operator_values(), timeout=TIMEOUT_S["knative-operator"],
                                            opts=after())
            self.knative_namespace = k8s.core.v1.Namespace(
                f"{name}-knative-serving-namespace",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=KNATIVE_SERVING_NAMESPACE,
                                                    labels={"app.kubernetes.io/part-of": "inference-platform"}),
                opts=after())
            serving = knative_serving(args.ingress_domain)
            self.knative_serving = k8s.apiextensions.CustomResource(
                f"{name}-knative-serving", api_version=serving["apiVersion"], kind=serving["kind"],
                metadata=serving["metadata"], spec=serving["spec"],
                opts=after(self.knative_operator, self.knative_namespace, self.istiod, self.istio_gateway))
            kserve_deps.append(self.knative_serving)

        self.crds = KServeCrds(f"{name}-crds", KServeCrdsArgs(), opts=after())
        self.kserve_crds = self.crds.release
        self.kserve = release(f"{name}-kserve", KSERVE_RESOURCES_CHART, release_name="kserve-resources",
                              namespace=KSERVE_NAMESPACE,
                              values=kserve_values(args.default_mode, args.ingress_domain, args.s3_endpoint),
                              timeout=TIMEOUT_S["kserve"], opts=after(self.kserve_crds, *kserve_deps))
        self.ready = [self.kserve_crds, self.kserve]
        self.register_outputs({"kserveCrds": self.kserve_crds.name, "kserve": self.kserve.name})
