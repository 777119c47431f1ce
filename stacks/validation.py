"""Validate every Kubernetes object a render produced, the way the API server would refuse it.

Built-in kinds: kubernetes-validate's strict schema for Kubernetes 1.31 (unknown fields are errors).
Custom resources: the `openAPIV3Schema` of their upstream CRD in ../shared/crds (see `stacks.crd_schema`),
unknown fields rejected. Objects of a kind with no schema available are reported, never silently passed; without
any CRD folder the render stops (CRDsMissing, one line saying how to get them) unless the caller explicitly allows
it, and then the report counts the custom resources that went unchecked.
"""
from __future__ import annotations

from collections import Counter

import kubernetes_validate

from components.karmada.member import CLUSTER_API_VERSION, CLUSTER_KIND, cluster_object_errors
from stacks.render import Render

KUBERNETES_VERSION = "1.31"


class ValidationFailed(Exception):
    pass


class CRDsMissing(Exception):
    """No CRD folder, custom resources to check, and no permission to leave them unchecked."""


UNCHECKED_NO_CRDS = "custom resources NOT checked (no CRD folder; --allow-missing-crds)"


def _describe(obj: dict) -> str:
    meta = obj.get("metadata") or {}
    ns = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
    return f"{obj.get('apiVersion')} {obj.get('kind')} {ns}{meta.get('name')}"


def validate_builtin(obj: dict) -> bool:
    """True if validated as a built-in kind; False if kubernetes-validate has no schema (a custom resource)."""
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        return True
    except kubernetes_validate.SchemaNotFoundError:
        return False
    except kubernetes_validate.ValidationError as err:
        path = "/".join(str(p) for p in getattr(err, "path", []) or [])
        message = getattr(err, "message", str(err)).splitlines()[0]
        raise ValidationFailed(f"{_describe(obj)}: {path or '(root)'}: {message}") from None


def duplicate_objects(render: Render) -> list[str]:
    """One line per object that another object of the render already claims: the same cluster, API group, kind,
    namespace and name. Both would be applied to the same object on the API server, the later one silently
    overwriting the first (or, with server-side apply, fighting it over field ownership)."""
    first: dict[tuple, str] = {}
    problems = []
    for r in render.resources:
        if not r.is_kubernetes_object:
            continue
        obj = r.inputs
        meta = obj.get("metadata") or {}
        api_version = str(obj.get("apiVersion") or "")
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        identity = (r.cluster, group, obj.get("kind"), meta.get("namespace") or "", meta.get("name"))
        if identity in first:
            problems.append(f"{_describe(obj)} on cluster {r.cluster!r}: declared twice, by {first[identity]} and "
                            f"{r.key}; expected each (cluster, group, kind, namespace, name) once")
        else:
            first[identity] = r.key
    return problems


def validate_render(render: Render, allow_missing_crds: bool = False) -> str:
    """Validate every object; return a one-line report, raise ValidationFailed listing every invalid object.

    Without a CRD folder, or with one that lacks the CRD of a rendered custom resource: raise CRDsMissing, unless
    `allow_missing_crds`; then the report says how many custom resources went unchecked, and which."""
    from stacks import crd_schema

    counts: Counter = Counter()
    errors = duplicate_objects(render)
    crds_dir = crd_schema.find_crds_dir()
    no_crd: Counter = Counter()  # custom resources whose kind no CRD in the folder defines
    for obj in render.objects():
        try:
            if validate_builtin(obj):
                counts["built-in (k8s 1.31 strict)"] += 1
                continue
            if (obj.get("apiVersion"), obj.get("kind")) == (CLUSTER_API_VERSION, CLUSTER_KIND):
                # Karmada's aggregated API server serves Cluster: no CRD exists; check its known fields instead.
                problems = cluster_object_errors(obj)
                if problems:
                    raise ValidationFailed(f"{_describe(obj)}: " + "; ".join(problems))
                counts["Karmada Cluster (field check)"] += 1
                continue
            if crds_dir is None:
                counts[UNCHECKED_NO_CRDS] += 1
                continue
            outcome = crd_schema.check(obj, crds_dir)
            counts[outcome] += 1
            if outcome != crd_schema.CHECKED:
                no_crd[f"{obj.get('apiVersion')} {obj.get('kind')}"] += 1
        except ValidationFailed as err:
            errors.append(str(err))
        except crd_schema.CrdSchemaError as err:
            errors.append(f"{_describe(obj)}: {err}")
    if counts[UNCHECKED_NO_CRDS] and not allow_missing_crds:
        raise CRDsMissing(crd_schema.missing_crds_message(counts[UNCHECKED_NO_CRDS]))
    if no_crd and not allow_missing_crds:
        raise CRDsMissing(crd_schema.missing_crds_message(sum(no_crd.values()), crds_dir, no_crd))
    if errors:
        raise ValidationFailed("\n".join(errors))
    return ", ".join(f"{n} {k}" for k, n in counts.items()) or "no objects"
