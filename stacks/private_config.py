"""Typed config of the private stack (`Pulumi.private.yaml`), read once and checked against the catalog.

Everything a user can get wrong fails here, before any resource is registered: unknown keys, bad values,
models that don't exist, a model ahead of the stack's phase, a feature the chosen serving mode cannot do,
and GPU requests no node pool of the target clusters can hold.
"""
from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass
from typing import Mapping, Optional

from models.deployment import CapacityType, DeploymentMode, GpuPool, Member, ModelDeployment
from models.errors import ConfigError, DeclarationError
from models.spec import ABTest, Canary, GpuType, Mirror, Model, Phase, Runtime, WorkloadClass
from components.karmada.control_plane import (CLUSTER_SECRETS_NAMESPACE, DEFAULT_API_ENDPOINT, DEFAULT_NAMESPACE,
                                              DEFAULT_RELEASE, EXECUTION_SPACE_PREFIX, api_endpoint_problem)
from components.karmada.placement import BucketMirror, mirror_for, overflow_members, served_uris, spot_members
from components.kserve.platform import (CERT_MANAGER_NAMESPACE, ISTIO_NAMESPACE, KNATIVE_OPERATOR_NAMESPACE,
                                        KNATIVE_SERVING_NAMESPACE, KSERVE_NAMESPACE)
from stacks.config_reader import DNS_LABEL, DNS_SUBDOMAIN, PORT, REGION, Section, split_url
from stacks.names import check_karmada_cluster_name


class Cloud(enum.Enum):
    """Clouds a public member (or a bucket mirror) can be on: the public stack builds EKS members only."""

    AWS = "aws"


# Namespaces the platform itself installs into (KServe and its dependencies, Karmada and its per-member execution
# spaces), plus Kubernetes' own: the model namespace must not be one of them, or the stack would take over (and a
# `pulumi destroy` delete) a namespace other components live in.
RESERVED_NAMESPACES = frozenset({"default", CERT_MANAGER_NAMESPACE, ISTIO_NAMESPACE, KNATIVE_OPERATOR_NAMESPACE,
                                 KNATIVE_SERVING_NAMESPACE, KSERVE_NAMESPACE, DEFAULT_NAMESPACE,
                                 CLUSTER_SECRETS_NAMESPACE})
RESERVED_NAMESPACE_PREFIXES = ("kube-", "karmada-", EXECUTION_SPACE_PREFIX)


def _reserved_namespace(name: str) -> bool:
    return name in RESERVED_NAMESPACES or name.startswith(RESERVED_NAMESPACE_PREFIXES)


def _namespace(top: Section) -> str:
    name = top.str("namespace", "inference", pattern=DNS_LABEL, expected="a DNS-1123 namespace name")
    if _reserved_namespace(name):
        raise ConfigError("platform", "namespace", name, "a namespace of its own for the models, not 'default', "
                          "'kube-*', 'karmada-*' or one the platform installs into (" +
                          ", ".join(sorted(RESERVED_NAMESPACES - {"default"})) + ")")
    return name


def _cloud(s: Section) -> str:
    return s.enum("cloud", Cloud, Cloud.AWS).value


def _region(s: Section) -> str:
    return s.str("region", pattern=REGION, expected="a cloud region such as 'us-east-1'")


def _uri_prefix(where: str, key: str, value: str) -> None:
    url = split_url(value)  # None when it does not parse (e.g. 's3://[bucket')
    if (url is None or "://" not in value or not url.scheme or url.scheme == "pvc" or not url.netloc
            or re.search(r"\s", value)):
        raise ConfigError(where, key, value, "an s3:// or https:// URI prefix with a bucket or host, such as "
                          "'s3://bucket' or 's3://bucket/prefix' (pvc:// claims cannot be mirrored)")


@dataclass(frozen=True)
class PrivateStackConfig:
    phase: Phase
    cluster_name: str
    kubeconfig_context: Optional[str]
    namespace: str
    gpu_pools: tuple[GpuPool, ...]
    default_mode: DeploymentMode
    ingress_domain: str
    karmada_api_endpoint: str
    karmada_service_type: str
    registry_mirror: Optional[str]
    bucket_mirrors: tuple[BucketMirror, ...]
    members: tuple[Member, ...]
    models: tuple[ModelDeployment, ...]
    storage_credentials_secret: Optional[str] = None
    s3_endpoint: Optional[str] = None

    def models_at(self, phase: Phase) -> list[ModelDeployment]:
        return [m for m in self.models if m.phase is phase]


S3_ENDPOINT = re.compile(r"^https?://[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:(?P<port>[0-9]{1,5}))?$")


