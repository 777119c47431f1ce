"""A Prometheus alert before any certificate the private stack mints for Karmada enters its last `warn_before_hours`.

Why (issue 13, finding 3): every Karmada leaf certificate expires on the same day, agent certificates never renew
by themselves, and a renewed certificate exists only once someone runs `pulumi up`. The certificates are made by
the stack (Terraform's tls provider), not by cert-manager, and nothing the platform scrapes reports them by name
and expiry. What the stack does know is each expiry date
(`karmadaCertificateExpiry`), so the rule carries them: one alert per certificate, `vector(time()) > T` with T
the expiry minus `warn_before_hours` in Unix seconds (`time()` is a scalar; `vector()` makes it a one-sample
vector, which the comparison keeps while it holds). The rule is rendered from the current dates on every
`pulumi up`, so a renewal (which happens within the same window: KarmadaControlPlaneArgs.renew_before_hours)
moves its threshold; an alert that keeps firing after `make up STACK=private` is an agent certificate, renewed
only by bumping its generation (README "Rotate and revoke an agent").

Needs the Prometheus Operator's PrometheusRule CRD on the cluster (prometheus-operator 0.93 schema,
../shared/crds/prometheus-operator) and a Prometheus that selects rules in `namespace`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.options import child_options

API_VERSION = "monitoring.coreos.com/v1"
KIND = "PrometheusRule"
ALERT = "KarmadaCertificateExpiresSoon"


@dataclass(frozen=True)
class CertificateExpiryRuleArgs:
    """`expiry`: certificate name → RFC 3339 expiry (the control plane's `certificate_expiry`); the alert fires
    `warn_before_hours` before each; the rule lives in `namespace`."""

    expiry: pulumi.Input[Mapping[str, str]]
    warn_before_hours: int
    namespace: str = "monitoring"

    def __post_init__(self) -> None:
        if self.warn_before_hours <= 0:
            raise ValueError(f"warn_before_hours: got {self.warn_before_hours}, expected a positive number of hours")


def unix_seconds(rfc3339: str) -> int:
    return int(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp())


def prometheus_rule(expiry: Mapping[str, str], warn_before_hours: int, namespace: str) -> dict:
    def rule(name: str, date: str) -> dict:
        threshold = unix_seconds(date) - warn_before_hours * 3600
        return {"alert": ALERT, "expr": f"vector(time()) > {threshold}",
                "labels": {"severity": "warning", "certificate": name},
                "annotations": {
                    "summary": f"Karmada certificate {name} expires at {date}",
                    "description": f"The private stack's certificate {name!r} expires at {date}. Run `make up "
                                   "STACK=private` (it renews control-plane certificates in this window); an agent "
                                   "certificate renews only when its member's agentCredentialGenerations entry is "
                                   "bumped."}}
    return {"apiVersion": API_VERSION, "kind": KIND,
            "metadata": {"name": "karmada-certificate-expiry", "namespace": namespace,
                         "labels": {"app.kubernetes.io/part-of": "inference-platform"}},
            "spec": {"groups": [{"name": "karmada-certificates",
                                 "rules": [rule(name, expiry[name]) for name in sorted(expiry)]}]}}


class CertificateExpiryRule(pulumi.ComponentResource):
    """The PrometheusRule on the cluster of the caller's provider."""

    def __init__(self, name: str, args: CertificateExpiryRuleArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:security:CertificateExpiryRule", name, None, opts)
        obj = pulumi.Output.from_input(args.expiry).apply(
            lambda e: prometheus_rule(e, args.warn_before_hours, args.namespace))
        self.rule = k8s.apiextensions.CustomResource(
            f"{name}-rule", api_version=API_VERSION, kind=KIND,
            metadata=obj.apply(lambda o: o["metadata"]), spec=obj.apply(lambda o: o["spec"]),
            opts=child_options(self, opts))
        self.register_outputs({})
