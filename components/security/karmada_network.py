"""Network policy for Karmada's own namespace on the private cluster: the controllers reach only declared members,
and etcd admits only the two API servers.

Why (issue 13, finding 1): Karmada's controllers dial whatever `apiEndpoint` a Cluster object names, with the token
its `secretRef` names. Cluster objects are served by karmada-aggregated-apiserver, which runs no admission chain
(karmada-io/karmada v1.18.2 `cmd/aggregated-apiserver/app/options/options.go`: no admission options), so no
admission policy can refuse a forged one, and a Pull agent may create Clusters (its registration needs it). What
stops a forged Cluster from receiving the private member's token is that nothing in `karmada-system` can open a
connection anywhere but to its own namespace, cluster DNS, and the declared members' API servers.

What a NetworkPolicy can and cannot say here:
- Members are addressed by IP only (`ipBlock`): `member_api_cidrs` must list the addresses the declared Push
  members' API servers resolve to, after any Service translation — for the private cluster, the API server's own
  endpoint addresses (`kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`), since the
  CNI evaluates the `kubernetes` Service's traffic after DNAT. A policy cannot name a host, so a CIDR shared with
  other services admits those too; keep the CIDRs to the API servers' /32s.
- Pull members need no egress: their agents dial in.
- The policy is enforced only by a CNI that implements NetworkPolicy egress rules (Calico, Cilium, ...).

Children (named `<component name>-<part>`): NetworkPolicies `karmada-egress` (every pod in the namespace) and
`karmada-etcd-ingress` (the chart's etcd pods, label `app: etcd`: chart `templates/_helpers.tpl`
`karmada.etcd.labels`; API servers labelled `app: karmada-apiserver` / `karmada-aggregated-apiserver` by the chart's values).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.options import child_options
from components.security.cluster_dns import dns_egress_rule
ETCD_CLIENT_PORT = 2379


@dataclass(frozen=True)
class KarmadaNetworkArgs:
    """`member_api_cidrs`: the declared Push members' API server addresses (see the module docstring) on
    `member_api_port` (the endpoints' port, 6443 for kubeadm clusters: the policy sees traffic after the
    `kubernetes` Service's 443 is translated). `namespace`: the control plane's."""

    member_api_cidrs: tuple[str, ...]
    member_api_port: int = 6443
    namespace: str = "karmada-system"

    def __post_init__(self) -> None:
        if not self.member_api_cidrs:
            raise ValueError("member_api_cidrs: expected the API server address(es) of every Push member")
        for cidr in self.member_api_cidrs:
            try:
                net = ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                raise ValueError(f"member_api_cidrs: got {cidr!r}, expected a CIDR such as '10.0.0.10/32'") from None
            if net.prefixlen == 0:
                raise ValueError(f"member_api_cidrs: got {cidr!r}, expected the API servers, not everything")


def egress_policy(args: KarmadaNetworkArgs) -> dict:
    """Every pod in the namespace: its own namespace, cluster DNS, the members' API servers; nothing else."""
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "karmada-egress", "namespace": args.namespace},
        "spec": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [{"podSelector": {}}]},
                dns_egress_rule(),
                {"to": [{"ipBlock": {"cidr": cidr}} for cidr in args.member_api_cidrs],
                 "ports": [{"protocol": "TCP", "port": args.member_api_port}]},
            ],
        },
    }


def etcd_ingress_policy(args: KarmadaNetworkArgs) -> dict:
    """etcd's client port only from the Karmada API server and aggregated API server (its CA is the Karmada CA,
    so any certificate Karmada signs would otherwise be an etcd client)."""
    def app(name: str) -> dict:
        return {"podSelector": {"matchLabels": {"app": name}}}
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "karmada-etcd-ingress", "namespace": args.namespace},
        "spec": {
            "podSelector": {"matchLabels": {"app": "etcd"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                # The chart's values fix these labels whatever the release name (karmada v1.18.2
                # charts/karmada/values.yaml lines 389-391 and 503-505, read by _helpers.tpl karmada.apiserver.labels).
                {"from": [app("karmada-apiserver"), app("karmada-aggregated-apiserver")],
                 "ports": [{"protocol": "TCP", "port": ETCD_CLIENT_PORT}]},
                {"from": [app("etcd")]},  # peers
            ],
        },
    }


class KarmadaNetworkPolicies(pulumi.ComponentResource):
    """The two policies, on the private cluster (the caller's provider), after the control plane's release."""

    def __init__(self, name: str, args: KarmadaNetworkArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:security:KarmadaNetworkPolicies", name, None, opts)
        self.policies = [
            k8s.networking.v1.NetworkPolicy(f"{name}-{part}", metadata=obj["metadata"], spec=obj["spec"],
                                            opts=child_options(self, opts))
            for part, obj in (("egress", egress_policy(args)), ("etcd-ingress", etcd_ingress_policy(args)))]
        self.register_outputs({})
