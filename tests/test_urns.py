"""Resource identities: both example stacks' URNs against the golden list, and the URN and alias rules it relies on.

A URN change makes `pulumi up` delete the resource and create a new one; this test makes every such change either
carry an alias or show up as an edit of tests/golden/urns.json (regenerate with `make urns`).
"""
from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest

from stacks.render import run_program
from stacks.urns import GOLDEN, golden_problems, load_golden, make_urn, project_name, render_urns

PREFIX = "urn:pulumi:t::inference-platform::"


def test_project_is_the_one_pulumi_yaml_names():
    assert project_name() == "inference-platform"


def test_urn_format_is_the_engines():
    # pulumi/pulumi v3.259.0 sdk/go/common/resource/urn/urn.go New: the root stack type is never a parent type.
    assert make_urn("s", "p", None, "aws:eks/cluster:Cluster", "c") == "urn:pulumi:s::p::aws:eks/cluster:Cluster::c"
    assert (make_urn("s", "p", "pulumi:pulumi:Stack", "aws:eks/cluster:Cluster", "c")
            == "urn:pulumi:s::p::aws:eks/cluster:Cluster::c")
    assert (make_urn("s", "p", "platform:a:A$platform:b:B", "kubernetes:core/v1:Namespace", "n")
            == "urn:pulumi:s::p::platform:a:A$platform:b:B$kubernetes:core/v1:Namespace::n")


def test_stack_renders_have_the_engines_urns(private_render, public_render):
    private = render_urns(private_render)
    assert private[0] == "urn:pulumi:private::inference-platform::pulumi:pulumi:Stack::inference-platform-private"
    assert ("urn:pulumi:private::inference-platform::platform:kserve:KServePlatform$platform:kserve:KServeCrds$"
            "kubernetes:helm.sh/v3:Release::kserve-crds-kserve-crd") in private
    assert ("urn:pulumi:private::inference-platform::platform:karmada:KarmadaControlPlane$"
            "kubernetes:helm.sh/v3:Release::karmada-release") in private
    assert "urn:pulumi:private::inference-platform::pulumi:providers:kubernetes::private" in private
    public = render_urns(public_render)
    assert ("urn:pulumi:public::inference-platform::platform:aws:InferenceEksCluster$aws:eks/cluster:Cluster::"
            "aws-use1-cluster") in public
    assert "urn:pulumi:public::inference-platform::pulumi:pulumi:StackReference::private-stack" in public
    assert len(private) == len(set(private)) and len(public) == len(set(public))


def test_both_stacks_keep_the_urns_of_the_golden_list(private_render, public_render):
    """Fails on any URN change without an alias. If the change is meant: `make urns`, and commit the golden file."""
    golden = load_golden()
    assert set(golden) == {"private", "public"}, GOLDEN
    problems = golden_problems(golden["private"], private_render) + golden_problems(golden["public"], public_render)
    assert not problems, "\n".join(problems + ["(regenerate on purpose with `make urns`)"])


# --- the alias rules, on small programs run like the stacks (recorded options, real SDK) ---------------------------

def _box(name: str, child: str, *, type_: str = "platform:test:Box", aliases=(), child_aliases=()):
    def program():
        box = pulumi.ComponentResource(type_, name, None, pulumi.ResourceOptions(aliases=list(aliases)))
        k8s.core.v1.ConfigMap(child, metadata={"name": "c", "namespace": "n"},
                              opts=pulumi.ResourceOptions(parent=box, aliases=list(child_aliases)))
    return program


def _run(program):
    return run_program(program, stack="t", config={})


@pytest.fixture(scope="module")
def golden():
    return render_urns(_run(_box("box", "box-config")))


def test_golden_of_a_small_program(golden):
    assert golden == [PREFIX + "pulumi:pulumi:Stack::inference-platform-t",
                      PREFIX + "platform:test:Box$kubernetes:core/v1:ConfigMap::box-config",
                      PREFIX + "platform:test:Box::box"]
    assert golden_problems(golden, _run(_box("box", "box-config"))) == []


