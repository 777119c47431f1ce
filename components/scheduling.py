"""Where GPU and Spot pods may land: the labels and taints every node pool and every model agree on.

One vocabulary for both clouds. Node pools carry `GPU_TYPE_LABEL=<gpu type>` and the taint `nvidia.com/gpu`
(NoSchedule), so only pods that ask for a GPU land on GPU nodes. Spot pools also carry `CAPACITY_TAINT=spot`,
so only workloads that accept interruption land there; EKS adds `eks.amazonaws.com/capacityType` by itself.
"""
from __future__ import annotations

from typing import Optional

from models.deployment import CapacityType
from models.spec import GpuType

GPU_RESOURCE = "nvidia.com/gpu"
GPU_TYPE_LABEL = "inference-platform.io/gpu-type"
GPU_TAINT_KEY = "nvidia.com/gpu"
CAPACITY_LABEL = "inference-platform.io/capacity"
CAPACITY_TAINT_KEY = "inference-platform.io/capacity"
EKS_CAPACITY_LABEL = "eks.amazonaws.com/capacityType"


def gpu_taint() -> dict:
    return {"key": GPU_TAINT_KEY, "value": "present", "effect": "NoSchedule"}


def spot_taint() -> dict:
    return {"key": CAPACITY_TAINT_KEY, "value": CapacityType.SPOT.value, "effect": "NoSchedule"}


def gpu_node_selector(gpu_type: Optional[GpuType]) -> dict[str, str]:
    return {GPU_TYPE_LABEL: gpu_type.value} if gpu_type else {}


def gpu_tolerations() -> list[dict]:
    return [{"key": GPU_TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}]


def spot_tolerations() -> list[dict]:
    return [{"key": CAPACITY_TAINT_KEY, "operator": "Equal", "value": CapacityType.SPOT.value,
             "effect": "NoSchedule"}]


def tolerates(tolerations: list[dict], taint: dict) -> bool:
    """Kubernetes' own rule: a toleration matches a taint by key, effect (empty = any) and value (Exists = any)."""
    for t in tolerations:
        if t.get("key") not in (None, "", taint["key"]):
            continue
        if t.get("effect") not in (None, "", taint["effect"]):
            continue
        if t.get("operator", "Equal") == "Exists" or t.get("value") == taint.get("value"):
            return True
    return False
