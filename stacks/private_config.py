"""Typed config of the private stack (`Pulumi.private.yaml`), read once and checked against the catalog.

Everything a user can get wrong in the file fails here, before any resource is registered: unknown keys, bad
values, models that don't exist, a model ahead of the stack's phase, a feature the chosen serving mode cannot
do. Public members are named by their stack (`platform:members: [public]`); their region and node groups are
read from that stack's own file, their one owner. What needs placement (GPU fit, Spot, mirrors, what a member
must host) is checked once, by `stacks.private_plan.plan_private`.
"""
from __future__ import annotations

import dataclasses
import enum
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from models.deployment import CapacityType, DeploymentMode, GpuPool, Member, ModelDeployment
from models.errors import ConfigError, DeclarationError
from models.spec import ABTest, Canary, GpuType, Mirror, Model, Phase, Runtime
from components.karmada.control_plane import (CLUSTER_SECRETS_NAMESPACE, DEFAULT_API_ENDPOINT, DEFAULT_NAMESPACE,
                                              DEFAULT_RELEASE, EXECUTION_SPACE_PREFIX, api_endpoint_problem)
from components.karmada.placement import BucketMirror
from components.kserve.platform import (CERT_MANAGER_NAMESPACE, ISTIO_NAMESPACE, KNATIVE_OPERATOR_NAMESPACE,
                                        KNATIVE_SERVING_NAMESPACE, KSERVE_NAMESPACE)
from stacks import handover
from stacks.config_reader import DNS_LABEL, DNS_SUBDOMAIN, PORT, REGION, Section, split_url
from stacks.names import check_karmada_cluster_name
from stacks.public_config import PublicStackConfig, read_public_config

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACK_NAME = r"^[A-Za-z0-9_.-]+$"


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
    # The private cluster's API server addresses: Karmada's only egress besides its namespace and DNS
    # (components/security/karmada_network.py); () = no egress policy rendered.
    karmada_api_server_cidrs: tuple[str, ...]
    registry_mirror: Optional[str]
    bucket_mirrors: tuple[BucketMirror, ...]
    members: tuple[Member, ...]
    models: tuple[ModelDeployment, ...]
    storage_credentials_secret: Optional[str] = None
    s3_endpoint: Optional[str] = None
    karmada_node_port: Optional[int] = None
    karmada_load_balancer_sources: tuple[str, ...] = ()
    karmada_etcd_storage_class: Optional[str] = None
    karmada_etcd_storage_size: str = "5Gi"
    # A PrometheusRule alerting before Karmada's certificates expire (needs the Prometheus Operator's CRD).
    karmada_expiry_alerts: bool = True
    # Namespaces whose workloads call models, by name (the mesh's AuthorizationPolicy cannot select by label:
    # components/security/mesh_authorization.py); each is also labelled `inference-platform.io/clients=true`.
    client_namespaces: tuple[str, ...] = ()
    # member name -> that member's own stack config, the one owner of its region and node groups
    member_stacks: Mapping[str, PublicStackConfig] = field(default_factory=dict)
    # member name -> the StackReference name of its stack ('<organization>/<project>/<stack>', the organization and
    # project its own platform:privateStack names): the private stack reads the member's mesh reader from it
    member_stack_refs: Mapping[str, str] = field(default_factory=dict)

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


def read_stack_file(stack: str) -> Mapping[str, Any]:
    """The `config:` map of `Pulumi.<stack>.yaml` beside the project (keys as written: `platform:x`, `aws:region`)."""
    path = PROJECT_DIR / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise ConfigError("platform", "members", stack, f"the name of a public stack whose file {path.name} is in "
                          "the project")
    from stacks.__main__ import load_stack_file  # the render's own reader (duplicate keys refused)

    return load_stack_file(stack, path)


def member_stack_config(stack: str, raw: Mapping[str, Any]) -> PublicStackConfig:
    """A member's stack file read by the same reader its own stack uses; its mistakes name that file."""
    values = {k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith("platform:")}
    try:
        return read_public_config(values, raw.get("aws:region"))
    except ConfigError as err:
        raise ConfigError(f"Pulumi.{stack}.yaml {err.where}", err.field, err.value, err.expected) from None


