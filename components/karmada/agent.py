"""A member cluster joining Karmada in Pull mode: the karmada chart in agent mode (any cloud).

Children (named `<component name>-<part>`): the `karmada-system` Namespace and the chart's Release (`installMode:
agent`), on the provider the caller passes.

Behaviour:
- The agent dials out to the Karmada API server (`karmada_server`) with the client certificate and key issued for
  this member, and registers the member as `cluster_name` with `spec.syncMode: Pull`. Nothing has to reach the
  member: the private network needs no inbound path.
- The CA certificate, client certificate and key stay secret Outputs end to end (the Release's values are recorded
  as secret in state); nothing here formats them into a string early.
- The chart and the agent image (registry, repository and tag) are pinned to the same Karmada release
  (`components.versions.KARMADA_CHART`, `KARMADA_IMAGES`); in agent mode the chart runs no other image.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.options import child_options
from components.versions import KARMADA_CHART, KARMADA_IMAGES

AGENT_NAMESPACE = "karmada-system"
RELEASE_TIMEOUT_S = 600
AGENT_IMAGE = KARMADA_IMAGES["agent"]


def agent_values(cluster_name: pulumi.Input[str], cluster_endpoint: pulumi.Input[str],
                 karmada_server: pulumi.Input[str], ca_crt: pulumi.Input[str], crt: pulumi.Input[str],
                 key: pulumi.Input[str]) -> dict:
    """The chart's values for agent mode (keys as in karmada-io/karmada `charts/karmada/values.yaml`)."""
    return {
        "installMode": "agent",
        "agent": {
            "clusterName": cluster_name,
            "clusterEndpoint": cluster_endpoint,
            "kubeconfig": {"caCrt": ca_crt, "crt": crt, "key": key, "server": karmada_server},
            "image": {"registry": AGENT_IMAGE.registry, "repository": AGENT_IMAGE.repository, "tag": AGENT_IMAGE.tag,
                      "pullPolicy": "IfNotPresent"},
            "replicaCount": 1,
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        },
    }


@dataclass(frozen=True)
class KarmadaAgentArgs:
    """This member as Karmada will know it (`cluster_name`, its own API endpoint `cluster_endpoint`, informational in
    Pull mode), the Karmada API server to dial (`karmada_server`, https://), the Karmada CA (`ca_crt`) and the
    member's client certificate and key (`crt`, `key`), all PEM. Pass credentials as secret Outputs."""

    cluster_name: pulumi.Input[str]
    cluster_endpoint: pulumi.Input[str]
    karmada_server: pulumi.Input[str]
    ca_crt: pulumi.Input[str]
    crt: pulumi.Input[str]
    key: pulumi.Input[str]


class KarmadaAgent(pulumi.ComponentResource):
    """karmada-agent on a member cluster, pulling its work from the Karmada control plane."""

    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: KarmadaAgentArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:karmada:KarmadaAgent", name, None, opts)
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
                                pulumi.Output.secret(args.key)),
            timeout=RELEASE_TIMEOUT_S,
            opts=child_options(self, opts, self.namespace),
            **KARMADA_CHART.release_source(),
        )
        self.register_outputs({"clusterName": args.cluster_name})
