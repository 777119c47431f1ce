"""The traffic rule for a model whose replicas span clusters: dead endpoints and dead gateways are ejected.

How traffic is shared (istio/istio 1.30.3 pilot/pkg/xds/endpoints/ep_filters.go, EndpointsByNetworkFilter): a
private sidecar gets the model's local endpoints as they are and, per remote network, one endpoint for that
network's east-west gateway whose load-balancing weight is the sum of the remote endpoints behind it. Istio then
balances over these weights, so the share of the private hostname's requests that goes to a public member is the
share of the model's ready replicas that run there (2 private, 2 public: half each). Remote endpoints without
Istio mutual TLS are left out altogether ("Cross-network traffic relies on mTLS for SNI routing"): a replica is
reached across clouds over mTLS or not at all.

What this rule adds: outlier detection on the client side, so that an endpoint, and above all a remote
network's gateway endpoint (every remote replica behind one address), that fails is ejected from the pool
instead of taking its weighted share of requests until Karmada or Kubernetes notice. `maxEjectionPercent: 100`
lets every failing endpoint go (a member that is unreachable as a whole). Replicas Karmada removes leave the
endpoint set through the private istiod's watch of the member (remote secret) like local ones do.
"""
from __future__ import annotations

from components.kserve.inference_service import cluster_host

OUTLIER_DETECTION = {"consecutive5xxErrors": 5, "interval": "10s", "baseEjectionTime": "30s",
                     "maxEjectionPercent": 100}


def destination_rule_name(model: str) -> str:
    return f"{model}-cross-cluster"


def spanning_destination_rule(model: str, namespace: str) -> dict:
    """The DestinationRule for the hostname Service `<model>` of a model spanning clusters (private cluster)."""
    return {
        "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
        "metadata": {"name": destination_rule_name(model), "namespace": namespace,
                     "labels": {"app.kubernetes.io/part-of": "inference-platform",
                                "inference-platform.io/model": model}},
        "spec": {"host": cluster_host(model, namespace),
                 "trafficPolicy": {"outlierDetection": dict(OUTLIER_DETECTION)}},
    }
