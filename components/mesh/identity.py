"""Who a cluster is in the mesh: the mesh ID, its cluster name and its network, and the istiod values saying so.

Why one place: the same three facts appear in istiod's values, on the istio-system namespace (the label that tells
a remote istiod which network a cluster's endpoints are on), on the east-west gateway and in the private cluster's
remote secrets; each must agree with the others. Each cluster is its own network (no pod-to-pod routes between
the private data centre and a public VPC), named after its Karmada member name, which is also its Istio cluster
ID (the key of its remote secret on the private cluster).
"""
from __future__ import annotations

from dataclasses import dataclass

MESH_ID = "inference-platform"
# istio/istio 1.30.3 pilot/pkg/serviceregistry/kube/controller/network.go: "This is defined by a
# topology.istio.io/network label on the system namespace" (networkFromSystemNamespace).
NETWORK_LABEL = "topology.istio.io/network"


@dataclass(frozen=True)
class MeshIdentity:
    """One cluster's place in the mesh: `cluster_name` (its Istio cluster ID = its Karmada member name) and
    `network` (its own, derived from the cluster name)."""

    cluster_name: str
    mesh_id: str = MESH_ID

    @property
    def network(self) -> str:
        return f"network-{self.cluster_name}"

    def istiod_values(self) -> dict:
        """The istiod chart's multi-cluster values (istio 1.30.3 manifests/charts/istio-control/istio-discovery):
        `global.meshID` (templates/configmap.yaml, mesh config `meshId`), `global.multiCluster.clusterName`
        (templates/deployment.yaml, istiod's CLUSTER_ID) and `global.network` (files/injection-template.yaml,
        every injected proxy's ISTIO_META_NETWORK)."""
        return {"global": {"meshID": self.mesh_id, "multiCluster": {"clusterName": self.cluster_name},
                           "network": self.network}}
