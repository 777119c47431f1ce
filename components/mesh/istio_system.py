"""The istio-system namespace of a mesh cluster, labelled with its network, and the `cacerts` Secret in it.

Why before istiod: istiod reads `cacerts` once, at start (istio/istio 1.30.3 pilot/pkg/bootstrap/istio_ca.go: if
the Secret exists it is mounted and used, otherwise istiod makes a self-signed root of its own, which no other
cluster trusts). So the namespace and the Secret exist before the istiod release (KServePlatform takes them as
`istio_depends_on`). The namespace label tells the private istiod, which reads this cluster's API server, on
which network this cluster's endpoints are (pilot/pkg/serviceregistry/kube/controller/network.go,
networkFromSystemNamespace). The Helm releases keep `create_namespace` (a no-op once it exists); on a cluster
where Helm made the namespace earlier (phase 2), the server-side apply of the providers adopts it. Removing the
component leaves the namespace (`retain_on_delete`): Istio's releases live in it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.kserve.platform import ISTIO_NAMESPACE
from components.mesh.ca import CACERTS_SECRET
from components.mesh.identity import NETWORK_LABEL, MeshIdentity
from components.options import child_options


@dataclass(frozen=True)
class IstioSystemArgs:
    """`identity`: the cluster's place in the mesh; `cacerts`: the four PEMs of its `cacerts` Secret (a secret
    Output, components/mesh/ca.py)."""

    identity: MeshIdentity
    cacerts: pulumi.Input[dict]


class IstioSystem(pulumi.ComponentResource):
    """`namespace` and `cacerts` on the cluster of the provider in `opts`; `ready`: both."""

    def __init__(self, name: str, args: IstioSystemArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:mesh:IstioSystem", name, None, opts)
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=ISTIO_NAMESPACE, labels={
                NETWORK_LABEL: args.identity.network, "app.kubernetes.io/part-of": "inference-platform"}),
            # Istio's releases live in it: leaving the mesh must not delete them with it.
            opts=child_options(self, opts, retain_on_delete=True))
        self.cacerts = k8s.core.v1.Secret(
            f"{name}-cacerts",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=CACERTS_SECRET, namespace=ISTIO_NAMESPACE,
                                                labels={"app.kubernetes.io/part-of": "inference-platform"}),
            type="Opaque",
            string_data=pulumi.Output.secret(args.cacerts),
            opts=child_options(self, opts, self.namespace))
        self.ready = [self.namespace, self.cacerts]
        self.register_outputs({"namespace": self.namespace.metadata.name})
