"""A public member's `Cluster` object on the Karmada API server, made by the private stack, not by the member's agent.

Why: an agent that may create Cluster objects can, with a stolen key, register a Push cluster that points at an
endpoint of its choosing and names the private member's token Secret; Karmada's controllers would then hand that
token over. RBAC cannot limit `create` to one name, and Cluster objects are served by karmada-aggregated-apiserver,
which runs no admission chain. So the private stack creates each Pull member's Cluster itself and the agents get no
`create` on clusters at all (components/karmada/control_plane.py `agent_rbac`).

What the agent does with a Cluster that exists (karmada-io/karmada v1.18.2):
- `cmd/agent/app/agent.go` reads the member's kube-system Namespace UID as the cluster ID and calls
  `ClusterRegisterOption.Validate` (`pkg/util/cluster.go`): a Cluster of the same name is accepted only if its
  `spec.id` is that UID ("sameCluster"); any other `spec.id` stops the agent ("has been registered"). The member's
  stack therefore exports its kube-system UID (`karmadaRegistration`), and this Cluster carries it.
- `generateClusterInControllerPlane` (agent.go) then runs `CreateOrUpdateClusterObject` (`pkg/util/cluster.go`): the
  Cluster exists, so it applies its mutate function to it and writes it back only if the spec changed. The mutate
  function sets `syncMode: Pull`, `apiEndpoint` (the chart's `agent.clusterEndpoint`), `proxyURL` (empty: no
  `--proxy-server-address`, no proxy in an in-cluster config), `id`, `insecureSkipTLSVerification` (false in-cluster)
  and, with the default `--report-secrets=KubeCredentials,KubeImpersonator` (the chart sets no other), `secretRef`
  = karmada-cluster/<name> and `impersonatorSecretRef` = karmada-cluster/<name>-impersonator
  (`pkg/util/credential.go` `RegisterClusterInControllerPlane`, `names.GenerateImpersonationSecretName`); provider,
  region and zones only when given (the chart passes none). `pull_cluster_spec` writes exactly those fields, so
  the agent finds nothing to change and needs no `update` on its Cluster either.
- The aggregated API server's `PrepareForCreate` (`pkg/registry/cluster/strategy.go`) only resets status and may
  default `resourceModels`, a field the mutate function does not touch.

Until the member's stack has exported its registration (the first run of the private stack), the Cluster is made
without `id` and `apiEndpoint`; the member's agent runs only once the Cluster carries its registration, both
fields (`karmadaPullClusters`, read by the member's stack), so it never meets a Cluster it would have to change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.karmada.member import CLUSTER_API_VERSION, CLUSTER_KIND, CLUSTER_SECRETS_NAMESPACE
from components.options import child_options
from components.member_output import check_member_output

# The member's stack output the private stack reads (written by the public stack: `registration`), and the private
# stack's output that answers it ({member: the registration its Cluster carries}).
REGISTRATION_OUTPUT = "karmadaRegistration"
REGISTRATION_KEYS = ("clusterId", "apiEndpoint")
PULL_CLUSTERS_OUTPUT = "karmadaPullClusters"


def registration(cluster_id: str, api_endpoint: str) -> dict:
    """What identifies a member to Karmada as its agent registers it: the kube-system Namespace UID and the API
    endpoint the agent reports (the chart's `agent.clusterEndpoint`)."""
    return {"clusterId": cluster_id, "apiEndpoint": api_endpoint}


def check_registration(value: Any, where: str) -> Optional[dict]:
    """The member's `karmadaRegistration` output as it arrives: None before the member's stack ran, else
    {clusterId, apiEndpoint}; anything else fails with one line naming the output."""
    return check_member_output(value, where, REGISTRATION_KEYS, "apiEndpoint")


def pull_cluster_spec(cluster_name: str, registration: Optional[Mapping[str, str]]) -> dict:
    """The Pull member's `Cluster` spec: what the member's agent would write itself (module docstring)."""
    spec: dict = {"syncMode": "Pull",
                  "secretRef": {"namespace": CLUSTER_SECRETS_NAMESPACE, "name": cluster_name},
                  "impersonatorSecretRef": {"namespace": CLUSTER_SECRETS_NAMESPACE,
                                            "name": f"{cluster_name}-impersonator"}}
    if registration is not None:
        spec["id"] = registration["clusterId"]
        spec["apiEndpoint"] = registration["apiEndpoint"]
    return spec


@dataclass(frozen=True)
class PullMemberArgs:
    """`cluster_name`: the member's name in Karmada (its agent's `agent.clusterName`); `registration`: its stack's
    `karmadaRegistration` output as `check_registration` returns it (None until that stack ran); `labels` on the
    Cluster. Pass the Karmada API server's provider in `opts`, and make the Cluster depend on the member's agent
    RBAC there: on removal Pulumi then deletes the Cluster first, and Karmada finishes deleting it only once the
    member's agent, still authorised, has released its Works (v1.18.2 `pkg/controllers/cluster/
    cluster_controller.go` keeps the finalizer until the execution space is gone; `pkg/controllers/execution/
    execution_controller.go` leaves a Pull member's Works to its agent)."""

    cluster_name: str
    registration: pulumi.Input[Optional[Mapping[str, str]]]
    labels: Mapping[str, str] = field(default_factory=dict)


class PullMember(pulumi.ComponentResource):
    """A Pull member's Cluster object. `registration`: the registration it carries, None until the member's stack
    has exported it."""

    cluster: k8s.apiextensions.CustomResource
    registration: pulumi.Output[Optional[dict]]

    def __init__(self, name: str, args: PullMemberArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:karmada:PullMember", name, None, opts)
        self.registration = pulumi.Output.from_input(args.registration)
        self.cluster = k8s.apiextensions.CustomResource(
            f"{name}-cluster", api_version=CLUSTER_API_VERSION, kind=CLUSTER_KIND,
            metadata={"name": args.cluster_name, "labels": dict(args.labels)},
            spec=self.registration.apply(lambda r: pull_cluster_spec(args.cluster_name, r)),
            opts=child_options(self, opts))
        self.register_outputs({"cluster": args.cluster_name, "registration": self.registration})
