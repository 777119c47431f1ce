"""stacks.crd_schema: the strict schema transformation, CRD lookup and readable errors."""

from __future__ import annotations

import pytest
from jsonschema import Draft7Validator

from stacks import crd_schema
from tests.crd_schema import crds_dir, custom_resource_errors
from tests.messages import exactly


def errors(schema, instance):
    return [e.message for e in Draft7Validator(crd_schema.strict_schema(schema)).iter_errors(instance)]


SCHEMA = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "properties": {
                "port": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]},
                "bare": {"x-kubernetes-int-or-string": True},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {"type": "string"}}},
                "maybe": {"type": "string", "nullable": True},
                "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
                "oneOf": {"type": "object", "properties": {"x": {"type": "string"}, "y": {"type": "string"}},
                          "oneOf": [{"properties": {"x": {"type": "string"}}, "required": ["x"]},
                                    {"properties": {"y": {"type": "string"}}, "required": ["y"]}]},
            },
        },
    },
}


def test_unknown_fields_are_rejected_where_properties_are_listed():
    assert errors(SCHEMA, {"spec": {"items": [{"name": "a"}]}}) == []
    assert len(errors(SCHEMA, {"spec": {"items": [{"name": "a", "nmae": "b"}]}})) == 1
    assert len(errors(SCHEMA, {"spek": {}})) == 1
    assert errors(SCHEMA, {"spec": {"free": {"a": "x", "anything": 1}}}) == []  # preserve-unknown-fields
    assert errors(SCHEMA, {"spec": {"labels": {"any": "thing"}}}) == []  # a map, not a struct
    assert errors(SCHEMA, {"spec": {"oneOf": {"y": "b"}}}) == []  # combinators keep their meaning


def test_int_or_string_nullable_and_object_meta():
    assert errors(SCHEMA, {"spec": {"port": 80, "bare": "http"}}) == []
    assert errors(SCHEMA, {"spec": {"bare": 8080}}) == []
    assert len(errors(SCHEMA, {"spec": {"bare": 1.5}})) == 1
    assert errors(SCHEMA, {"spec": {"maybe": None}}) == []
    assert errors(SCHEMA, {"metadata": {"name": "a", "labels": {"app": "x"}}}) == []
    assert len(errors(SCHEMA, {"metadata": {"label": {"app": "x"}}})) == 1
    assert len(errors(SCHEMA, {"metadata": {"labels": {"replicas": 3}}})) == 1  # label values are strings


def test_strict_schema_does_not_touch_its_input():
    before = repr(SCHEMA)
    crd_schema.strict_schema(SCHEMA)
    assert repr(SCHEMA) == before


def test_readable_first_error_and_lookup_errors():
    root = crds_dir()
    obj = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "m"},
        "spec": {"predictor": {"minReplica": 1, "model": {"modelFormat": {"name": "onnx"}, "resources": {"limits": {"cpu": 1.5}}}}},
    }
    found = custom_resource_errors(obj)
    assert [e.path for e in found] == ["spec.predictor", "spec.predictor.model.resources.limits.cpu"]
    assert "unknown field 'minReplica' (did you mean 'minReplicas'?)" in found[0].message
    with pytest.raises(crd_schema.CustomResourceInvalid, match=r"at spec\.predictor: unknown field 'minReplica'.*\(\+1 more\)") as raised:
        crd_schema.validate_custom_resource(obj, crds_dir=root)
    exactly(str(raised.value))
    with pytest.raises(crd_schema.CRDNotFound, match="serving.kserve.io/v1beta1") as raised:
        crd_schema.crd_for("serving.kserve.io/v1alpha1", "InferenceService", root)
    exactly(str(raised.value))
    with pytest.raises(crd_schema.CRDsUnavailable) as raised:
        crd_schema.validate_custom_resource(obj, crds_dir=root / "no-such-folder")
    exactly(str(raised.value))
    assert ("karpenter.sh/v1", "NodePool") in crd_schema.known_kinds(root)


