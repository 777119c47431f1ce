"""Every chart and image version the platform installs, pinned in one place (bumped by PR, reviewed in preview)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class Chart:
    """A pinned chart: `repo` is a Helm repository URL or an OCI path ("oci://..."); `archive`, when set, is the
    URL of the packaged chart itself, pulled directly instead of through `repo`'s index (for a release the
    repository's index does not list)."""

    name: str
    version: str
    repo: str
    archive: Optional[str] = None

    def release_source(self) -> dict[str, Any]:
        """The `chart`, `version` and `repository_opts` arguments of a helm.v3.Release for this pinned chart:
        archives and OCI charts are referenced in full, others through their repository. Helm ignores `version`
        for an archive URL (helm/helm v3.20.2, the Helm pulumi-kubernetes 4.32+ embeds,
        pkg/downloader/chart_downloader.go `ResolveChartVersion`: "For fully qualified URLs, the version will be
        ignored"); it is passed anyway so the release records the version it installs."""
        import pulumi_kubernetes as k8s

        if self.archive:
            return {"chart": self.archive, "version": self.version}
        if self.repo.startswith("oci://"):
            return {"chart": f"{self.repo}/{self.name}", "version": self.version}
        return {"chart": self.name, "version": self.version,
                "repository_opts": k8s.helm.v3.RepositoryOptsArgs(repo=self.repo)}


@dataclass(frozen=True)
class Image:
    """A container image the platform chose for a chart: `registry` (may be empty when the repository names its
    own host), `repository` and `tag`."""

    registry: str
    repository: str
    tag: str

    @property
    def ref(self) -> str:
        return "/".join(p for p in (self.registry, self.repository) if p) + f":{self.tag}"


TORCHSERVE_VERSION = "0.12.0"
# The standard image built from images/torchserve/Dockerfile; the suffix counts platform rebuilds of one release
# (2: PyYAML and the GPU metrics dependencies installed, a build check that serves a model).
TORCHSERVE_IMAGE = f"registry.internal/inference-platform/torchserve:{TORCHSERVE_VERSION}-cpu-2"
TORCHSERVE_GPU_IMAGE = f"registry.internal/inference-platform/torchserve:{TORCHSERVE_VERSION}-gpu-2"
KSERVE_VERSION = "v0.20.0"
# KServe's storage initializer: the same fetcher (s3://, https://, gs://) in Phase 1 init containers and Phase 2.
STORAGE_INITIALIZER_IMAGE = f"kserve/storage-initializer:{KSERVE_VERSION}"
TRITON_IMAGE = "nvcr.io/nvidia/tritonserver:25.10-py3"

# Phase 2 platform on the private cluster (components/kserve/platform.py). Charts are installed as helm.v3.Release;
# `repo` is a Helm repository URL, or the OCI path the chart lives under ("oci://..."). Versions are the ones KServe
# v0.20 tests against (kserve-deps.env: cert-manager v1.17.0, Knative Operator/Serving 1.21.1), except Istio, pinned
# to the release whose CRDs the project validates against (../shared/crds/istio, Istio 1.30.3).
# Every image a chart runs is pinned here to a repository and tag the platform chose (tests/test_chart_conformance.py
# finds the image maps in each chart's values.yaml at its pinned version and checks the release sets them). Unless
# said otherwise, the tag is the one the chart itself would use at that version (its appVersion or values default).
CERT_MANAGER_CHART = Chart("cert-manager", "v1.17.0", "https://charts.jetstack.io")
# cert-manager v1.17.0 deploy/charts/cert-manager/values.yaml: `<part>.image.repository`, tag = appVersion v1.17.0.
CERT_MANAGER_IMAGES = {part: Image("", f"quay.io/jetstack/cert-manager-{name}", "v1.17.0") for part, name in (
    ("controller", "controller"), ("webhook", "webhook"), ("cainjector", "cainjector"),
    ("acmesolver", "acmesolver"), ("startupapicheck", "startupapicheck"))}
