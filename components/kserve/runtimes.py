"""The platform's ClusterServingRuntimes (serving.kserve.io/v1alpha1): which server image runs a model, and how.

One builder per runtime returns the plain (camelCase) custom resource; `ClusterServingRuntimes` creates them.

Behaviour:
- `platform-torchserve` is the default runtime for model format `pytorch` (autoSelect, priority 1). It runs the
  platform's standard TorchServe image exactly as Phase 1's Deployment does (same arguments, environment and
  writable directories, and `config.properties` from a platform-rendered ConfigMap mounted at `/etc/torchserve`:
  each InferenceService supplies the volume `torchserve-config` (components/kserve/inference_service.py); the
  artifact's own `config/` is never read, so the bucket cannot bind the management API or turn registration on). `platform-torchserve-gpu` is the same with the GPU build; it is never auto-selected, the
  InferenceService names it for GPU models.
- `platform-triton` serves `/mnt/models/triton` as a Triton model repository over HTTP 8080 and gRPC 9000 (protocols
  v2 and grpc-v2), with the arguments of KServe's own `kserve-tritonserver` runtime. It lists `pytorch` without
  autoSelect, so it is used only when an InferenceService names it.
- Containers are secure by default (components/pod.py): no privilege escalation, every capability dropped, a
  read-only root filesystem; what the servers must write (/tmp, TorchServe's logs) lives on emptyDir volumes that
  the runtime itself declares (ServingRuntime `spec.volumes`, merged into the predictor pod by KServe).
- Pod-level settings (runAsUser, seccomp, node selection) are not part of a ServingRuntime's pod spec: the
  InferenceService's predictor carries them.
- Only the inference port is declared (Knative admits one port per serving container). Metrics are scraped on the
  servers' own metrics ports through KServe's `prometheus.kserve.io/port` and `/path` annotations.

`protocolVersions: [v1]` on the TorchServe runtimes is the label KServe matches an InferenceService's default
protocol against; the API clients actually call is TorchServe's own inference API (`/predictions/<model>`), the
same as in Phase 1 — the platform image runs TorchServe alone, not KServe's wrapper.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.options import child_options

from components import pod
from components.versions import TORCHSERVE_GPU_IMAGE, TORCHSERVE_IMAGE, TRITON_IMAGE
from models.layout import TRITON_REPOSITORY_DIR
from models.torchserve_config import (INFERENCE_PORT, LOG_DIR, METRICS_PORT, READY_TIMEOUT_S,
                                      readiness_command, torchserve_args, torchserve_env)

API_VERSION = "serving.kserve.io/v1alpha1"
KIND = "ClusterServingRuntime"
TORCHSERVE_RUNTIME = "platform-torchserve"
TORCHSERVE_GPU_RUNTIME = "platform-torchserve-gpu"
TRITON_RUNTIME = "platform-triton"
MODELS_DIR = "/mnt/models"
# KServe names the serving container `kserve-container`; the InferenceService's model spec merges into it.
CONTAINER_NAME = "kserve-container"
TRITON_HTTP_PORT = 8080
TRITON_GRPC_PORT = 9000
TRITON_METRICS_PORT = 8002
# Same command line as Phase 1 (components/torchserve/model.py), config from the platform's ConfigMap.
CONFIG_VOLUME = "torchserve-config"
CONFIG_DIR = "/etc/torchserve"
TORCHSERVE_CONFIG = f"{CONFIG_DIR}/config.properties"
TORCHSERVE_ARGS = tuple(torchserve_args(TORCHSERVE_CONFIG))
# The repository is the artifact's `triton/` directory, not the prefix: Triton fails on the TorchServe tree's
# `config/` and `model-store/` beside it (models/layout.py).
TRITON_ARGS = ("tritonserver", f"--model-store={MODELS_DIR}/{TRITON_REPOSITORY_DIR}", f"--grpc-port={TRITON_GRPC_PORT}",
               f"--http-port={TRITON_HTTP_PORT}", "--allow-grpc=true", "--allow-http=true")
# Placeholder requests only: every InferenceService sets its model's own resources.
DEFAULT_RESOURCES = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}}


def _runtime(name: str, *, formats: list[dict], protocols: list[str], container: dict, volumes: list[dict],
             metrics_port: int) -> dict:
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": "inference-platform",
                                               "app.kubernetes.io/managed-by": "pulumi"}},
        "spec": {
            "annotations": {"prometheus.kserve.io/port": str(metrics_port), "prometheus.kserve.io/path": "/metrics"},
            "supportedModelFormats": formats,
            "protocolVersions": protocols,
            "containers": [container],
            "volumes": volumes,
        },
    }


def torchserve_runtime(name: str = TORCHSERVE_RUNTIME, image: str = TORCHSERVE_IMAGE, *,
                       auto_select: bool = True) -> dict:
    """TorchServe alone (the platform image), serving `<storageUri>/model-store/<model>.mar` on 8080."""
    container = {
        "name": CONTAINER_NAME,
        "image": image,
        "args": list(TORCHSERVE_ARGS),
        "env": [{"name": k, "value": v} for k, v in torchserve_env(TORCHSERVE_CONFIG).items()],
        "ports": [{"name": "http1", "containerPort": INFERENCE_PORT, "protocol": "TCP"}],
        # Readiness only: a liveness probe would restart a server still loading a large model (Knative keeps a
        # revision that never gets ready out of traffic and gives up after its progress deadline). Ready = the
        # registered model has a READY worker (models/torchserve_config.readiness_command; the runtime serves any
        # model, and the platform's config loads exactly one). An exec probe stays on the container under Knative,
        # which adds its own TCP probe in the queue-proxy (knative/serving knative-v1.21.1
        # pkg/reconciler/revision/resources/queue.go applyReadinessProbeDefaults).
        "readinessProbe": {"exec": {"command": readiness_command()}, "periodSeconds": 5,
                           "timeoutSeconds": READY_TIMEOUT_S, "failureThreshold": 3},
        "resources": DEFAULT_RESOURCES,
        "securityContext": pod.container_security_context(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, {"name": "logs", "mountPath": LOG_DIR},
                         {"name": CONFIG_VOLUME, "mountPath": CONFIG_DIR, "readOnly": True}],
    }
    fmt = {"name": "pytorch", "autoSelect": auto_select}
    if auto_select:
        fmt["priority"] = 1
    return _runtime(name, formats=[fmt], protocols=["v1"], container=container,
                    volumes=[{"name": "tmp", "emptyDir": {"sizeLimit": "2Gi"}},
                             {"name": "logs", "emptyDir": {"sizeLimit": "1Gi"}}],
                    metrics_port=METRICS_PORT)


def torchserve_gpu_runtime(image: str = TORCHSERVE_GPU_IMAGE) -> dict:
    """The GPU build of the TorchServe runtime; named explicitly by GPU models, never auto-selected."""
    return torchserve_runtime(TORCHSERVE_GPU_RUNTIME, image, auto_select=False)


def triton_runtime(name: str = TRITON_RUNTIME, image: str = TRITON_IMAGE) -> dict:
    """Triton serving `/mnt/models/triton` as its model repository (`<model>/config.pbtxt`, `<model>/1/model.pt`),
    the part of the artifact `python -m models package --runtime triton` writes."""
    container = {
        "name": CONTAINER_NAME,
        "image": image,
        "args": list(TRITON_ARGS),
        "ports": [{"name": "http1", "containerPort": TRITON_HTTP_PORT, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/v2/health/ready", "port": TRITON_HTTP_PORT},
                           "periodSeconds": 5, "failureThreshold": 3},
        "resources": DEFAULT_RESOURCES,
        "securityContext": pod.container_security_context(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    formats = [{"name": "triton", "version": "2", "autoSelect": True, "priority": 1},
               {"name": "pytorch", "autoSelect": False}]
    return _runtime(name, formats=formats, protocols=["v2", "grpc-v2"], container=container,
                    volumes=[{"name": "tmp", "emptyDir": {"sizeLimit": "2Gi"}}], metrics_port=TRITON_METRICS_PORT)


@dataclass(frozen=True)
class ClusterServingRuntimesArgs:
    """Images default to the pinned ones in components/versions.py."""

    torchserve_image: str = TORCHSERVE_IMAGE
    torchserve_gpu_image: str = TORCHSERVE_GPU_IMAGE
    triton_image: str = TRITON_IMAGE


class ClusterServingRuntimes(pulumi.ComponentResource):
    """The three runtimes as custom resources, on the cluster of the provider passed in `opts`.

    Depend on the KServe controller release (its validating webhook checks ServingRuntimes) by passing
    `depends_on` in `opts`; it reaches every child through the component."""

    torchserve: k8s.apiextensions.CustomResource
    torchserve_gpu: k8s.apiextensions.CustomResource
    triton: k8s.apiextensions.CustomResource

    def __init__(self, name: str, args: Optional[ClusterServingRuntimesArgs] = None,
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:kserve:ClusterServingRuntimes", name, None, opts)
        args = args or ClusterServingRuntimesArgs()
        child = child_options(self, opts)

        def create(part: str, obj: dict) -> k8s.apiextensions.CustomResource:
            return k8s.apiextensions.CustomResource(f"{name}-{part}", api_version=obj["apiVersion"],
                                                    kind=obj["kind"], metadata=obj["metadata"], spec=obj["spec"],
                                                    opts=child)

        self.torchserve = create("torchserve", torchserve_runtime(image=args.torchserve_image))
        self.torchserve_gpu = create("torchserve-gpu", torchserve_gpu_runtime(args.torchserve_gpu_image))
        self.triton = create("triton", triton_runtime(image=args.triton_image))
        self.names = [TORCHSERVE_RUNTIME, TORCHSERVE_GPU_RUNTIME, TRITON_RUNTIME]
        self.register_outputs({"names": self.names})
