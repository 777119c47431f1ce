"""Validate custom resources against the upstream CRDs' `openAPIV3Schema`, strictly.

The CRDs live outside the repository, in `../shared/crds/<system>/*.yaml` (see that folder's
README); `PLATFORM_CRDS_DIR` names another folder when that one is absent, and every function
takes an explicit `crds_dir` that wins over both.

Strict like the API server's strict field validation: wherever an object schema lists
`properties`, has no `additionalProperties` and is not `x-kubernetes-preserve-unknown-fields`,
unknown fields are errors. `x-kubernetes-int-or-string` accepts an integer or a string,
`nullable: true` accepts null, the top-level `metadata` (and that of embedded resources) is
checked as ObjectMeta. Not checked: CEL rules (`x-kubernetes-validations`), list-map key
uniqueness, defaults.

`format`, as the API server checks it (kubernetes/apiextensions-apiserver v0.31.0,
pkg/apiserver/validation/formats.go: a CRD's format outside `supportedFormats` is stripped; the
rest go to kube-openapi's strfmt.Default, and only for string values): `date-time` and `byte`,
the two supported formats the CRDs here use, with the same rules (see `FORMATS`). And one check
stricter than the API server: `int32` / `int64` bounds. The API server strips those formats and
stores any integer, but the controllers decode these fields into Go int32 / int64, so a value
out of range is accepted by `kubectl apply` and then breaks the controller's reconcile.
`UNCHECKED_FORMATS` lists the formats the API server ignores; a CRD using any other format fails
loudly (`UnknownFormat`) instead of passing unchecked.

API (no pytest here; the render CLI and tests both use it):

    find_crds_dir(crds_dir=None) -> Path | None
    crd_for(api_version, kind, crds_dir=None) -> CRDVersion      # raises CRDNotFound
    strict_schema(schema) -> dict                                 # the transformation above
    schema_errors(obj, crds_dir=None) -> list[SchemaError]        # [] when valid
    validate_custom_resource(obj, crds_dir=None) -> None          # raises CustomResourceInvalid
    check(obj, crds_dir=None) -> str                              # for the render's report
    known_kinds(crds_dir=None) -> set[tuple[str, str]]            # (apiVersion, kind)

Errors: CrdSchemaError, and its subclasses CRDsUnavailable, CRDNotFound, CustomResourceInvalid,
UnknownFormat. `missing_crds_message(n)` is the one line the render prints without a CRD folder.

Parsed files and compiled validators are cached per file (keyed by path and mtime) and per
CRD version, so validating many objects costs one YAML parse per CRD file touched.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from jsonschema import Draft7Validator, FormatChecker
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


class UnknownFormat(CrdSchemaError, ValueError):
    """A CRD uses a `format` this module neither checks nor knows the API server to ignore."""


def missing_crds_message(custom_resources: int, crds_dir: Path | None = None, kinds: Iterable[str] = ()) -> str:
    """One line: which CRDs are missing (the whole folder, or `kinds` from `crds_dir`), how to get them, and how to
    render without them."""
    if crds_dir is None:
        what = (f"no CRD folder to validate {custom_resources} custom resources against: neither {DEFAULT_CRDS_DIR} "
                f"nor ${ENV_VAR} is a folder")
    else:
        what = f"no CRD under {crds_dir} defines {', '.join(sorted(kinds))} ({custom_resources} custom resources)"
    return (f"{what}; fetch the pinned upstream CRDs with `.ci/fetch-crds DIR` and set {ENV_VAR}=DIR, or pass "
            "--allow-missing-crds to render them unchecked")


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


# --- formats ------------------------------------------------------------------------------

# kube-openapi 70dd3763d340 (the version apiextensions-apiserver v0.31.0 requires), pkg/validation/strfmt/time.go
# IsDateTime: lower-cased, split at "t"; the first part a date (date.go IsDate: Go's time.Parse("2006-01-02"),
# a real calendar day), the second matched by DateTimePattern, then hour <= 23, minute and second <= 59.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))")
# strfmt/default.go registers "byte" with govalidator.IsBase64 (asaskevich/govalidator f61b66f89f4a, patterns.go).
_BASE64 = re.compile(r"(?:[A-Za-z0-9+\/]{4})*(?:[A-Za-z0-9+\/]{2}==|[A-Za-z0-9+\/]{3}=|[A-Za-z0-9+\/]{4})")
INT_BOUNDS = {"int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1)}
# Formats the API server strips from a CRD (not in apiextensions-apiserver v0.31.0 formats.go supportedFormats)
# and that are not checked here either; int32/int64 are stripped too, but checked here (module docstring).
UNCHECKED_FORMATS = frozenset({"double", "float", "string", "int-or-string"})


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:  # Go's year 0 exists and is a leap year like 2000; Python's calendar starts at 1
        datetime.date(int(text[:4]) or 2000, int(text[5:7]), int(text[8:]))
    except ValueError:
        return False
    return True


def _is_date_time(text: str) -> bool:
    parts = text.lower().split("t")
    if len(text) < 4 or len(parts) < 2 or not _is_date(parts[0]):
        return False
    match = _TIME.fullmatch(parts[1])
    return bool(match) and match[1] <= "23" and match[2] <= "59" and match[3] <= "59"


FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(lambda v: not isinstance(v, str) or _is_date_time(v))
FORMATS.checks("datetime")(lambda v: not isinstance(v, str) or _is_date_time(v))
FORMATS.checks("byte")(lambda v: not isinstance(v, str) or bool(_BASE64.fullmatch(v)))
for _name, (_low, _high) in INT_BOUNDS.items():
    FORMATS.checks(_name)(lambda v, low=_low, high=_high:
                          not isinstance(v, int) or isinstance(v, bool) or low <= v <= high)

_FORMAT_HINTS = {"date-time": "an RFC 3339 date-time such as 2026-01-31T12:00:00Z",
                 "datetime": "an RFC 3339 date-time such as 2026-01-31T12:00:00Z",
                 "byte": "base64 (format byte)",
                 **{name: f"format {name}: {low}..{high}" for name, (low, high) in INT_BOUNDS.items()}}


def formats_in(schema: Any) -> set[str]:
    """Every `format` value anywhere in a schema."""
    found: set[str] = set()
    if isinstance(schema, dict):
        if isinstance(schema.get("format"), str):
            found.add(schema["format"])
        for value in schema.values():
            found |= formats_in(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= formats_in(value)
    return found


@functools.lru_cache(maxsize=None)
def _validator(path: str, mtime_ns: int, api_version: str, kind: str) -> Draft7Validator:
    for key, _name, schema in _parse(path, mtime_ns):
        if key == (api_version, kind):
            unknown = sorted(formats_in(schema) - set(FORMATS.checkers) - UNCHECKED_FORMATS)
            if unknown:
                raise UnknownFormat(f"{path}: {api_version} {kind} uses format {', '.join(unknown)}, which "
                                    "stacks/crd_schema.py neither checks nor lists as ignored by the API server")
            return Draft7Validator(strict_schema(schema), format_checker=FORMATS)
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
    if error.validator == "format" and error.validator_value in _FORMAT_HINTS:
        return SchemaError(_readable(error.absolute_path),
                           f"{error.instance!r} is not {_FORMAT_HINTS[error.validator_value]}")
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

    Raises CustomResourceInvalid when the object does not match its CRD, and CRDsUnavailable when
    there is no CRD folder (the render decides what that means: `stacks.validation`). An object
    no CRD here defines (Karmada's Cluster is served by an aggregated API server, for one) is not
    passed silently: the label says it was not checked, and which kind.
    """
    try:
        validate_custom_resource(obj, crds_dir)
    except CRDNotFound:
        return f"unchecked {obj.get('apiVersion')} {obj.get('kind')} (no CRD here)"
    return CHECKED
