"""Typed builders for Karmada's policy API (policy.karmada.io/v1alpha1): small frozen values in, plain camelCase
dicts out, ready to be the `spec` of a `kubernetes.apiextensions.CustomResource` on the Karmada API server.

Field names and enum values are those of the v1.18.2 CRDs (`charts/karmada/_crds/bases/policy/*`). Every value
checks itself when it is created and raises `PolicyError` naming the field and what was expected, for the
combinations Karmada's validating webhook (`pkg/util/validation`) or the CRD would refuse, and for a few that
would be accepted but silently do nothing:

- `clusterAffinity` and `clusterAffinities` are exclusive; affinity group names are unique; `overflowAffinities`
  extend a group that names its clusters, only with Divided replicas and Aggregated division or a dynamic weight.
- `replicaScheduling`: a division preference only with `Divided`; a weight only with `Weighted`.
- `failover.application`: `gracePeriodSeconds` only (and always) with purge mode `Gracefully`; application
  failover only with `propagateDeps` (so dependencies move with the workload, as the API asks).
- Override policies: every overrider in a policy applies to every selected resource, so a policy selects one kind.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from models.errors import PlatformError

API_VERSION = "policy.karmada.io/v1alpha1"
PROPAGATION_POLICY = "PropagationPolicy"
CLUSTER_PROPAGATION_POLICY = "ClusterPropagationPolicy"
OVERRIDE_POLICY = "OverridePolicy"
CLUSTER_OVERRIDE_POLICY = "ClusterOverridePolicy"

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


class PolicyError(PlatformError, ValueError):
    """A policy value Karmada would refuse (or silently ignore); the message names the field."""

    def __init__(self, where: str, value: object, expected: str):
        self.where, self.value, self.expected = where, value, expected
        shown = value.value if isinstance(value, enum.Enum) else value  # as the CRD spells it
        super().__init__(f"{where}: got {shown!r}, expected {expected}")


# -- enums (values exactly as the CRDs spell them) ------------------------------------------------------------


class ReplicaSchedulingType(enum.Enum):
    """Duplicated: every selected cluster runs the full replica count. Divided: the replicas are split."""

    DUPLICATED = "Duplicated"
    DIVIDED = "Divided"


class ReplicaDivision(enum.Enum):
    """With Divided: Aggregated packs replicas into as few clusters as fit; Weighted splits by weight."""

    AGGREGATED = "Aggregated"
    WEIGHTED = "Weighted"


class DynamicWeight(enum.Enum):
    """The only dynamic weight Karmada has: each cluster's share follows how many replicas it can still hold."""

    AVAILABLE_REPLICAS = "AvailableReplicas"


class PurgeMode(enum.Enum):
    """What happens to the application on the cluster it fails over from.

    Directly: deleted at once. Gracefully: deleted once the new placement is healthy or `gracePeriodSeconds`
    have passed. Never: left in place for an operator. (`Immediately` and `Graciously` are the v1.18 CRD's
    deprecated spellings and are not offered.)
    """

    DIRECTLY = "Directly"
    GRACEFULLY = "Gracefully"
    NEVER = "Never"


class ConflictResolution(enum.Enum):
    """When the resource already exists on a member: Abort (default) leaves it alone; Overwrite takes it over."""

    ABORT = "Abort"
    OVERWRITE = "Overwrite"


class OverrideOperator(enum.Enum):
    ADD = "add"
    REMOVE = "remove"
    REPLACE = "replace"


class ImageComponent(enum.Enum):
    """Part of `[registry/]repository[:tag]` an image overrider changes."""

    REGISTRY = "Registry"
    REPOSITORY = "Repository"
    TAG = "Tag"


# -- helpers -------------------------------------------------------------------------------------------------


def _names(where: str, names: tuple[str, ...]) -> list[str]:
    if isinstance(names, str) or not isinstance(names, (tuple, list)):
        raise PolicyError(where, names, "a tuple of cluster names")
    for n in names:
        if not isinstance(n, str) or not _DNS_SUBDOMAIN.match(n):
            raise PolicyError(where, n, "a DNS-1123 cluster name")
    if len(set(names)) != len(names):
        raise PolicyError(where, names, "cluster names without duplicates")
    return list(names)


