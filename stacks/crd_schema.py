"""Validate custom resources against the upstream CRDs' `openAPIV3Schema`, strictly.

The CRDs live outside the repository, in `../shared/crds/<system>/*.yaml` (see that folder's
README); `PLATFORM_CRDS_DIR` names another folder when that one is absent, and every function
takes an explicit `crds_dir` that wins over both.

Strict like the API server's strict field validation: wherever an object schema lists
`properties`, has no `additionalProperties` and is not `x-kubernetes-preserve-unknown-fields`,
unknown fields are errors. `x-kubernetes-int-or-string` accepts an integer or a string,
`nullable: true` accepts null, the top-level `metadata` (and that of embedded resources) is
checked as ObjectMeta. Not checked: CEL rules (`x-kubernetes-validations`), `format`, list-map
key uniqueness, defaults.

API (no pytest here; the render CLI and tests both use it):

    find_crds_dir(crds_dir=None) -> Path | None
    crd_for(api_version, kind, crds_dir=None) -> CRDVersion      # raises CRDNotFound
    strict_schema(schema) -> dict                                 # the transformation above
    schema_errors(obj, crds_dir=None) -> list[SchemaError]        # [] when valid
    validate_custom_resource(obj, crds_dir=None) -> None          # raises CustomResourceInvalid
    check(obj, crds_dir=None) -> str                              # for the render's report
    known_kinds(crds_dir=None) -> set[tuple[str, str]]            # (apiVersion, kind)

Errors: CrdSchemaError, and its subclasses CRDsUnavailable, CRDNotFound, CustomResourceInvalid.

Parsed files and compiled validators are cached per file (keyed by path and mtime) and per
CRD version, so validating many objects costs one YAML parse per CRD file touched.
"""

from __future__ import annotations

import copy
import difflib
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match

ENV_VAR = "PLATFORM_CRDS_DIR"
DEFAULT_CRDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "crds"

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CrdSchemaError(Exception):
    """Base of this module's errors."""


class CRDsUnavailable(CrdSchemaError, FileNotFoundError):
    """No CRD folder: neither ../shared/crds, nor $PLATFORM_CRDS_DIR, nor the one passed."""


class CRDNotFound(CrdSchemaError, LookupError):
    """No CRD in the folder defines this apiVersion and kind."""


@dataclass(frozen=True)
class SchemaError:
    path: str  # readable: spec.predictor.containers[0].name ("<root>" for the object itself)
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CustomResourceInvalid(CrdSchemaError, ValueError):
    """The object does not match its CRD schema; `errors` lists every mismatch, first first."""

    def __init__(self, obj: Mapping[str, Any], errors: list[SchemaError], source: Path | None = None):
        self.errors = errors
        self.source = source
        name = (obj.get("metadata") or {}).get("name", "<unnamed>") if isinstance(obj, Mapping) else "<not an object>"
        head = errors[0]
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        what = f"{obj.get('kind')} {name!r} ({obj.get('apiVersion')})" if isinstance(obj, Mapping) else "object"
        super().__init__(f"{what} does not match its CRD schema at {head.path}: {head.message}{more}")


@dataclass(frozen=True)
class CRDVersion:
    api_version: str
    kind: str
    source: Path
    schema: Mapping[str, Any]  # the CRD's openAPIV3Schema, as written (do not mutate)


# --- locating CRDs -------------------------------------------------------------------------


