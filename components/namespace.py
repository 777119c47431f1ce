"""The namespace models live in, with the Pod Security level and network policy the platform relies on."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

KARMADA_SKIP_PROPAGATION = "namespace.karmada.io/skip-auto-propagation"
CLIENT_NAMESPACE_LABEL = "inference-platform.io/clients"
# KServe labels every predictor pod with the InferenceService it belongs to (and graph pods with their graph).
KSERVE_POD_LABELS = ("serving.kserve.io/inferenceservice", "serving.kserve.io/inferencegraph")
# Where KServe's traffic comes from in Knative mode: the activator and autoscaler, and the Istio gateways.
KSERVE_SYSTEM_NAMESPACES = ("knative-serving", "istio-system")


@dataclass(frozen=True)
class InferenceNamespaceArgs:
    """`name` of the namespace. Pod Security: `baseline` enforced (KServe's injected containers need it),
    `restricted` warned and audited, which every platform-built pod meets. `karmada_template`: this is the copy on
    the Karmada API server, which holds the InferenceServices but is not itself propagated
    (`namespace.karmada.io/skip-auto-propagation`): each member's own stack creates the member's namespace, so one
    owner per cluster, and deleting a template never deletes a member namespace with other workloads in it.
    `kserve_ingress_policy`: a NetworkPolicy admitting traffic to KServe's pods (predictors, graphs) only from
    this namespace, namespaces labelled `inference-platform.io/clients=true`, Knative's and Istio's system
    namespaces, and `metrics_namespace`; for a cluster that runs KServe (Phase 1 pods carry their own policy).
    `protect`: the Namespace is `protect`ed and `retain_on_delete` (on by default): deleting it deletes every
    model, InferenceService and the hand-made storage Secret in it, so Pulumi refuses to delete or replace it, and
    once deliberately unprotected (`pulumi state unprotect <urn>`) and removed it is left on the cluster; off only
    for tests that render an unprotected variant."""

    name: pulumi.Input[str]
    karmada_template: bool = False
    kserve_ingress_policy: bool = False
    metrics_namespace: str = "monitoring"
    protect: bool = True


class InferenceNamespace(pulumi.ComponentResource):
    """The model namespace on one cluster (the caller's provider)."""

    namespace: k8s.core.v1.Namespace

    def __init__(self, name: str, args: InferenceNamespaceArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:cluster:InferenceNamespace", name, None, opts)
        labels = {"pod-security.kubernetes.io/enforce": "baseline",
                  "pod-security.kubernetes.io/warn": "restricted",
                  "pod-security.kubernetes.io/audit": "restricted",
                  "app.kubernetes.io/part-of": "inference-platform"}
        if args.karmada_template:
            labels[KARMADA_SKIP_PROPAGATION] = "true"
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.name, labels=labels),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect),
        )
        self.name = self.namespace.metadata.name
        self.network_policies = []
        if args.kserve_ingress_policy:
            self.network_policies = [k8s.networking.v1.NetworkPolicy(
                f"{name}-kserve-ingress-{i}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=f"{label.rsplit('/', 1)[-1]}-ingress", namespace=self.name,
                                                    labels={"app.kubernetes.io/part-of": "inference-platform"}),
                spec=kserve_ingress_spec(label, args.metrics_namespace),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.namespace]))
                for i, label in enumerate(KSERVE_POD_LABELS)]
        self.register_outputs({"name": self.name})


def kserve_ingress_spec(pod_label: str, metrics_namespace: str) -> dict:
    """Ingress to pods carrying `pod_label`: from the namespace itself, client namespaces, KServe's system
    namespaces and the metrics namespace; nothing else."""
    def namespace(name: str) -> dict:
        return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}
    return {
        "podSelector": {"matchExpressions": [{"key": pod_label, "operator": "Exists"}]},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"podSelector": {}},
                              {"namespaceSelector": {"matchLabels": {CLIENT_NAMESPACE_LABEL: "true"}}},
                              *(namespace(n) for n in (*KSERVE_SYSTEM_NAMESPACES, metrics_namespace))]}],
    }