def test_check_for_the_render_report():
    root = crds_dir()
    customization = {"apiVersion": "config.karmada.io/v1alpha1", "kind": "ResourceInterpreterCustomization",
                     "metadata": {"name": "x"}, "spec": {"target": {"apiVersion": "v1", "kind": "Pod"}, "customizations": {}}}
    assert crd_schema.check(customization, root) == crd_schema.CHECKED
    cluster = {"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "eu"}}
    assert crd_schema.check(cluster, root) == "unchecked cluster.karmada.io/v1alpha1 Cluster (no CRD here)"
    customization["spec"]["target"]["knd"] = "Pod"
    with pytest.raises(crd_schema.CrdSchemaError, match="unknown field 'knd'") as raised:
        crd_schema.check(customization, root)
    exactly(str(raised.value))


def test_only_the_resource_root_and_embedded_resources_get_apiversion_kind_and_metadata():
    # Nested objects are not resources: apiVersion/kind/metadata there are unknown fields like any other.
    assert errors(SCHEMA, {"spec": {"items": [{"name": "a", "kind": "x"}]}}) == [
        "Additional properties are not allowed ('kind' was unexpected)"]
    assert errors(SCHEMA, {"spec": {"labels": {"a": "b"}, "metadata": {}}}) == [
        "Additional properties are not allowed ('metadata' was unexpected)"]
    # The root's apiVersion and kind are strings even where the CRD leaves them out.
    bare_root = {"type": "object", "properties": {"spec": {"type": "object"}}}
    assert errors(bare_root, {"apiVersion": 1, "kind": "K", "spec": {}}) == ["1 is not of type 'string'"]


def test_crds_are_found_at_the_folder_root_and_one_level_down(tmp_path):
    (tmp_path / "top.yaml").write_text("kind: CustomResourceDefinition\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "nested.yml").write_text("kind: CustomResourceDefinition\n")
    (tmp_path / "sub" / "deeper").mkdir()
    (tmp_path / "sub" / "deeper" / "ignored.yaml").write_text("kind: CustomResourceDefinition\n")
    assert [p.relative_to(tmp_path).as_posix() for p in crd_schema._crd_files(tmp_path)] == [
        "sub/nested.yml", "top.yaml"]


def test_errors_read_against_the_real_crds_as_reviewed():
    """Each kind of message a PR author meets: not an object, no apiVersion/kind, an unknown field with a close match,
    with few known fields (listed) and with many (not listed), a wrong enum value, a wrong type."""
    root = crds_dir()
    objects = [
        ["not", "an", "object"],
        {"apiVersion": "serving.kserve.io/v1beta1", "metadata": {"name": "m"}},
        {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": {"name": "m"},
         "spec": {"predictor": {"minReplica": 1}}},
        {"apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicy", "metadata": {"name": "p"},
         "spec": {"resourceSelectors": [{"apiVersion": "v1", "kind": "Secret", "zzz": 1}]}},
        {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": {"name": "m"},
         "spec": {"predictor": {"qqqqqq": 1}}},
        {"apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicy", "metadata": {"name": "p"},
         "spec": {"resourceSelectors": [{"apiVersion": "v1", "kind": "Secret"}],
                  "placement": {"replicaScheduling": {"replicaSchedulingType": "Spread"}}}},
        {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": {"name": "m"},
         "spec": {"predictor": {"minReplicas": "two"}}},
    ]
    for obj in objects:
        for error in crd_schema.schema_errors(obj, root):
            exactly(f"{error.path}: {error.message}")


def test_a_crd_that_narrows_metadata_keeps_its_rule_and_gains_object_metas():
    """A CRD may narrow metadata (a name pattern, a length): that rule holds, and ObjectMeta's own fields are still
    checked beside it; a bare `metadata: {type: object}` becomes ObjectMeta alone."""
    narrowed = {"type": "object", "properties": {
        "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {
            "type": "object", "properties": {"name": {"type": "string", "maxLength": 5}}}}}
    assert errors(narrowed, {"apiVersion": "a/v1", "kind": "K", "metadata": {"name": "short"}}) == []
    assert errors(narrowed, {"apiVersion": "a/v1", "kind": "K", "metadata": {"name": "too-long"}}) != []
    assert errors(narrowed, {"apiVersion": "a/v1", "kind": "K", "metadata": {"name": "ok", "labels": {"a": 1}}}) != []
    assert errors(SCHEMA, {"apiVersion": "a/v1", "kind": "K", "metadata": {"name": "any-length-name"}}) == []
