"""Typed config of a public stack (`Pulumi.public.yaml`): one EKS member of the hybrid platform.

Everything the file alone can get wrong fails here, before any resource is registered: unknown keys, bad values,
node groups that cannot be built (a Spot group with fewer than two instance types, instance types whose GPU count
differs from the group's). This file is the one declaration of the member's region and node groups: the private
stack reads it too (`platform:members` there names this stack) and checks what it plans to send here against
it (`check_member_requirements`) before any resource exists.

`platform:eks` keys: `mode` (create | existing), `clusterName`, `version` (create only: exactly
EKS_KUBERNETES_VERSION, the minor the pinned cluster autoscaler supports), `subnetIds`, `endpointPrivateAccess`
(default true), `endpointPublicAccess` (default false), `publicAccessCidrs` (IPv4 networks, required with the public
endpoint), `oidcProviderArn` (existing only), `systemNodes` ({enabled, instanceTypes (non-empty), minSize,
maxSize}) and `adminRoleArns` (create only: IAM role ARNs, e.g. the deploy/CI role, given cluster-admin EKS access
entries). With `endpointPublicAccess: false` (the default) `pulumi up` must run inside the VPC or a network joined
to it: its Kubernetes provider talks to the private API endpoint.

`platform:mesh` keys: `eastWestSourceRanges` (IPv4 networks, required): the private network's egress addresses,
the only sources the member's east-west gateway admits.
"""
from __future__ import annotations

import enum
import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping, Optional

from components.aws.eks_cluster import IAM_ROLE_ARN
from components.aws.gpu_node_group import (MAX_NODE_GROUP_NAME, InstanceTypeError, check_instance_types,
                                           node_taints)
from components.aws.instance_types import INSTANCE_TABLE, InstanceType, fit_problems
from components.karmada.requirement import ModelRequirement
from components.scheduling import CapacityType, tolerates
from components.versions import EKS_KUBERNETES_VERSION
from models.errors import ConfigError
from models.spec import GpuType, WorkloadClass, parse_quantity
from stacks.config_reader import DNS_LABEL, REGION, Section, text_problem
from stacks.names import check_karmada_cluster_name

STACK_NAME = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
CLUSTER_NAME = r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$"  # IAM role names built from it stay under 64 characters
SUBNET_ID = r"^subnet-[0-9a-f]{8,17}$"
IAM_OIDC_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/.+$"


class ClusterMode(enum.Enum):
    CREATE = "create"
    EXISTING = "existing"


@dataclass(frozen=True)
class SystemNodes:
    enabled: bool
    instance_types: tuple[str, ...]
    min_size: int
    max_size: int


@dataclass(frozen=True)
class EksConfig:
    mode: ClusterMode
    cluster_name: str
    version: str
    subnet_ids: tuple[str, ...]
    endpoint_private_access: bool
    endpoint_public_access: bool
    public_access_cidrs: tuple[str, ...]
    oidc_provider_arn: Optional[str]
    system_nodes: SystemNodes
    admin_role_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class GpuNodeGroupConfig:
    """One entry of `platform:gpuNodeGroups`; `instance_types` are resolved (table defaults filled in)."""

    name: str
    gpu_type: GpuType
    gpu_count: int
    capacity: CapacityType
    instance_types: tuple[str, ...]
    min_size: int
    max_size: int
    desired_size: Optional[int]

    @property
    def taints(self) -> list[dict]:
        return node_taints(self.capacity)

    def describe(self) -> str:
        return f"{self.name} ({self.gpu_count}x {self.gpu_type.value}, {self.capacity.value})"


@dataclass(frozen=True)
class MeshConfig:
    """`platform:mesh`: `eastWestSourceRanges`, the private network's egress CIDRs, the only sources the
    east-west gateway's load balancer admits (components/mesh/east_west.py)."""

    east_west_source_ranges: tuple[str, ...]