def _gpu_pools(where: str, items: list) -> tuple[GpuPool, ...]:
    pools = []
    for i, item in enumerate(items):
        s = Section(f"{where}[{i}]", item, ("gpuType", "gpuCount", "capacity"))
        pools.append(GpuPool(gpu_type=s.enum("gpuType", GpuType), gpu_count=s.int("gpuCount", 1, 1, 8),
                             capacity=s.enum("capacity", CapacityType, CapacityType.ON_DEMAND)))
    return tuple(pools)


def _bucket_mirrors(items: list) -> tuple[BucketMirror, ...]:
    mirrors = []
    for i, item in enumerate(items):
        where = f"platform:bucketMirrors[{i}]"
        s = Section(where, item, ("source", "mirror", "region", "cloud"))
        fields = dict(source=s.str("source"), mirror=s.str("mirror"), region=_region(s), cloud=_cloud(s))
        for key in ("source", "mirror"):
            _uri_prefix(where, key, fields[key])
        mirrors.append(BucketMirror(**fields))
    return tuple(mirrors)


def _members(items: list, cluster_name: str) -> tuple[Member, ...]:
    members, seen = [], set()
    for i, item in enumerate(items):
        s = Section(f"platform:members[{i}]", item, ("name", "cloud", "region", "gpuPools"))
        name = check_karmada_cluster_name(s.where, "name", s.str("name", pattern=DNS_LABEL,
                                                                 expected="a DNS-1123 cluster name"))
        if name in seen:
            raise ConfigError(f"platform:members[{i}]", "name", name, "a name unique among members")
        if name == cluster_name:
            raise ConfigError(f"platform:members[{i}]", "name", name, "a name other than the private cluster's "
                              "(platform:cluster.name): both are Karmada member clusters")
        seen.add(name)
        members.append(Member(name=name, cloud=_cloud(s), region=_region(s),
                              gpu_pools=_gpu_pools(f"platform:members[{i}].gpuPools", s.list("gpuPools", []))))
    return tuple(members)


_MODEL_KEYS = ("phase", "runtime", "deploymentMode", "minReplicas", "maxReplicas", "canaryPercent")


def _deployment(name: str, raw: object, catalog: Mapping[str, Model], stack_phase: Phase,
                default_mode: DeploymentMode) -> ModelDeployment:
    where = f"platform:models.{name}"
    if name not in catalog:
        raise ConfigError("platform:models", "model", name, "a model declared under models/catalog/: " +
                          ", ".join(catalog))
    s = Section(where, raw, _MODEL_KEYS)
    phase = s.enum("phase", Phase, stack_phase)
    if phase.rank > stack_phase.rank:
        raise ConfigError(where, "phase", phase.value, f"at most the stack's phase ({stack_phase.value!r})")
    runtime = s.enum("runtime", Runtime, Runtime.TORCHSERVE)
    mode = s.enum("deploymentMode", DeploymentMode, default_mode)
    model = catalog[name].at_phase(phase)

    # Per-environment overrides, re-validated through the declaration's own rules.
    scaling_changes = {}
    if "minReplicas" in s.data:
        scaling_changes["min_replicas"] = s.int("minReplicas")
    if "maxReplicas" in s.data:
        scaling_changes["max_replicas"] = s.int("maxReplicas", minimum=1)
    _check_replica_bounds(where, model, scaling_changes)
    try:
        if scaling_changes:
            model = dataclasses.replace(model, scaling=dataclasses.replace(model.scaling, **scaling_changes))
        if "canaryPercent" in s.data:
            percent = s.int("canaryPercent", maximum=100)
            if not isinstance(model.rollout, Canary):
                raise ConfigError(where, "canaryPercent", percent, "only for a model whose declaration has a Canary")
            model = dataclasses.replace(model, rollout=dataclasses.replace(model.rollout, traffic_percent=percent))
    except DeclarationError as err:
        raise ConfigError(where, err.field, err.value, err.expected) from None

    if phase is Phase.TORCHSERVE:
        if runtime is not Runtime.TORCHSERVE:
            raise ConfigError(where, "runtime", runtime.value, "'torchserve' at phase 'torchserve' "
                              "(Triton is served through KServe: phase 'kserve' or later)")
        if model.rollout is not None:
            kind = type(model.rollout).__name__
            raise ConfigError(where, "phase", phase.value, f"phase 'kserve' or later: the declaration's {kind} "
                              "rollout needs KServe")
        if model.scaling.min_replicas == 0:  # phase 1 has no scale-to-zero: keep one warm replica
            model = dataclasses.replace(model, scaling=dataclasses.replace(model.scaling, min_replicas=1))
    else:
        if mode is DeploymentMode.STANDARD and model.scaling.min_replicas == 0:
            raise ConfigError(where, "deploymentMode", mode.value, "'Knative' for a model with min_replicas 0 "
                              "(scale-to-zero needs Knative; Standard mode would need KEDA, which this platform "
                              "does not install) — or set minReplicas >= 1")
        if mode is DeploymentMode.STANDARD and isinstance(model.rollout, (Mirror, ABTest)):
            kind = "a mirrored model (mirroring" if isinstance(model.rollout, Mirror) else "an A/B test (its header route"
            raise ConfigError(where, "deploymentMode", mode.value, f"'Knative' for {kind} uses the Istio routes of "
                              "Knative mode)")
        if (mode is DeploymentMode.KNATIVE and phase is Phase.HYBRID and isinstance(model.rollout, Canary)
                and model.workload_class is not WorkloadClass.CRITICAL and 0 < model.rollout.traffic_percent < 100):
            raise ConfigError(where, "phase", phase.value, "'kserve' (or class 'critical', or deploymentMode "
                              "'Standard') while a Knative canary runs: a Knative canary splits traffic against the "
                              "revision a cluster served before, and a public member that takes the model for the "
                              "first time has none, so it would send it all to the candidate")
    return ModelDeployment(model=model, phase=phase, runtime=runtime, mode=mode)