def _members(items: list, cluster_name: str, stack_files: Callable[[str], Mapping[str, Any]],
             generations: Mapping[str, int]) -> tuple[tuple[Member, ...], dict[str, PublicStackConfig],
                                                      dict[str, str]]:
    """`platform:members` names the public stacks; each member's name, region and GPU pools are read from that
    stack's own file (the one place they are declared), never restated here. `generations`: the agent credential
    generation per member (`platform:karmada.agentCredentialGenerations`, default 1), owned by this stack because
    it mints the credentials: bump one to renew or revoke that member's agent key."""
    members, configs, refs = [], {}, {}
    for i, stack in enumerate(items):
        where = f"platform:members[{i}]"
        if not isinstance(stack, str) or not re.match(STACK_NAME, stack) or not (
                stack == "public" or stack.endswith("-public")):
            raise ConfigError(where, "stack", stack, "the name of a public stack in this project ('public' or "
                              "'<name>-public'), whose Pulumi.<stack>.yaml declares the member")
        cfg = member_stack_config(stack, stack_files(stack))
        name = cfg.member_name  # its Karmada name limits are checked by read_public_config
        if name in configs:
            raise ConfigError(where, "memberName", name, "a member name unique among members (Pulumi."
                              f"{stack}.yaml declares one another stack declares too)")
        if name == cluster_name:
            raise ConfigError(where, "memberName", name, "a name other than the private cluster's "
                              "(platform:cluster.name): both are Karmada member clusters")
        configs[name] = cfg
        refs[name] = f"{cfg.private_stack.rsplit('/', 1)[0]}/{stack}"
        members.append(Member(name=name, cloud=Cloud.AWS.value, region=cfg.region, gpu_pools=tuple(
            GpuPool(gpu_type=g.gpu_type, gpu_count=g.gpu_count, capacity=g.capacity)
            for g in cfg.gpu_node_groups), credential_generation=generations.get(name, 1)))
    return tuple(members), configs, refs


_MODEL_KEYS = ("phase", "runtime", "deploymentMode", "minReplicas", "maxReplicas", "canaryPercent", handover.KEY)


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
            if not isinstance(model.rollout, Canary) and (percent != 0 or mode is not DeploymentMode.KNATIVE):
                raise ConfigError(where, "canaryPercent", percent, "only for a model whose declaration has a Canary "
                                  "(or 0 in Knative mode: the rollback's tidy-up, which keeps the previous revision "
                                  "pinned while the declaration's own artifact rolls out)")
            if isinstance(model.rollout, Canary):
                model = dataclasses.replace(model, rollout=dataclasses.replace(model.rollout, traffic_percent=percent))
            else:  # the declaration's own artifact as a 0 % candidate: KServe keeps routing to the last revision
                model = dataclasses.replace(model, rollout=Canary(candidate_uri=model.storage_uri, traffic_percent=0))
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
    step = handover.read_hand_over(s, model, phase, runtime, mode)
    phase_one = None
    if step in handover.PHASE_ONE_STEPS:  # the Phase 1 pods as phase 1 rendered them, with the same overrides
        phase_one = _deployment(name, {k: v for k, v in s.data.items() if k in ("minReplicas", "maxReplicas")}
                                | {"phase": Phase.TORCHSERVE.value}, catalog, stack_phase, default_mode).model
    return ModelDeployment(model=model, phase=phase, runtime=runtime, mode=mode, hand_over=step, phase_one=phase_one)


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


def _karmada_exposure(karmada: Section) -> tuple[str, Optional[int], tuple[str, ...]]:
    """The Karmada API server Service: type (ClusterIP by default, which needs nothing from the cluster), the
    NodePort to fix (NodePort only), and the CIDRs a LoadBalancer admits (required with LoadBalancer)."""
    service_type = karmada.str("serviceType", "ClusterIP", pattern=r"^(ClusterIP|NodePort|LoadBalancer)$",
                               expected="ClusterIP, NodePort or LoadBalancer (Pull agents on public clusters dial "
                                        "the API endpoint: expose it)")
    node_port = None
    if "nodePort" in karmada.data:
        if service_type != "NodePort":
            raise ConfigError(karmada.where, "nodePort", karmada.data["nodePort"], "no nodePort unless serviceType "
                              "is NodePort")
        node_port = karmada.int("nodePort", minimum=30000, maximum=32767)
    sources = tuple(karmada.list("loadBalancerSourceRanges", []))
    for cidr in sources:
        try:
            ok = isinstance(cidr, str) and ipaddress.ip_network(cidr).prefixlen > 0
        except ValueError:
            ok = False
        if not ok:
            raise ConfigError(karmada.where, "loadBalancerSourceRanges", cidr, "CIDRs such as '203.0.113.0/24' (the "
                              "members' egress addresses; not 0.0.0.0/0)")
    if sources and service_type != "LoadBalancer":
        raise ConfigError(karmada.where, "loadBalancerSourceRanges", list(sources), "no source ranges unless "
                          "serviceType is LoadBalancer")
    if service_type == "LoadBalancer" and not sources:
        raise ConfigError(karmada.where, "loadBalancerSourceRanges", [], "the CIDRs allowed to reach the Karmada API "
                          "server (the public members' egress addresses) when serviceType is LoadBalancer")
    return service_type, node_port, sources


def _agent_generations(karmada: Section) -> dict[str, int]:
    raw = karmada.raw("agentCredentialGenerations", {})
    if not isinstance(raw, dict):
        raise ConfigError(karmada.where, "agentCredentialGenerations", raw, "a map of member name to a generation "
                          "number >= 1, such as {aws-use1: 2}")
    for name, generation in raw.items():
        if not isinstance(generation, int) or isinstance(generation, bool) or generation < 1:
            raise ConfigError(karmada.where, f"agentCredentialGenerations.{name}", generation,
                              "an integer >= 1 (bump it to renew or revoke that member's agent key)")
    return dict(raw)


