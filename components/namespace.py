"""The namespace models live in, with the Pod Security level and mesh settings the platform relies on."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

KARMADA_SKIP_PROPAGATION = "namespace.karmada.io/skip-auto-propagation"


@dataclass(frozen=True)
class InferenceNamespaceArgs:
    """`name` of the namespace. Pod Security: `baseline` enforced (KServe's injected containers need it),
    `restricted` warned and audited, which every platform-built pod meets. `karmada_template`: this is the copy on
    the Karmada API server, which holds the InferenceServices but is not itself propagated
    (`namespace.karmada.io/skip-auto-propagation`): each member's own stack creates the member's namespace, so one
    owner per cluster, and deleting a template never deletes a member namespace with other workloads in it."""

    name: pulumi.Input[str]
    karmada_template: bool = False


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
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.name = self.namespace.metadata.name
        self.register_outputs({"name": self.name})
