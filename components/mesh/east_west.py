"""A public member's east-west gateway: the one way into the member for the private cluster's mesh traffic.

Why only on public members: the direction is fixed by the trust boundary. Only the private istiod reads the
other clusters (remote secrets, components/mesh/remote_secret.py), so only private sidecars ever learn endpoints
on another network, and they reach them through that network's east-west gateway. No public istiod knows a
private endpoint, so nothing on a public member would ever dial a private gateway: the private cluster has none,
and accepts no connection from the public cloud.

What is rendered, as Istio's multi-cluster sample does it (istio/istio 1.30.3
samples/multicluster/gen-eastwest-gateway.sh, translated from its IstioOperator to the gateway chart):
- the istio/gateway chart as release `istio-eastwestgateway` (pods and Service labelled `istio: eastwestgateway`,
  the chart's default for that release name, templates/_helpers.tpl gateway.selectorLabels) with
  `networkGateway: <network>`, which the chart (manifests/charts/gateway templates/service.yaml and
  deployment.yaml) turns into exactly the sample's settings: the `topology.istio.io/network` label on Service and
  pods, ISTIO_META_REQUESTED_NETWORK_VIEW=<network>, and the ports 15021, 15443, 15012, 15017. The label on the
  Service is what the private istiod discovers the gateway by (pilot/pkg/serviceregistry/kube/controller/
  network.go, extractGatewaysInner: the gateway's address is the Service's load-balancer address, and a
  hostname address such as an AWS load balancer's is resolved, pilot/pkg/features/pilot.go
  RESOLVE_HOSTNAME_GATEWAYS default true). The Service is a LoadBalancer open only to `source_ranges` (the
  private network's egress addresses).
- the Gateway `cross-network-gateway` (samples/multicluster/expose-services.yaml): port 15443, TLS
  `AUTO_PASSTHROUGH` for `*.local`: the gateway routes by the SNI the private sidecar sets and never terminates
  the mutual TLS, which runs end to end between the private client's sidecar and the public replica's sidecar.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.kserve.platform import ISTIO_NAMESPACE, TIMEOUT_S, release
from components.mesh.identity import MeshIdentity
from components.options import child_options
from components.versions import ISTIO_GATEWAY_CHART

EAST_WEST_RELEASE = "istio-eastwestgateway"
EAST_WEST_SELECTOR = {"istio": "eastwestgateway"}
CROSS_NETWORK_GATEWAY = "cross-network-gateway"
CROSS_NETWORK_PORT = 15443


@dataclass(frozen=True)
class EastWestGatewayArgs:
    """`identity`: the member's place in the mesh; `source_ranges`: the CIDRs allowed to reach the load
    balancer (at least one); `istio_ready`: what the release waits for (istiod: the gateway's proxy is injected)."""

    identity: MeshIdentity
    source_ranges: tuple[str, ...]
    istio_ready: Sequence[pulumi.Resource] = ()

    def __post_init__(self) -> None:
        if not self.source_ranges:
            raise ValueError("source_ranges: got none, expected the CIDRs allowed to reach the east-west gateway")


def east_west_values(identity: MeshIdentity, source_ranges: Sequence[str]) -> dict:
    return {"networkGateway": identity.network,
            "service": {"type": "LoadBalancer", "loadBalancerSourceRanges": list(source_ranges)}}


def cross_network_gateway() -> dict:
    return {
        "apiVersion": "networking.istio.io/v1", "kind": "Gateway",
        "metadata": {"name": CROSS_NETWORK_GATEWAY, "namespace": ISTIO_NAMESPACE,
                     "labels": {"app.kubernetes.io/part-of": "inference-platform"}},
        "spec": {"selector": dict(EAST_WEST_SELECTOR),
                 "servers": [{"port": {"number": CROSS_NETWORK_PORT, "name": "tls", "protocol": "TLS"},
                              "tls": {"mode": "AUTO_PASSTHROUGH"}, "hosts": ["*.local"]}]},
    }


class EastWestGateway(pulumi.ComponentResource):
    """The release (`release`) and the Gateway (`gateway`) on the cluster of the provider in `opts`."""

    def __init__(self, name: str, args: EastWestGatewayArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:mesh:EastWestGateway", name, None, opts)
        self.release = release(f"{name}-release", ISTIO_GATEWAY_CHART, release_name=EAST_WEST_RELEASE,
                               namespace=ISTIO_NAMESPACE, values=east_west_values(args.identity, args.source_ranges),
                               timeout=TIMEOUT_S["istio"], opts=child_options(self, opts, *args.istio_ready))
        gw = cross_network_gateway()
        self.gateway = k8s.apiextensions.CustomResource(
            f"{name}-gateway", api_version=gw["apiVersion"], kind=gw["kind"], metadata=gw["metadata"],
            spec=gw["spec"], opts=child_options(self, opts, *args.istio_ready))
        self.register_outputs({"release": self.release.name})