def _cidrs(karmada: Section) -> tuple[str, ...]:
    import ipaddress
    raw = karmada.raw("apiServerCidrs", [])
    if not isinstance(raw, list):
        raise ConfigError(karmada.where, "apiServerCidrs", raw, "a list of CIDRs such as ['10.0.0.10/32']")
    for cidr in raw:
        try:
            ok = isinstance(cidr, str) and ipaddress.ip_network(cidr, strict=True).prefixlen > 0
        except ValueError:
            ok = False
        if not ok:
            raise ConfigError(karmada.where, "apiServerCidrs", cidr, "CIDRs of the private cluster's API server "
                              "endpoints such as '10.0.0.10/32' (not 0.0.0.0/0)")
    return tuple(raw)


def _client_namespaces(top: Section, model_namespace: str) -> tuple[str, ...]:
    names = top.list("clientNamespaces", [])
    for name in names:
        if not isinstance(name, str) or not re.match(DNS_LABEL, name):
            raise ConfigError("platform", "clientNamespaces", name, "namespace names (DNS-1123 labels)")
        if name == model_namespace or _reserved_namespace(name):
            raise ConfigError("platform", "clientNamespaces", name, "namespaces of the models' callers, not the "
                              "model namespace (always admitted) nor a system namespace")
    if len(set(names)) != len(names):
        raise ConfigError("platform", "clientNamespaces", names, "each namespace once")
    return tuple(names)


def read_private_config(values: Mapping[str, object], catalog: Mapping[str, Model],
                        stack_files: Callable[[str], Mapping[str, Any]] = read_stack_file) -> PrivateStackConfig:
    """`values`: the `platform` namespace of the stack config, keys without the `platform:` prefix;
    `stack_files`: reads a member stack's config map by stack name. Placement (and everything only the whole
    picture shows) is checked by `stacks.private_plan.plan_private`."""
    top = Section("platform", values, ("phase", "cluster", "namespace", "gpuPools", "kserve", "karmada",
                                       "registryMirror", "bucketMirrors", "members", "models", "storage",
                                       "clientNamespaces"),
                  namespace=True)
    phase = top.enum("phase", Phase)
    cluster = top.section("cluster", ("name", "kubeconfigContext"))
    cluster_name = check_karmada_cluster_name(cluster.where, "name", cluster.str(
        "name", "private", pattern=DNS_LABEL, expected="a DNS-1123 cluster name"))
    kserve = top.section("kserve", ("deploymentMode", "ingressDomain"))
    karmada = top.section("karmada", ("apiEndpoint", "serviceType", "nodePort", "loadBalancerSourceRanges",
                                      "etcdStorageClass", "etcdStorageSize", "apiServerCidrs",
                                      "agentCredentialGenerations", "expiryAlerts"))
    api_endpoint = karmada.str("apiEndpoint", DEFAULT_API_ENDPOINT)
    problem = api_endpoint_problem(api_endpoint, DEFAULT_RELEASE, DEFAULT_NAMESPACE)
    if problem:
        raise ConfigError("platform:karmada", "apiEndpoint", api_endpoint, problem)
    service_type, node_port, sources = _karmada_exposure(karmada)
    default_mode = kserve.enum("deploymentMode", DeploymentMode, DeploymentMode.KNATIVE)
    generations = _agent_generations(karmada)
    members, member_stacks, member_stack_refs = _members(top.list("members", []), cluster_name, stack_files,
                                                         generations)
    unknown = sorted(set(generations) - {m.name for m in members})
    if unknown:
        raise ConfigError(karmada.where, "agentCredentialGenerations", unknown, "only names of members (platform:"
                          "members): " + (", ".join(m.name for m in members) or "none"))
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
        handover.check_private_fit(f"platform:models.{dep.name}", dep.model, dep.hand_over, pools)
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
        karmada_service_type=service_type,
        karmada_node_port=node_port,
        karmada_load_balancer_sources=sources,
        karmada_etcd_storage_class=karmada.str("etcdStorageClass", None, pattern=DNS_SUBDOMAIN,
                                               expected="the name of a StorageClass (default: the cluster's "
                                                        "default StorageClass)"),
        karmada_etcd_storage_size=karmada.str("etcdStorageSize", "5Gi", pattern=r"^[1-9][0-9]*(Mi|Gi|Ti)$",
                                              expected="a size such as '5Gi'"),
        karmada_api_server_cidrs=_cidrs(karmada),
        karmada_expiry_alerts=karmada.bool("expiryAlerts", True),
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
        client_namespaces=_client_namespaces(top, _namespace(top)),
        member_stacks=member_stacks,
        member_stack_refs=member_stack_refs,
    )

