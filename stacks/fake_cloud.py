"""Placeholder values for what the cloud or a cluster would compute, used only by the offline render's mocks.

Every value here is visibly fake (`fake-…`, `.example` hosts, a PEM body of `RkFLRQ==`), so nothing
rendered can be mistaken for a real credential. Add a type here when a stack starts reading a new output.
"""
from __future__ import annotations

import base64
from typing import Any

from components.versions import EKS_KUBERNETES_VERSION

FAKE_PEM = "-----BEGIN CERTIFICATE-----\nRkFLRQ==\n-----END CERTIFICATE-----\n"
FAKE_KEY = "-----BEGIN PRIVATE KEY-----\nRkFLRQ==\n-----END PRIVATE KEY-----\n"


FAKE_ISSUED = "2030-01-01T00:00:00Z"


def fake_expiry(validity_hours: int) -> str:
    """RFC 3339 expiry of a certificate issued at FAKE_ISSUED and valid `validity_hours`."""
    from datetime import datetime, timedelta, timezone
    issued = datetime(2030, 1, 1, tzinfo=timezone.utc)
    return (issued + timedelta(hours=validity_hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def fake_outputs(type_: str, name: str, state: dict) -> dict[str, Any]:
    """Outputs to add to a resource's echoed inputs (the stacks call no provider functions)."""
    if type_ == "kubernetes:core/v1:Secret" and state.get("type") == "kubernetes.io/service-account-token":
        # Created empty; the cluster's token controller fills it (and pulumi-kubernetes waits for that).
        return {"data": {"token": _b64(f"fake-service-account-token-{name}"), "ca.crt": _b64(FAKE_PEM),
                         "namespace": _b64(state.get("metadata", {}).get("namespace", "default"))}}
    if type_ == "kubernetes:core/v1:Namespace":
        # The API server's UID (Karmada's agent registers a member under its kube-system Namespace's).
        return {"metadata": {**state.get("metadata", {}), "uid": f"fake-uid-{name}"}}
    if type_ == "tls:index/privateKey:PrivateKey":
        return {"privateKeyPem": FAKE_KEY, "publicKeyPem": FAKE_PEM, "privateKeyPemPkcs8": FAKE_KEY}
    if type_ in ("tls:index/selfSignedCert:SelfSignedCert", "tls:index/locallySignedCert:LocallySignedCert"):
        # The expiry a fresh certificate would have, from a fixed fake issue date (renders stay reproducible).
        hours = int(state.get("validityPeriodHours") or 0)
        return {"certPem": FAKE_PEM, "validityEndTime": fake_expiry(hours)}
    if type_ == "tls:index/certRequest:CertRequest":
        return {"certRequestPem": "-----BEGIN CERTIFICATE REQUEST-----\nRkFLRS1DU1I=\n-----END CERTIFICATE REQUEST-----\n"}
    if type_ == "aws:eks/cluster:Cluster":
        return {"arn": f"arn:aws:eks:fake-region:000000000000:cluster/{name}",
                "endpoint": f"https://{name}.eks.fake.example",
                "certificateAuthority": {"data": _b64(FAKE_PEM)},
                "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.fake.example/id/{name.upper()}"}]}],
                "name": state.get("name", name), "version": state.get("version", EKS_KUBERNETES_VERSION)}
    if type_ == "aws:eks/nodeGroup:NodeGroup":
        return {"arn": f"arn:aws:eks:fake-region:000000000000:nodegroup/{name}",
                "resources": [{"autoscalingGroups": [{"name": f"eks-{name}-asg"}]}]}
    if type_ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        return {"arn": f"arn:aws:iam::000000000000:oidc-provider/oidc.eks.fake.example/id/{name.upper()}"}
    if type_.startswith("aws:"):
        return {"arn": f"arn:aws:fake::000000000000:{name}", "id": f"fake-{name}"}
    return {}