def test_rename_without_alias_fails_naming_the_old_and_the_new_urn(golden):
    problems = golden_problems(golden, _run(_box("box", "box-settings")))
    assert problems[0].startswith(PREFIX + "platform:test:Box$kubernetes:core/v1:ConfigMap::box-config: gone")
    assert problems[1].startswith(PREFIX + "platform:test:Box$kubernetes:core/v1:ConfigMap::box-settings: not in")
    assert len(problems) == 2


def test_rename_with_a_name_alias_passes(golden):
    assert golden_problems(golden, _run(_box("box", "box-settings", child_aliases=[pulumi.Alias(name="box-config")]))) == []


def test_component_rename_with_alias_covers_children_named_after_it(golden):
    """inheritedChildAlias: `crate-config` under the renamed `crate` answers to `box-config` under `box`."""
    assert golden_problems(golden, _run(_box("crate", "crate-config", aliases=[pulumi.Alias(name="box")]))) == []


def test_component_type_change_with_alias_covers_its_children(golden):
    program = _box("box", "box-config", type_="platform:test:Crate", aliases=[pulumi.Alias(type_="platform:test:Box")])
    assert golden_problems(golden, _run(program)) == []
    unaliased = golden_problems(golden, _run(_box("box", "box-config", type_="platform:test:Crate")))
    assert len(unaliased) == 4  # both old URNs gone, both new ones unknown


def test_full_urn_alias_and_no_parent_alias(golden):
    old = PREFIX + "platform:test:Box$kubernetes:core/v1:ConfigMap::box-config"
    assert golden_problems(golden, _run(_box("box", "other", child_aliases=[old]))) == []
    # It was parented by the stack before: Alias(parent=None) is pulumi.ROOT_STACK_RESOURCE.
    flat = [PREFIX + "pulumi:pulumi:Stack::inference-platform-t", PREFIX + "kubernetes:core/v1:ConfigMap::box-config",
            PREFIX + "platform:test:Box::box"]
    moved = _run(_box("box", "box-config", child_aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]))
    assert moved.get("kubernetes:core/v1:ConfigMap", "box-config").options["aliases"] == [{"noParent": True}]
    assert golden_problems(flat, moved) == []
    assert len(golden_problems(flat, _run(_box("box", "box-config")))) == 2


def test_a_new_resource_must_enter_the_golden_list(golden):
    def program():
        _box("box", "box-config")()
        k8s.core.v1.ConfigMap("extra", metadata={"name": "e", "namespace": "n"})
    problems = golden_problems(golden, _run(program))
    assert problems == [PREFIX + "kubernetes:core/v1:ConfigMap::extra: not in the golden list (a new resource, or a "
                        "rename without an alias); update the golden list on purpose"]


def test_a_parent_given_by_urn_answers_for_the_child_moved_to_another_component(golden):
    """Alias(parent=<URN string>) is recorded as `parentUrn`: the child moved from `box` to `crate`."""
    box_urn = PREFIX + "platform:test:Box::box"

    def program(aliases):
        def run():
            pulumi.ComponentResource("platform:test:Box", "box", None)
            crate = pulumi.ComponentResource("platform:test:Crate", "crate", None)
            k8s.core.v1.ConfigMap("box-config", metadata={"name": "c", "namespace": "n"},
                                  opts=pulumi.ResourceOptions(parent=crate, aliases=aliases))
        return run

    moved = _run(program([pulumi.Alias(parent=box_urn)]))
    assert moved.get("kubernetes:core/v1:ConfigMap", "box-config").options["aliases"] == [{"parentUrn": box_urn}]
    crate = PREFIX + "platform:test:Crate::crate"
    assert golden_problems(golden, moved) == [crate + ": not in the golden list (a new resource, or a rename "
                                              "without an alias); update the golden list on purpose"]
    unaliased = golden_problems(golden, _run(program([])))
    assert len(unaliased) == 3  # the child's old URN gone, its new one and the crate unknown