def find_crds_dir(crds_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The CRD folder: `crds_dir` if given, else ../shared/crds, else $PLATFORM_CRDS_DIR."""
    if crds_dir is not None:
        path = Path(crds_dir)
        return path if path.is_dir() else None
    if DEFAULT_CRDS_DIR.is_dir():
        return DEFAULT_CRDS_DIR
    env = os.environ.get(ENV_VAR)
    if env and Path(env).is_dir():
        return Path(env)
    return None


def _require_dir(crds_dir: str | os.PathLike[str] | None) -> Path:
    found = find_crds_dir(crds_dir)
    if found is None:
        tried = str(crds_dir) if crds_dir is not None else f"{DEFAULT_CRDS_DIR} and ${ENV_VAR}"
        raise CRDsUnavailable(f"no CRD folder found (tried {tried})")
    return found


def _crd_files(root: Path) -> list[Path]:
    return sorted(p for pattern in ("*/*.yaml", "*/*.yml", "*.yaml", "*.yml") for p in root.glob(pattern))


@functools.lru_cache(maxsize=None)
def _parse(path: str, mtime_ns: int) -> tuple[tuple[tuple[str, str], str, Mapping[str, Any]], ...]:
    """((apiVersion, kind), version name, openAPIV3Schema) for every CRD version in one file."""
    with open(path, encoding="utf-8") as handle:
        docs = list(yaml.load_all(handle, Loader=_YAML_LOADER))
    found = []
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc.get("spec") or {}
        group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
        for version in spec.get("versions") or []:
            schema = ((version.get("schema") or {}).get("openAPIV3Schema")) or {}
            found.append(((f"{group}/{version['name']}", kind), version["name"], schema))
    return tuple(found)


def _parsed(path: Path):
    return _parse(str(path), path.stat().st_mtime_ns)


def _candidates(root: Path, api_version: str, kind: str) -> list[Path]:
    """All CRD files, the likeliest first (CRD files are usually named <group>_<plural>.yaml)."""
    group = api_version.split("/")[0].lower()
    kind_l = kind.lower()

    def rank(path: Path) -> int:
        name = path.name.lower()
        if kind_l in name and group in name:
            return 0
        if kind_l in name or name.startswith(group):
            return 1
        return 2

    return sorted(_crd_files(root), key=rank)


def crd_for(api_version: str, kind: str, crds_dir: str | os.PathLike[str] | None = None) -> CRDVersion:
    """The CRD version that defines `api_version`/`kind`."""
    root = _require_dir(crds_dir)
    other_versions = []
    for path in _candidates(root, api_version, kind):
        for (found_api_version, found_kind), _name, schema in _parsed(path):
            if found_kind != kind:
                continue
            if found_api_version == api_version:
                return CRDVersion(api_version, kind, path, schema)
            other_versions.append(found_api_version)
    hint = f"; the CRDs define {kind} as {', '.join(sorted(set(other_versions)))}" if other_versions else ""
    raise CRDNotFound(f"no CRD under {root} defines {api_version} {kind}{hint}")


def known_kinds(crds_dir: str | os.PathLike[str] | None = None) -> set[tuple[str, str]]:
    """Every (apiVersion, kind) the CRD folder defines (parses every file once)."""
    root = _require_dir(crds_dir)
    return {key for path in _crd_files(root) for key, _name, _schema in _parsed(path)}


# --- the strict schema ---------------------------------------------------------------------

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
OBJECT_META_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "generateName": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
        "uid": {"type": "string"},
        "resourceVersion": {"type": "string"},
        "selfLink": {"type": "string"},
        "generation": {"type": "integer"},
        "creationTimestamp": {"type": ["string", "null"]},
        "deletionTimestamp": {"type": ["string", "null"]},
        "deletionGracePeriodSeconds": {"type": "integer"},
        "finalizers": {"type": "array", "items": {"type": "string"}},
        "ownerReferences": {"type": "array", "items": {"type": "object"}},
        "managedFields": {"type": "array", "items": {"type": "object"}},
    },
}


def _is_bare_object(schema: Any) -> bool:
    return isinstance(schema, dict) and "properties" not in schema and not schema.get("x-kubernetes-preserve-unknown-fields")


def _strict(node: Any, *, resource_root: bool) -> Any:
    """Transform one structural node (properties / items / additionalProperties chain) in place."""
    if not isinstance(node, dict):
        return node
    if node.get("x-kubernetes-int-or-string"):
        node.pop("type", None)
        node.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if node.get("nullable"):
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        if isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]

    embedded = resource_root or bool(node.get("x-kubernetes-embedded-resource"))
    props = node.get("properties")
    if embedded and isinstance(props, dict):
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        meta = props.get("metadata")
        if meta is None or _is_bare_object(meta):
            props["metadata"] = copy.deepcopy(dict(OBJECT_META_SCHEMA))
        elif isinstance(meta, dict) and not meta.get("x-kubernetes-preserve-unknown-fields"):
            # the CRD narrows some ObjectMeta fields (say, a name pattern): check both
            props["metadata"] = {"allOf": [copy.deepcopy(dict(OBJECT_META_SCHEMA)), meta]}
    if isinstance(props, dict):
        for name, child in props.items():
            if not (embedded and name == "metadata"):
                _strict(child, resource_root=False)
        if "additionalProperties" not in node and not node.get("x-kubernetes-preserve-unknown-fields"):
            node["additionalProperties"] = False
    if isinstance(node.get("additionalProperties"), dict):
        _strict(node["additionalProperties"], resource_root=False)
    items = node.get("items")
    if isinstance(items, dict):
        _strict(items, resource_root=False)
    elif isinstance(items, list):
        for item in items:
            _strict(item, resource_root=False)
    # allOf / anyOf / oneOf / not are value validations over the same fields: left as written,
    # since adding additionalProperties there would reject fields the structural part allows.
    return node


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A strict copy of a CRD version's openAPIV3Schema (see the module docstring)."""
    return _strict(copy.deepcopy(dict(schema)), resource_root=True)


@functools.lru_cache(maxsize=None)
def _validator(path: str, mtime_ns: int, api_version: str, kind: str) -> Draft7Validator:
    for key, _name, schema in _parse(path, mtime_ns):
        if key == (api_version, kind):
            return Draft7Validator(strict_schema(schema))
    raise CRDNotFound(f"{path} no longer defines {api_version} {kind}")


# --- validating ----------------------------------------------------------------------------


def _readable(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<root>"


def _unknown_field(name: str, allowed: set[str]) -> str:
    by_lower = {k.lower(): k for k in allowed}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.75)
    if close:
        return f"unknown field {name!r} (did you mean {by_lower[close[0]]!r}?)"
    if len(allowed) <= 12:
        return f"unknown field {name!r} (known: {', '.join(sorted(allowed))})"
    return f"unknown field {name!r}"


def _describe(error: ValidationError) -> SchemaError:
    if error.validator == "additionalProperties" and error.validator_value is False and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties") or {})
        unknown = sorted(k for k in error.instance if k not in allowed)
        if unknown:
            return SchemaError(_readable(error.absolute_path), "; ".join(_unknown_field(k, allowed) for k in unknown))
    if error.context:
        deepest = best_match(error.context)
        if deepest is not None and list(deepest.absolute_path) != list(error.absolute_path):
            return _describe(deepest)
    return SchemaError(_readable(error.absolute_path), error.message)


def _sort_key(error: ValidationError) -> tuple:
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in error.absolute_path)