def _check_label_key(where: str, key: object) -> None:
    if not isinstance(key, str) or not key:
        raise PolicyError(where, key, "a non-empty label or annotation key")
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        raise PolicyError(where, key, "a key whose prefix is a DNS subdomain (e.g. 'example.com/name')")
    if len(name) > 63 or not _QUALIFIED_NAME.match(name):
        raise PolicyError(where, key, "a qualified name: alphanumerics, '-', '_' or '.', at most 63 characters")


def _check_int(where: str, value: object, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise PolicyError(where, value, f"an integer >= {minimum}")
    return value


def _enum(where: str, value: object, cls: type[enum.Enum]):
    if isinstance(value, cls):
        return value
    for member in cls:
        if value == member.value:
            return member
    raise PolicyError(where, value, "one of " + ", ".join(repr(m.value) for m in cls))


# -- selectors and affinities -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceSelector:
    """Selects resource templates on the Karmada API server by apiVersion and kind, and optionally by name,
    namespace (defaults to the policy's own for a PropagationPolicy) and labels."""

    api_version: str
    kind: str
    name: Optional[str] = None
    namespace: Optional[str] = None
    match_labels: Optional[Mapping[str, str]] = None

    def __post_init__(self) -> None:
        for attr, field_name in (("api_version", "apiVersion"), ("kind", "kind")):
            if not isinstance(getattr(self, attr), str) or not getattr(self, attr):
                raise PolicyError(f"resourceSelectors.{field_name}", getattr(self, attr), "a non-empty string")
        if self.name is not None and self.match_labels is not None:
            raise PolicyError("resourceSelectors", self.name, "either name or labels, not both (a name wins)")
        for key in (self.match_labels or {}):
            _check_label_key("resourceSelectors.labelSelector.matchLabels", key)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"apiVersion": self.api_version, "kind": self.kind}
        if self.namespace:
            out["namespace"] = self.namespace
        if self.name:
            out["name"] = self.name
        if self.match_labels:
            out["labelSelector"] = {"matchLabels": dict(self.match_labels)}
        return out


@dataclass(frozen=True)
class ClusterAffinity:
    """Candidate clusters: by name, by label, minus `exclude`. All given filters must match (logical AND);
    none at all means every cluster."""

    cluster_names: tuple[str, ...] = ()
    match_labels: Optional[Mapping[str, str]] = None
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _names("clusterAffinity.clusterNames", self.cluster_names)
        _names("clusterAffinity.exclude", self.exclude)
        for key in (self.match_labels or {}):
            _check_label_key("clusterAffinity.labelSelector.matchLabels", key)
        overlap = set(self.cluster_names) & set(self.exclude)
        if overlap:
            raise PolicyError("clusterAffinity.exclude", sorted(overlap), "no cluster both named and excluded")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.cluster_names:
            out["clusterNames"] = list(self.cluster_names)
        if self.match_labels:
            out["labelSelector"] = {"matchLabels": dict(self.match_labels)}
        if self.exclude:
            out["exclude"] = list(self.exclude)
        return out


@dataclass(frozen=True)
class OverflowGroup:
    """One tier of `overflowAffinities` (v1.18): clusters the scheduler adds, in order, only for the replicas the
    groups before it cannot hold, and empties first when the replicas shrink."""

    name: str
    affinity: ClusterAffinity

    def __post_init__(self) -> None:
        _affinity_name("clusterAffinities.overflowAffinities.affinityName", self.name)

    def to_dict(self) -> dict[str, Any]:
        return {"affinityName": self.name, **self.affinity.to_dict()}


def _affinity_name(where: str, name: object) -> None:
    # CRD: affinityName minLength 1, maxLength 32; webhook: a label key (pkg/util/validation/validation.go).
    if not isinstance(name, str) or len(name) > 32 or not _DNS_SUBDOMAIN.match(name or ""):
        raise PolicyError(where, name, "a DNS-1123 name of at most 32 characters")


