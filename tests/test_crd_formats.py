"""`format` in custom resources, checked as the API server does (date-time, byte) and int32/int64 bounds, which the
API server strips but the controllers' Go types enforce (stacks/crd_schema.py docstring)."""
from __future__ import annotations

import pytest
import yaml

from stacks import crd_schema
from tests.crd_schema import crds_dir
from tests.messages import exactly


def _crd_folder(tmp_path, properties: dict):
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "widgets.example.com"},
           "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"}, "scope": "Namespaced",
                    "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                        "type": "object", "properties": {"spec": {"type": "object", "properties": properties}}}}}]}}
    (tmp_path / "example").mkdir()
    (tmp_path / "example" / "example.com_widgets.yaml").write_text(yaml.safe_dump(crd))
    return tmp_path


def _errors(root, spec: dict) -> list[str]:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec}
    return [str(e) for e in crd_schema.schema_errors(obj, root)]


@pytest.fixture
def formats_crd(tmp_path):
    return _crd_folder(tmp_path, {
        "replicas": {"type": "integer", "format": "int32"},
        "bytes": {"type": "integer", "format": "int64"},
        "since": {"type": "string", "format": "date-time"},
        "blob": {"type": "string", "format": "byte"},
        "ratio": {"type": "number", "format": "double"},
    })


@pytest.mark.parametrize("value", [2147483647, -2147483648, 0])
def test_int32_accepts_its_bounds(formats_crd, value):
    assert _errors(formats_crd, {"replicas": value}) == []


@pytest.mark.parametrize("value", [2147483648, -2147483649])
def test_int32_refuses_one_past_its_bounds(formats_crd, value):
    assert _errors(formats_crd, {"replicas": value}) == [
        f"spec.replicas: {value} is not format int32: -2147483648..2147483647"]


def test_int64_bounds_both_sides(formats_crd):
    assert _errors(formats_crd, {"bytes": 9223372036854775807}) == []
    assert _errors(formats_crd, {"bytes": -9223372036854775808}) == []
    assert _errors(formats_crd, {"bytes": 9223372036854775808}) == [
        "spec.bytes: 9223372036854775808 is not format int64: -9223372036854775808..9223372036854775807"]


@pytest.mark.parametrize("value", ["2026-01-31T12:00:00Z", "2026-01-31t23:59:59.123456+05:30", "2024-02-29T00:00:00Z",
                                   "0000-02-29T00:00:00Z"])
def test_date_time_accepts_what_kube_openapi_accepts(formats_crd, value):
    assert _errors(formats_crd, {"since": value}) == []


@pytest.mark.parametrize("value", ["2026-02-29T00:00:00Z", "2026-01-31T24:00:00Z", "2026-01-31T12:60:00Z",
                                   "2026-01-31T12:00:60Z",
                                   "2026-01-31 12:00:00Z", "2026-01-31T12:00:00", "2026-1-31T12:00:00Z",
                                   "2026-01-31T12:00:00Z\n", ""])
def test_date_time_refuses_what_kube_openapi_refuses(formats_crd, value):
    assert _errors(formats_crd, {"since": value}) == [
        f"spec.since: {value!r} is not an RFC 3339 date-time such as 2026-01-31T12:00:00Z"]


def test_byte_is_padded_base64(formats_crd):
    assert _errors(formats_crd, {"blob": "aGVsbG8="}) == []
    assert _errors(formats_crd, {"blob": "aGVsbG8"}) == ["spec.blob: 'aGVsbG8' is not base64 (format byte)"]


def test_formats_the_api_server_strips_stay_unchecked(formats_crd):
    assert _errors(formats_crd, {"ratio": 1e308}) == []


def test_a_format_neither_checked_nor_known_to_be_ignored_fails_loudly(tmp_path):
    root = _crd_folder(tmp_path, {"url": {"type": "string", "format": "uri"}})
    with pytest.raises(crd_schema.UnknownFormat, match="Widget uses format uri") as raised:
        _errors(root, {"url": "not a uri"})
    exactly(str(raised.value))


def test_every_format_the_upstream_crds_use_is_checked_or_known_to_be_ignored():
    root = crds_dir()
    used = set()
    for path in sorted(root.rglob("*.yaml")):
        for _key, _name, schema in crd_schema._parsed(path):
            used |= crd_schema.formats_in(schema)
    assert used - set(crd_schema.FORMATS.checkers) - crd_schema.UNCHECKED_FORMATS == set()
    assert {"int32", "int64", "date-time", "byte"} <= used


def test_a_real_crd_int32_field_out_of_range():
    root = crds_dir()
    policy = {"apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicy",
              "metadata": {"name": "p", "namespace": "inference"},
              "spec": {"resourceSelectors": [{"apiVersion": "v1", "kind": "ConfigMap"}], "priority": 2147483648}}
    assert [str(e) for e in crd_schema.schema_errors(policy, root)] == [
        "spec.priority: 2147483648 is not format int32: -2147483648..2147483647"]
    policy["spec"]["priority"] = 2147483647
    assert crd_schema.schema_errors(policy, root) == []


def test_an_error_inside_an_alternative_is_reported_where_it_is():
    """jsonschema reports an `anyOf` failure at the alternative's parent; the message names the deepest field."""
    from jsonschema import Draft7Validator

    from stacks.crd_schema import _describe

    schema = {"type": "object", "properties": {"x": {"anyOf": [
        {"properties": {"y": {"type": "integer"}}}, {"properties": {"y": {"type": "integer", "minimum": 0}}}]}}}
    (error,) = Draft7Validator(schema).iter_errors({"x": {"y": "no"}})
    assert list(error.absolute_path) == ["x"]
    described = _describe(error)
    assert (described.path, described.message) == ("x.y", "'no' is not of type 'integer'")
