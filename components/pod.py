"""The pod-level defaults every model runtime shares, as Kubernetes (camelCase) fragments.

Secure by default, by behaviour: pods run as uid 10001 and never as root, with the runtime's default seccomp
profile; containers cannot escalate privileges, drop every capability and get a read-only root filesystem;
requests equal limits unless the declaration says otherwise; GPU models ask for `nvidia.com/gpu`, select
nodes of their GPU type and tolerate the GPU taint. The same fragments go into typed pulumi_kubernetes args
(Phase 1) and into custom resources (KServe predictors), so both phases run pods the same way.
"""
from __future__ import annotations

from models.spec import Model
from components.scheduling import GPU_RESOURCE, gpu_node_selector, gpu_tolerations

# The user of the platform's image (images/torchserve/Dockerfile `USER 10001:10001`): at or above 10000, so it
# matches no user of the node's own /etc/passwd should a container escape (checkov CKV_K8S_40).
RUN_AS_USER = 10001


def pod_security_context() -> dict:
    return {"runAsNonRoot": True, "runAsUser": RUN_AS_USER, "runAsGroup": RUN_AS_USER, "fsGroup": RUN_AS_USER,
            "seccompProfile": {"type": "RuntimeDefault"}}


def container_security_context(read_only_root: bool = True) -> dict:
    return {"allowPrivilegeEscalation": False, "privileged": False, "readOnlyRootFilesystem": read_only_root,
            "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}


def resource_requirements(model: Model) -> dict:
    res = model.resources
    requests = {"cpu": res.cpu, "memory": res.memory}
    limits = {"cpu": res.cpu_limit or res.cpu, "memory": res.memory_limit or res.memory}
    if res.gpu_count:
        # Extended resources: request must equal limit.
        requests[GPU_RESOURCE] = str(res.gpu_count)
        limits[GPU_RESOURCE] = str(res.gpu_count)
    return {"requests": requests, "limits": limits}


def node_selector(model: Model) -> dict[str, str]:
    return gpu_node_selector(model.resources.gpu_type)


def tolerations(model: Model) -> list[dict]:
    return gpu_tolerations() if model.uses_gpu else []


def model_labels(model: Model, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": model.name, "app.kubernetes.io/component": component,
            "app.kubernetes.io/part-of": "inference-platform", "app.kubernetes.io/managed-by": "pulumi",
            "inference-platform.io/workload-class": model.workload_class.value}