@dataclass(frozen=True)
class AffinityGroup:
    """One ordered group of `clusterAffinities`: the scheduler tries the groups in order and uses the first
    that can hold the workload. `overflow`: tiers added to this group's clusters for the replicas it cannot hold
    (karmada v1.18.2 pkg/scheduler/core/common.go assignWorkloadReplicas: tier i gets min(remaining, its
    available replicas), tiers in order), so shrinking empties the last tier first. Unlike a later group, the
    overflow does not stick: each schedule starts again from the primary tier."""

    name: str
    affinity: ClusterAffinity
    overflow: tuple[OverflowGroup, ...] = ()

    def __post_init__(self) -> None:
        _affinity_name("clusterAffinities.affinityName", self.name)
        if self.overflow and not (self.affinity.cluster_names or self.affinity.match_labels):
            # pkg/util/validation/validation.go ValidateOverflowAffinities (v1.18.2)
            raise PolicyError("clusterAffinities.overflowAffinities", [o.name for o in self.overflow],
                              "a primary group that names its clusters (overflow extends the inline affinity)")
        names = [self.name, *(o.name for o in self.overflow)]
        if len(set(names)) != len(names):
            raise PolicyError("clusterAffinities.overflowAffinities.affinityName", names,
                              "names unique within the group, and not the primary group's name")

    def cluster_names(self) -> list[str]:
        names = list(self.affinity.cluster_names)
        for tier in self.overflow:
            names += [n for n in tier.affinity.cluster_names if n not in names]
        return names

    def to_dict(self) -> dict[str, Any]:
        out = {"affinityName": self.name, **self.affinity.to_dict()}
        if self.overflow:
            out["overflowAffinities"] = [o.to_dict() for o in self.overflow]
        return out


# -- replica scheduling, failover ------------------------------------------------------------------


@dataclass(frozen=True)
class ReplicaScheduling:
    """How a workload's replicas are placed. Default: Divided, Weighted by the clusters' available replicas."""

    type: ReplicaSchedulingType = ReplicaSchedulingType.DIVIDED
    division: Optional[ReplicaDivision] = ReplicaDivision.WEIGHTED
    dynamic_weight: Optional[DynamicWeight] = DynamicWeight.AVAILABLE_REPLICAS

    def __post_init__(self) -> None:
        set_ = lambda a, v: object.__setattr__(self, a, v)  # noqa: E731 (frozen dataclass)
        set_("type", _enum("replicaScheduling.replicaSchedulingType", self.type, ReplicaSchedulingType))
        if self.division is not None:
            set_("division", _enum("replicaScheduling.replicaDivisionPreference", self.division, ReplicaDivision))
        if self.dynamic_weight is not None:
            set_("dynamic_weight", _enum("replicaScheduling.weightPreference.dynamicWeight", self.dynamic_weight,
                                         DynamicWeight))
        weighted = self.dynamic_weight is not None
        if self.type is ReplicaSchedulingType.DUPLICATED:
            if self.division is not None or weighted:
                raise PolicyError("replicaScheduling", self.division or self.dynamic_weight,
                                  "no division preference or weights with Duplicated (every cluster gets all "
                                  "replicas); use ReplicaScheduling.duplicated()")
            return
        if self.division is None:
            raise PolicyError("replicaScheduling.replicaDivisionPreference", None,
                              "Aggregated or Weighted when replicas are Divided")
        if self.division is ReplicaDivision.AGGREGATED and weighted:
            raise PolicyError("replicaScheduling.weightPreference", self.dynamic_weight,
                              "no weights with Aggregated division (weights belong to Weighted)")

    @classmethod
    def duplicated(cls) -> "ReplicaScheduling":
        return cls(type=ReplicaSchedulingType.DUPLICATED, division=None, dynamic_weight=None)

    @classmethod
    def by_available_replicas(cls) -> "ReplicaScheduling":
        return cls()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"replicaSchedulingType": self.type.value}
        if self.type is ReplicaSchedulingType.DIVIDED:
            out["replicaDivisionPreference"] = self.division.value
            if self.dynamic_weight is not None:
                out["weightPreference"] = {"dynamicWeight": self.dynamic_weight.value}
        return out


DEFAULT_GRACE_PERIOD_SECONDS = 600


