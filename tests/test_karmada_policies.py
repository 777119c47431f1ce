"""components/karmada/policies.py: every check at its boundary (the last value accepted, the first refused, with the
exact message), and every builder's output written out in the field names of the policy.karmada.io/v1alpha1 CRDs
(karmada v1.18.2 charts/karmada/_crds/bases/policy/). The objects the stacks register are also validated against those
CRDs (tests/test_validation.py); this file pins what each builder writes and refuses on its own."""
from __future__ import annotations

import pytest

from components.karmada import policies as p
from tests.messages import exactly

ISVC = p.ResourceSelector("serving.kserve.io/v1beta1", "InferenceService", name="m")


def refused(build) -> str:
    with pytest.raises(p.PolicyError) as info:
        build()
    return exactly(str(info.value))


# -- selectors ------------------------------------------------------------------------------------------------------


def test_resource_selector_output():
    assert ISVC.to_dict() == {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "name": "m"}
    assert p.ResourceSelector("v1", "Secret", namespace="ns", match_labels={"a.io/b": "c"}).to_dict() == {
        "apiVersion": "v1", "kind": "Secret", "namespace": "ns", "labelSelector": {"matchLabels": {"a.io/b": "c"}}}
    assert p.ResourceSelector("v1", "Secret").to_dict() == {"apiVersion": "v1", "kind": "Secret"}


@pytest.mark.parametrize("field_name, value, shown", [("api_version", "", "apiVersion"), ("kind", "", "kind"),
                                                      ("api_version", None, "apiVersion"), ("kind", 3, "kind")])
def test_resource_selector_needs_api_version_and_kind(field_name, value, shown):
    args = {"api_version": "v1", "kind": "Secret", field_name: value}
    assert refused(lambda: p.ResourceSelector(**args)) == \
        f"resourceSelectors.{shown}: got {value!r}, expected a non-empty string"


def test_resource_selector_name_or_labels():
    assert refused(lambda: p.ResourceSelector("v1", "Secret", name="s", match_labels={})) == \
        "resourceSelectors: got 's', expected either name or labels, not both (a name wins)"
    assert refused(lambda: p.ResourceSelector("v1", "Secret", match_labels={"Bad Key": "v"})) == \
        ("resourceSelectors.labelSelector.matchLabels: got 'Bad Key', expected a qualified name: alphanumerics, "
         "'-', '_' or '.', at most 63 characters")


def test_label_keys_at_their_limits():
    def key(k):
        return p.ClusterAffinity(match_labels={k: "v"})

    key("a" * 63)
    key("x" * 63 + "." + "y" * 189 + "/n")  # a 253-character prefix
    assert refused(lambda: key("a" * 64)).endswith(f"got {'a' * 64!r}, expected a qualified name: alphanumerics, "
                                                   "'-', '_' or '.', at most 63 characters")
    long_prefix = "x" * 63 + "." + "y" * 190 + "/n"
    assert refused(lambda: key(long_prefix)) == (
        f"clusterAffinity.labelSelector.matchLabels: got {long_prefix!r}, expected a key whose prefix is a DNS "
        "subdomain (e.g. 'example.com/name')")
    assert refused(lambda: key("Example.com/n")).endswith("expected a key whose prefix is a DNS subdomain "
                                                          "(e.g. 'example.com/name')")
    assert refused(lambda: key("")) == \
        "clusterAffinity.labelSelector.matchLabels: got '', expected a non-empty label or annotation key"
    assert refused(lambda: key("a/")).endswith("got 'a/', expected a qualified name: alphanumerics, '-', '_' or "
                                               "'.', at most 63 characters")
    for good in ("a", "A.b_c-d", "example.com/Name"):
        key(good)


# -- affinities ------------------------------------------------------------------------------------------------------


def test_cluster_affinity_output():
    assert p.ClusterAffinity().to_dict() == {}
    assert p.ClusterAffinity(cluster_names=("a", "b"), match_labels={"k": "v"}, exclude=("c",)).to_dict() == {
        "clusterNames": ["a", "b"], "labelSelector": {"matchLabels": {"k": "v"}}, "exclude": ["c"]}