@dataclass(frozen=True)
class PublicStackConfig:
    private_stack: str
    member_name: str
    region: str
    eks: EksConfig
    gpu_node_groups: tuple[GpuNodeGroupConfig, ...]
    mesh: MeshConfig

    def node_group_name(self, group: GpuNodeGroupConfig) -> str:
        """The node group's name in this platform (placements, exports) and the prefix of its EKS name
        `<this>-<unique suffix>` (unique in the cluster, readable in the ASG name `eks-<EKS name>-<uuid>`)."""
        return f"{self.member_name}-{group.name}"


_EKS_KEYS = ("mode", "clusterName", "version", "subnetIds", "endpointPrivateAccess", "endpointPublicAccess",
             "publicAccessCidrs", "oidcProviderArn", "systemNodes", "adminRoleArns")
_GROUP_KEYS = ("name", "gpuType", "gpuCount", "capacity", "instanceTypes", "minSize", "maxSize", "desiredSize")


def _str_list(where: str, key: str, value: Any, pattern: Optional[str], expected: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(where, key, value, f"a list of {expected}")
    for v in value:
        if pattern and not re.fullmatch(pattern, v) or text_problem(v):
            raise ConfigError(where, key, v, expected + (f", with {text_problem(v)}" if text_problem(v) else ""))
    return tuple(value)


def _ipv4_cidrs(s: Section, key: str, why_v4: str) -> tuple[str, ...]:
    cidrs = _str_list(s.where, key, s.raw(key, []), None, "CIDRs like '203.0.113.0/24'")
    for c in cidrs:
        try:
            if "/" not in c:
                raise ValueError("no prefix length")
            network = ipaddress.ip_network(c, strict=True)
        except ValueError as err:
            raise ConfigError(s.where, key, c, f"an IPv4 network like '203.0.113.0/24' ({err})") from None
        if network.version != 4:
            raise ConfigError(s.where, key, c, f"an IPv4 network like '203.0.113.0/24' ({why_v4})")
    return cidrs


def _mesh(s: Section) -> MeshConfig:
    ranges = _ipv4_cidrs(s, "eastWestSourceRanges", "the load balancer's allow-list is IPv4 here")
    if not ranges:
        raise ConfigError(s.where, "eastWestSourceRanges", [], "the private network's egress CIDRs: the only "
                          "addresses the east-west gateway's load balancer admits (port 15443)")
    return MeshConfig(east_west_source_ranges=ranges)


def _eks(s: Section, member: str) -> EksConfig:
    mode = s.enum("mode", ClusterMode, ClusterMode.CREATE)
    cluster_name = s.str("clusterName", member, pattern=CLUSTER_NAME,
                         expected="an EKS cluster name: lower-case DNS label of at most 40 characters")
    version = s.str("version", EKS_KUBERNETES_VERSION, pattern=r"^1\.\d+$",
                    expected=f"a Kubernetes minor like {EKS_KUBERNETES_VERSION!r}")
    if mode is ClusterMode.CREATE and version != EKS_KUBERNETES_VERSION:
        raise ConfigError(s.where, "version", version, f"{EKS_KUBERNETES_VERSION!r}: the cluster-autoscaler pinned in "
                          "components/versions.py supports only its own Kubernetes minor (bump both together)")
    if mode is ClusterMode.EXISTING and "version" in s.data:
        raise ConfigError(s.where, "version", version, "no version for mode 'existing' (the cluster keeps its own)")
    subnets = _str_list(s.where, "subnetIds", s.raw("subnetIds"), SUBNET_ID, "subnet IDs like 'subnet-0abc1234'")
    if not subnets:
        raise ConfigError(s.where, "subnetIds", [], "at least one subnet for the node groups (private subnets)")
    private = s.bool("endpointPrivateAccess", True)
    public = s.bool("endpointPublicAccess", False)
    if not (private or public):
        raise ConfigError(s.where, "endpointPrivateAccess", private, "true when endpointPublicAccess is false "
                          "(the API server needs an endpoint)")
    cidrs = _ipv4_cidrs(s, "publicAccessCidrs", "the EKS public endpoint's allow-list is IPv4")
    if public and not cidrs:
        raise ConfigError(s.where, "publicAccessCidrs", [], "the CIDRs allowed to reach the public endpoint "
                          "(required when endpointPublicAccess is true)")
    if cidrs and not public:
        raise ConfigError(s.where, "publicAccessCidrs", list(cidrs), "no CIDRs while endpointPublicAccess is false")
    oidc = s.str("oidcProviderArn", None, pattern=IAM_OIDC_ARN, expected="an IAM OIDC provider ARN")
    if oidc and mode is ClusterMode.CREATE:
        raise ConfigError(s.where, "oidcProviderArn", oidc, "no ARN for mode 'create' (the stack creates the provider)")
    sysn = s.section("systemNodes", ("enabled", "instanceTypes", "minSize", "maxSize"))
    system = SystemNodes(
        enabled=sysn.bool("enabled", mode is ClusterMode.CREATE),
        instance_types=_str_list(sysn.where, "instanceTypes", sysn.raw("instanceTypes", ["m6i.large", "m6a.large",
                                                                                          "m5.large"]),
                                 r"^[a-z0-9-]+\.[a-z0-9]+$", "EC2 instance types"),
        min_size=sysn.int("minSize", 2, minimum=1),
        max_size=sysn.int("maxSize", 4, minimum=1),
    )
    if not system.instance_types or len(set(system.instance_types)) != len(system.instance_types):
        raise ConfigError(sysn.where, "instanceTypes", list(system.instance_types),
                          "a non-empty list of distinct EC2 instance types")
    if system.min_size > system.max_size:
        raise ConfigError(sysn.where, "minSize", system.min_size, f"at most maxSize ({system.max_size})")
    admins = _str_list(s.where, "adminRoleArns", s.raw("adminRoleArns", []), IAM_ROLE_ARN,
                       "IAM role ARNs like 'arn:aws:iam::123456789012:role/deploy'")
    if admins and mode is not ClusterMode.CREATE:
        raise ConfigError(s.where, "adminRoleArns", list(admins), "no ARNs for mode 'existing' (the stack does not "
                          "manage an adopted cluster's access entries)")
    if len(set(admins)) != len(admins):
        raise ConfigError(s.where, "adminRoleArns", list(admins), "distinct ARNs")
    if mode is ClusterMode.CREATE and not admins:
        raise ConfigError(s.where, "adminRoleArns", [], "at least one IAM role ARN for mode 'create' (the cluster "
                          "creator gets no admin of its own: bootstrapClusterCreatorAdminPermissions is false; run "
                          "`pulumi up` as one of these roles)")
    return EksConfig(mode=mode, cluster_name=cluster_name, version=version, subnet_ids=subnets,
                     endpoint_private_access=private, endpoint_public_access=public, public_access_cidrs=cidrs,
                     oidc_provider_arn=oidc, system_nodes=system, admin_role_arns=admins)


def _group(i: int, raw: Any) -> GpuNodeGroupConfig:
    where = f"platform:gpuNodeGroups[{i}]"
    s = Section(where, raw, _GROUP_KEYS)
    name = s.str("name", pattern=DNS_LABEL, expected="a DNS-1123 label like 't4-spot'")
    gpu_type = s.enum("gpuType", GpuType)
    gpu_count = s.int("gpuCount", 1, minimum=1, maximum=8)
    capacity = s.enum("capacity", CapacityType, CapacityType.SPOT)
    given = None
    if "instanceTypes" in s.data:
        given = _str_list(where, "instanceTypes", s.raw("instanceTypes"), None, "EC2 instance types")
    try:
        instance_types = check_instance_types(gpu_type, gpu_count, capacity, given)
    except InstanceTypeError as err:
        raise ConfigError(where, err.field, err.value, err.expected) from None
    min_size = s.int("minSize", 0)
    max_size = s.int("maxSize", minimum=1)
    if min_size > max_size:
        raise ConfigError(where, "minSize", min_size, f"at most maxSize ({max_size})")
    desired = s.int("desiredSize", None)
    if desired is not None and not min_size <= desired <= max_size:
        raise ConfigError(where, "desiredSize", desired, f"between minSize ({min_size}) and maxSize ({max_size})")
    return GpuNodeGroupConfig(name=name, gpu_type=gpu_type, gpu_count=gpu_count, capacity=capacity,
                              instance_types=instance_types, min_size=min_size, max_size=max_size,
                              desired_size=desired)


def read_public_config(values: Mapping[str, object], region: Optional[str]) -> PublicStackConfig:
    """`values`: the `platform` namespace of the stack config without the prefix; `region`: `aws:region`."""
    top = Section("platform", values, ("privateStack", "memberName", "eks", "gpuNodeGroups", "mesh"), namespace=True)
    if not isinstance(region, str) or not re.fullmatch(REGION, region):
        raise ConfigError("aws", "region", region, "an AWS region like 'us-east-1' (set aws:region)")
    private_stack = top.str("privateStack", pattern=STACK_NAME,
                            expected="a stack reference '<organization>/<project>/<stack>'")
    member = check_karmada_cluster_name("platform", "memberName", top.str(
        "memberName", pattern=DNS_LABEL, expected="the member's name as the private stack lists it under "
        "platform:members (a DNS-1123 label)"))
    eks = _eks(Section("platform:eks", top.raw("eks"), _EKS_KEYS), member)
    groups = tuple(_group(i, raw) for i, raw in enumerate(top.list("gpuNodeGroups")))
    if not groups:
        raise ConfigError("platform", "gpuNodeGroups", [], "at least one GPU node group")
    seen: set[str] = set()
    for i, g in enumerate(groups):
        if g.name in seen:
            raise ConfigError(f"platform:gpuNodeGroups[{i}]", "name", g.name, "a name unique among gpuNodeGroups")
        seen.add(g.name)
        if len(f"{member}-{g.name}") > MAX_NODE_GROUP_NAME:
            raise ConfigError(f"platform:gpuNodeGroups[{i}]", "name", g.name,
                              f"a name that keeps '<memberName>-<name>' within {MAX_NODE_GROUP_NAME} characters (the "
                              "EKS node group name adds a dash and a 26-character unique suffix, 63 in all)")
    mesh = _mesh(Section("platform:mesh", top.raw("mesh"), ("eastWestSourceRanges",)))
    return PublicStackConfig(private_stack=private_stack, member_name=member, region=region, eks=eks,
                             gpu_node_groups=groups, mesh=mesh)


# --- Checks against the private stack's outputs (run when they arrive, inside an apply) ---------------------------

def _offers(groups: tuple[GpuNodeGroupConfig, ...]) -> str:
    return ", ".join(g.describe() for g in groups) or "no GPU node groups"


def _first_type(group: GpuNodeGroupConfig) -> InstanceType:
    return INSTANCE_TABLE[group.instance_types[0]]  # check_instance_types admitted only types of the table


def _request(where: str, key: str, value: str) -> Fraction:
    try:
        amount = parse_quantity(value)
    except ValueError:
        raise ConfigError(where, key, value, "a Kubernetes quantity such as '500m', '4' or '16Gi'") from None
    if amount <= 0:
        raise ConfigError(where, key, value, "a positive Kubernetes quantity")
    return amount


def plan_fingerprint(cfg: PublicStackConfig) -> str:
    """A short digest of what the private stack plans against (member, region, every node group as built). The
    private stack records it in the contract; this stack refuses a contract planned against another version."""
    facts = [cfg.member_name, cfg.region, [[g.name, g.gpu_type.value, g.gpu_count, g.capacity.value, g.min_size,
                                             g.max_size, list(g.instance_types)] for g in cfg.gpu_node_groups]]
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]


