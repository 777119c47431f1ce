"""Value types for how a declared model is deployed and where it may go: the stack config resolves them,
components render them. They live beside the declaration so components never import stack code."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

from models.spec import GpuType, Model, Phase, Runtime


class DeploymentMode(enum.Enum):
    """KServe's two modes: Knative (scale-to-zero, revision canaries, Istio mirroring) and Standard (plain
    Deployments + HPA; canaries through `spec.canary[]`)."""

    KNATIVE = "Knative"
    STANDARD = "Standard"


class HandOver(enum.Enum):
    """A model part-way through a move that must not drop a request (stacks/handover.py has the rules, README the
    sequences). `prepare`: phase 1 → 2 (Knative), the route to the Phase 1 pods through the gateway is built;
    `bridge`: the hostname goes through it to the Phase 1 pods while the InferenceService comes up;
    `cutOver`: the hostname answers from the InferenceService, the Phase 1 pods still run (nothing routes to them
    once the mesh has the change); `keepPrivate`: phase 2 → 3 of a batch model, the private member keeps its copy
    while the public members' copies come up."""

    PREPARE = "prepare"
    BRIDGE = "bridge"
    CUT_OVER = "cutOver"
    KEEP_PRIVATE = "keepPrivate"


class CapacityType(enum.Enum):
    """How a node pool is bought. Spot is cheap and can be taken back with two minutes' notice."""

    SPOT = "spot"
    ON_DEMAND = "on-demand"

    @property
    def eks_value(self) -> str:
        return "SPOT" if self is CapacityType.SPOT else "ON_DEMAND"


@dataclass(frozen=True)
class GpuPool:
    """A kind of GPU node a cluster offers: `gpu_count` GPUs of `gpu_type` per node, bought as `capacity`."""

    gpu_type: GpuType
    gpu_count: int
    capacity: CapacityType

    def holds(self, model: Model) -> bool:
        return model.resources.gpu_type is self.gpu_type and model.resources.gpu_count <= self.gpu_count


@dataclass(frozen=True)
class Member:
    """A public cluster that joins Karmada in Pull mode (phase 3)."""

    name: str
    cloud: str
    region: str
    gpu_pools: tuple[GpuPool, ...]
    # Generation of the member's Karmada agent credentials: bumping it issues a new key and identity and revokes
    # the old one's rights (components/karmada/control_plane.py).
    credential_generation: int = 1


@dataclass(frozen=True)
class ModelDeployment:
    """One model as a stack serves it: the declaration with phase and stack overrides applied."""

    model: Model
    phase: Phase
    runtime: Runtime
    mode: DeploymentMode
    hand_over: Optional[HandOver] = None
    # During a phase 1 → 2 hand-over: the model exactly as phase 1 served it (its Phase 1 pods still run).
    phase_one: Optional[Model] = None

    @property
    def name(self) -> str:
        return self.model.name
