"""Issue 13, findings 2, 3 and 6 on the Karmada control plane: agents cannot renew themselves, a credential
generation is a new key and identity (renewal and revocation), renewed certificates roll the pods and every
certificate's expiry is exported, and each member's credentials are exported on their own."""
from __future__ import annotations

import hashlib
import json

import pytest

from components.karmada.agent import agent_values
from components.karmada.control_plane import KarmadaControlPlaneArgs
from stacks.fake_cloud import FAKE_PEM
from tests.test_karmada_control_plane import render
from tests.messages import exactly

CERT = "tls:index/locallySignedCert:LocallySignedCert"
KEY = "tls:index/privateKey:PrivateKey"
CSR = "tls:index/certRequest:CertRequest"


@pytest.fixture(scope="module")
def r():
    return render(KarmadaControlPlaneArgs(pull_members=("aws-use1", "aws-euw1"), agent_generations={"aws-euw1": 3}))


def agent_objects(r, member):
    return [o for o in r.objects("karmada-provider") if o["kind"] != "ResourceInterpreterCustomization"
            and member in json.dumps(o["metadata"])]


# -- finding 2: no self-renewal, a generation is a new key and identity -------------------------------------------

def test_agents_have_no_certificate_signing_request_rights(r):
    for member in ("aws-use1", "aws-euw1"):
        rules = [rule for o in agent_objects(r, member) for rule in o.get("rules", [])]
        assert rules and not [rule for rule in rules if "certificates.k8s.io" in rule.get("apiGroups", [])]
        assert not [rule for rule in rules if any("certificatesigningrequests" in res
                                                  for res in rule.get("resources", []))]


def test_the_csr_auto_approver_is_turned_off(r):
    assert r.outputs["values"]["controllerManager"]["controllers"] == "*,-agentcsrapproving"


def test_rbac_names_only_the_current_generation_of_each_agent(r):
    for member, generation in (("aws-use1", 1), ("aws-euw1", 3)):
        subjects = [s for o in agent_objects(r, member) for s in o.get("subjects", [])]
        assert len(subjects) == 3  # the ClusterRoleBinding and the two RoleBindings
        assert {s["name"] for s in subjects} == {f"system:karmada:agent:{member}:{generation}"}


def test_a_new_generation_is_a_new_key_request_and_certificate(r):
    names = {res.name for res in r.resources if res.type in (KEY, CSR, CERT)}
    assert {"karmada-agent-aws-euw1-g3-key", "karmada-agent-aws-euw1-g3-csr", "karmada-agent-aws-euw1-g3-cert"} <= names
    assert not [n for n in names if n.startswith("karmada-agent-aws-euw1-g1") or n.startswith("karmada-agent-aws-euw1-key")]
    csr = r.get(CSR, "karmada-agent-aws-euw1-g3-csr")
    assert csr.inputs["subject"]["commonName"] == "system:karmada:agent:aws-euw1:3"


def test_agent_certificates_are_never_renewed_early_onto_the_old_key(r):
    for member, generation in (("aws-use1", 1), ("aws-euw1", 3)):
        cert = r.get(CERT, f"karmada-agent-{member}-g{generation}-cert")
        assert cert.inputs.get("earlyRenewalHours", 0) == 0
    # The control plane's own leaves still renew 30 days ahead.
    assert r.get(CERT, "karmada-server-cert").inputs["earlyRenewalHours"] == 720


def test_generations_for_unknown_members_or_below_1_are_refused():
    with pytest.raises(ValueError, match="agent_generations") as raised:
        KarmadaControlPlaneArgs(pull_members=("aws-use1",), agent_generations={"gcp-x": 2})
    exactly(str(raised.value))
    with pytest.raises(ValueError, match="integers >= 1") as raised:
        KarmadaControlPlaneArgs(pull_members=("aws-use1",), agent_generations={"aws-use1": 0})
    exactly(str(raised.value))


# -- finding 3: renewed certificates reach the pods; expiry is visible ------------------------------------------

def test_every_component_pod_carries_the_certificates_checksum(r):
    values = r.outputs["values"]
    # Under the mocks every certificate is FAKE_PEM: CA, server, front-proxy CA, front-proxy client.
    expected = hashlib.sha256("\n".join([FAKE_PEM] * 4).encode()).hexdigest()
    for component in ("apiServer", "aggregatedApiServer", "controllerManager", "scheduler", "webhook",
                      "metricsAdapter", "kubeControllerManager"):
        assert values[component]["podAnnotations"] == {"inference-platform.io/certificates-sha256": expected}


def test_agent_pod_rolls_when_its_certificate_changes():
    def annotation(crt):
        values = agent_values("m", "https://e", "https://k:5443", "CA", crt, "KEY")
        return values["agent"]["podAnnotations"]["inference-platform.io/credentials-sha256"]
    assert annotation("CRT-1") == hashlib.sha256(b"CA\nCRT-1").hexdigest()
    assert annotation("CRT-1") != annotation("CRT-2")


def test_every_certificates_expiry_is_exported(private_render):
    # Fake issue date 2030-01-01 (stacks/fake_cloud.py): CAs 10 years, leaves 1 year.
    assert private_render.outputs["karmadaCertificateExpiry"] == {
        "ca": "2039-12-30T00:00:00Z", "front-proxy-ca": "2039-12-30T00:00:00Z",
        "server": "2031-01-01T00:00:00Z", "front-proxy-client": "2031-01-01T00:00:00Z",
        "admin": "2031-01-01T00:00:00Z", "agent-aws-use1": "2031-01-01T00:00:00Z"}


# -- finding 6: one export per member ----------------------------------------------------------------------------

def test_no_private_output_carries_two_members_credentials(private_render):
    credential_outputs = {k: v for k, v in private_render.outputs.items() if "Credentials" in k}
    assert set(credential_outputs) == {"karmadaAgentCredentials-aws-use1"}
    assert set(credential_outputs["karmadaAgentCredentials-aws-use1"]) == {"crt", "key"}
    assert "karmadaAgentCredentials-aws-use1" in private_render.secret_outputs


def test_public_stack_reads_only_its_own_members_output():
    from tests.test_public_stack import MEMBER, private_outputs, render as render_public, render_fails
    # Another member's output missing changes nothing; this member's missing stops the run.
    render_public(outputs=private_outputs(**{"karmadaAgentCredentials-gcp-euw1": None}))
    err = render_fails(outputs=private_outputs(**{f"karmadaAgentCredentials-{MEMBER}": None}))
    assert err.field == "memberName"