def _check_replica_bounds(where: str, model: Model, changes: Mapping[str, int]) -> None:
    """min <= max after the overrides, reported against the key the stack file set (not the declaration's)."""
    low = changes.get("min_replicas", model.scaling.min_replicas)
    high = changes.get("max_replicas", model.scaling.max_replicas)
    if low <= high:
        return
    if "max_replicas" in changes:
        origin = "minReplicas" if "min_replicas" in changes else "the declaration's min_replicas"
        raise ConfigError(where, "maxReplicas", high, f"at least {origin} ({low})")
    raise ConfigError(where, "minReplicas", low, f"at most the declaration's max_replicas ({high}); "
                      "raise maxReplicas too")


def _check_gpu_fit(cfg_pools: tuple[GpuPool, ...], members: tuple[Member, ...], dep: ModelDeployment) -> None:
    model = dep.model
    if not model.uses_gpu:
        return
    where = f"platform:models.{dep.name}"
    want = f"{model.resources.gpu_count}x {model.resources.gpu_type.value}"
    private_fits = any(p.holds(model) for p in cfg_pools)
    cls = model.workload_class
    if dep.phase is not Phase.HYBRID or cls is WorkloadClass.CRITICAL:
        if not private_fits:
            raise ConfigError(where, "resources.gpu", want, "a GPU pool of the private cluster that holds it "
                              "(platform:gpuPools offers " + _describe(cfg_pools) + ")")
    elif cls is WorkloadClass.ELASTIC:
        # The same rule placement applies: elastic work overflows only to on-demand pools (Spot is for batch).
        if not private_fits and not overflow_members(model, members):
            raise ConfigError(where, "resources.gpu", want, "an on-demand GPU pool that holds it, on the private "
                              "cluster or a member (elastic work does not go to Spot)")
    elif cls is WorkloadClass.BATCH:
        if not spot_members(model, members):
            raise ConfigError(where, "workload_class", cls.value, f"a member with a Spot GPU pool holding {want} "
                              "(batch work runs on public Spot only); members: " +
                              (", ".join(f"{m.name} offers {_describe(m.gpu_pools)}" for m in members) or "none"))


def _check_mirrored(dep: ModelDeployment, members: tuple[Member, ...], mirrors: tuple[BucketMirror, ...]) -> None:
    """With an S3-compatible store on premises (`storage.s3Endpoint`), a bucket name means that store only: a
    public member reading an unmirrored `s3://` URI would read AWS S3's bucket of the same name — another
    owner's, possibly. Every s3:// artifact of a model that may land on a member needs a mirror for it."""
    model = dep.model
    if dep.phase is not Phase.HYBRID or model.workload_class is WorkloadClass.CRITICAL:
        return
    public = (overflow_members(model, members) if model.workload_class is WorkloadClass.ELASTIC
              else spot_members(model, members))
    for member in public:
        for uri in served_uris(dep).values():
            if uri.startswith("s3://") and mirror_for(uri, member, mirrors) is None:
                raise ConfigError(f"platform:models.{dep.name}", "storage_uri", uri,
                                  f"a platform:bucketMirrors entry for {member.cloud} {member.region} covering it: "
                                  f"the model may run on member {member.name!r}, and with storage.s3Endpoint set "
                                  "its bucket lives on premises, not in the member's cloud")