@dataclass(frozen=True)
class ApplicationFailover:
    """Move the application when it stays unhealthy (per the resource interpreter's InterpretHealth) for
    `toleration_seconds`. Purge mode Gracefully (default) keeps the old copy until the new one is healthy or
    `grace_period_seconds` (default 600) pass; the webhook requires that period with Gracefully and refuses it
    otherwise."""

    toleration_seconds: int = 300
    purge_mode: PurgeMode = PurgeMode.GRACEFULLY
    grace_period_seconds: Optional[int] = None

    def __post_init__(self) -> None:
        _check_int("failover.application.decisionConditions.tolerationSeconds", self.toleration_seconds, 0)
        mode = _enum("failover.application.purgeMode", self.purge_mode, PurgeMode)
        object.__setattr__(self, "purge_mode", mode)
        if mode is PurgeMode.GRACEFULLY:
            if self.grace_period_seconds is None:
                object.__setattr__(self, "grace_period_seconds", DEFAULT_GRACE_PERIOD_SECONDS)
            _check_int("failover.application.gracePeriodSeconds", self.grace_period_seconds, 1)
        elif self.grace_period_seconds is not None:
            raise PolicyError("failover.application.gracePeriodSeconds", self.grace_period_seconds,
                              f"no grace period unless purgeMode is 'Gracefully' (it is {mode.value!r})")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"decisionConditions": {"tolerationSeconds": self.toleration_seconds},
                               "purgeMode": self.purge_mode.value}
        if self.grace_period_seconds is not None:
            out["gracePeriodSeconds"] = self.grace_period_seconds
        return out


@dataclass(frozen=True)
class Placement:
    """Where the selected resources go: one `affinity`, or ordered `affinity_groups` (not both; neither means
    every cluster), and how replicas are scheduled."""

    affinity: Optional[ClusterAffinity] = None
    affinity_groups: tuple[AffinityGroup, ...] = ()
    replica_scheduling: Optional[ReplicaScheduling] = None

    def __post_init__(self) -> None:
        if self.affinity is not None and self.affinity_groups:
            raise PolicyError("placement", "clusterAffinity and clusterAffinities",
                              "one of them (clusterAffinities cannot co-exist with clusterAffinity)")
        names = [g.name for g in self.affinity_groups]
        if len(set(names)) != len(names):
            raise PolicyError("placement.clusterAffinities.affinityName", names, "a unique name per group")
        rs = self.replica_scheduling
        overflow_allowed = rs is not None and rs.type is ReplicaSchedulingType.DIVIDED and (
            rs.division is ReplicaDivision.AGGREGATED or rs.dynamic_weight is not None)
        for g in self.affinity_groups:
            if g.overflow and not overflow_allowed:
                # karmada v1.18.2 pkg/util/policy.go IsOverflowSchedulingAllowed, enforced by the webhook
                raise PolicyError("placement.clusterAffinities.overflowAffinities", g.name,
                                  "Divided replicas with Aggregated division or a dynamic weight")

    def cluster_names(self) -> tuple[str, ...]:
        """Every cluster named anywhere in the placement, in order of first mention."""
        names: list[str] = list(self.affinity.cluster_names) if self.affinity else []
        for g in self.affinity_groups:
            names += [n for n in g.cluster_names() if n not in names]
        return tuple(names)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.affinity is not None:
            out["clusterAffinity"] = self.affinity.to_dict()
        if self.affinity_groups:
            out["clusterAffinities"] = [g.to_dict() for g in self.affinity_groups]
        if self.replica_scheduling is not None:
            out["replicaScheduling"] = self.replica_scheduling.to_dict()
        return out


@dataclass(frozen=True)
class PropagationSpec:
    """The spec shared by PropagationPolicy and ClusterPropagationPolicy. `propagate_deps` sends the resources
    the workload references (per the resource interpreter's GetDependencies) along with it; application
    failover requires it, so that those dependencies move too."""

    resource_selectors: tuple[ResourceSelector, ...]
    placement: Placement = field(default_factory=Placement)
    propagate_deps: bool = False
    failover: Optional[ApplicationFailover] = None
    conflict_resolution: ConflictResolution = ConflictResolution.ABORT
    priority: Optional[int] = None

    def __post_init__(self) -> None:
        if not self.resource_selectors:
            raise PolicyError("resourceSelectors", self.resource_selectors, "at least one ResourceSelector")
        wrong = [s for s in self.resource_selectors if not isinstance(s, ResourceSelector)]
        if wrong:
            raise PolicyError("resourceSelectors", wrong[0], "ResourceSelector(...) values")
        object.__setattr__(self, "conflict_resolution",
                           _enum("conflictResolution", self.conflict_resolution, ConflictResolution))
        if self.failover is not None and not self.propagate_deps:
            raise PolicyError("failover.application", "propagateDeps false",
                              "propagateDeps true with application failover (dependencies must move with it)")
        if self.priority is not None:
            _check_int("priority", self.priority, 0)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"resourceSelectors": [s.to_dict() for s in self.resource_selectors],
                               "placement": self.placement.to_dict()}
        if self.propagate_deps:
            out["propagateDeps"] = True
        if self.failover is not None:
            out["failover"] = {"application": self.failover.to_dict()}
        if self.conflict_resolution is not ConflictResolution.ABORT:
            out["conflictResolution"] = self.conflict_resolution.value
        if self.priority is not None:
            out["priority"] = self.priority
        return out


