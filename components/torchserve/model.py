"""Phase 1: one model served by the standard TorchServe image as a Deployment behind a Service.

Children (all named `<component name>-<part>`): ConfigMap (config.properties generated from the declaration),
Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget and NetworkPolicy.

Behaviour:
- The Service is named after the model, port 80, so clients call `http://<model>.<namespace>.svc/predictions/<model>`;
  KServe's InferenceService of the same name answers on that hostname in Phase 2, so clients never change.
- The artifact (`config/`, `model-store/<model>.mar`) is fetched into an emptyDir by KServe's storage initializer
  (s3://, https://) in an init container, or mounted read-only from the claim (pvc://), as KServe does.
- Only the inference port (8080) and the metrics port (8082) leave the pod, and the NetworkPolicy admits them
  only from client namespaces and the monitoring namespace; the management API listens on loopback.
- Readiness is "the model has a READY worker" (an exec probe asking the loopback management API), not TorchServe's
  /ping, which is healthy with no model and while workers crash-loop: a pod with a missing or corrupt artifact never
  turns Ready, so a rollout (maxUnavailable 0) keeps the old pods. Startup and liveness stay on /ping (the server).
- The pod template carries a checksum of config.properties, so a batching or worker change rolls the pods.
- During a hand-over to KServe (`hand_over`, built by components/handover.py) Service `<model>` takes the spec the
  hand-over gives it, in place and after what it depends on, and is retained when Pulumi lets go of it.
- The HPA scales on CPU (70 % of requests) between the declaration's bounds; Phase 1 keeps at least one replica.
  The Deployment leaves `replicas` unset, so an update never resets what the HPA chose.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components import pod
from components.namespace import CLIENT_NAMESPACE_LABEL
from components.options import child_options
from components.versions import STORAGE_INITIALIZER_IMAGE, TORCHSERVE_GPU_IMAGE, TORCHSERVE_IMAGE
from models.spec import Model
from models.torchserve_config import (INFERENCE_PORT, LOG_DIR, METRICS_PORT, READY_TIMEOUT_S, config_properties,
                                      readiness_command, torchserve_args, torchserve_env)

MODELS_DIR = "/mnt/models"
CONFIG_DIR = "/etc/torchserve"
CONFIG_FILE = f"{CONFIG_DIR}/config.properties"
SERVICE_PORT = 80
CPU_TARGET_PERCENT = 70


def pod_selector(model: Model) -> dict[str, str]:
    """The labels the Service, disruption budget and network policy select the model's Phase 1 pods by."""
    return {"app.kubernetes.io/name": model.name, "app.kubernetes.io/component": "predictor"}


@dataclass(frozen=True)
class HostnameHandOver:
    """How Service `<model>` is held while the model is handed over to KServe (components/handover.py builds this
    and says why): the Service gets `service_spec` and `service_labels` instead of its Phase 1 ones (None: it stays), is kept in the
    cluster when Pulumi lets go of it (retain_on_delete: KServe or Karmada takes it over), and changes only after
    `depends_on` and this component's NetworkPolicy (and, with `pod_labels`, the pods' rollout); the pods also
    carry `pod_labels`; `gateway_peer` (namespace name, pod labels) is admitted to the inference port."""

    service_spec: Optional[Mapping]
    service_labels: Mapping[str, str]
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    gateway_peer: Optional[tuple[str, Mapping[str, str]]] = None
    depends_on: Sequence[pulumi.Resource] = ()


@dataclass(frozen=True)
class TorchServeModelArgs:
    """`model` as this stack serves it. `image` defaults to the standard TorchServe image (its GPU build for GPU
    models). Pods admit inference traffic from namespaces labelled `inference-platform.io/clients=true` and
    from their own namespace; metrics scrapes from `metrics_namespace`. Pods run as `service_account_name`
    (default: the namespace's default account). The artifact fetch gets `credentials_secret`'s keys as
    environment (an existing Secret with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`) and `s3_endpoint` as
    `AWS_ENDPOINT_URL` (an S3-compatible store), when given."""

    model: Model
    namespace: pulumi.Input[str]
    image: Optional[str] = None
    service_account_name: Optional[str] = None
    credentials_secret: Optional[str] = None
    s3_endpoint: Optional[str] = None
    metrics_namespace: str = "monitoring"
    hand_over: Optional[HostnameHandOver] = None