def test_cluster_affinity_names():
    assert refused(lambda: p.ClusterAffinity(cluster_names="a")) == \
        "clusterAffinity.clusterNames: got 'a', expected a tuple of cluster names"
    assert refused(lambda: p.ClusterAffinity(cluster_names=("A",))) == \
        "clusterAffinity.clusterNames: got 'A', expected a DNS-1123 cluster name"
    assert refused(lambda: p.ClusterAffinity(exclude=("a", "a"))) == \
        "clusterAffinity.exclude: got ('a', 'a'), expected cluster names without duplicates"
    assert refused(lambda: p.ClusterAffinity(cluster_names=("b", "a"), exclude=("a", "b"))) == \
        "clusterAffinity.exclude: got ['a', 'b'], expected no cluster both named and excluded"
    assert p.ClusterAffinity(cluster_names=["a"]).to_dict() == {"clusterNames": ["a"]}


def test_affinity_group_names_at_32_characters():
    p.AffinityGroup("a" * 32, p.ClusterAffinity())
    assert refused(lambda: p.AffinityGroup("a" * 33, p.ClusterAffinity())) == \
        f"clusterAffinities.affinityName: got {'a' * 33!r}, expected a DNS-1123 name of at most 32 characters"
    assert refused(lambda: p.OverflowGroup("Spot", p.ClusterAffinity())) == \
        ("clusterAffinities.overflowAffinities.affinityName: got 'Spot', expected a DNS-1123 name of at most 32 "
         "characters")
    assert refused(lambda: p.OverflowGroup(None, p.ClusterAffinity())).endswith("got None, expected a DNS-1123 "
                                                                                "name of at most 32 characters")


SPOT = p.OverflowGroup("spot", p.ClusterAffinity(cluster_names=("eks",)))


def test_overflow_extends_a_group_that_names_its_clusters():
    assert refused(lambda: p.AffinityGroup("main", p.ClusterAffinity(), overflow=(SPOT,))) == \
        ("clusterAffinities.overflowAffinities: got ['spot'], expected a primary group that names its clusters "
         "(overflow extends the inline affinity)")
    p.AffinityGroup("main", p.ClusterAffinity(match_labels={"tier": "onprem"}), overflow=(SPOT,))
    assert refused(lambda: p.AffinityGroup("spot", p.ClusterAffinity(cluster_names=("a",)), overflow=(SPOT,))) == \
        ("clusterAffinities.overflowAffinities.affinityName: got ['spot', 'spot'], expected names unique within the "
         "group, and not the primary group's name")


def test_affinity_group_output_and_cluster_order():
    group = p.AffinityGroup("main", p.ClusterAffinity(cluster_names=("a", "eks")), overflow=(
        SPOT, p.OverflowGroup("more", p.ClusterAffinity(cluster_names=("eks", "b")))))
    assert group.cluster_names() == ["a", "eks", "b"]
    assert group.to_dict() == {"affinityName": "main", "clusterNames": ["a", "eks"], "overflowAffinities": [
        {"affinityName": "spot", "clusterNames": ["eks"]}, {"affinityName": "more", "clusterNames": ["eks", "b"]}]}
    assert p.AffinityGroup("solo", p.ClusterAffinity()).to_dict() == {"affinityName": "solo"}


# -- replica scheduling, failover -------------------------------------------------------------------------------------


def test_replica_scheduling_outputs():
    assert p.ReplicaScheduling.by_available_replicas().to_dict() == {
        "replicaSchedulingType": "Divided", "replicaDivisionPreference": "Weighted",
        "weightPreference": {"dynamicWeight": "AvailableReplicas"}}
    assert p.ReplicaScheduling.duplicated().to_dict() == {"replicaSchedulingType": "Duplicated"}
    assert p.ReplicaScheduling(division="Aggregated", dynamic_weight=None).to_dict() == {
        "replicaSchedulingType": "Divided", "replicaDivisionPreference": "Aggregated"}
    scheduling = p.ReplicaScheduling(type="Divided", division="Weighted", dynamic_weight="AvailableReplicas")
    assert (scheduling.type, scheduling.division, scheduling.dynamic_weight) == (
        p.ReplicaSchedulingType.DIVIDED, p.ReplicaDivision.WEIGHTED, p.DynamicWeight.AVAILABLE_REPLICAS)


