"""The private stack: the on-premises cluster, its models, and (from phase 2) KServe and the Karmada control plane."""
from __future__ import annotations

from typing import Mapping

import pulumi
import pulumi_kubernetes as k8s

from components.namespace import InferenceNamespace, InferenceNamespaceArgs
from components.torchserve.model import TorchServeModel, TorchServeModelArgs
from models.registry import load_catalog
from models.spec import Phase
from stacks.private_config import PrivateStackConfig, read_private_config


def run(values: Mapping[str, object]) -> None:
    cfg = read_private_config(values, load_catalog())  # every check happens before any resource exists
    build(cfg)


def build(cfg: PrivateStackConfig) -> None:
    cluster = k8s.Provider(cfg.cluster_name, context=cfg.kubeconfig_context, enable_server_side_apply=True)
    on_cluster = pulumi.ResourceOptions(provider=cluster)
    namespace = InferenceNamespace("models", InferenceNamespaceArgs(name=cfg.namespace), opts=on_cluster)
    in_namespace = pulumi.ResourceOptions(provider=cluster, depends_on=[namespace])

    hostnames = {}
    for dep in cfg.models_at(Phase.TORCHSERVE):
        served = TorchServeModel(dep.name, TorchServeModelArgs(model=dep.model, namespace=namespace.name),
                                 opts=in_namespace)
        hostnames[dep.name] = served.hostname

    pulumi.export("phase", cfg.phase.value)
    pulumi.export("modelHostnames", hostnames)
    pulumi.export("modelPhases", {d.name: d.phase.value for d in cfg.models})
