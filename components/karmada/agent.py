"""A member cluster joining Karmada in Pull mode: the karmada chart in agent mode (any cloud).

Children (named `<component name>-<part>`): the `karmada-system` Namespace and the chart's Release (`installMode:
agent`), on the provider the caller passes.

Behaviour:
- The agent dials out to the Karmada API server (`karmada_server`) with the client certificate and key issued for
  this member, and joins as `cluster_name` in Pull mode through the Cluster the private stack made for it (it may
  not create one: components/karmada/pull_member.py). Nothing has to reach the member: the private network needs
  no inbound path.
- The CA certificate, client certificate and key stay secret Outputs end to end (the Release's values are recorded
  as secret in state); nothing here formats them into a string early.
- The chart and the agent image (registry, repository and tag) are pinned to the same Karmada release
  (`components.versions.KARMADA_CHART`, `KARMADA_IMAGES`); in agent mode the chart runs no other image.
- The agent runs only on system nodes (`node_selector`, default `inference-platform.io/node-role: system`) and
  never on a GPU node (required node affinity: no `inference-platform.io/gpu-type` label): its credentials
  must not share a node with model code. (chart karmada-io/karmada v1.18.2
  `charts/karmada/templates/karmada-agent.yaml` reads `agent.nodeSelector`, `agent.affinity`,
  `agent.podAnnotations`.)
- The pod template carries a SHA-256 of the CA and client certificate (`agent.podAnnotations`): the chart keeps
  them in the Secret `karmada-agent-kubeconfig` that the Deployment mounts, and a changed Secret alone does not
  restart the pod; a changed annotation does, so a renewed certificate reaches the running agent.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.aws.eks_cluster import SYSTEM_NODE_LABEL, SYSTEM_NODE_ROLE
from components.karmada.pull_member import registration
from components.options import child_options
from components.scheduling import GPU_TYPE_LABEL
from components.versions import KARMADA_CHART, KARMADA_IMAGES

AGENT_NAMESPACE = "karmada-system"
RELEASE_TIMEOUT_S = 600
AGENT_IMAGE = KARMADA_IMAGES["agent"]
SYSTEM_NODE_SELECTOR = {SYSTEM_NODE_LABEL: SYSTEM_NODE_ROLE}
CREDENTIALS_CHECKSUM = "inference-platform.io/credentials-sha256"
# Never on a node that runs model code: every GPU node of the platform carries the GPU type label.
NOT_ON_GPU_NODES = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": GPU_TYPE_LABEL, "operator": "DoesNotExist"}]}]}}}


def credentials_checksum(ca_crt: str, crt: str) -> str:
    """SHA-256 over the CA and client certificates (public material; the key changes with the certificate)."""
    return hashlib.sha256(f"{ca_crt}\n{crt}".encode()).hexdigest()


def agent_values(cluster_name: pulumi.Input[str], cluster_endpoint: pulumi.Input[str],
                 karmada_server: pulumi.Input[str], ca_crt: pulumi.Input[str], crt: pulumi.Input[str],
                 key: pulumi.Input[str], node_selector: Optional[Mapping[str, str]] = None,
                 run: pulumi.Input[bool] = True) -> dict:
    """The chart's values for agent mode (keys as in karmada-io/karmada `charts/karmada/values.yaml`). `run`: one
    replica, or none while the member's Cluster does not carry its registration yet (the agent would stop on it)."""
    checksum = pulumi.Output.all(ca_crt, crt).apply(lambda v: credentials_checksum(v[0], v[1])) \
        if isinstance(ca_crt, pulumi.Output) or isinstance(crt, pulumi.Output) else credentials_checksum(ca_crt, crt)
    placement = {"nodeSelector": dict(SYSTEM_NODE_SELECTOR if node_selector is None else node_selector),
                 "affinity": NOT_ON_GPU_NODES, "podAnnotations": {CREDENTIALS_CHECKSUM: checksum}}
    return {
        "installMode": "agent",
        "agent": {
            "clusterName": cluster_name,
            "clusterEndpoint": cluster_endpoint,
            "kubeconfig": {"caCrt": ca_crt, "crt": crt, "key": key, "server": karmada_server},
            "image": {"registry": AGENT_IMAGE.registry, "repository": AGENT_IMAGE.repository, "tag": AGENT_IMAGE.tag,
                      "pullPolicy": "IfNotPresent"},
            "replicaCount": pulumi.Output.from_input(run).apply(lambda r: 1 if r else 0)
            if isinstance(run, pulumi.Output) else (1 if run else 0),
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
            **placement,
        },
    }


