"""What GPU Spot node groups need in the cluster: the NVIDIA device plugin and the cluster autoscaler. Each is an
upstream chart, pinned in `components.versions` with every image it runs, installed as a
`kubernetes.helm.v3.Release` (its values are inputs, visible in a preview and in the offline render).

Children (named `<component name>-<part>`), all in `kube-system`, on the provider the caller passes:
- `-nvidia-device-plugin`: advertises `nvidia.com/gpu` on every GPU node. It tolerates the GPU and Spot taints and
  selects nodes by the platform's GPU type label (the chart's default affinity wants Node Feature Discovery labels,
  which EKS nodes do not have, so it is replaced).
- `-cluster-autoscaler`: discovers this cluster's ASGs by tag, runs as `kube-system/cluster-autoscaler` with the IRSA
  role, and expands by `priority,least-waste`: Spot groups first (priority 50), their On-Demand fallbacks next (10),
  anything else last (1). When Spot cannot be had, the autoscaler backs the Spot group off and the next priority
  wins, so pods that tolerate Spot still get a node. Node provisioning may take 15 minutes (GPU AMIs start slowly).

Spot interruptions need no add-on: every node group is an EKS managed node group, whose Spot nodes EKS replaces
and drains itself on a rebalance recommendation (Capacity Rebalancing). aws-node-termination-handler's README
(aws/aws-node-termination-handler v1.25.1, chart 0.27.1, README.md line 41): "If you're using EKS managed node
groups, you don't need the aws-node-termination-handler".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.aws.eks_cluster import AUTOSCALER_NAMESPACE, AUTOSCALER_SERVICE_ACCOUNT
from components.aws.gpu_node_group import asg_name_pattern
from components.options import child_options
from components.scheduling import GPU_TYPE_LABEL, CapacityType, gpu_tolerations, spot_tolerations
from components.versions import (CLUSTER_AUTOSCALER_CHART, CLUSTER_AUTOSCALER_IMAGE, NVIDIA_DEVICE_PLUGIN_CHART,
                                 NVIDIA_DEVICE_PLUGIN_IMAGE, Chart)
from models.spec import GpuType

SPOT_PRIORITY = 50
ON_DEMAND_PRIORITY = 10
DEFAULT_PRIORITY = 1
MAX_NODE_PROVISION_TIME = "15m0s"
RELEASE_TIMEOUT_S = 600


@dataclass(frozen=True)
class NodeGroupRef:
    """A node group the autoscaler should rank: the `node_group_name` GpuNodeGroup got (the prefix of its EKS
    name) and how it is bought."""

    name: str
    capacity: CapacityType




def expander_priorities(node_groups: Sequence[NodeGroupRef]) -> dict[str, list[str]]:
    """The priority expander's table: Spot groups above their On-Demand fallbacks above anything else."""
    spot = [asg_name_pattern(g.name) for g in node_groups if g.capacity is CapacityType.SPOT]
    on_demand = [asg_name_pattern(g.name) for g in node_groups if g.capacity is CapacityType.ON_DEMAND]
    table = {str(DEFAULT_PRIORITY): [".*"]}
    if on_demand:
        table[str(ON_DEMAND_PRIORITY)] = on_demand
    if spot:
        table[str(SPOT_PRIORITY)] = spot
    return table


def device_plugin_values() -> dict:
    return {
        "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}] + gpu_tolerations() + spot_tolerations(),
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": GPU_TYPE_LABEL, "operator": "In", "values": [g.value for g in GpuType]}]},
        ]}}},
        "priorityClassName": "system-node-critical",
        "image": {"repository": NVIDIA_DEVICE_PLUGIN_IMAGE.repository, "tag": NVIDIA_DEVICE_PLUGIN_IMAGE.tag},
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "128Mi"}},
    }


def cluster_autoscaler_values(cluster_name: str, region: str, role_arn: pulumi.Input[str],
                              node_groups: Sequence[NodeGroupRef]) -> dict:
    return {
        "cloudProvider": "aws",
        "awsRegion": region,
        "autoDiscovery": {"clusterName": cluster_name},
        "image": {"repository": CLUSTER_AUTOSCALER_IMAGE.repository, "tag": CLUSTER_AUTOSCALER_IMAGE.tag},
        "rbac": {"create": True, "serviceAccount": {
            "create": True, "name": AUTOSCALER_SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn}}},
        "extraArgs": {
            "expander": "priority,least-waste",
            "balance-similar-node-groups": True,
            "skip-nodes-with-local-storage": False,
            "max-node-provision-time": MAX_NODE_PROVISION_TIME,
        },
        "expanderPriorities": expander_priorities(node_groups),
        "priorityClassName": "system-cluster-critical",
        "resources": {"requests": {"cpu": "100m", "memory": "300Mi"}, "limits": {"cpu": "1", "memory": "600Mi"}},
    }


@dataclass(frozen=True)
class ClusterAddonsArgs:
    """The add-ons of EKS cluster `cluster_name` in `region`; the autoscaler assumes `autoscaler_role_arn` (IRSA) and
    ranks `node_groups` Spot-first."""

    cluster_name: str
    region: str
    autoscaler_role_arn: pulumi.Input[str]
    node_groups: tuple[NodeGroupRef, ...] = ()


class ClusterAddons(pulumi.ComponentResource):
    """NVIDIA device plugin and cluster autoscaler as pinned Helm releases."""

    device_plugin: k8s.helm.v3.Release
    cluster_autoscaler: k8s.helm.v3.Release

    def __init__(self, name: str, args: ClusterAddonsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:aws:ClusterAddons", name, None, opts)

        def release(part: str, chart: Chart, values: dict) -> k8s.helm.v3.Release:
            return k8s.helm.v3.Release(
                f"{name}-{part}", name=part, namespace=AUTOSCALER_NAMESPACE, values=values, timeout=RELEASE_TIMEOUT_S,
                opts=child_options(self, opts), **chart.release_source())

        self.device_plugin = release("nvidia-device-plugin", NVIDIA_DEVICE_PLUGIN_CHART, device_plugin_values())
        self.cluster_autoscaler = release(
            "cluster-autoscaler", CLUSTER_AUTOSCALER_CHART,
            cluster_autoscaler_values(args.cluster_name, args.region, args.autoscaler_role_arn, args.node_groups))
        self.register_outputs({})