class TorchServeModel(pulumi.ComponentResource):
    """A TorchServe Deployment + Service (and its config, autoscaler, disruption budget, network policy)."""

    service: k8s.core.v1.Service
    deployment: k8s.apps.v1.Deployment

    def __init__(self, name: str, args: TorchServeModelArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:torchserve:TorchServeModel", name, None, opts)
        model, ns = args.model, args.namespace
        child = child_options(self, opts)
        labels = pod.model_labels(model, "predictor")
        selector = pod_selector(model)
        hand_over = args.hand_over
        pod_labels = {**labels, **(hand_over.pod_labels if hand_over else {})}
        properties = config_properties(model)
        config_hash = hashlib.sha256(properties.encode()).hexdigest()[:16]

        def meta(object_name: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=ns, labels=labels)

        self.config_map = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata=meta(f"{model.name}-torchserve-config"),
            data={"config.properties": properties},
            opts=child,
        )

        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=meta(model.name),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge=1, max_unavailable=0)),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        labels=pod_labels,
                        annotations={"inference-platform.io/config-sha256": config_hash,
                                     "prometheus.io/scrape": "true", "prometheus.io/port": str(METRICS_PORT),
                                     "prometheus.io/path": "/metrics"}),
                    spec=self._pod_spec(model, args),
                ),
            ),
            opts=child_options(self, opts, self.config_map),
        )

        self.autoscaler = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-hpa",
            metadata=meta(model.name),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name=model.name),
                min_replicas=model.scaling.min_replicas,
                max_replicas=model.scaling.max_replicas,
                metrics=[k8s.autoscaling.v2.MetricSpecArgs(
                    type="Resource",
                    resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                        name="cpu", target=k8s.autoscaling.v2.MetricTargetArgs(
                            type="Utilization", average_utilization=CPU_TARGET_PERCENT)))],
            ),
            opts=child_options(self, opts, self.deployment),
        )

        self.disruption_budget = k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=meta(model.name),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=1, selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector)),
            opts=child,
        )

        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-netpol",
            metadata=meta(model.name),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                policy_types=["Ingress"],
                ingress=[
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=INFERENCE_PORT, protocol="TCP")],
                        from_=[k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=k8s.meta.v1.LabelSelectorArgs()),
                               k8s.networking.v1.NetworkPolicyPeerArgs(
                                   namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                                       match_labels={CLIENT_NAMESPACE_LABEL: "true"}))] + self._gateway_peers(args)),
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=METRICS_PORT, protocol="TCP")],
                        from_=[k8s.networking.v1.NetworkPolicyPeerArgs(
                            namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                                match_labels={"kubernetes.io/metadata.name": args.metrics_namespace}))]),
                ],
            ),
            opts=child,
        )

        if hand_over is None or hand_over.service_spec is None:
            self.service = k8s.core.v1.Service(
                f"{name}-service",
                metadata=meta(model.name),
                spec=k8s.core.v1.ServiceSpecArgs(
                    type="ClusterIP",
                    selector=selector,
                    ports=[k8s.core.v1.ServicePortArgs(name="http", port=SERVICE_PORT, target_port="http"),
                           k8s.core.v1.ServicePortArgs(name="metrics", port=METRICS_PORT, target_port="metrics")],
                ),
                opts=child,
            )
        else:  # the same resource, so Pulumi updates it in place: the name never stops resolving
            after = [self.network_policy, *hand_over.depends_on] + ([self.deployment] if hand_over.pod_labels else [])
            self.service = k8s.core.v1.Service(
                f"{name}-service",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=model.name, namespace=ns,
                                                    labels={**labels, **hand_over.service_labels}),
                spec=dict(hand_over.service_spec),
                opts=child_options(self, opts, *after, retain_on_delete=True),
            )

        self.hostname = pulumi.Output.concat(model.name, ".", ns, ".svc.cluster.local")
        self.register_outputs({"hostname": self.hostname, "deployment": self.deployment.metadata.name})

    @staticmethod
    def _gateway_peers(args: TorchServeModelArgs) -> list[k8s.networking.v1.NetworkPolicyPeerArgs]:
        if args.hand_over is None or args.hand_over.gateway_peer is None:
            return []
        namespace, pod_labels = args.hand_over.gateway_peer
        return [k8s.networking.v1.NetworkPolicyPeerArgs(
            namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": namespace}),
            pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(pod_labels)))]

    @staticmethod
    def _pod_spec(model: Model, args: TorchServeModelArgs) -> k8s.core.v1.PodSpecArgs:
        scheme, rest = model.storage_uri.split("://", 1)
        volumes = [
            k8s.core.v1.VolumeArgs(name="config", config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(
                name=f"{model.name}-torchserve-config")),
            k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="2Gi")),
            k8s.core.v1.VolumeArgs(name="logs", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="1Gi")),
        ]
        init_containers = []
        if scheme == "pvc":
            claim, _, sub_path = rest.partition("/")
            volumes.append(k8s.core.v1.VolumeArgs(
                name="models", persistent_volume_claim=k8s.core.v1.PersistentVolumeClaimVolumeSourceArgs(
                    claim_name=claim, read_only=True)))
            models_mount = k8s.core.v1.VolumeMountArgs(name="models", mount_path=MODELS_DIR, sub_path=sub_path or None,
                                                       read_only=True)
        else:
            volumes.append(k8s.core.v1.VolumeArgs(name="models", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()))
            models_mount = k8s.core.v1.VolumeMountArgs(name="models", mount_path=MODELS_DIR, read_only=True)
            init_containers.append(k8s.core.v1.ContainerArgs(
                name="fetch-model",
                image=STORAGE_INITIALIZER_IMAGE,
                args=[model.storage_uri, MODELS_DIR],
                env_from=[k8s.core.v1.EnvFromSourceArgs(
                    secret_ref=k8s.core.v1.SecretEnvSourceArgs(name=args.credentials_secret))]
                if args.credentials_secret else None,
                env=[k8s.core.v1.EnvVarArgs(name="AWS_ENDPOINT_URL", value=args.s3_endpoint)]
                if args.s3_endpoint else None,
                resources={"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
                security_context=pod.container_security_context(),
                volume_mounts=[k8s.core.v1.VolumeMountArgs(name="models", mount_path=MODELS_DIR),
                               k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
            ))
        image = args.image or (TORCHSERVE_GPU_IMAGE if model.uses_gpu else TORCHSERVE_IMAGE)
        ping = k8s.core.v1.HTTPGetActionArgs(path="/ping", port="http")
        return k8s.core.v1.PodSpecArgs(
            service_account_name=args.service_account_name,
            automount_service_account_token=False,
            security_context=pod.pod_security_context(),
            node_selector=pod.node_selector(model) or None,
            tolerations=pod.tolerations(model) or None,
            termination_grace_period_seconds=60,
            init_containers=init_containers or None,
            containers=[k8s.core.v1.ContainerArgs(
                name="torchserve",
                image=image,
                args=torchserve_args(CONFIG_FILE),
                env=[k8s.core.v1.EnvVarArgs(name=k, value=v) for k, v in torchserve_env(CONFIG_FILE).items()],
                ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=INFERENCE_PORT),
                       k8s.core.v1.ContainerPortArgs(name="metrics", container_port=METRICS_PORT)],
                resources=pod.resource_requirements(model),
                security_context=pod.container_security_context(),
                startup_probe=k8s.core.v1.ProbeArgs(http_get=ping, period_seconds=5, failure_threshold=60),
                # Ready = the model has a READY worker, asked of the loopback management API from inside the
                # container (/ping is healthy with no model and while workers crash-loop: models/torchserve_config).
                readiness_probe=k8s.core.v1.ProbeArgs(
                    exec_=k8s.core.v1.ExecActionArgs(command=readiness_command(model.name)),
                    period_seconds=5, timeout_seconds=READY_TIMEOUT_S, failure_threshold=3),
                liveness_probe=k8s.core.v1.ProbeArgs(http_get=ping, period_seconds=10, failure_threshold=6),
                volume_mounts=[models_mount,
                               k8s.core.v1.VolumeMountArgs(name="config", mount_path=CONFIG_DIR, read_only=True),
                               k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
                               k8s.core.v1.VolumeMountArgs(name="logs", mount_path=LOG_DIR)],
            )],
            volumes=volumes,
        )
