"""The mesh's certificate authority: one root the private stack mints and keeps, one intermediate per cluster.

Why: Istio's sidecars and gateways on different clusters accept each other's mutual TLS only when their
workload certificates chain to one root. Istio's plug-in CA takes, per cluster, a Secret `cacerts` in
istio-system with the intermediate that istiod signs workload certificates with (istio/istio 1.30.3
pilot/pkg/bootstrap/istio_ca.go: "if "cacerts" secret exists in istio-system, will be mounted"; the istiod chart
mounts it at /etc/cacerts, manifests/charts/istio-control/istio-discovery/templates/deployment.yaml). The root's
key never leaves the private stack's state; a public member receives only its own intermediate (key included:
its istiod signs with it), as one secret output per member.

Key names are Istio's (istio/istio 1.30.3 security/pkg/pki/ca/ca.go: CACertFile "ca-cert.pem",
CAPrivateKeyFile "ca-key.pem", CertChainFile "cert-chain.pem", RootCertFile "root-cert.pem"); the chain is the
intermediate followed by the root, as istio's own tooling writes it (tools/certs/Makefile.k8s.mk
`%/cert-chain.pem: %/ca-cert.pem k8s-root-cert.pem`, concatenated in that order).

The root and its key are `protect`ed (a new root breaks every cross-cluster connection until every cluster has
the new intermediates); intermediates renew within `renew_before_hours` of expiry on any `pulumi up`, and istiod
picks a changed `cacerts` up by itself (istio 1.30.3 pilot/pkg/bootstrap/istio_ca.go handleCACertsFileWatch
watches the mounted /etc/cacerts files).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_tls as tls

from components.options import child_options

CACERTS_SECRET = "cacerts"
CA_CERT_KEY = "ca-cert.pem"
CA_KEY_KEY = "ca-key.pem"
ROOT_CERT_KEY = "root-cert.pem"
CERT_CHAIN_KEY = "cert-chain.pem"
CACERTS_KEYS = (CA_CERT_KEY, CA_KEY_KEY, ROOT_CERT_KEY, CERT_CHAIN_KEY)
CA_USES = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"]
ORGANIZATION = "inference-platform"
ISTIOD_SAN = "istiod.istio-system.svc"


def mesh_ca_output(member: str) -> str:
    """The private stack's output holding one member's `cacerts` contents (secret)."""
    return f"meshCaCerts-{member}"


@dataclass(frozen=True)
class MeshCaArgs:
    """`clusters`: every cluster of the mesh (the private one and each public member), each gets an intermediate.
    Root valid `root_validity_hours` (10 years), intermediates `intermediate_validity_hours` (2 years), renewed
    within `renew_before_hours` (90 days). `protect`: the root's key and certificate (off only in tests)."""

    clusters: tuple[str, ...]
    root_validity_hours: int = 10 * 365 * 24
    intermediate_validity_hours: int = 2 * 365 * 24
    renew_before_hours: int = 90 * 24
    protect: bool = True

    def __post_init__(self) -> None:
        if not self.clusters or len(set(self.clusters)) != len(self.clusters):
            raise ValueError(f"clusters: got {list(self.clusters)!r}, expected unique cluster names")
        if self.renew_before_hours >= self.intermediate_validity_hours:
            raise ValueError("renew_before_hours must be shorter than intermediate_validity_hours")


class MeshCa(pulumi.ComponentResource):
    """The root (`root_cert_pem`) and, per cluster, `cacerts(cluster)`: the four PEMs of its `cacerts` Secret."""

    def __init__(self, name: str, args: MeshCaArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:mesh:MeshCa", name, None, opts)
        self._intermediates: dict[str, tuple[tls.PrivateKey, tls.LocallySignedCert]] = {}
        self.root_key = tls.PrivateKey(f"{name}-root-key", algorithm="RSA", rsa_bits=4096,
                                       opts=child_options(self, opts, protect=args.protect))
        self.root = tls.SelfSignedCert(
            f"{name}-root", private_key_pem=self.root_key.private_key_pem, is_ca_certificate=True,
            subject=tls.SelfSignedCertSubjectArgs(common_name="inference-platform mesh root CA",
                                                  organization=ORGANIZATION),
            validity_period_hours=args.root_validity_hours, early_renewal_hours=args.renew_before_hours,
            allowed_uses=CA_USES, opts=child_options(self, opts, protect=args.protect))
        self.root_cert_pem: pulumi.Output[str] = self.root.cert_pem
        for cluster in args.clusters:
            key = tls.PrivateKey(f"{name}-{cluster}-key", algorithm="RSA", rsa_bits=4096,
                                 opts=child_options(self, opts))
            request = tls.CertRequest(
                f"{name}-{cluster}-csr", private_key_pem=key.private_key_pem,
                # As istio's own tooling makes intermediates (istio/istio 1.30.3 tools/certs/common.mk
                # `%/intermediate.conf: L=$(dir $@)` and INTERMEDIATE_SAN_DNS ?= istiod.istio-system.svc): the
                # cluster as the locality, istiod's Service name as the subject alternative name.
                subject=tls.CertRequestSubjectArgs(common_name=f"inference-platform mesh intermediate CA {cluster}",
                                                   organization=ORGANIZATION, locality=cluster),
                dns_names=[ISTIOD_SAN],
                opts=child_options(self, opts))
            cert = tls.LocallySignedCert(
                f"{name}-{cluster}-cert", cert_request_pem=request.cert_request_pem, is_ca_certificate=True,
                ca_cert_pem=self.root.cert_pem, ca_private_key_pem=pulumi.Output.secret(self.root_key.private_key_pem),
                validity_period_hours=args.intermediate_validity_hours, early_renewal_hours=args.renew_before_hours,
                allowed_uses=CA_USES, opts=child_options(self, opts))
            self._intermediates[cluster] = (key, cert)
        self.register_outputs({"rootCertPem": self.root_cert_pem})

    def cacerts(self, cluster: str) -> pulumi.Output[dict]:
        """The `cacerts` Secret's data for `cluster` (plain PEM strings), one secret Output."""
        key, cert = self._intermediates[cluster]
        return pulumi.Output.secret(pulumi.Output.all(cert.cert_pem, key.private_key_pem, self.root.cert_pem).apply(
            lambda v: cacerts_data(intermediate_pem=v[0], intermediate_key_pem=v[1], root_pem=v[2])))


def cacerts_data(*, intermediate_pem: str, intermediate_key_pem: str, root_pem: str) -> dict[str, str]:
    """The plug-in CA layout: the intermediate and its key, the root, and the chain intermediate → root."""
    chain = intermediate_pem if intermediate_pem.endswith("\n") else intermediate_pem + "\n"
    return {CA_CERT_KEY: intermediate_pem, CA_KEY_KEY: intermediate_key_pem, ROOT_CERT_KEY: root_pem,
            CERT_CHAIN_KEY: chain + root_pem}