ISTIO_VERSION = "1.30.3"
ISTIO_CHARTS = "https://istio-release.storage.googleapis.com/charts"
ISTIO_BASE_CHART = Chart("base", ISTIO_VERSION, ISTIO_CHARTS)
ISTIOD_CHART = Chart("istiod", ISTIO_VERSION, ISTIO_CHARTS)
ISTIO_GATEWAY_CHART = Chart("gateway", ISTIO_VERSION, ISTIO_CHARTS)
# istio 1.30.3 manifests/charts/istio-control/istio-discovery: images are `<hub>/<name>:<tag>` (pilot, and the
# injected proxyv2 that the gateway chart's pods get too); released charts say hub docker.io/istio, tag 1.30.3.
ISTIO_HUB = "docker.io/istio"
# Knative publishes no Helm chart for Serving itself: the Knative Operator's chart installs the operator, and a
# KnativeServing resource (with its Istio ingress = net-istio) asks it for Serving at KNATIVE_SERVING_VERSION.
KNATIVE_OPERATOR_CHART = Chart("knative-operator", "v1.21.1", "https://knative.github.io/operator")
# knative/operator knative-v1.21.1 config/charts/knative-operator/values.yaml (`image` + `tag` per deployment).
KNATIVE_OPERATOR_IMAGES = {
    "knative_operator": Image("", "gcr.io/knative-releases/knative.dev/operator/cmd/operator", "v1.21.1"),
    "operator_webhook": Image("", "gcr.io/knative-releases/knative.dev/operator/cmd/webhook", "v1.21.1"),
}
KNATIVE_SERVING_VERSION = "1.21.1"
# Since v0.17 the CRDs and the controller are separate charts; the controller chart is `kserve-resources`.
KSERVE_CRD_CHART = Chart("kserve-crd", KSERVE_VERSION, "oci://ghcr.io/kserve/charts")
KSERVE_RESOURCES_CHART = Chart("kserve-resources", KSERVE_VERSION, "oci://ghcr.io/kserve/charts")
# kserve v0.20.0 charts/kserve-resources/values.yaml: `kserve.<part>.image` + `tag` (default: kserve.version), and
# the controller pod's kube-rbac-proxy as one reference (`kserve.controller.rbacProxyImage`).
KSERVE_IMAGES = {part: Image("", f"kserve/{name}", KSERVE_VERSION) for part, name in (
    ("controller", "kserve-controller"), ("agent", "agent"), ("router", "router"),
    ("storage", "storage-initializer"))}
KSERVE_RBAC_PROXY_IMAGE = Image("", "quay.io/brancz/kube-rbac-proxy", "v0.18.0")

# Public (EKS) members. The EKS minor and the cluster-autoscaler minor move together (the autoscaler supports only
# its own Kubernetes minor). EKS 1.35: released 2026-01-28, standard support until 2027-03-27 (1.31's extended
# support ended 2026-11-26; 1.34's standard support ends 2026-12-02). Chart 9.59.0 (tag
# cluster-autoscaler-chart-9.59.0) ships appVersion 1.35.0, the image tag pinned here. Independent of the schema the
# render validates against (stacks/validation.py KUBERNETES_VERSION).
EKS_KUBERNETES_VERSION = "1.35"
CLUSTER_AUTOSCALER_CHART = Chart("cluster-autoscaler", "9.59.0", "https://kubernetes.github.io/autoscaler")
CLUSTER_AUTOSCALER_IMAGE = Image("", "registry.k8s.io/autoscaling/cluster-autoscaler", "v1.35.0")
# Device plugin 0.17.1 serves the kubelet's device-plugin API v1beta1, unchanged through 1.35; the GPU nodes' AMI
# (AL2023_x86_64_NVIDIA, components/aws/gpu_node_group.py) is published for every EKS version in support.
NVIDIA_DEVICE_PLUGIN_CHART = Chart("nvidia-device-plugin", "0.17.1", "https://nvidia.github.io/k8s-device-plugin")
# NVIDIA/k8s-device-plugin v0.17.1 deployments/helm/nvidia-device-plugin: templates/_helpers.tpl tags the image
# "v" + appVersion (0.17.1).
NVIDIA_DEVICE_PLUGIN_IMAGE = Image("", "nvcr.io/nvidia/k8s-device-plugin", "v0.17.1")
# No aws-node-termination-handler: its README at v1.25.1 (chart 0.27.1) says "If you're using EKS managed node
# groups, you don't need the aws-node-termination-handler", and every public node group here is one
# (components/aws/gpu_node_group.py): EKS drains a managed Spot node on its rebalance recommendation itself.

