"""What `pulumi up` must never delete or replace by accident: `protect` (and `retain_on_delete` for namespaces) on
the resources whose loss loses state or serving, read from the real stack renders (resources.json `options`)."""
from __future__ import annotations

import pulumi

from components.aws.eks_cluster import InferenceEksCluster, InferenceEksClusterArgs
from components.karmada.control_plane import KarmadaControlPlane, KarmadaControlPlaneArgs
from components.namespace import InferenceNamespace, InferenceNamespaceArgs
from components.mesh.ca import MeshCa, MeshCaArgs
from stacks.render import run_program

PROTECTED = {"protect": True}
NAMESPACE = {"protect": True, "retain_on_delete": True}


def protected(render) -> dict[str, dict]:
    return {r.key: {k: v for k, v in r.options.items() if k in ("protect", "retain_on_delete")}
            for r in render.resources if r.options.get("protect") or r.options.get("retain_on_delete")}


def test_private_stack_protects_karmada_its_ca_and_the_model_namespaces(private_render):
    assert protected(private_render) == {
        # Karmada's API server and etcd live in the release: every policy and InferenceService template.
        "kubernetes:helm.sh/v3:Release::karmada-release": PROTECTED,
        # The trust root every member's agent holds (karmadaCaCrt).
        "tls:index/privateKey:PrivateKey::karmada-ca-key": PROTECTED,
        "tls:index/selfSignedCert:SelfSignedCert::karmada-ca": PROTECTED,
        # Deleting a namespace deletes every model in it (and, on Karmada, every InferenceService template).
        "kubernetes:core/v1:Namespace::models-namespace": NAMESPACE,
        "kubernetes:core/v1:Namespace::karmada-models-namespace": NAMESPACE,
        # kserve-crd v0.20.0 ships its CRDs without Helm's keep policy: uninstalling deletes every InferenceService.
        "kubernetes:helm.sh/v3:Release::kserve-crds-kserve-crd": {"retain_on_delete": True},
        "kubernetes:helm.sh/v3:Release::karmada-kserve-kserve-crd": {"retain_on_delete": True},
        # The mesh root every cluster's intermediate chains to (components/mesh/ca.py).
        "tls:index/privateKey:PrivateKey::mesh-ca-root-key": PROTECTED,
        "tls:index/selfSignedCert:SelfSignedCert::mesh-ca-root": PROTECTED,
        # Istio's releases live in istio-system: leaving the mesh must not delete them.
        "kubernetes:core/v1:Namespace::istio-system-namespace": {"retain_on_delete": True},
    }


def test_leaf_certificates_stay_unprotected_so_they_renew(private_render):
    """Renewal (`early_renewal_hours`) replaces a certificate; a protected one would fail every `pulumi up` near its
    expiry. The front-proxy CA is trusted only inside the control plane."""
    for name in ("karmada-server-cert", "karmada-admin-cert", "karmada-agent-aws-use1-g1-cert",
                 "karmada-front-proxy-client-cert"):
        assert "protect" not in private_render.get("tls:index/locallySignedCert:LocallySignedCert", name).options
    for name in ("karmada-server-key", "karmada-agent-aws-use1-g1-key", "karmada-front-proxy-ca-key"):
        assert "protect" not in private_render.get("tls:index/privateKey:PrivateKey", name).options


def test_public_stack_protects_the_eks_cluster_and_the_model_namespace(public_render):
    assert protected(public_render) == {
        "aws:eks/cluster:Cluster::aws-use1-cluster": PROTECTED,
        "kubernetes:core/v1:Namespace::aws-use1-models-namespace": NAMESPACE,
        "kubernetes:helm.sh/v3:Release::aws-use1-kserve-crds-kserve-crd": {"retain_on_delete": True},
        "kubernetes:core/v1:Namespace::aws-use1-istio-system-namespace": {"retain_on_delete": True},
    }


def test_children_do_not_inherit_protection_from_the_components(private_render, public_render):
    for render in (private_render, public_render):
        for r in render.resources:
            if r.type.startswith("platform:"):
                assert not r.options.get("protect"), r.key


def test_each_component_renders_unprotected_when_asked():
    def program():
        InferenceNamespace("ns", InferenceNamespaceArgs(name="inference", protect=False))
        KarmadaControlPlane("karmada", KarmadaControlPlaneArgs(protect=False))
        InferenceEksCluster("member", InferenceEksClusterArgs(cluster_name="c", region="us-east-1",
                                                              subnet_ids=("subnet-0a1b2c3d",), protect=False))
        MeshCa("mesh-ca", MeshCaArgs(clusters=("private",), protect=False))
    render = run_program(program, stack="t", config={})
    assert protected(render) == {}
    assert render.get("aws:eks/cluster:Cluster", "member-cluster")  # the cluster was created, just unprotected


def test_an_adopted_eks_cluster_is_read_not_protected():
    """A cluster read with `.get` is never deleted by the stack; protecting a read would mean nothing."""
    def program():
        InferenceEksCluster("member", InferenceEksClusterArgs(cluster_name="c", region="us-east-1", create=False,
                                                              subnet_ids=("subnet-0a1b2c3d",), system_node_group=None))
    render = run_program(program, stack="t", config={})
    assert protected(render) == {}
    assert render.get("aws:eks/cluster:Cluster", "member-cluster").read_id == "c"
    pulumi.runtime.settings.set_root_resource(None)
