"""Istio's part of the model namespace's isolation: mutual TLS required, and callers admitted by identity.

- PeerAuthentication `default` (namespace-wide, no selector): mode STRICT, so a model pod's sidecar refuses any
  connection without an Istio client certificate.
- AuthorizationPolicy `model-callers` (namespace-wide, ALLOW): requests from workloads whose certificate names one
  of the documented callers' namespaces — the model namespace itself, `istio-system` (the local gateway that every
  Knative-mode hostname leads to re-originates each request with its own identity), Knative's activator and
  autoscaler (`knative-serving`), and `client_namespaces` —
  on any port; and from `metrics_namespace` on the metrics ports only (TorchServe 8082, Triton 8002, queue-proxy's
  aggregate 9088). With an ALLOW policy in place Istio refuses whatever no rule admits. Across clusters, an
  east-west gateway in AUTO_PASSTHROUGH mode forwards the caller's own mTLS connection without terminating it
  (istio/istio 1.30.3 pilot/pkg/networking/core/gateway.go lines 1015-1023: passthrough, no TLS context), so a
  remote caller is admitted by its own namespace (the same names on every cluster of one trust domain).

Semantics read at istio/istio 1.30.3: `source.namespaces` is matched against the peer certificate's identity,
`.*/ns/<namespace>/.*` (pilot/pkg/security/authz/model/generator.go lines 179-186, `srcNamespaceGenerator`), so
it admits only callers that present an Istio certificate, which STRICT makes every caller do. A list of names,
not a label selector: client namespaces are named here (stack file `platform:clientNamespaces`).

What makes these bind: both act only in a pod's Istio sidecar. The model namespace is not injected by the
platform today: its Pod Security level is `baseline`, which refuses the NET_ADMIN/NET_RAW capabilities of the
`istio-init` container the injector adds unless Istio's CNI plugin is installed (istiod chart 1.30.3
files/injection-template.yaml lines 159-171; kubernetes/pod-security-admission v0.35.6
policy/check_capabilities_baseline.go lines 29-37 and 62-76), and the platform does not install it yet. Until
then the NetworkPolicies (components/security/model_network.py, serving_entry_network.py, the per-model ones) are
the enforced restriction; these policies are in place so that injection, once the CNI plugin is there, is
restricted from its first pod. Turning injection on also needs `knative-serving` injected: the activator and the
autoscaler (which scrapes queue-proxy) connect to model pods, and without sidecars they do so in plaintext, which
STRICT refuses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.kserve.runtimes import TRITON_METRICS_PORT
from components.options import child_options
from models.torchserve_config import METRICS_PORT

SECURITY_API = "security.istio.io/v1"
PART_OF = {"app.kubernetes.io/part-of": "inference-platform"}
# TorchServe, Triton, and queue-proxy's aggregate (kserve v0.20.0 pkg/constants/constants.go line 132).
QUEUE_PROXY_AGGREGATE_PORT = 9088
METRICS_PORTS = tuple(str(p) for p in (METRICS_PORT, TRITON_METRICS_PORT, QUEUE_PROXY_AGGREGATE_PORT))


@dataclass(frozen=True)
class MeshAuthorizationArgs:
    """`namespace`: the model namespace; `client_namespaces`: the namespaces whose workloads call models;
    `system_namespaces`: Istio's and Knative's (components/kserve/platform.py); `metrics_namespace`: Prometheus."""

    namespace: pulumi.Input[str]
    client_namespaces: tuple[str, ...] = ()
    system_namespaces: tuple[str, ...] = ("istio-system", "knative-serving")
    metrics_namespace: str = "monitoring"


def peer_authentication(namespace: str) -> dict:
    return {"apiVersion": SECURITY_API, "kind": "PeerAuthentication",
            "metadata": {"name": "default", "namespace": namespace, "labels": dict(PART_OF)},
            "spec": {"mtls": {"mode": "STRICT"}}}


def authorization_policy(args: MeshAuthorizationArgs, namespace: str) -> dict:
    callers = [namespace, *args.system_namespaces, *args.client_namespaces]
    return {"apiVersion": SECURITY_API, "kind": "AuthorizationPolicy",
            "metadata": {"name": "model-callers", "namespace": namespace, "labels": dict(PART_OF)},
            "spec": {"action": "ALLOW", "rules": [
                {"from": [{"source": {"namespaces": callers}}]},
                {"from": [{"source": {"namespaces": [args.metrics_namespace]}}],
                 "to": [{"operation": {"ports": list(METRICS_PORTS)}}]},
            ]}}


class MeshAuthorization(pulumi.ComponentResource):
    """Both policies in the model namespace (the caller's provider), after the Istio CRDs (`opts.depends_on`)."""

    def __init__(self, name: str, args: MeshAuthorizationArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:security:MeshAuthorization", name, None, opts)
        ns = pulumi.Output.from_input(args.namespace)
        self.resources = []
        for part, build in (("peer-authentication", peer_authentication),
                            ("authorization-policy", lambda n: authorization_policy(args, n))):
            obj = ns.apply(build)
            static = build("_")
            self.resources.append(k8s.apiextensions.CustomResource(
                f"{name}-{part}", api_version=static["apiVersion"], kind=static["kind"],
                metadata=obj.apply(lambda o: o["metadata"]), spec=obj.apply(lambda o: o["spec"]),
                opts=child_options(self, opts)))
        self.register_outputs({})
