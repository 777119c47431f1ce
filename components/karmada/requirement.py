"""What one public member must host for one model, as the private stack's plan has it.

Why its own type, apart from the contract: the private stack checks these facts against the member's node groups
while it plans (`stacks.public_config.check_member_requirements`, it reads the member's stack file), so a model no
group can hold fails before either stack registers anything. The member's stack acts only on the model's name,
class and storage (`member_model`, what crosses the StackReference in `MemberContract`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from components.karmada.contract import MemberModel
from models.spec import GpuType, WorkloadClass


@dataclass(frozen=True)
class ModelRequirement:
    """One replica's requests, whether it must run on Spot (batch), the tolerations its pods carry, and the
    storage URIs the member's copy reads (after the bucket-mirror rewrite)."""

    model: str
    workload_class: WorkloadClass
    gpu_type: Optional[GpuType]
    gpu_count: int
    cpu: str
    memory: str
    needs_spot: bool
    tolerations: tuple[Mapping[str, str], ...]
    storage_uris: tuple[str, ...]

    @property
    def member_model(self) -> MemberModel:
        return MemberModel(model=self.model, workload_class=self.workload_class, storage_uris=self.storage_uris)
