"""How the private istiod reads a public member's API server, without the member ever reaching the private side.

Why: Istio learns another cluster's Services and endpoints only by watching that cluster's API server, through a
kubeconfig in a Secret labelled `istio/multiCluster: "true"` in its own namespace (istio/istio 1.30.3
pkg/kube/multicluster/secretcontroller.go, MultiClusterSecretLabel; one data key per cluster ID holding its
kubeconfig). The Secret is what `istioctl create-remote-secret` writes (istioctl/pkg/multicluster/
remote_secret.go createRemoteServiceAccountSecret: name `istio-remote-secret-<cluster>`, annotation
`networking.istio.io/cluster: <cluster>`, data `<cluster>: <kubeconfig>` with a bearer token).

The two halves live in different stacks:
- the public stack (`IstioReaderToken`) asks its cluster for a long-lived token of `istio-reader-service-account`
  (created by the istio-base chart, templates/reader-serviceaccount.yaml, and bound read-only by the istiod chart,
  templates/reader-clusterrolebinding.yaml) and exports it with the EKS endpoint and CA as one secret output,
  `meshReader`;
- the private stack (`RemoteSecret`) reads that output through a StackReference to the member's stack and writes
  the remote Secret on the private cluster.
The private stack's contract goes to the public stack and the reader goes back: a cycle no single `pulumi up`
can close. It is closed by order (README "Bringing the platform up"): private, then public, then private again.
Until the member's stack exports `meshReader`, its remote Secret is rendered without data: istiod reads no
cluster from it, and the private hostname is served by private replicas only.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.kserve.platform import ISTIO_NAMESPACE
from components.options import child_options
from components.member_output import check_member_output

MULTICLUSTER_LABEL = "istio/multiCluster"
CLUSTER_ANNOTATION = "networking.istio.io/cluster"
READER_SERVICE_ACCOUNT = "istio-reader-service-account"
READER_TOKEN_SECRET = "istio-reader-service-account-token"
MESH_READER_OUTPUT = "meshReader"
READER_KEYS = ("server", "caData", "token")


def remote_secret_name(cluster: str) -> str:
    return f"istio-remote-secret-{cluster}"


def reader_kubeconfig(cluster: str, server: str, ca_data: str, token: str) -> str:
    """A single-context kubeconfig with the reader's bearer token (JSON, which kubeconfig loaders accept)."""
    return json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": cluster,
        "clusters": [{"name": cluster, "cluster": {"server": server, "certificate-authority-data": ca_data}}],
        "users": [{"name": cluster, "user": {"token": token}}],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": cluster}}],
    })


def check_reader(value: Any, where: str) -> Optional[dict]:
    """The member's `meshReader` output as it arrives: None before the member's stack ran, else {server, caData,
    token}; anything else fails with one line naming the output."""
    return check_member_output(value, where, READER_KEYS, "server")


@dataclass(frozen=True)
class RemoteSecretArgs:
    """`cluster`: the member's Istio cluster ID (its member name); `reader`: its `meshReader` output as checked by
    `check_reader` (None: not exported yet)."""

    cluster: str
    reader: pulumi.Input[Optional[dict]]


class RemoteSecret(pulumi.ComponentResource):
    """The remote Secret for one member, on the private cluster (the provider in `opts`)."""

    def __init__(self, name: str, args: RemoteSecretArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:mesh:RemoteSecret", name, None, opts)
        cluster = args.cluster
        data = pulumi.Output.secret(pulumi.Output.from_input(args.reader).apply(
            lambda r: {} if r is None else {cluster: reader_kubeconfig(cluster, r["server"], r["caData"],
                                                                        r["token"])}))
        self.secret = k8s.core.v1.Secret(
            f"{name}-secret",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=remote_secret_name(cluster), namespace=ISTIO_NAMESPACE,
                labels={MULTICLUSTER_LABEL: "true", "app.kubernetes.io/part-of": "inference-platform"},
                annotations={CLUSTER_ANNOTATION: cluster}),
            type="Opaque", string_data=data, opts=child_options(self, opts))
        self.register_outputs({"name": self.secret.metadata.name})


@dataclass(frozen=True)
class IstioReaderTokenArgs:
    """`server` and `ca_data` (base64 PEM): the member's API server as the private istiod reaches it."""

    server: pulumi.Input[str]
    ca_data: pulumi.Input[str]


class IstioReaderToken(pulumi.ComponentResource):
    """A token Secret for `istio-reader-service-account` on a public member (the provider in `opts`; depend on
    the istio-base release, which creates the account); `reader`: the secret value the stack exports."""

    def __init__(self, name: str, args: IstioReaderTokenArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:mesh:IstioReaderToken", name, None, opts)
        # Kubernetes fills a Secret of this type with the account's token (and pulumi-kubernetes waits for it).
        self.secret = k8s.core.v1.Secret(
            f"{name}-secret",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=READER_TOKEN_SECRET, namespace=ISTIO_NAMESPACE,
                annotations={"kubernetes.io/service-account.name": READER_SERVICE_ACCOUNT},
                labels={"app.kubernetes.io/part-of": "inference-platform"}),
            type="kubernetes.io/service-account-token", opts=child_options(self, opts))
        token = self.secret.data.apply(lambda d: base64.b64decode((d or {})["token"]).decode())
        self.reader = pulumi.Output.secret(pulumi.Output.all(args.server, args.ca_data, token).apply(
            lambda v: {"server": v[0], "caData": v[1], "token": v[2]}))
        self.register_outputs({})
