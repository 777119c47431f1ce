"""What crosses the StackReference from the private stack to a public member's stack, as one typed value.

Why one type: the private stack plans placement (which models may land on which member, what each copy reads);
the public stack builds the member (IAM for those artifacts, batch endpoints, the agent). The plan is computed
once, on the private side; the public side must read exactly that, not re-derive it. `MemberContract.to_output`
is the only place its shape is written and `MemberContract.from_output` the only place it is read back, so a
changed shape is one change here and one failing round-trip test.

The member's node groups and region are not in the contract as facts to obey: the public stack owns them. The
contract only records what the private stack planned against (`planned_against`), so that a public stack
whose file changed since the private stack last planned refuses to build until the private stack has re-planned.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from models.errors import ConfigError
from models.spec import GpuType, WorkloadClass

_REQUIREMENT_KEYS = ("model", "workloadClass", "gpuType", "gpuCount", "cpu", "memory", "needsSpot", "tolerations",
                     "storageUris")
_CONTRACT_KEYS = ("member", "namespace", "plannedAgainst", "models")


@dataclass(frozen=True)
class ModelRequirement:
    """One model a member may run, as the private stack's plan has it: one replica's requests, whether it must
    run on Spot (batch), the tolerations its pods carry, and the storage URIs the member's copy reads (after the
    bucket-mirror rewrite)."""

    model: str
    workload_class: WorkloadClass
    gpu_type: Optional[GpuType]
    gpu_count: int
    cpu: str
    memory: str
    needs_spot: bool
    tolerations: tuple[Mapping[str, str], ...]
    storage_uris: tuple[str, ...]

    def to_output(self) -> dict[str, Any]:
        out = {"model": self.model, "workloadClass": self.workload_class.value, "gpuCount": self.gpu_count,
               "cpu": self.cpu, "memory": self.memory, "needsSpot": self.needs_spot,
               "tolerations": [dict(t) for t in self.tolerations], "storageUris": list(self.storage_uris)}
        if self.gpu_type is not None:  # absent, not null: stack outputs drop null values
            out["gpuType"] = self.gpu_type.value
        return out


@dataclass(frozen=True)
class MemberContract:
    """Everything the private stack tells one public member: the model namespace, the models it may run, and the
    fingerprint of the member's own stack file the plan was made against."""

    member: str
    namespace: str
    planned_against: str
    models: tuple[ModelRequirement, ...]

    def to_output(self) -> dict[str, Any]:
        return {"member": self.member, "namespace": self.namespace, "plannedAgainst": self.planned_against,
                "models": [m.to_output() for m in self.models]}

    @classmethod
    def from_output(cls, value: Any, where: str) -> "MemberContract":
        """Read back what `to_output` wrote (numbers may come back as floats through a StackReference). Anything
        else fails with one ConfigError naming `where` (the output), the key and what was expected."""
        _keys(where, value, _CONTRACT_KEYS, optional=("models",))  # an empty list may be dropped on the way
        for key in ("member", "namespace", "plannedAgainst"):
            if not isinstance(value[key], str) or not value[key]:
                raise ConfigError(where, key, value[key], "a non-empty string")
        raw_models = value.get("models", [])
        if not isinstance(raw_models, list):
            raise ConfigError(where, "models", raw_models, "a list")
        models = tuple(_requirement(f"{where}.models[{i}]", raw) for i, raw in enumerate(raw_models))
        return cls(member=value["member"], namespace=value["namespace"], planned_against=value["plannedAgainst"],
                   models=models)


def _keys(where: str, value: Any, keys: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    if not isinstance(value, dict):
        raise ConfigError(where, "shape", type(value).__name__, "a mapping with keys " + ", ".join(keys))
    if not set(keys) - set(optional) <= set(value) <= set(keys):
        odd = sorted((set(value) ^ set(keys)) - (set(optional) - set(value)))
        raise ConfigError(where, odd[0], value.get(odd[0]), "exactly the keys " + ", ".join(keys) +
                          " (the private and public stacks run different versions of the contract: update both)")


def _enum(where: str, key: str, value: Any, cls):
    for member in cls:
        if member.value == value:
            return member
    raise ConfigError(where, key, value, "one of " + ", ".join(repr(m.value) for m in cls))


def _requirement(where: str, raw: Any) -> ModelRequirement:
    _keys(where, raw, _REQUIREMENT_KEYS, optional=("gpuType",))
    count = raw["gpuCount"]
    if isinstance(count, float) and count.is_integer():  # numbers cross a StackReference as floats
        count = int(count)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ConfigError(where, "gpuCount", count, "a whole number of GPUs >= 0")
    gpu_type = None if raw.get("gpuType") is None else _enum(where, "gpuType", raw["gpuType"], GpuType)
    if (gpu_type is None) != (count == 0):
        raise ConfigError(where, "gpuType", raw.get("gpuType"), "a GPU type exactly when gpuCount > 0")
    for key in ("model", "cpu", "memory"):
        if not isinstance(raw[key], str) or not raw[key]:
            raise ConfigError(where, key, raw[key], "a non-empty string")
    if not isinstance(raw["needsSpot"], bool):
        raise ConfigError(where, "needsSpot", raw["needsSpot"], "true or false")
    tolerations = raw["tolerations"]
    if not isinstance(tolerations, list) or not all(
            isinstance(t, dict) and all(isinstance(v, str) for v in t.values()) for t in tolerations):
        raise ConfigError(where, "tolerations", tolerations, "a list of Kubernetes tolerations")
    uris = raw["storageUris"]
    if not isinstance(uris, list) or not all(isinstance(u, str) and "://" in u for u in uris):
        raise ConfigError(where, "storageUris", uris, "a list of storage URIs")
    return ModelRequirement(model=raw["model"],
                            workload_class=_enum(where, "workloadClass", raw["workloadClass"], WorkloadClass),
                            gpu_type=gpu_type, gpu_count=count, cpu=raw["cpu"], memory=raw["memory"],
                            needs_spot=raw["needsSpot"], tolerations=tuple(dict(t) for t in tolerations),
                            storage_uris=tuple(uris))
