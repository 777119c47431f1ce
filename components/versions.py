"""Every chart and image version the platform installs, pinned in one place (bumped by PR, reviewed in preview)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Chart:
    name: str
    version: str
    repo: str

    def release_source(self) -> dict[str, Any]:
        """The `chart`, `version` and `repository_opts` arguments of a helm.v3.Release for this pinned chart:
        OCI charts are referenced in full, others through their repository."""
        import pulumi_kubernetes as k8s

        if self.repo.startswith("oci://"):
            return {"chart": f"{self.repo}/{self.name}", "version": self.version}
        return {"chart": self.name, "version": self.version,
                "repository_opts": k8s.helm.v3.RepositoryOptsArgs(repo=self.repo)}


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
CERT_MANAGER_CHART = Chart("cert-manager", "v1.17.0", "https://charts.jetstack.io")
ISTIO_VERSION = "1.30.3"
ISTIO_CHARTS = "https://istio-release.storage.googleapis.com/charts"
ISTIO_BASE_CHART = Chart("base", ISTIO_VERSION, ISTIO_CHARTS)
ISTIOD_CHART = Chart("istiod", ISTIO_VERSION, ISTIO_CHARTS)
ISTIO_GATEWAY_CHART = Chart("gateway", ISTIO_VERSION, ISTIO_CHARTS)
# Knative publishes no Helm chart for Serving itself: the Knative Operator's chart installs the operator, and a
# KnativeServing resource (with its Istio ingress = net-istio) asks it for Serving at KNATIVE_SERVING_VERSION.
KNATIVE_OPERATOR_CHART = Chart("knative-operator", "v1.21.1", "https://knative.github.io/operator")
KNATIVE_SERVING_VERSION = "1.21.1"
# Since v0.17 the CRDs and the controller are separate charts; the controller chart is `kserve-resources`.
KSERVE_CRD_CHART = Chart("kserve-crd", KSERVE_VERSION, "oci://ghcr.io/kserve/charts")
KSERVE_RESOURCES_CHART = Chart("kserve-resources", KSERVE_VERSION, "oci://ghcr.io/kserve/charts")

# Public (EKS) members. The EKS minor and the cluster-autoscaler minor move together (the autoscaler supports only
# its own Kubernetes minor). EKS 1.35: released 2026-01-28, standard support until 2027-03-27 (1.31's extended
# support ended 2026-11-26; 1.34's standard support ends 2026-12-02). Chart 9.59.0 (tag
# cluster-autoscaler-chart-9.59.0) ships appVersion 1.35.0, the image tag pinned here. Independent of the schema the
# render validates against (stacks/validation.py KUBERNETES_VERSION).
EKS_KUBERNETES_VERSION = "1.35"
CLUSTER_AUTOSCALER_CHART = Chart("cluster-autoscaler", "9.59.0", "https://kubernetes.github.io/autoscaler")
CLUSTER_AUTOSCALER_IMAGE_TAG = "v1.35.0"
# Device plugin 0.17.1 serves the kubelet's device-plugin API v1beta1, unchanged through 1.35; the GPU nodes' AMI
# (AL2023_x86_64_NVIDIA, components/aws/gpu_node_group.py) is published for every EKS version in support.
NVIDIA_DEVICE_PLUGIN_CHART = Chart("nvidia-device-plugin", "0.17.1", "https://nvidia.github.io/k8s-device-plugin")
# Installed from the OCI registry the project's README names (chart 0.27.1 ships NTH 1.25.1); `repo` is the OCI path.
AWS_NODE_TERMINATION_HANDLER_CHART = Chart("aws-node-termination-handler", "0.27.1", "oci://public.ecr.aws/aws-ec2/helm")
# Karmada's chart repository versions its charts like the release tags, with the leading "v".
KARMADA_VERSION = "v1.18.2"
# Images of the Karmada chart's jobs (its default is `latest`).
KARMADA_KUBECTL_TAG = "1.31.3"     # docker.io/bitnami/kubectl
KARMADA_CFSSL_TAG = "v1.6.5"       # docker.io/cfssl/cfssl (only used by the chart's auto-certificate mode)
KARMADA_CHART = Chart("karmada", KARMADA_VERSION, "https://raw.githubusercontent.com/karmada-io/karmada/master/charts")