def test_replica_scheduling_refusals():
    assert refused(lambda: p.ReplicaScheduling(type="Spread")) == \
        "replicaScheduling.replicaSchedulingType: got 'Spread', expected one of 'Duplicated', 'Divided'"
    assert refused(lambda: p.ReplicaScheduling(division="Even")) == \
        "replicaScheduling.replicaDivisionPreference: got 'Even', expected one of 'Aggregated', 'Weighted'"
    assert refused(lambda: p.ReplicaScheduling(dynamic_weight="Cpu")) == \
        "replicaScheduling.weightPreference.dynamicWeight: got 'Cpu', expected one of 'AvailableReplicas'"
    duplicated_message = ("expected no division preference or weights with Duplicated (every cluster gets all "
                          "replicas); use ReplicaScheduling.duplicated()")
    assert refused(lambda: p.ReplicaScheduling(type=p.ReplicaSchedulingType.DUPLICATED, dynamic_weight=None)) == \
        f"replicaScheduling: got 'Weighted', {duplicated_message}"
    assert refused(lambda: p.ReplicaScheduling(type=p.ReplicaSchedulingType.DUPLICATED, division=None)) == \
        f"replicaScheduling: got 'AvailableReplicas', {duplicated_message}"
    assert refused(lambda: p.ReplicaScheduling(division=None)) == \
        "replicaScheduling.replicaDivisionPreference: got None, expected Aggregated or Weighted when replicas are Divided"
    assert refused(lambda: p.ReplicaScheduling(division=p.ReplicaDivision.AGGREGATED)) == \
        ("replicaScheduling.weightPreference: got 'AvailableReplicas', expected no weights with Aggregated division "
         "(weights belong to Weighted)")


def test_application_failover_boundaries_and_output():
    assert p.ApplicationFailover().to_dict() == {"decisionConditions": {"tolerationSeconds": 300},
                                                 "purgeMode": "Gracefully", "gracePeriodSeconds": 600}
    assert p.ApplicationFailover(toleration_seconds=0, grace_period_seconds=1).to_dict() == {
        "decisionConditions": {"tolerationSeconds": 0}, "purgeMode": "Gracefully", "gracePeriodSeconds": 1}
    assert p.ApplicationFailover(purge_mode="Never").to_dict() == {"decisionConditions": {"tolerationSeconds": 300},
                                                                   "purgeMode": "Never"}
    assert refused(lambda: p.ApplicationFailover(toleration_seconds=-1)) == \
        "failover.application.decisionConditions.tolerationSeconds: got -1, expected an integer >= 0"
    assert refused(lambda: p.ApplicationFailover(toleration_seconds=True)) == \
        "failover.application.decisionConditions.tolerationSeconds: got True, expected an integer >= 0"
    assert refused(lambda: p.ApplicationFailover(grace_period_seconds=0)) == \
        "failover.application.gracePeriodSeconds: got 0, expected an integer >= 1"
    assert refused(lambda: p.ApplicationFailover(purge_mode="Directly", grace_period_seconds=5)) == \
        ("failover.application.gracePeriodSeconds: got 5, expected no grace period unless purgeMode is 'Gracefully' "
         "(it is 'Directly')")
    assert refused(lambda: p.ApplicationFailover(purge_mode="Immediately")) == \
        "failover.application.purgeMode: got 'Immediately', expected one of 'Directly', 'Gracefully', 'Never'"


# -- placement and the propagation spec ------------------------------------------------------------------------------


def test_placement_refusals():
    assert refused(lambda: p.Placement(affinity=p.ClusterAffinity(),
                                       affinity_groups=(p.AffinityGroup("a", p.ClusterAffinity()),))) == \
        ("placement: got 'clusterAffinity and clusterAffinities', expected one of them (clusterAffinities cannot "
         "co-exist with clusterAffinity)")
    assert refused(lambda: p.Placement(affinity_groups=(p.AffinityGroup("a", p.ClusterAffinity()),
                                                        p.AffinityGroup("a", p.ClusterAffinity())))) == \
        "placement.clusterAffinities.affinityName: got ['a', 'a'], expected a unique name per group"