def _describe(pools: tuple[GpuPool, ...]) -> str:
    return ", ".join(f"{p.gpu_count}x {p.gpu_type.value} ({p.capacity.value})" for p in pools) or "no GPU pools"


def read_private_config(values: Mapping[str, object], catalog: Mapping[str, Model]) -> PrivateStackConfig:
    """`values`: the `platform` namespace of the stack config, keys without the `platform:` prefix."""
    top = Section("platform", values, ("phase", "cluster", "namespace", "gpuPools", "kserve", "karmada",
                                       "registryMirror", "bucketMirrors", "members", "models", "storage"),
                  namespace=True)
    phase = top.enum("phase", Phase)
    cluster = top.section("cluster", ("name", "kubeconfigContext"))
    cluster_name = check_karmada_cluster_name(cluster.where, "name", cluster.str(
        "name", "private", pattern=DNS_LABEL, expected="a DNS-1123 cluster name"))
    kserve = top.section("kserve", ("deploymentMode", "ingressDomain"))
    karmada = top.section("karmada", ("apiEndpoint", "serviceType"))
    api_endpoint = karmada.str("apiEndpoint", DEFAULT_API_ENDPOINT)
    problem = api_endpoint_problem(api_endpoint, DEFAULT_RELEASE, DEFAULT_NAMESPACE)
    if problem:
        raise ConfigError("platform:karmada", "apiEndpoint", api_endpoint, problem)
    default_mode = kserve.enum("deploymentMode", DeploymentMode, DeploymentMode.KNATIVE)
    members = _members(top.list("members", []), cluster_name)
    if members and phase is not Phase.HYBRID:
        raise ConfigError("platform", "members", [m.name for m in members],
                          "no members before phase 'hybrid' (public clusters join in phase 3)")
    models_raw = top.raw("models", {})
    if not isinstance(models_raw, dict):
        raise ConfigError("platform", "models", models_raw, "a mapping of model name to its settings")
    deployments = tuple(_deployment(name, raw, catalog, phase, default_mode) for name, raw in models_raw.items())
    storage = top.section("storage", ("credentialsSecret", "s3Endpoint"))
    s3_endpoint = storage.str("s3Endpoint", None, pattern=S3_ENDPOINT.pattern,
                              expected="an S3-compatible store's URL such as 'https://minio.storage.internal:9000' "
                                       "(scheme, host, optional port 1-65535; no path)")
    if s3_endpoint and not 0 < int(S3_ENDPOINT.match(s3_endpoint).group("port") or 443) < 65536:
        raise ConfigError(storage.where, "s3Endpoint", s3_endpoint, "a port between 1 and 65535")
    mirrors = _bucket_mirrors(top.list("bucketMirrors", []))
    pools = _gpu_pools("platform:gpuPools", top.list("gpuPools", []))
    for dep in deployments:
        _check_gpu_fit(pools, members, dep)
        if s3_endpoint:
            _check_mirrored(dep, members, mirrors)
    return PrivateStackConfig(
        phase=phase,
        cluster_name=cluster_name,
        kubeconfig_context=cluster.str("kubeconfigContext", None),
        namespace=_namespace(top),
        gpu_pools=pools,
        default_mode=default_mode,
        ingress_domain=kserve.str("ingressDomain", "inference.internal", pattern=DNS_SUBDOMAIN,
                                  expected="a DNS-1123 subdomain such as 'inference.example.com' (no scheme, port "
                                           "or path)"),
        karmada_api_endpoint=api_endpoint,
        karmada_service_type=karmada.str("serviceType", "ClusterIP", pattern=r"^(ClusterIP|NodePort|LoadBalancer)$",
                                         expected="ClusterIP, NodePort or LoadBalancer (Pull agents on public "
                                                  "clusters dial the API endpoint: expose it)"),
        registry_mirror=top.str("registryMirror", None, pattern=rf"^[a-z0-9.-]+(:{PORT})?(/[a-z0-9._/-]+)?$",
                                expected="a registry host such as 'mirror.example.com' or 'host:5000/path'"),
        bucket_mirrors=mirrors,
        members=members,
        models=deployments,
        storage_credentials_secret=storage.str(
            "credentialsSecret", None, pattern=DNS_SUBDOMAIN,
            expected="the name of an existing Secret in the model namespace holding AWS_ACCESS_KEY_ID and "
                     "AWS_SECRET_ACCESS_KEY"),
        s3_endpoint=s3_endpoint,
    )

