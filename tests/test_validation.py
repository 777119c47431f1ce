"""`stacks.validation`: checks over a whole render, beyond each object's own schema."""
from __future__ import annotations

import pytest

from stacks.render import Registered, Render
from stacks.validation import ValidationFailed, duplicate_objects, validate_render


def config_map(name: str, namespace: str = "inference", api_version: str = "v1", kind: str = "ConfigMap") -> dict:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": namespace},
            "data": {"k": "v"}}


def render_of(*objects: tuple[str, str, dict]) -> Render:
    return Render(stack="test", outputs={}, resources=[
        Registered(type=f"kubernetes:core/v1:{obj['kind']}", name=name, cluster=cluster, inputs=obj)
        for name, cluster, obj in objects])


def test_two_objects_with_the_same_identity_on_one_cluster_fail_the_render():
    render = render_of(("a", "private", config_map("settings")), ("b", "private", config_map("settings")))
    with pytest.raises(ValidationFailed) as info:
        validate_render(render)
    message = str(info.value)
    assert "v1 ConfigMap inference/settings on cluster 'private': declared twice" in message
    assert "kubernetes:core/v1:ConfigMap::a" in message and "kubernetes:core/v1:ConfigMap::b" in message


def test_api_version_alone_does_not_make_objects_different():
    render = render_of(("a", "c1", config_map("x", api_version="autoscaling/v1", kind="HorizontalPodAutoscaler")),
                       ("b", "c1", config_map("x", api_version="autoscaling/v2", kind="HorizontalPodAutoscaler")))
    assert len(duplicate_objects(render)) == 1


@pytest.mark.parametrize("other", [
    ("b", "c2", config_map("x")),  # another cluster
    ("b", "c1", config_map("x", namespace="other")),  # another namespace
    ("b", "c1", config_map("y")),  # another name
    ("b", "c1", config_map("x", kind="Secret")),  # another kind
    ("b", "c1", config_map("x", api_version="example.com/v1")),  # another group
])
def test_objects_differing_in_any_part_of_their_identity_are_fine(other):
    assert duplicate_objects(render_of(("a", "c1", config_map("x")), other)) == []


def test_the_real_stacks_declare_each_object_once(private_render, public_render):
    assert duplicate_objects(private_render) == [] and duplicate_objects(public_render) == []