@pytest.mark.parametrize("scheduling, allowed", [
    (None, False),
    (p.ReplicaScheduling.duplicated(), False),
    (p.ReplicaScheduling(dynamic_weight=None), False),                        # Divided, Weighted, static
    (p.ReplicaScheduling(), True),                                            # Divided, dynamic weight
    (p.ReplicaScheduling(division="Aggregated", dynamic_weight=None), True),  # Divided, Aggregated
])
def test_overflow_only_with_divided_aggregated_or_dynamic_weight(scheduling, allowed):
    group = p.AffinityGroup("main", p.ClusterAffinity(cluster_names=("a",)), overflow=(SPOT,))

    def build():
        return p.Placement(affinity_groups=(group,), replica_scheduling=scheduling)

    if allowed:
        build()
    else:
        assert refused(build) == ("placement.clusterAffinities.overflowAffinities: got 'main', expected Divided "
                                  "replicas with Aggregated division or a dynamic weight")


def test_placement_output_and_cluster_names():
    groups = (p.AffinityGroup("main", p.ClusterAffinity(cluster_names=("a",)), overflow=(SPOT,)),
              p.AffinityGroup("later", p.ClusterAffinity(cluster_names=("eks", "b"))))
    placement = p.Placement(affinity_groups=groups, replica_scheduling=p.ReplicaScheduling())
    assert placement.cluster_names() == ("a", "eks", "b")
    assert placement.to_dict() == {
        "clusterAffinities": [
            {"affinityName": "main", "clusterNames": ["a"],
             "overflowAffinities": [{"affinityName": "spot", "clusterNames": ["eks"]}]},
            {"affinityName": "later", "clusterNames": ["eks", "b"]}],
        "replicaScheduling": {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Weighted",
                              "weightPreference": {"dynamicWeight": "AvailableReplicas"}}}
    single = p.Placement(affinity=p.ClusterAffinity(cluster_names=("a", "b")))
    assert single.cluster_names() == ("a", "b")
    assert single.to_dict() == {"clusterAffinity": {"clusterNames": ["a", "b"]}}
    assert p.Placement().to_dict() == {} and p.Placement().cluster_names() == ()