def schema_errors(obj: Mapping[str, Any], crds_dir: str | os.PathLike[str] | None = None) -> list[SchemaError]:
    """Every mismatch between `obj` and its CRD schema, ordered by path; [] when valid.

    Raises CRDsUnavailable when there is no CRD folder and CRDNotFound when no CRD defines
    the object's apiVersion/kind.
    """
    if not isinstance(obj, Mapping):
        return [SchemaError("<root>", f"expected an object, got {type(obj).__name__}")]
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version or not kind:
        return [SchemaError("<root>", "apiVersion and kind must be non-empty strings")]
    crd = crd_for(api_version, kind, crds_dir)
    validator = _validator(str(crd.source), crd.source.stat().st_mtime_ns, api_version, kind)
    return [_describe(e) for e in sorted(validator.iter_errors(obj), key=_sort_key)]


def validate_custom_resource(obj: Mapping[str, Any], crds_dir: str | os.PathLike[str] | None = None) -> None:
    """Raise CustomResourceInvalid (message: the first error's path and text) unless `obj` matches."""
    errors = schema_errors(obj, crds_dir)
    if errors:
        source = None
        if isinstance(obj, Mapping) and isinstance(obj.get("apiVersion"), str) and isinstance(obj.get("kind"), str):
            source = crd_for(obj["apiVersion"], obj["kind"], crds_dir).source
        raise CustomResourceInvalid(obj, errors, source)


CHECKED = "custom resources (CRD schema, strict)"


def check(obj: Mapping[str, Any], crds_dir: str | os.PathLike[str] | None = None) -> str:
    """Validate one rendered object for stacks.validation; return what happened, as a report label.

    Raises CustomResourceInvalid when the object does not match its CRD. An object no CRD
    here defines (Karmada's Cluster is served by an aggregated API server, for one), or any
    object when there is no CRD folder, is not passed silently: the label says it was not
    checked, and which kind.
    """
    try:
        validate_custom_resource(obj, crds_dir)
    except CRDsUnavailable:
        return "unchecked custom resources (no CRD folder)"
    except CRDNotFound:
        return f"unchecked {obj.get('apiVersion')} {obj.get('kind')} (no CRD here)"
    return CHECKED