# -- overriders ----------------------------------------------------------------------------------------------


def _check_json_pointer(where: str, path: object) -> None:
    if not isinstance(path, str) or not path.startswith("/") or path == "/":
        raise PolicyError(where, path, "a JSON pointer such as '/spec/predictor/model/storageUri'")


@dataclass(frozen=True)
class PlaintextOverrider:
    """A JSON-patch operation on the resource. `add` on an existing field replaces it (RFC 6902); `remove`
    takes no value, `add` and `replace` need one."""

    path: str
    operator: OverrideOperator
    value: Any = None

    def __post_init__(self) -> None:
        _check_json_pointer("overriders.plaintext.path", self.path)
        op = _enum("overriders.plaintext.operator", self.operator, OverrideOperator)
        object.__setattr__(self, "operator", op)
        if op is OverrideOperator.REMOVE and self.value is not None:
            raise PolicyError("overriders.plaintext.value", self.value, "no value with 'remove'")
        if op is not OverrideOperator.REMOVE and self.value is None:
            raise PolicyError("overriders.plaintext.value", None, f"a value with {op.value!r}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "operator": self.operator.value}
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass(frozen=True)
class ImageOverrider:
    """Rewrite one part of image references. Karmada finds the images of Pods and the built-in workloads by
    itself; for any other kind (InferenceService, ClusterServingRuntime) give `predicate_path`, the JSON pointer
    of the image field, or nothing is changed."""

    component: ImageComponent
    operator: OverrideOperator
    value: Optional[str] = None
    predicate_path: Optional[str] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "component", _enum("imageOverrider.component", self.component, ImageComponent))
        op = _enum("imageOverrider.operator", self.operator, OverrideOperator)
        object.__setattr__(self, "operator", op)
        if op is not OverrideOperator.REMOVE and not self.value:
            raise PolicyError("imageOverrider.value", self.value, f"a non-empty value with {op.value!r}")
        if self.predicate_path is not None:
            _check_json_pointer("imageOverrider.predicate.path", self.predicate_path)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"component": self.component.value, "operator": self.operator.value}
        if self.value:
            out["value"] = self.value
        if self.predicate_path:
            out["predicate"] = {"path": self.predicate_path}
        return out


@dataclass(frozen=True)
class MetadataOverrider:
    """Add, replace or remove labels or annotations (`values`: key -> value; for remove the keys count)."""

    operator: OverrideOperator
    values: Mapping[str, str]
    labels: bool = True

    def __post_init__(self) -> None:
        what = "labelsOverrider" if self.labels else "annotationsOverrider"
        object.__setattr__(self, "operator", _enum(f"{what}.operator", self.operator, OverrideOperator))
        if not self.values:
            raise PolicyError(f"{what}.value", self.values, "at least one key")
        for key, value in self.values.items():
            _check_label_key(f"{what}.value", key)
            if not isinstance(value, str):
                raise PolicyError(f"{what}.value[{key}]", value, "a string")
            if self.labels and (len(value) > 63 or not _LABEL_VALUE.match(value)):
                raise PolicyError(f"{what}.value[{key}]", value, "a label value (at most 63 characters)")

    def to_dict(self) -> dict[str, Any]:
        return {"operator": self.operator.value, "value": dict(self.values)}