def test_propagation_spec_output():
    spec = p.PropagationSpec((ISVC,), placement=p.Placement(affinity=p.ClusterAffinity(cluster_names=("a",))),
                             propagate_deps=True, failover=p.ApplicationFailover(), conflict_resolution="Overwrite",
                             priority=0)
    assert spec.to_dict() == {
        "resourceSelectors": [{"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "name": "m"}],
        "placement": {"clusterAffinity": {"clusterNames": ["a"]}}, "propagateDeps": True,
        "failover": {"application": {"decisionConditions": {"tolerationSeconds": 300}, "purgeMode": "Gracefully",
                                     "gracePeriodSeconds": 600}},
        "conflictResolution": "Overwrite", "priority": 0}
    assert p.PropagationSpec((ISVC,)).to_dict() == {"resourceSelectors": [ISVC.to_dict()], "placement": {}}


def test_propagation_spec_refusals():
    assert refused(lambda: p.PropagationSpec(())) == \
        "resourceSelectors: got (), expected at least one ResourceSelector"
    assert refused(lambda: p.PropagationSpec((ISVC, {"kind": "Secret"}))) == \
        "resourceSelectors: got {'kind': 'Secret'}, expected ResourceSelector(...) values"
    assert refused(lambda: p.PropagationSpec((ISVC,), failover=p.ApplicationFailover())) == \
        ("failover.application: got 'propagateDeps false', expected propagateDeps true with application failover "
         "(dependencies must move with it)")
    assert refused(lambda: p.PropagationSpec((ISVC,), priority=-1)) == "priority: got -1, expected an integer >= 0"
    assert refused(lambda: p.PropagationSpec((ISVC,), conflict_resolution="Replace")) == \
        "conflictResolution: got 'Replace', expected one of 'Abort', 'Overwrite'"


# -- overriders ------------------------------------------------------------------------------------------------------


def test_plaintext_overrider():
    assert p.PlaintextOverrider("/spec/a", "remove").to_dict() == {"path": "/spec/a", "operator": "remove"}
    assert p.PlaintextOverrider("/a", p.OverrideOperator.ADD, 0).to_dict() == {"path": "/a", "operator": "add",
                                                                               "value": 0}
    for path in ("", "/", "spec/a", None):
        assert refused(lambda: p.PlaintextOverrider(path, "add", 1)) == (
            f"overriders.plaintext.path: got {path!r}, expected a JSON pointer such as "
            "'/spec/predictor/model/storageUri'")
    assert refused(lambda: p.PlaintextOverrider("/a", "remove", 1)) == \
        "overriders.plaintext.value: got 1, expected no value with 'remove'"
    assert refused(lambda: p.PlaintextOverrider("/a", "replace")) == \
        "overriders.plaintext.value: got None, expected a value with 'replace'"
    assert refused(lambda: p.PlaintextOverrider("/a", "move", 1)) == \
        "overriders.plaintext.operator: got 'move', expected one of 'add', 'remove', 'replace'"


def test_image_overrider():
    assert p.ImageOverrider("Registry", "replace", "r.example.com", predicate_path="/spec/x/image").to_dict() == {
        "component": "Registry", "operator": "replace", "value": "r.example.com",
        "predicate": {"path": "/spec/x/image"}}
    assert p.ImageOverrider(p.ImageComponent.TAG, p.OverrideOperator.REMOVE).to_dict() == {"component": "Tag",
                                                                                          "operator": "remove"}
    assert refused(lambda: p.ImageOverrider("Tag", "add", "")) == \
        "imageOverrider.value: got '', expected a non-empty value with 'add'"
    assert refused(lambda: p.ImageOverrider("Digest", "add", "x")) == \
        "imageOverrider.component: got 'Digest', expected one of 'Registry', 'Repository', 'Tag'"
    assert refused(lambda: p.ImageOverrider("Tag", "add", "x", predicate_path="x")).startswith(
        "imageOverrider.predicate.path: got 'x', expected a JSON pointer")


def test_metadata_overrider():
    assert p.MetadataOverrider("add", {"a": "b"}).to_dict() == {"operator": "add", "value": {"a": "b"}}
    p.MetadataOverrider("add", {"a": "v" * 63})
    p.MetadataOverrider("add", {"a": ""})  # an empty label value is a value
    p.MetadataOverrider("add", {"a": "v" * 64 + " !"}, labels=False)  # annotation values are free text
    assert refused(lambda: p.MetadataOverrider("add", {"a": "v" * 64})) == \
        f"labelsOverrider.value[a]: got {'v' * 64!r}, expected a label value (at most 63 characters)"
    assert refused(lambda: p.MetadataOverrider("add", {"a": "-v"})) == \
        "labelsOverrider.value[a]: got '-v', expected a label value (at most 63 characters)"
    assert refused(lambda: p.MetadataOverrider("add", {"a": 1}, labels=False)) == \
        "annotationsOverrider.value[a]: got 1, expected a string"
    assert refused(lambda: p.MetadataOverrider("add", {})) == "labelsOverrider.value: got {}, expected at least one key"
    assert refused(lambda: p.MetadataOverrider("set", {"a": "b"}, labels=False)) == \
        "annotationsOverrider.operator: got 'set', expected one of 'add', 'remove', 'replace'"
    assert refused(lambda: p.MetadataOverrider("add", {"-a": "b"})).startswith(
        "labelsOverrider.value: got '-a', expected a qualified name")


LABEL = p.MetadataOverrider("add", {"a": "b"})
ANNOTATION = p.MetadataOverrider("add", {"a": "b"}, labels=False)


def test_overriders_output_and_refusals():
    plain = p.PlaintextOverrider("/a", "remove")
    image = p.ImageOverrider("Tag", "replace", "v2")
    assert p.Overriders(plaintext=(plain,), images=(image,), labels=(LABEL,), annotations=(ANNOTATION,)).to_dict() \
        == {"plaintext": [{"path": "/a", "operator": "remove"}],
            "imageOverrider": [{"component": "Tag", "operator": "replace", "value": "v2"}],
            "labelsOverrider": [{"operator": "add", "value": {"a": "b"}}],
            "annotationsOverrider": [{"operator": "add", "value": {"a": "b"}}]}
    assert p.Overriders(labels=(LABEL,)).to_dict() == {"labelsOverrider": [{"operator": "add", "value": {"a": "b"}}]}
    assert refused(lambda: p.Overriders()) == ("overriders: got Overriders(plaintext=(), images=(), labels=(), annotations=()), "
                                             "expected at least one overrider")
    message = ("overriders: got 'labels/annotations', expected label overriders under labels, annotation overriders "
               "(MetadataOverrider(labels=False)) under annotations")
    assert refused(lambda: p.Overriders(labels=(ANNOTATION,))) == message
    assert refused(lambda: p.Overriders(annotations=(LABEL,))) == message


# -- whole objects ---------------------------------------------------------------------------------------------------


RULE = p.OverrideRule(p.ClusterAffinity(cluster_names=("eks",)), p.Overriders(labels=(LABEL,)))


def test_policy_objects_in_full():
    spec = p.PropagationSpec((ISVC,))
    assert p.propagation_policy("pp", "ns", spec, labels={"team": "ml"}) == {
        "apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicy",
        "metadata": {"name": "pp", "namespace": "ns", "labels": {"team": "ml"}}, "spec": spec.to_dict()}
    assert p.cluster_propagation_policy("cpp", spec) == {
        "apiVersion": "policy.karmada.io/v1alpha1", "kind": "ClusterPropagationPolicy", "metadata": {"name": "cpp"},
        "spec": spec.to_dict()}
    rule = {"targetCluster": {"clusterNames": ["eks"]},
            "overriders": {"labelsOverrider": [{"operator": "add", "value": {"a": "b"}}]}}
    assert p.override_policy("op", "ns", (ISVC,), (RULE,)) == {
        "apiVersion": "policy.karmada.io/v1alpha1", "kind": "OverridePolicy",
        "metadata": {"name": "op", "namespace": "ns"},
        "spec": {"resourceSelectors": [ISVC.to_dict()], "overrideRules": [rule]}}
    assert p.cluster_override_policy("cop", (ISVC,), (RULE,)) == {
        "apiVersion": "policy.karmada.io/v1alpha1", "kind": "ClusterOverridePolicy", "metadata": {"name": "cop"},
        "spec": {"resourceSelectors": [ISVC.to_dict()], "overrideRules": [rule]}}


def test_policy_object_refusals():
    spec = p.PropagationSpec((ISVC,))
    p.cluster_propagation_policy("a" * 253, spec)
    assert refused(lambda: p.cluster_propagation_policy("a" * 254, spec)) == \
        f"metadata.name: got {'a' * 254!r}, expected a DNS-1123 subdomain"
    assert refused(lambda: p.propagation_policy("Pp", "ns", spec)) == \
        "metadata.name: got 'Pp', expected a DNS-1123 subdomain"
    assert refused(lambda: p.propagation_policy("pp", "ns", spec, labels={"": "x"})) == \
        "metadata.labels: got '', expected a non-empty label or annotation key"
    elsewhere = p.PropagationSpec((p.ResourceSelector("v1", "Secret", namespace="other"),))
    assert refused(lambda: p.propagation_policy("pp", "ns", elsewhere)) == \
        ("PropagationPolicy.resourceSelectors.namespace: got 'other', expected the policy's namespace 'ns' (a "
         "namespaced policy selects only there)")
    p.propagation_policy("pp", "ns", p.PropagationSpec((p.ResourceSelector("v1", "Secret", namespace="ns"),)))
    assert refused(lambda: p.override_policy("op", "ns", (p.ResourceSelector("v1", "Secret", namespace="x"),),
                                             (RULE,))).startswith("OverridePolicy.resourceSelectors.namespace: got 'x'")
    assert refused(lambda: p.override_policy("op", "ns", (), (RULE,))) == \
        ("OverridePolicy.resourceSelectors: got (), expected at least one ResourceSelector (an empty list would "
         "select every resource)")
    two_kinds = (ISVC, p.ResourceSelector("v1", "Secret"))
    assert refused(lambda: p.cluster_override_policy("cop", two_kinds, (RULE,))) == (
        "ClusterOverridePolicy.resourceSelectors: got [('serving.kserve.io/v1beta1', 'InferenceService'), "
        "('v1', 'Secret')], expected one apiVersion/kind per override policy (every overrider applies to every "
        "selected resource: one policy per kind)")
    assert refused(lambda: p.cluster_override_policy("cop", (ISVC,), ())) == \
        "ClusterOverridePolicy.overrideRules: got (), expected at least one OverrideRule"