@dataclass(frozen=True)
class KarmadaAgentArgs:
    """This member as Karmada will know it (`cluster_name`, its own API endpoint `cluster_endpoint`, informational in
    Pull mode), the Karmada API server to dial (`karmada_server`, https://), the Karmada CA (`ca_crt`) and the
    member's client certificate and key (`crt`, `key`), all PEM. Pass credentials as secret Outputs.
    `registrations`: the registration each member's Cluster on the Karmada API server carries, by member name (the
    private stack's `karmadaPullClusters`); the agent gets its replica once its own (`registration`) is there
    (components/karmada/pull_member.py), and none before: it would stop on a Cluster it may not create or change.
    `node_selector`: the nodes the agent may run on (default: the system node group's label; `{}` for a cluster
    without one: then only the GPU exclusion holds)."""

    cluster_name: pulumi.Input[str]
    cluster_endpoint: pulumi.Input[str]
    karmada_server: pulumi.Input[str]
    ca_crt: pulumi.Input[str]
    crt: pulumi.Input[str]
    key: pulumi.Input[str]
    node_selector: Mapping[str, str] = field(default_factory=lambda: dict(SYSTEM_NODE_SELECTOR))
    registrations: pulumi.Input[Optional[Mapping[str, Mapping[str, str]]]] = None


class KarmadaAgent(pulumi.ComponentResource):
    """karmada-agent on a member cluster, pulling its work from the Karmada control plane. `registration`: what it
    registers this cluster with (the kube-system Namespace UID, karmada-io/karmada v1.18.2 `pkg/util/cluster.go`
    `ObtainClusterID`, and `cluster_endpoint`), for the private stack to make its Cluster from; `running`: whether
    it has its replica."""

    release: k8s.helm.v3.Release
    registration: pulumi.Output[dict]
    running: pulumi.Output[bool]

    def __init__(self, name: str, args: KarmadaAgentArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:karmada:KarmadaAgent", name, None, opts)
        cluster_id = k8s.core.v1.Namespace.get(f"{name}-kube-system", "kube-system",
                                               opts=child_options(self, opts)).metadata.uid
        self.registration = pulumi.Output.all(cluster_id, args.cluster_endpoint).apply(
            lambda v: registration(v[0], v[1]))
        self.running = pulumi.Output.all(args.cluster_name, self.registration, args.registrations).apply(
            lambda v: isinstance(v[2], Mapping) and v[2].get(v[0]) == v[1])
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=AGENT_NAMESPACE, labels={
                "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/warn": "restricted",
                "app.kubernetes.io/part-of": "inference-platform"}),
            opts=child_options(self, opts),
        )
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            name="karmada-agent",
            namespace=AGENT_NAMESPACE,
            values=agent_values(args.cluster_name, args.cluster_endpoint, args.karmada_server,
                                pulumi.Output.secret(args.ca_crt), pulumi.Output.secret(args.crt),
                                pulumi.Output.secret(args.key), args.node_selector, self.running),
            timeout=RELEASE_TIMEOUT_S,
            opts=child_options(self, opts, self.namespace),
            **KARMADA_CHART.release_source(),
        )
        self.register_outputs({"clusterName": args.cluster_name, "registration": self.registration,
                               "running": self.running})
