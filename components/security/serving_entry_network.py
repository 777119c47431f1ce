"""Who may reach the shared entry points in front of the models: the Istio ingress gateway (which backs
`knative-local-gateway`) and Knative's activator.

Why (issue 13, finding 4): in Knative mode the hostname `<model>.<namespace>.svc.cluster.local` is an
ExternalName to `knative-local-gateway.istio-system` (components/handover.py `external_name_spec`), and the
gateway forwards to the activator or straight to the predictor pods. The model namespace's own policy admits
`istio-system` and `knative-serving` (they must reach the pods), so without these policies any pod of the cluster
reached every model through the gateway, or through the activator with Knative's routing headers.

Why not an Istio AuthorizationPolicy on the gateway keyed on the caller's principal: the local gateway's server is
plain HTTP (knative-extensions/net-istio knative-v1.21.3 config/203-local-gateway.yaml: port 8081, protocol
HTTP), and an Istio gateway terminates workload mTLS only on an `ISTIO_MUTUAL` server (istio/istio 1.30.3
pilot/pkg/networking/core/gateway.go lines 777-783), so a request there carries no peer identity: a rule on
`source.namespaces` or `principals` (matched against the peer certificate's URI: pilot/pkg/security/authz/model/
generator.go lines 179-186) would refuse every caller. The namespace is the identity a NetworkPolicy can check.

- Gateway pods (`istio: ingressgateway`, istio-system; chart istio/gateway 1.30.3 `templates/_helpers.tpl`
  line 20): any port from the model namespace, namespaces labelled `inference-platform.io/clients=true`, and
  `knative-serving` (net-istio's controller probes the gateway pods before it marks a route ready); the metrics
  ports 15020 and 15090 from `metrics_namespace`; the health port 15021 from anywhere (as the chart's own policy,
  templates/networkpolicy.yaml). Cross-cluster traffic enters through an east-west gateway, other pods.
- Activator pods (`app: activator`, knative-serving; knative/serving knative-v1.21.1
  config/core/deployments/activator.yaml lines 27-32, ports lines 97-105 and the Service's https target 8112):
  8012 (HTTP/1), 8013 (h2c) and 8112 (https) from the gateway pods only; 9090 (metrics) from `metrics_namespace`.
Both are created only on clusters that run Knative (the caller decides). A gateway Service of type LoadBalancer
(external callers) would need its sources added here; the platform's is ClusterIP.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.namespace import CLIENT_NAMESPACE_LABEL
from components.options import child_options

PART_OF = {"app.kubernetes.io/part-of": "inference-platform"}
GATEWAY_POD_LABELS = {"istio": "ingressgateway"}
ACTIVATOR_POD_LABELS = {"app": "activator"}
GATEWAY_HEALTH_PORT = 15021
GATEWAY_METRICS_PORTS = (15020, 15090)
ACTIVATOR_TRAFFIC_PORTS = (8012, 8013, 8112)
ACTIVATOR_METRICS_PORT = 9090


@dataclass(frozen=True)
class ServingEntryArgs:
    """`model_namespace`: the namespace whose pods call models (an A/B graph's router) and may be called;
    `metrics_namespace`: where Prometheus runs; the system namespaces as components/kserve/platform.py installs
    them."""

    model_namespace: pulumi.Input[str]
    metrics_namespace: str = "monitoring"
    istio_namespace: str = "istio-system"
    knative_namespace: str = "knative-serving"


def _namespace(name) -> dict:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _tcp(*ports: int) -> list[dict]:
    return [{"protocol": "TCP", "port": p} for p in ports]


def gateway_ingress_spec(args: ServingEntryArgs, model_namespace: str) -> dict:
    return {
        "podSelector": {"matchLabels": dict(GATEWAY_POD_LABELS)},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [_namespace(model_namespace),
                      {"namespaceSelector": {"matchLabels": {CLIENT_NAMESPACE_LABEL: "true"}}},
                      _namespace(args.knative_namespace)]},
            {"from": [_namespace(args.metrics_namespace)], "ports": _tcp(*GATEWAY_METRICS_PORTS)},
            {"ports": _tcp(GATEWAY_HEALTH_PORT)},
        ],
    }


def activator_ingress_spec(args: ServingEntryArgs) -> dict:
    return {
        "podSelector": {"matchLabels": dict(ACTIVATOR_POD_LABELS)},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [{**_namespace(args.istio_namespace), "podSelector": {"matchLabels": dict(GATEWAY_POD_LABELS)}}],
             "ports": _tcp(*ACTIVATOR_TRAFFIC_PORTS)},
            {"from": [_namespace(args.metrics_namespace)], "ports": _tcp(ACTIVATOR_METRICS_PORT)},
        ],
    }


class ServingEntryPolicies(pulumi.ComponentResource):
    """The two policies, on one cluster (the caller's provider), after the releases that create istio-system and
    knative-serving (`opts.depends_on`)."""

    def __init__(self, name: str, args: ServingEntryArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:security:ServingEntryPolicies", name, None, opts)
        gateway = pulumi.Output.from_input(args.model_namespace).apply(lambda ns: gateway_ingress_spec(args, ns))
        self.gateway = k8s.networking.v1.NetworkPolicy(
            f"{name}-gateway-callers",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="ingressgateway-callers", namespace=args.istio_namespace,
                                                labels=PART_OF),
            spec=gateway, opts=child_options(self, opts))
        self.activator = k8s.networking.v1.NetworkPolicy(
            f"{name}-activator-callers",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="activator-callers", namespace=args.knative_namespace,
                                                labels=PART_OF),
            spec=activator_ingress_spec(args), opts=child_options(self, opts))
        self.register_outputs({})
