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
from typing import Any

from models.errors import ConfigError
from models.spec import WorkloadClass

_MODEL_KEYS = ("model", "workloadClass", "storageUris")
_CONTRACT_KEYS = ("namespace", "plannedAgainst", "models")


@dataclass(frozen=True)
class MemberModel:
    """One model the member may run, as far as the member's own stack acts on it: its name (the member's batch
    endpoints), its workload class (only `batch` copies get one) and the storage URIs its copy reads after the
    bucket-mirror rewrite (the member's IAM role for reading artifacts). What a replica requests is checked
    against the member's node groups by the private stack while it plans (`components/karmada/requirement.py`);
    it does not cross."""

    model: str
    workload_class: WorkloadClass
    storage_uris: tuple[str, ...]

    def to_output(self) -> dict[str, Any]:
        return {"model": self.model, "workloadClass": self.workload_class.value,
                "storageUris": list(self.storage_uris)}


@dataclass(frozen=True)
class MemberContract:
    """Everything the private stack tells one public member: the model namespace, the models it may run, and the
    fingerprint of the member's own stack file the plan was made against."""

    namespace: str
    planned_against: str
    models: tuple[MemberModel, ...]

    def to_output(self) -> dict[str, Any]:
        return {"namespace": self.namespace, "plannedAgainst": self.planned_against,
                "models": [m.to_output() for m in self.models]}

    @classmethod
    def from_output(cls, value: Any, where: str) -> "MemberContract":
        """Read back what `to_output` wrote. Anything else fails with one ConfigError naming `where` (the output),
        the key and what was expected."""
        _keys(where, value, _CONTRACT_KEYS, optional=("models",))  # an empty list may be dropped on the way
        for key in ("namespace", "plannedAgainst"):
            if not isinstance(value[key], str) or not value[key]:
                raise ConfigError(where, key, value[key], "a non-empty string")
        raw_models = value.get("models", [])
        if not isinstance(raw_models, list):
            raise ConfigError(where, "models", raw_models, "a list")
        models = tuple(_model(f"{where}.models[{i}]", raw) for i, raw in enumerate(raw_models))
        return cls(namespace=value["namespace"], planned_against=value["plannedAgainst"], models=models)


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


def _model(where: str, raw: Any) -> MemberModel:
    _keys(where, raw, _MODEL_KEYS)
    if not isinstance(raw["model"], str) or not raw["model"]:
        raise ConfigError(where, "model", raw["model"], "a non-empty string")
    uris = raw["storageUris"]
    if not isinstance(uris, list) or not all(isinstance(u, str) and "://" in u for u in uris):
        raise ConfigError(where, "storageUris", uris, "a list of storage URIs")
    return MemberModel(model=raw["model"],
                       workload_class=_enum(where, "workloadClass", raw["workloadClass"], WorkloadClass),
                       storage_uris=tuple(uris))
