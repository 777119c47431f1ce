"""The mesh CA under the SDK's mocks, with a distinct fake PEM per resource, so the wiring shows: each cluster's
intermediate is signed with the root's key and certificate, every cluster gets the same root, the chain is the
intermediate then the root, the `cacerts` keys are Istio's, the root is protected and every key stays secret."""
from __future__ import annotations

import pulumi
import pytest

import stacks.render as render_module
from components.mesh.ca import MeshCa, MeshCaArgs, cacerts_data
from stacks.render import run_program
from tests.registrations import record_registrations
from tests.messages import exactly

TLS_KEY = "tls:index/privateKey:PrivateKey"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
SIGNED = "tls:index/locallySignedCert:LocallySignedCert"
CSR = "tls:index/certRequest:CertRequest"


def distinct_outputs(type_: str, name: str, state: dict) -> dict:
    """A PEM-shaped value naming the resource it came from."""
    if type_ == TLS_KEY:
        return {"privateKeyPem": f"KEY({name})\n"}
    if type_ in (SELF_SIGNED, SIGNED):
        return {"certPem": f"CERT({name})\n"}
    if type_ == CSR:
        return {"certRequestPem": f"CSR({name})\n"}
    return {}


@pytest.fixture(scope="module")
def rendered():
    def program():
        ca = MeshCa("mesh-ca", MeshCaArgs(clusters=("private", "aws-use1")))
        for cluster in ("private", "aws-use1"):
            pulumi.export(cluster, ca.cacerts(cluster))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(render_module, "fake_outputs", distinct_outputs)
        raw = record_registrations(mp)
        result = run_program(program, stack="test", config={})
    return result, raw


def test_each_intermediate_is_signed_by_the_one_root(rendered):
    _, raw = rendered
    for cluster in ("private", "aws-use1"):
        signed = raw[f"{SIGNED}::mesh-ca-{cluster}-cert"]
        assert signed["caCertPem"] == "CERT(mesh-ca-root)\n"
        assert signed["caPrivateKeyPem"] == "KEY(mesh-ca-root-key)\n"
        assert signed["certRequestPem"] == f"CSR(mesh-ca-{cluster}-csr)\n"
        assert signed["isCaCertificate"] is True
        assert signed["allowedUses"] == ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"]
        assert signed["validityPeriodHours"] == 2 * 365 * 24 and signed["earlyRenewalHours"] == 90 * 24
        csr = raw[f"{CSR}::mesh-ca-{cluster}-csr"]
        assert csr["privateKeyPem"] == f"KEY(mesh-ca-{cluster}-key)\n"
        assert csr["subject"] == {"commonName": f"inference-platform mesh intermediate CA {cluster}",
                                  "organization": "inference-platform", "locality": cluster}
        assert csr["dnsNames"] == ["istiod.istio-system.svc"]
    root = raw[f"{SELF_SIGNED}::mesh-ca-root"]
    assert root["privateKeyPem"] == "KEY(mesh-ca-root-key)\n" and root["isCaCertificate"] is True
    assert root["validityPeriodHours"] == 10 * 365 * 24


def test_cacerts_hold_exactly_istios_keys_with_the_same_root_everywhere(rendered):
    result, _ = rendered
    for cluster in ("private", "aws-use1"):
        assert result.outputs[cluster] == {
            "ca-cert.pem": f"CERT(mesh-ca-{cluster}-cert)\n",
            "ca-key.pem": f"KEY(mesh-ca-{cluster}-key)\n",
            "root-cert.pem": "CERT(mesh-ca-root)\n",
            "cert-chain.pem": f"CERT(mesh-ca-{cluster}-cert)\nCERT(mesh-ca-root)\n",
        }
    assert result.outputs["private"]["ca-key.pem"] != result.outputs["aws-use1"]["ca-key.pem"]
    assert sorted(result.secret_outputs) == ["aws-use1", "private"]


def test_the_root_is_protected_and_the_intermediates_renew(rendered):
    result, _ = rendered
    options = {r.key: r.options for r in result.resources if r.type.startswith("tls:")}
    assert options[f"{SELF_SIGNED}::mesh-ca-root"].get("protect") is True
    assert options[f"{TLS_KEY}::mesh-ca-root-key"].get("protect") is True
    for cluster in ("private", "aws-use1"):
        assert not options[f"{SIGNED}::mesh-ca-{cluster}-cert"].get("protect")
        assert not options[f"{TLS_KEY}::mesh-ca-{cluster}-key"].get("protect")


def test_private_keys_are_recorded_as_secrets(rendered):
    result, _ = rendered
    for cluster in ("private", "aws-use1"):
        assert "caPrivateKeyPem" in result.get(SIGNED, f"mesh-ca-{cluster}-cert").secrets


def test_the_chain_adds_a_newline_between_pems_without_one():
    assert cacerts_data(intermediate_pem="I", intermediate_key_pem="K", root_pem="R\n")["cert-chain.pem"] == "I\nR\n"
    assert cacerts_data(intermediate_pem="I\n", intermediate_key_pem="K", root_pem="R\n")["cert-chain.pem"] == "I\nR\n"


@pytest.mark.parametrize("clusters", [(), ("private", "private")])
def test_clusters_must_be_unique_and_present(clusters):
    with pytest.raises(ValueError, match="unique cluster names") as raised:
        MeshCaArgs(clusters=clusters)
    exactly(str(raised.value))


def test_renewal_must_come_before_expiry():
    with pytest.raises(ValueError, match="renew_before_hours") as raised:
        MeshCaArgs(clusters=("private",), intermediate_validity_hours=24, renew_before_hours=24)
    exactly(str(raised.value))