# Karmada v1.18.2. Its Helm repository (https://raw.githubusercontent.com/karmada-io/karmada/master/charts, whose
# index is updated by hand for patch releases) does not list v1.18.2: ../shared/charts/karmada-index.yaml stops at
# v1.18.1. So the chart is pulled as the release asset itself, the same file the index points at for every version it
# lists (`.../releases/download/<v>/karmada-chart-<v>.tgz`), which karmada-io/karmada v1.18.2
# .github/workflows/release.yml ("Release charts") packages (hack/package-helm-chart.sh, chart version = tag) and
# uploads for every published release. Checked by tests/test_chart_conformance.py against the index's URL form.
KARMADA_VERSION = "v1.18.2"
KARMADA_CHART_REPO = "https://raw.githubusercontent.com/karmada-io/karmada/master/charts"
KARMADA_CHART = Chart("karmada", KARMADA_VERSION, KARMADA_CHART_REPO,
                      archive=("https://github.com/karmada-io/karmada/releases/download/"
                               f"{KARMADA_VERSION}/karmada-chart-{KARMADA_VERSION}.tgz"))
# The chart's image maps (charts/karmada/values.yaml at v1.18.2: registry + repository + tag, bitnami style).
# Karmada's own components at the release; kube-apiserver, kube-controller-manager and etcd at the chart's defaults.
KARMADA_IMAGES = {
    **{part: Image("docker.io", f"karmada/karmada-{name}", KARMADA_VERSION) for part, name in (
        ("scheduler", "scheduler"), ("webhook", "webhook"), ("controllerManager", "controller-manager"),
        ("aggregatedApiServer", "aggregated-apiserver"), ("metricsAdapter", "metrics-adapter"),
        ("agent", "agent"))},
    "apiServer": Image("registry.k8s.io", "kube-apiserver", "v1.35.2"),
    "kubeControllerManager": Image("registry.k8s.io", "kube-controller-manager", "v1.35.2"),
    "etcd": Image("registry.k8s.io", "etcd", "3.6.6-0"),
    # The chart's jobs and every control-plane `wait` init container run `/bin/sh -c 'bash <<EOF ... kubectl ...'`
    # (templates/_helpers.tpl karmada.initContainer.waitStaticResource, karmada-static-resource-job.yaml,
    # pre-install-job.yaml): the image needs bash and kubectl. The chart's default, docker.io/bitnamisecure/kubectl,
    # is published at `latest` only (bitnami/containers#86710); registry.k8s.io/kubectl has no shell. The platform
    # builds its own (images/karmada-kubectl/Dockerfile: Debian bookworm-slim, which has bash, plus kubectl
    # v1.35.2, the chart's kube-apiserver version, checked against its published sha256); the suffix counts rebuilds.
    "kubectl": Image("registry.internal", "inference-platform/karmada-kubectl", "1.35.2-1"),
    # The apiserver's `wait` init container (curl to etcd) and the pre-install job (openssl, cfssl, cfssljson) run
    # the cfssl image under bash. cloudflare/cfssl v1.6.5: Dockerfile FROM golang:1.20 (Debian: bash, curl,
    # openssl), .github/workflows/docker-builds.yml pushes cfssl/cfssl with the git tag on every `v*` tag.
    "cfssl": Image("docker.io", "cfssl/cfssl", "v1.6.5"),
}