def check_member_requirements(cfg: PublicStackConfig, requirements: tuple[ModelRequirement, ...],
                              where: str) -> None:
    """Check what the private stack's plan sends this member against this member's node groups.

    Run by the private stack while it plans (it reads this stack's file), so a model no group can hold fails
    before any resource of either stack exists. Every GPU model must fit a node group here (type, and count per
    node), tolerate all of that group's taints, and a model that needs Spot (batch class) must fit a Spot group.
    An `elastic` model needs a group that holds it with minSize >= 1: Karmada sends overflow only to nodes that
    exist. `cpu` and `memory` (a replica's requests) must fit the group's FIRST instance type minus the node
    reserve of `components.aws.instance_types` (OS, EKS kube-reserved, eviction threshold, DaemonSets): the
    cluster autoscaler models a group on its first type and never scales a group up for a pod that does not fit
    it. Raises ConfigError naming `where`, the model, the field, the value and what exists."""
    for req in requirements:
        _check_fits(cfg, req, where)


def _check_fits(cfg: PublicStackConfig, req: ModelRequirement, where: str) -> None:
    model = req.model
    at = f"{where} (model {model!r})"
    tolerations = [dict(t) for t in req.tolerations]
    if not req.gpu_count:
        if req.needs_spot:  # CPU-only batch work would land on the On-Demand system nodes
            raise ConfigError(at, "needsSpot", True, "a GPU model (this member offers Spot only as GPU "
                              "node groups: " + _offers(cfg.gpu_node_groups) + ")")
        return
    gpu_value = req.gpu_type.value
    of_type = [g for g in cfg.gpu_node_groups if g.gpu_type is req.gpu_type]
    if not of_type:
        raise ConfigError(at, "gpuType", gpu_value, "a GPU type this member's platform:gpuNodeGroups offer: "
                          + _offers(cfg.gpu_node_groups))
    big_enough = [g for g in of_type if g.gpu_count >= req.gpu_count]
    if not big_enough:
        raise ConfigError(at, "gpuCount", req.gpu_count, f"at most the GPUs per node of a {gpu_value} group "
                          "here: " + _offers(tuple(of_type)))
    candidates = big_enough
    if req.needs_spot:
        candidates = [g for g in big_enough if g.capacity is CapacityType.SPOT]
        if not candidates:
            raise ConfigError(at, "needsSpot", True, f"a Spot node group with {req.gpu_count}x {gpu_value} or "
                              "more in platform:gpuNodeGroups (batch work runs on public Spot only); this "
                              "member offers: " + _offers(cfg.gpu_node_groups))
    fits = [g for g in candidates if all(tolerates(tolerations, t) for t in g.taints)]
    if not fits:
        closest = candidates[0]
        missing = [t for t in closest.taints if not tolerates(tolerations, t)]
        raise ConfigError(at, "tolerations", tolerations, "tolerations for the taints of a node group that "
                          f"holds it: {closest.name} needs " + ", ".join(
                              f"{t['key']}={t['value']}:{t['effect']}" for t in missing)
                          + " (node groups: " + _offers(tuple(candidates)) + ")")
    cpu, memory = _request(at, "cpu", req.cpu), _request(at, "memory", req.memory)
    sized = [g for g in fits if not fit_problems(_first_type(g), cpu, memory)]
    if not sized:
        group = fits[0]
        first = _first_type(group)
        problems = fit_problems(first, cpu, memory)
        field = problems[0][0]
        raise ConfigError(at, field, getattr(req, field), f"requests that fit node group {group.name}'s first "
                          f"instance type {first.describe()}, which the cluster autoscaler models the group on: "
                          + "; ".join(text for _, text in problems)
                          + " (allocatable = the type minus the node reserve: OS 7.5 % of memory, EKS "
                          "kube-reserved, eviction 100Mi, DaemonSets); start its instanceTypes with a larger "
                          "type, or lower the model's requests")
    if req.workload_class is WorkloadClass.ELASTIC and not any(g.min_size >= 1 for g in sized):
        raise ConfigError(f"{where} platform:gpuNodeGroups[{cfg.gpu_node_groups.index(sized[0])}] "
                          f"({sized[0].name})", "minSize", sized[0].min_size,
                          f"at least 1 for a group that takes model {model!r}'s elastic overflow: Karmada "
                          "divides replicas by the nodes a member has now (it cannot see the cluster "
                          "autoscaler), so a group at zero nodes never receives any; or leave this member "
                          "out of the private stack's platform:members")
