"""`stacks.validation`: checks over a whole render, beyond each object's own schema."""
from __future__ import annotations

import pytest

from stacks.render import Registered, Render
from stacks.validation import ValidationFailed, duplicate_objects, validate_render
from tests.messages import exactly


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


def cluster(**spec) -> dict:
    return {"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "aws-use1"},
            "spec": spec}


@pytest.mark.parametrize("obj", [
    dict(config_map("settings"), spec={"replicas": 1}),                                    # unknown field: strict
    {**config_map("settings"), "data": {"k": 1}},                                          # wrong type
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "n"}, "spec": {}},
    cluster(syncMode="Pull", id="x", extra=True),
    cluster(syncMode="Push"),
    cluster(syncMode="Sideways", secretRef={"name": "s"}),
], ids=["unknown-field", "wrong-type", "missing-required", "cluster-unknown-field", "cluster-push-without-endpoint",
        "cluster-sync-mode"])
def test_an_invalid_object_fails_the_render_naming_it_and_the_field(obj):
    render = render_of(("a", "private", obj))
    with pytest.raises(ValidationFailed) as info:
        validate_render(render)
    exactly(str(info.value))


def test_valid_objects_are_counted_by_how_they_were_checked():
    render = render_of(("a", "private", config_map("settings")),
                       ("b", "karmada", cluster(syncMode="Pull", id="x", apiEndpoint="https://e:443")))
    assert validate_render(render) == "1 built-in (k8s 1.31 strict), 1 Karmada Cluster (field check)"
