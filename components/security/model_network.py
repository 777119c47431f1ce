"""Default deny in the model namespace: no pod there accepts or opens a connection that no policy names.

Why (issue 13, finding 4): the per-model ingress policies (Phase 1: components/torchserve/model.py; KServe pods:
components/namespace.py) admit callers to the pods they select, but any other pod in the namespace, and every pod's
egress, was open. With these two policies a pod in the model namespace accepts only what another policy admits,
and connects only to:
- cluster DNS (kube-system pods `k8s-app: kube-dns`, UDP/TCP 53; EKS's CoreDNS carries the same label);
- pods of its own namespace (an A/B graph's router calling a Standard-mode predictor's Service);
- with the mesh (`mesh=True`, clusters that run Istio): istiod (`app: istiod`, TCP 15012, xDS and certificates
  for sidecars: istio/istio 1.30.3 manifests/charts/istio-control/istio-discovery templates/service.yaml line 27,
  `grpc-xds`; pods labelled `app: istiod`, templates/deployment.yaml line 46) and the
  Istio ingress gateway pods behind `knative-local-gateway` (`istio: ingressgateway`, TCP 8081: the Service's
  port 80 → 8081, knative-extensions/net-istio knative-v1.21.3 config/203-local-gateway.yaml), the ExternalName
  every Knative-mode hostname resolves to (a graph's router calls its predictors there);
- the artifact store (`storage`): the storage initializer fetches the artifact at start. A NetworkPolicy cannot
  name a host, so the store is addressed by port and addresses: AWS S3 (and STS, for IRSA) on 443 at public
  addresses, every private, link-local (instance metadata) and shared range excluded; an S3-compatible store on
  premises (`s3Endpoint`) on its port, at any address (it is usually a private one).
No pod gets the Kubernetes API: model pods mount no service-account token.

Enforced only where the CNI implements NetworkPolicy (EKS: the `vpc-cni` add-on's `enableNetworkPolicy`,
components/aws/eks_cluster.py).

Children (named `<component name>-<part>`): NetworkPolicies `default-deny` (every pod, both directions, no rule)
and `egress` (every pod, the destinations above).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.options import child_options
from components.security.cluster_dns import dns_egress_rule

PART_OF = {"app.kubernetes.io/part-of": "inference-platform"}
ISTIOD_XDS_PORT = 15012
LOCAL_GATEWAY_TARGET_PORT = 8081
# Not the public internet: RFC 1918, carrier-grade NAT (RFC 6598), loopback, link-local (instance metadata).
NON_PUBLIC_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
                     "169.254.0.0/16")


@dataclass(frozen=True)
class StorageEgress:
    """Where the storage initializer may connect: `port`, at public addresses only (`public_only`: AWS S3) or at
    any address (a store on premises)."""

    port: int = 443
    public_only: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"StorageEgress.port: got {self.port}, expected 1-65535")


@dataclass(frozen=True)
class ModelNetworkArgs:
    """`namespace`: the model namespace; `mesh`: the cluster runs Istio (phase 2 and later, and every public
    member); `storage`: see StorageEgress; `istio_namespace` as components/kserve/platform.py installs it."""

    namespace: pulumi.Input[str]
    mesh: bool
    storage: StorageEgress = StorageEgress()
    istio_namespace: str = "istio-system"


def _namespace_pods(namespace: str, labels: dict) -> dict:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
            "podSelector": {"matchLabels": labels}}


def default_deny_spec() -> dict:
    return {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def egress_spec(args: ModelNetworkArgs) -> dict:
    storage_block: dict = {"cidr": "0.0.0.0/0"}
    if args.storage.public_only:
        storage_block["except"] = list(NON_PUBLIC_RANGES)
    rules = [
        dns_egress_rule(),
        {"to": [{"podSelector": {}}]},
    ]
    if args.mesh:
        rules += [
            {"to": [_namespace_pods(args.istio_namespace, {"app": "istiod"})],
             "ports": [{"protocol": "TCP", "port": ISTIOD_XDS_PORT}]},
            {"to": [_namespace_pods(args.istio_namespace, {"istio": "ingressgateway"})],
             "ports": [{"protocol": "TCP", "port": LOCAL_GATEWAY_TARGET_PORT}]},
        ]
    rules.append({"to": [{"ipBlock": storage_block}], "ports": [{"protocol": "TCP", "port": args.storage.port}]})
    return {"podSelector": {}, "policyTypes": ["Egress"], "egress": rules}


class ModelNetworkPolicies(pulumi.ComponentResource):
    """The two policies in the model namespace (the caller's provider; `depends_on` the Namespace in `opts`)."""

    def __init__(self, name: str, args: ModelNetworkArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:security:ModelNetworkPolicies", name, None, opts)
        self.policies = [
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{part}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=f"models-{part}", namespace=args.namespace, labels=PART_OF),
                spec=spec, opts=child_options(self, opts))
            for part, spec in (("default-deny", default_deny_spec()), ("egress", egress_spec(args)))]
        self.register_outputs({})