@dataclass(frozen=True)
class Overriders:
    plaintext: tuple[PlaintextOverrider, ...] = ()
    images: tuple[ImageOverrider, ...] = ()
    labels: tuple[MetadataOverrider, ...] = ()
    annotations: tuple[MetadataOverrider, ...] = ()

    def __post_init__(self) -> None:
        if not (self.plaintext or self.images or self.labels or self.annotations):
            raise PolicyError("overriders", self, "at least one overrider")
        if any(not m.labels for m in self.labels) or any(m.labels for m in self.annotations):
            raise PolicyError("overriders", "labels/annotations", "label overriders under labels, annotation "
                              "overriders (MetadataOverrider(labels=False)) under annotations")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.plaintext:
            out["plaintext"] = [o.to_dict() for o in self.plaintext]
        if self.images:
            out["imageOverrider"] = [o.to_dict() for o in self.images]
        if self.labels:
            out["labelsOverrider"] = [o.to_dict() for o in self.labels]
        if self.annotations:
            out["annotationsOverrider"] = [o.to_dict() for o in self.annotations]
        return out


@dataclass(frozen=True)
class OverrideRule:
    """Apply `overriders` on the clusters `target` selects."""

    target: ClusterAffinity
    overriders: Overriders

    def to_dict(self) -> dict[str, Any]:
        return {"targetCluster": self.target.to_dict(), "overriders": self.overriders.to_dict()}


def _override_spec(where: str, selectors: tuple[ResourceSelector, ...], rules: tuple[OverrideRule, ...]) -> dict:
    if not selectors:
        raise PolicyError(f"{where}.resourceSelectors", selectors, "at least one ResourceSelector (an empty list "
                          "would select every resource)")
    kinds = {(s.api_version, s.kind) for s in selectors}
    if len(kinds) != 1:
        raise PolicyError(f"{where}.resourceSelectors", sorted(kinds), "one apiVersion/kind per override policy "
                          "(every overrider applies to every selected resource: one policy per kind)")
    if not rules:
        raise PolicyError(f"{where}.overrideRules", rules, "at least one OverrideRule")
    return {"resourceSelectors": [s.to_dict() for s in selectors],
            "overrideRules": [r.to_dict() for r in rules]}


# -- whole objects -------------------------------------------------------------------------------------------


def _metadata(name: str, namespace: Optional[str], labels: Optional[Mapping[str, str]]) -> dict[str, Any]:
    if not isinstance(name, str) or len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        raise PolicyError("metadata.name", name, "a DNS-1123 subdomain")
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        for key in labels:
            _check_label_key("metadata.labels", key)
        meta["labels"] = dict(labels)
    return meta


def _namespaced_selectors(where: str, namespace: str, selectors: tuple[ResourceSelector, ...]) -> None:
    for s in selectors:
        if s.namespace not in (None, namespace):
            raise PolicyError(f"{where}.resourceSelectors.namespace", s.namespace,
                              f"the policy's namespace {namespace!r} (a namespaced policy selects only there)")


def propagation_policy(name: str, namespace: str, spec: PropagationSpec,
                       labels: Optional[Mapping[str, str]] = None) -> dict[str, Any]:
    _namespaced_selectors(PROPAGATION_POLICY, namespace, spec.resource_selectors)
    return {"apiVersion": API_VERSION, "kind": PROPAGATION_POLICY, "metadata": _metadata(name, namespace, labels),
            "spec": spec.to_dict()}


def cluster_propagation_policy(name: str, spec: PropagationSpec,
                               labels: Optional[Mapping[str, str]] = None) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": CLUSTER_PROPAGATION_POLICY, "metadata": _metadata(name, None, labels),
            "spec": spec.to_dict()}


def override_policy(name: str, namespace: str, selectors: tuple[ResourceSelector, ...],
                    rules: tuple[OverrideRule, ...], labels: Optional[Mapping[str, str]] = None) -> dict[str, Any]:
    _namespaced_selectors(OVERRIDE_POLICY, namespace, selectors)
    return {"apiVersion": API_VERSION, "kind": OVERRIDE_POLICY, "metadata": _metadata(name, namespace, labels),
            "spec": _override_spec(OVERRIDE_POLICY, selectors, rules)}


def cluster_override_policy(name: str, selectors: tuple[ResourceSelector, ...], rules: tuple[OverrideRule, ...],
                            labels: Optional[Mapping[str, str]] = None) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": CLUSTER_OVERRIDE_POLICY, "metadata": _metadata(name, None, labels),
            "spec": _override_spec(CLUSTER_OVERRIDE_POLICY, selectors, rules)}
