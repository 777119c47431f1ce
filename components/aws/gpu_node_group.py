"""One EKS managed node group of one GPU class, bought one way (Spot, or On-Demand as the fallback).

Children (named `<component name>-<part>`): the `aws.eks.NodeGroup` and one `aws.autoscaling.Tag` per
cluster-autoscaler tag on the node group's Auto Scaling group.

Behaviour:
- Nodes carry the platform's scheduling vocabulary (`components.scheduling`): the GPU type label, the capacity
  label, and `k8s.amazonaws.com/accelerator` (the label the cluster autoscaler reads to know a node has GPUs before
  the device plugin advertises them, so it does not scale up twice). Every node has the GPU taint
  `nvidia.com/gpu=present:NoSchedule`; Spot nodes also `inference-platform.io/capacity=spot:NoSchedule`.
- The group scales from zero (`min_size` 0 by default). For that the cluster autoscaler must know a node's labels,
  taints and GPU count before one exists: the ASG carries `k8s.io/cluster-autoscaler/node-template/label/<k>`,
  `.../taint/<k>` (`<value>:NoSchedule`) and `.../resources/nvidia.com/gpu`, plus the discovery tags
  `k8s.io/cluster-autoscaler/enabled` and `k8s.io/cluster-autoscaler/<cluster>` = `owned`. EKS creates the ASG, so
  the tags are separate `aws.autoscaling.Tag` resources on the ASG the node group reports.
- Instance types: every type must be in `components.aws.instance_types` (vCPUs, memory, GPUs) with exactly the
  group's GPU class and count, so the node template's GPU count is true for whichever type Spot hands out. The
  cluster autoscaler models a group's node on its FIRST type and expects every type of a group to have the same CPU
  and memory (its README): the first type must be the smallest in vCPUs and memory, and a group spans at most
  MAX_SHAPES (two) sizes. A pod that fits the first type then fits whatever type arrives; a pod asking for more
  than the first type offers never triggers a scale-up (the public stack checks this: give such models a group
  whose `instance_types` start larger). Defaults (`DEFAULT_INSTANCE_TYPES`) are the two smallest sizes per class
  and count. A Spot group needs at least MIN_SPOT_INSTANCE_TYPES (two) types: a Spot pool is one type in one
  Availability Zone and the group spans every subnet's AZ, so two types over three AZs are six pools.
- Naming: the EKS node group is named `<node_group_name>-<26-character unique suffix>` (`node_group_name_prefix`),
  so a change that forces replacement (instance types, capacity type, disk size, AMI type, subnets, node role)
  creates the new group next to the old one before deleting it, without a name collision (`delete_before_replace`
  would also avoid it, but removes the old nodes before any new group exists). The new group starts at its minimum
  size, and the autoscaler grows it as the old group's pods reschedule. Nothing depends on the exact name: the
  autoscaler discovers ASGs by tag, its IAM policy covers `nodegroup/<cluster>/*/*`, the ASG tags are set on the ASG
  the node group reports, and the expander's priorities match `asg_name_pattern(node_group_name)`. The group's
  `node_group_name` is therefore at most 36 characters (37 with the dash: the provider's limit for a prefix).
- Nodes start from a launch template (components/aws/launch_template.py) that requires IMDSv2 with a hop limit
  of 1, so pods cannot use the node role's credentials; the root volume (`disk_size_gib`) is set there.
- AMI: `AL2023_x86_64_NVIDIA` (Amazon Linux 2023 with the NVIDIA driver and container toolkit; the device plugin
  comes from the cluster add-ons). The desired size belongs to the cluster autoscaler once the group exists:
  Pulumi sets it at creation and ignores it afterwards.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from components.aws.instance_types import INSTANCE_TABLE, known_types
from components.aws.launch_template import node_group_launch_template, node_launch_template
from components.options import child_options
from components.scheduling import (CAPACITY_LABEL, EKS_CAPACITY_LABEL, GPU_RESOURCE, GPU_TYPE_LABEL, CapacityType,
                                   gpu_taint, spot_taint)
from models.spec import GpuType

GPU_AMI_TYPE = "AL2023_x86_64_NVIDIA"
ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator"
MIN_SPOT_INSTANCE_TYPES = 2
MAX_SHAPES = 2
AUTOSCALER_TAG_PREFIX = "k8s.io/cluster-autoscaler"
NODE_TEMPLATE_PREFIX = f"{AUTOSCALER_TAG_PREFIX}/node-template"
# The provider's unique suffix after a name prefix: a UTC timestamp to 1/10000 s (18 digits) and an 8-hex-digit
# counter (terraform-plugin-sdk helper/id.PrefixedUniqueId); a prefix may be 63 - 26 = 37 characters.
NAME_SUFFIX_LENGTH = 26
MAX_NODE_GROUP_NAME = 63 - NAME_SUFFIX_LENGTH - 1

# GPU class → GPUs per instance → every instance type with exactly that many GPUs of that class (from the table in
# components.aws.instance_types), smallest first.
INSTANCE_TYPES: Mapping[GpuType, Mapping[int, tuple[str, ...]]] = {
    gpu_type: {count: tuple(t.name for t in sorted(
        (t for t in INSTANCE_TABLE.values() if t.gpu_type is gpu_type and t.gpu_count == count),
        key=lambda t: (t.shape, t.name)))
        for count in sorted({t.gpu_count for t in INSTANCE_TABLE.values() if t.gpu_type is gpu_type})}
    for gpu_type in GpuType
}

# What a group of a class and count uses when `instance_types` are not given: the two smallest sizes (same family),
# so the autoscaler's model of the group (its first type) is close to every node it gets.
DEFAULT_INSTANCE_TYPES: Mapping[GpuType, Mapping[int, tuple[str, ...]]] = {
    GpuType.T4: {1: ("g4dn.xlarge", "g4dn.2xlarge"), 4: ("g4dn.12xlarge",), 8: ("g4dn.metal",)},
    GpuType.A10G: {1: ("g5.xlarge", "g5.2xlarge"), 4: ("g5.12xlarge", "g5.24xlarge"), 8: ("g5.48xlarge",)},
    GpuType.L4: {1: ("g6.xlarge", "g6.2xlarge"), 4: ("g6.12xlarge", "g6.24xlarge"), 8: ("g6.48xlarge",)},
    GpuType.A100: {8: ("p4d.24xlarge", "p4de.24xlarge")},
}

# The value of ACCELERATOR_LABEL per class (informational for the autoscaler: it checks the key).
ACCELERATOR_NAMES: Mapping[GpuType, str] = {
    GpuType.T4: "nvidia-tesla-t4", GpuType.A10G: "nvidia-a10g", GpuType.L4: "nvidia-l4",
    GpuType.A100: "nvidia-tesla-a100",
}

_EKS_TAINT_EFFECT = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}


class InstanceTypeError(ValueError):
    """No node group of that GPU class, count and capacity can be built; `field` names the culprit (`gpuCount`,
    `instanceTypes`, or `capacity` when no instance types suffice for Spot)."""

    def __init__(self, field: str, value: object, expected: str) -> None:
        self.field, self.value, self.expected = field, value, expected
        super().__init__(f"invalid {field} {value!r}: expected {expected}")


def gpu_class_of(instance_type: str) -> Optional[tuple[GpuType, int]]:
    """(GPU class, GPUs per instance) of a known instance type, None for types not in the table."""
    for gpu_type, by_count in INSTANCE_TYPES.items():
        for count, types in by_count.items():
            if instance_type in types:
                return gpu_type, count
    return None


def check_instance_types(gpu_type: GpuType, gpu_count: int, capacity: CapacityType,
                         instance_types: Optional[Sequence[str]] = None) -> tuple[str, ...]:
    """The instance types a group of `gpu_count` x `gpu_type` uses: DEFAULT_INSTANCE_TYPES by default, else the
    given ones once each is in the table with exactly that many GPUs of that class, the first is the smallest (the
    autoscaler's model of the group) and they span at most MAX_SHAPES sizes. Spot groups need
    MIN_SPOT_INSTANCE_TYPES types."""
    sizes = INSTANCE_TYPES[gpu_type]
    if gpu_count not in sizes:
        raise InstanceTypeError("gpuCount", gpu_count, f"a GPU count per node that AWS sells for "
                                f"{gpu_type.value}: " + ", ".join(str(c) for c in sorted(sizes)))
    if instance_types is None:
        chosen = DEFAULT_INSTANCE_TYPES[gpu_type][gpu_count]
    else:
        chosen = tuple(instance_types)
        if not chosen or len(set(chosen)) != len(chosen):
            raise InstanceTypeError("instanceTypes", list(chosen), "a non-empty list of distinct instance types")
        for itype in chosen:
            if itype not in INSTANCE_TABLE:
                raise InstanceTypeError("instanceTypes", list(chosen), f"instance types this platform offers "
                                        f"({itype} is not one); known: {known_types()}")
            known = gpu_class_of(itype)
            if known != (gpu_type, gpu_count):
                what = (f"{itype} has {known[1]}x {known[0].value}" if known else f"{itype} is not a known GPU type")
                raise InstanceTypeError("instanceTypes", list(chosen), f"instance types with exactly {gpu_count}x "
                                        f"{gpu_type.value} each ({what}); known: " + ", ".join(sizes[gpu_count]))
        first = INSTANCE_TABLE[chosen[0]]
        smaller = [t for t in chosen[1:] if INSTANCE_TABLE[t].vcpu < first.vcpu
                  or INSTANCE_TABLE[t].memory_gib < first.memory_gib]
        if smaller:
            raise InstanceTypeError("instanceTypes", list(chosen), "the smallest type first: the cluster autoscaler "
                                    f"models the group on {first.describe()}, but "
                                    f"{INSTANCE_TABLE[smaller[0]].describe()} is smaller, and pods it places there "
                                    "would not fit")
        shapes = sorted({INSTANCE_TABLE[t].shape for t in chosen})
        if len(shapes) > MAX_SHAPES:
            raise InstanceTypeError("instanceTypes", list(chosen), f"at most {MAX_SHAPES} sizes (vCPU, GiB) in one "
                                    "group: the cluster autoscaler models every node on the first type, so bigger "
                                    "ones are wasted; these span " + ", ".join(f"{v}/{m}" for v, m in shapes)
                                    + " (split them into groups)")
    if capacity is CapacityType.SPOT and len(chosen) < MIN_SPOT_INSTANCE_TYPES:
        if instance_types is None:
            raise InstanceTypeError("capacity", capacity.value, f"'on-demand' for {gpu_count}x {gpu_type.value}: a "
                                    f"Spot group needs at least {MIN_SPOT_INSTANCE_TYPES} instance types "
                                    "(diversification across Spot pools) and AWS sells only " + ", ".join(chosen))
        raise InstanceTypeError("instanceTypes", list(chosen), f"at least {MIN_SPOT_INSTANCE_TYPES} instance types for "
                                f"a Spot group (diversification across Spot pools); AWS sells {gpu_count}x "
                                f"{gpu_type.value} as: " + ", ".join(sizes[gpu_count]))
    return chosen


def asg_name_pattern(node_group_name: str) -> str:
    """The (Go) regular expression of the ASG EKS creates for the node group this module names
    `<node_group_name>-<unique suffix>`: EKS names it `eks-<node group name>-<uuid>`. Node group names are DNS
    labels, so they need no escaping; the fixed-width suffix keeps `t4` from matching `t4-1`'s ASG."""
    if not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", node_group_name):
        raise ValueError(f"node group name {node_group_name!r}: expected a DNS-1123 label")
    return f"^eks-{node_group_name}-[0-9a-f]{{{NAME_SUFFIX_LENGTH}}}-[0-9a-f-]+$"


def node_labels(gpu_type: GpuType, capacity: CapacityType) -> dict[str, str]:
    """Labels EKS puts on every node of the group (EKS adds `eks.amazonaws.com/capacityType` itself)."""
    return {GPU_TYPE_LABEL: gpu_type.value, CAPACITY_LABEL: capacity.value,
            ACCELERATOR_LABEL: ACCELERATOR_NAMES[gpu_type]}


def node_taints(capacity: CapacityType) -> list[dict]:
    """Taints in Kubernetes form (effect `NoSchedule`): the GPU taint, and the Spot taint on Spot groups."""
    return [gpu_taint()] + ([spot_taint()] if capacity is CapacityType.SPOT else [])


def eks_taint(taint: dict) -> aws.eks.NodeGroupTaintArgs:
    """The EKS API spells effects in upper snake case (`NO_SCHEDULE`)."""
    return aws.eks.NodeGroupTaintArgs(key=taint["key"], value=taint["value"], effect=_EKS_TAINT_EFFECT[taint["effect"]])


def node_template_tags(gpu_type: GpuType, gpu_count: int, capacity: CapacityType) -> dict[str, str]:
    """The ASG tags that let the cluster autoscaler build a node of this group from nothing."""
    tags = {f"{NODE_TEMPLATE_PREFIX}/label/{k}": v for k, v in node_labels(gpu_type, capacity).items()}
    tags[f"{NODE_TEMPLATE_PREFIX}/label/{EKS_CAPACITY_LABEL}"] = capacity.eks_value
    for taint in node_taints(capacity):
        tags[f"{NODE_TEMPLATE_PREFIX}/taint/{taint['key']}"] = f"{taint['value']}:{taint['effect']}"
    tags[f"{NODE_TEMPLATE_PREFIX}/resources/{GPU_RESOURCE}"] = str(gpu_count)
    return tags


def _tag_suffix(key: str) -> str:
    """A short, stable logical-name suffix for one node-template tag key."""
    kind, _, name = key[len(NODE_TEMPLATE_PREFIX) + 1:].partition("/")
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return f"{kind}-{slug}"


@dataclass(frozen=True)
class GpuNodeGroupArgs:
    """A node group of `gpu_count` x `gpu_type` per node in `cluster_name`, bought as `capacity` (Spot unless the
    group is the On-Demand fallback). `instance_types` default to DEFAULT_INSTANCE_TYPES of that size.
    Scales between `min_size` (0: scale from zero) and `max_size`; `desired_size` (default `min_size`) only at
    creation. `node_group_name` (default: the component's name, at most MAX_NODE_GROUP_NAME characters) is the
    prefix of the EKS name `<node_group_name>-<unique suffix>` (the ASG is then `eks-<that>-<uuid>`, matched by
    `asg_name_pattern(node_group_name)`)."""

    cluster_name: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    gpu_type: GpuType
    capacity: CapacityType = CapacityType.SPOT
    gpu_count: int = 1
    instance_types: Optional[tuple[str, ...]] = None
    min_size: int = 0
    max_size: int = 4
    desired_size: Optional[int] = None
    node_group_name: Optional[str] = None
    disk_size_gib: int = 100
    tags: Optional[Mapping[str, str]] = None


class GpuNodeGroup(pulumi.ComponentResource):
    """An EKS managed GPU node group and the ASG tags that let the cluster autoscaler scale it from zero."""

    node_group: aws.eks.NodeGroup

    def __init__(self, name: str, args: GpuNodeGroupArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:aws:GpuNodeGroup", name, None, opts)
        if not 0 <= args.min_size <= args.max_size or args.max_size < 1:
            raise ValueError(f"GpuNodeGroup {name}: sizes min {args.min_size} / max {args.max_size}: expected "
                             "0 <= min_size <= max_size and max_size >= 1")
        desired = args.min_size if args.desired_size is None else args.desired_size
        if not args.min_size <= desired <= args.max_size:
            raise ValueError(f"GpuNodeGroup {name}: desired_size {desired}: expected between min_size and max_size")
        self.instance_types = check_instance_types(args.gpu_type, args.gpu_count, args.capacity, args.instance_types)
        self.gpu_type, self.gpu_count, self.capacity = args.gpu_type, args.gpu_count, args.capacity
        self.labels = node_labels(args.gpu_type, args.capacity)
        self.taints = node_taints(args.capacity)
        self.node_group_name = args.node_group_name or name
        if not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", self.node_group_name) \
                or len(self.node_group_name) > MAX_NODE_GROUP_NAME:
            raise ValueError(f"GpuNodeGroup {name}: node_group_name {self.node_group_name!r}: expected a DNS-1123 "
                             f"label of at most {MAX_NODE_GROUP_NAME} characters (EKS adds a "
                             f"{NAME_SUFFIX_LENGTH}-character unique suffix)")
        self.node_group_name_prefix = f"{self.node_group_name}-"
        self.min_size, self.max_size = args.min_size, args.max_size

        # IMDSv2 only, hop limit 1, and the root volume (components/aws/launch_template.py): model code in pods
        # cannot reach the node role's credentials.
        self.launch_template = node_launch_template(f"{name}-launch-template", disk_size_gib=args.disk_size_gib,
                                                    tags=args.tags, opts=child_options(self, opts))
        self.node_group = aws.eks.NodeGroup(
            f"{name}-nodegroup",
            cluster_name=args.cluster_name,
            # A prefix, not a fixed name: replacements are created before the old group is deleted (module doc).
            node_group_name_prefix=self.node_group_name_prefix,
            node_role_arn=args.node_role_arn,
            subnet_ids=args.subnet_ids,
            capacity_type=args.capacity.eks_value,
            ami_type=GPU_AMI_TYPE,
            instance_types=list(self.instance_types),
            launch_template=node_group_launch_template(self.launch_template),
            labels=self.labels,
            taints=[eks_taint(t) for t in self.taints],
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(min_size=args.min_size, max_size=args.max_size,
                                                              desired_size=desired),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            tags={**(args.tags or {}), GPU_TYPE_LABEL: args.gpu_type.value, CAPACITY_LABEL: args.capacity.value},
            opts=child_options(self, opts, ignore_changes=["scalingConfig.desiredSize"]),
        )
        # EKS names the ASG; it is known once the node group exists.
        self.autoscaling_group_name = self.node_group.resources.apply(
            lambda resources: resources[0].autoscaling_groups[0].name)

        # Discovery tags (EKS sets the same two on managed node groups; writing them again is idempotent) and the
        # node template. The owner tag's key names the cluster, which may be an Output.
        owner_key = pulumi.Output.from_input(args.cluster_name).apply(lambda c: f"{AUTOSCALER_TAG_PREFIX}/{c}")
        tags: list[tuple[str, pulumi.Input[str], str]] = [
            ("autoscaler-enabled", f"{AUTOSCALER_TAG_PREFIX}/enabled", "true"),
            ("autoscaler-owner", owner_key, "owned"),
        ] + [(_tag_suffix(k), k, v)
             for k, v in node_template_tags(args.gpu_type, args.gpu_count, args.capacity).items()]
        self.tag_resources = [
            aws.autoscaling.Tag(
                f"{name}-tag-{suffix}",
                autoscaling_group_name=self.autoscaling_group_name,
                tag=aws.autoscaling.TagTagArgs(key=key, value=value, propagate_at_launch=False),
                opts=child_options(self, opts),
            )
            for suffix, key, value in tags
        ]

        self.register_outputs({"nodeGroupName": self.node_group.node_group_name,
                               "autoscalingGroupName": self.autoscaling_group_name})
