"""Karmada placement by workload class and phase, the per-cloud overrides, the runtime propagation, and the
policy builders' refusals; every rendered policy validated against the Karmada v1.18.2 CRDs."""
from __future__ import annotations

import dataclasses

import pulumi
import pulumi_kubernetes as k8s
import pytest

from tests.crd_schema import validate_custom_resource

from components.karmada import policies as p
from components.karmada.requirement import ModelRequirement
from components.karmada.placement import (ELASTIC_FAILOVER, BucketMirror, ModelPlacement,
                                          ModelPlacementArgs, ModelPlacementError, PlacementError,
                                          RuntimePropagation, RuntimePropagationArgs, mirror_for,
                                          plan_model_placement, plan_runtime_propagation)
from components.scheduling import gpu_taint, spot_taint, tolerates
from models.deployment import CapacityType, DeploymentMode, GpuPool, Member, ModelDeployment
from models.registry import load_catalog
from models.spec import ABTest, Canary, GpuType, Mirror, Phase, Resources, Runtime, WorkloadClass
from stacks.render import run_program
from tests.messages import exactly

CATALOG = load_catalog()
NS = "inference"
AWS_USE1 = Member("aws-use1", "aws", "us-east-1", (GpuPool(GpuType.T4, 1, CapacityType.ON_DEMAND),
                                                   GpuPool(GpuType.A10G, 1, CapacityType.SPOT)))
AWS_EUW1 = Member("aws-euw1", "aws", "eu-west-1", (GpuPool(GpuType.A10G, 4, CapacityType.SPOT),))
GCP_EUW4 = Member("gcp-euw4", "gcp", "europe-west4", (GpuPool(GpuType.L4, 1, CapacityType.SPOT),))
MEMBERS = (AWS_USE1, AWS_EUW1)
PRIVATE_POOLS = (GpuPool(GpuType.T4, 1, CapacityType.ON_DEMAND), GpuPool(GpuType.A10G, 1, CapacityType.ON_DEMAND))
MIRRORS = (BucketMirror("s3://ml-artifacts", "s3://ml-artifacts-use1", "us-east-1"),
           BucketMirror("s3://ml-artifacts", "s3://ml-artifacts-euw1", "eu-west-1"),
           BucketMirror("s3://ml-artifacts/doc-classifier", "s3://doc-mirror-euw1/dc", "eu-west-1"))


def dep(name, phase=Phase.HYBRID, mode=DeploymentMode.STANDARD, **changes):
    """The catalog model without its rollout (placement is about where, not which version), unless given."""
    changes.setdefault("rollout", None)
    model = dataclasses.replace(CATALOG[name], **changes)
    return ModelDeployment(model=model, phase=phase, runtime=Runtime.TRITON, mode=mode)


def args(name, phase=Phase.HYBRID, members=MEMBERS, mirrors=MIRRORS, mode=DeploymentMode.STANDARD,
         pools=PRIVATE_POOLS, **changes):
    return ModelPlacementArgs(dep(name, phase, mode, **changes), NS, "private", private_pools=pools,
                              members=members, bucket_mirrors=mirrors)


def plan(name, *a, **kw):
    return plan_model_placement(args(name, *a, **kw))


def refused(name, field, *a, **kw):
    with pytest.raises(ModelPlacementError) as info:
        plan(name, *a, **kw)
    assert (info.value.model, info.value.field) == (name, field), str(info.value)
    exactly(str(info.value))
    return info.value


def spec(plan_):
    return plan_.propagation_policy["spec"]


def rules_by_cluster(plan_):
    assert len(plan_.override_policies) == 1
    return {r["targetCluster"]["clusterNames"][0]: r["overriders"]
            for r in plan_.override_policies[0]["spec"]["overrideRules"]}


def all_plans():
    out = []
    for name in ("fraud-scorer", "fx-pricer", "churn-predictor", "digit-reader", "doc-classifier-batch"):
        out += [plan(name, Phase.KSERVE), plan(name)]
    return out


# -- by phase and class --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fraud-scorer", "churn-predictor", "digit-reader", "doc-classifier-batch"])
def test_phase_kserve_places_every_class_on_the_private_member_only(name):
    pl = plan(name, Phase.KSERVE)
    assert pl.clusters == ("private",)
    assert spec(pl)["placement"] == {"clusterAffinity": {"clusterNames": ["private"]},
                                     "replicaScheduling": {"replicaSchedulingType": "Duplicated"}}
    assert "failover" not in spec(pl) and pl.override_policies == ()
    assert spec(pl)["propagateDeps"] is True


def test_critical_stays_private_in_hybrid():
    pl = plan("fraud-scorer")
    assert pl.clusters == ("private",)
    assert spec(pl)["placement"]["clusterAffinity"] == {"clusterNames": ["private"]}
    assert "failover" not in spec(pl) and pl.override_policies == ()


def test_elastic_prefers_private_then_overflows_to_public_members():
    pl = plan("churn-predictor")  # CPU model: every member can take the overflow
    placement = spec(pl)["placement"]
    assert "clusterAffinity" not in placement
    # One group: the private cluster, public members as its overflow tier (expanded in order, contracted in
    # reverse), not a second group the scheduler would keep using once it had overflowed.
    assert placement["clusterAffinities"] == [
        {"affinityName": "private", "clusterNames": ["private"],
         "overflowAffinities": [{"affinityName": "public-on-demand", "clusterNames": ["aws-use1", "aws-euw1"]}]}]
    # The only scheduling Karmada's webhook admits with overflowAffinities besides Aggregated.
    assert placement["replicaScheduling"] == {"replicaSchedulingType": "Divided",
                                              "replicaDivisionPreference": "Weighted",
                                              "weightPreference": {"dynamicWeight": "AvailableReplicas"}}
    # Longer than the autoscaler's 15 minutes to bring a GPU node plus the model's start: a replica waiting for
    # its node is not evicted.
    assert spec(pl)["failover"] == {"application": {"decisionConditions": {"tolerationSeconds": 1200},
                                                    "purgeMode": "Gracefully", "gracePeriodSeconds": 600}}
    assert spec(pl)["propagateDeps"] is True
    assert pl.clusters == ("private", "aws-use1", "aws-euw1")
    # The workload policy selects only the InferenceService; the hostname Service goes everywhere by its own
    # policy (Karmada sends non-workloads to the primary group only, never to overflow tiers).
    assert spec(pl)["resourceSelectors"] == [{"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
                                              "namespace": NS, "name": "churn-predictor"}]
    assert pl.spans_clusters
    assert pl.service_policy["metadata"] == {"name": "churn-predictor-service", "namespace": NS,
                                             "labels": pl.propagation_policy["metadata"]["labels"]}
    assert pl.service_policy["spec"] == {
        "resourceSelectors": [{"apiVersion": "v1", "kind": "Service", "namespace": NS, "name": "churn-predictor"}],
        "placement": {"clusterAffinity": {"clusterNames": ["private", "aws-use1", "aws-euw1"]},
                      "replicaScheduling": {"replicaSchedulingType": "Duplicated"}}}


def test_elastic_gpu_model_overflows_only_to_members_with_an_on_demand_pool_that_holds_it():
    pl = plan("digit-reader")  # 1x T4: aws-use1 has on-demand T4; aws-euw1 only Spot A10G
    assert spec(pl)["placement"]["clusterAffinities"][0]["overflowAffinities"] == [
        {"affinityName": "public-on-demand", "clusterNames": ["aws-use1"]}]
    assert set(rules_by_cluster(pl)) == {"aws-use1"}


def test_elastic_gpu_model_the_private_cluster_cannot_hold_still_overflows():
    pl = plan("digit-reader", pools=())  # the private tier holds 0; Karmada gives the public tier everything
    assert pl.clusters == ("private", "aws-use1")


def test_gpu_models_need_a_pool_that_holds_them():
    err = refused("fraud-scorer", "resources.gpu", pools=PRIVATE_POOLS[1:],
                  resources=Resources(gpu_count=1, gpu_type=GpuType.T4))
    assert err.value == "1x t4" and err.expected.endswith("(platform:gpuPools offers 1x a10g (on-demand))")
    err = refused("digit-reader", "resources.gpu", members=(AWS_EUW1,), pools=())
    assert "elastic work does not go to Spot" in err.expected


def test_a_model_spanning_clusters_runs_in_standard_mode_without_a_rollout():
    err = refused("churn-predictor", "deploymentMode", mode=DeploymentMode.KNATIVE)
    assert err.value == "Knative" and "'Standard'" in err.expected and "aws-use1, aws-euw1" in err.expected
    err = refused("churn-predictor", "phase", rollout=Canary(candidate_uri="s3://ml-artifacts/churn/v2",
                                                                traffic_percent=10))
    assert err.value == "hybrid" and "Canary" in err.expected
    # A finished canary (0 or 100) renders one version only: nothing left to split.
    assert plan("churn-predictor", rollout=Canary(candidate_uri="s3://ml-artifacts/churn/v2",
                                                  traffic_percent=100)).spans_clusters
    # Knative stays fine where the replicas do not span clusters: private only, or batch on public only.
    assert not plan("churn-predictor", Phase.KSERVE, mode=DeploymentMode.KNATIVE).spans_clusters
    assert not plan("doc-classifier-batch", mode=DeploymentMode.KNATIVE).spans_clusters


def test_a_knative_canary_is_refused_wherever_a_new_member_may_take_the_model():
    err = refused("doc-classifier-batch", "phase", mode=DeploymentMode.KNATIVE,
                  rollout=Canary(candidate_uri="s3://ml-artifacts/doc-classifier/v5", traffic_percent=10))
    assert "revision" in err.expected
    assert plan("fraud-scorer", mode=DeploymentMode.KNATIVE,  # critical: private only, where it ran before
                rollout=Canary(candidate_uri="s3://x/y", traffic_percent=10)).clusters == ("private",)


def test_elastic_without_public_capacity_stays_private():
    pl = plan("digit-reader", members=(AWS_EUW1,))
    assert pl.clusters == ("private",) and "failover" not in spec(pl)


def test_batch_runs_duplicated_on_every_public_spot_member_that_holds_it():
    pl = plan("doc-classifier-batch")  # 1x A10G: both members have a Spot A10G pool
    placement = spec(pl)["placement"]
    assert placement["clusterAffinity"] == {"clusterNames": ["aws-use1", "aws-euw1"]}
    assert "private" not in pl.clusters
    # Divided would ask Karmada's estimator, which counts only existing nodes: a Spot pool at zero has none, so
    # the model would never be scheduled. Duplicated does not estimate; each member's autoscaler adds the node.
    assert placement["replicaScheduling"] == {"replicaSchedulingType": "Duplicated"}
    assert "spreadConstraints" not in placement
    assert "failover" not in spec(pl)  # a member waiting for Spot capacity is not evicted; the others serve


def test_batch_on_a_single_spot_member():
    pl = plan("doc-classifier-batch", members=(AWS_EUW1,))
    assert pl.clusters == ("aws-euw1",) and "failover" not in spec(pl)


def test_batch_without_spot_capacity_is_refused():
    on_demand_only = Member("aws-x", "aws", "us-east-2", (GpuPool(GpuType.A10G, 1, CapacityType.ON_DEMAND),))
    err = refused("doc-classifier-batch", "workload_class", members=(on_demand_only,))
    assert "aws-x offers 1x a10g (on-demand)" in err.expected
    bare = Member("aws-y", "aws", "us-west-2", ())
    err = refused("doc-classifier-batch", "workload_class", members=(on_demand_only, bare))
    assert err.expected == ("a member with a Spot GPU pool holding 1x a10g (batch work runs on public Spot only); "
                            "members: aws-x offers 1x a10g (on-demand), aws-y offers no GPU pools")
    assert refused("doc-classifier-batch", "workload_class", members=()).expected.endswith("members: none")
    err = refused("fraud-scorer", "resources.gpu", pools=(), resources=Resources(gpu_count=1, gpu_type=GpuType.T4))
    assert err.expected.endswith("(platform:gpuPools offers no GPU pools)")


def test_cpu_batch_model_is_refused_since_spot_exists_only_as_gpu_pools():
    err = refused("doc-classifier-batch", "workload_class", resources=Resources(cpu="2", memory="4Gi"))
    assert "GPU pools" in err.expected


def test_each_public_member_gets_what_it_must_host_as_a_typed_requirement():
    elastic, batch = plan("churn-predictor"), plan("doc-classifier-batch")
    assert plan("fraud-scorer").requirements == {}
    churn = CATALOG["churn-predictor"].resources
    assert elastic.requirements["aws-use1"] == ModelRequirement(
        model="churn-predictor", workload_class=WorkloadClass.ELASTIC, gpu_type=None, gpu_count=0, cpu=churn.cpu,
        memory=churn.memory, needs_spot=False, tolerations=(),
        storage_uris=("s3://ml-artifacts-use1/churn-predictor/v1",))
    spot = batch.requirements["aws-euw1"]
    assert (spot.gpu_type, spot.gpu_count, spot.needs_spot) == (GpuType.A10G, 1, True)
    assert spot.storage_uris == ("s3://doc-mirror-euw1/dc/v4",)
    assert tolerates(list(spot.tolerations), spot_taint()) and tolerates(list(spot.tolerations), gpu_taint())
    assert set(batch.requirements) == {"aws-use1", "aws-euw1"}


def test_phase_torchserve_has_no_karmada_placement():
    with pytest.raises(PlacementError, match="torchserve") as raised:
        plan("fraud-scorer", Phase.TORCHSERVE)
    exactly(str(raised.value))


def test_a_claim_cannot_follow_a_model_to_public_members():
    err = refused("churn-predictor", "storage_uri", storage_uri="pvc://model-store/churn/v1")
    assert "aws-use1, aws-euw1" in err.expected
    assert plan("fx-pricer").clusters == ("private",)  # critical pvc:// model: fine, stays private


# -- overrides -----------------------------------------------------------------------------------------------


def test_storage_uri_is_rewritten_to_each_members_regional_mirror():
    rules = rules_by_cluster(plan("churn-predictor"))
    assert rules["aws-use1"]["plaintext"] == [{"path": "/spec/predictor/model/storageUri", "operator": "replace",
                                               "value": "s3://ml-artifacts-use1/churn-predictor/v1"}]
    assert rules["aws-euw1"]["plaintext"][0]["value"] == "s3://ml-artifacts-euw1/churn-predictor/v1"


def test_longest_mirror_source_wins_and_unmirrored_members_keep_the_uri():
    assert mirror_for("s3://ml-artifacts/doc-classifier/v4", AWS_EUW1, MIRRORS) == "s3://doc-mirror-euw1/dc/v4"
    assert mirror_for("s3://ml-artifacts-other/x", AWS_EUW1, MIRRORS) is None
    assert mirror_for("s3://ml-artifacts/x", GCP_EUW4, MIRRORS) is None
    rules = rules_by_cluster(plan("churn-predictor", mirrors=()))
    assert all("plaintext" not in r for r in rules.values())


def test_batch_overrides_target_spot_gpu_nodes():
    rules = rules_by_cluster(plan("doc-classifier-batch"))
    for member in ("aws-use1", "aws-euw1"):
        patches = {o["path"]: o for o in rules[member]["plaintext"]}
        selector = patches["/spec/predictor/nodeSelector"]
        assert selector["operator"] == "add"
        assert selector["value"] == {"inference-platform.io/gpu-type": "a10g", "eks.amazonaws.com/capacityType": "SPOT"}
        tolerations = patches["/spec/predictor/tolerations"]["value"]
        assert tolerates(tolerations, spot_taint()) and tolerates(tolerations, gpu_taint())
    assert rules["aws-euw1"]["plaintext"][0]["value"] == "s3://doc-mirror-euw1/dc/v4"


def test_batch_on_a_non_aws_member_selects_the_platform_capacity_label():
    model = dict(resources=Resources(cpu="4", memory="16Gi", gpu_count=1, gpu_type=GpuType.L4))
    rules = rules_by_cluster(plan("doc-classifier-batch", members=(GCP_EUW4,), **model))
    selector = next(o for o in rules["gcp-euw4"]["plaintext"] if o["path"] == "/spec/predictor/nodeSelector")
    assert selector["value"] == {"inference-platform.io/gpu-type": "l4", "inference-platform.io/capacity": "spot"}


def test_members_copies_are_labelled_with_cloud_and_member():
    rules = rules_by_cluster(plan("churn-predictor"))
    assert rules["aws-euw1"]["labelsOverrider"] == [
        {"operator": "add",
         "value": {"inference-platform.io/cloud": "aws", "inference-platform.io/member": "aws-euw1"}}]


def test_override_policy_selects_only_this_models_inference_service():
    op = plan("churn-predictor").override_policies[0]
    assert op["kind"] == "OverridePolicy" and op["metadata"]["namespace"] == NS
    assert op["spec"]["resourceSelectors"] == [{"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
                                                "namespace": NS, "name": "churn-predictor"}]


def test_every_plan_validates_against_the_karmada_crds():
    for pl in all_plans():
        for obj in (pl.propagation_policy, *pl.override_policies, *([pl.service_policy] if pl.service_policy
                                                                    else [])):
            validate_custom_resource(obj)


# -- runtimes ------------------------------------------------------------------------------------------------


def test_runtimes_are_propagated_to_every_member_with_registry_mirrors():
    cpp, cop = plan_runtime_propagation(RuntimePropagationArgs(
        clusters=("private", "aws-use1", "aws-euw1"),
        registry_mirrors={"aws-use1": "000000000000.dkr.ecr.us-east-1.amazonaws.com"}))
    assert cpp["kind"] == "ClusterPropagationPolicy" and "namespace" not in cpp["metadata"]
    assert cpp["spec"]["resourceSelectors"] == [{"apiVersion": "serving.kserve.io/v1alpha1",
                                                 "kind": "ClusterServingRuntime"}]
    assert cpp["spec"]["placement"] == {"clusterAffinity": {"clusterNames": ["private", "aws-use1", "aws-euw1"]},
                                        "replicaScheduling": {"replicaSchedulingType": "Duplicated"}}
    assert cop["kind"] == "ClusterOverridePolicy"
    assert cop["spec"]["overrideRules"] == [{
        "targetCluster": {"clusterNames": ["aws-use1"]},
        "overriders": {"imageOverrider": [{"component": "Registry", "operator": "replace",
                                           "value": "000000000000.dkr.ecr.us-east-1.amazonaws.com",
                                           "predicate": {"path": "/spec/containers/0/image"}}]}}]
    validate_custom_resource(cpp)
    validate_custom_resource(cop)


def test_named_runtimes_and_no_mirrors():
    cpp, cop = plan_runtime_propagation(RuntimePropagationArgs(
        clusters=("private",), runtime_names=("kserve-tritonserver", "kserve-torchserve"),
        conflict_resolution=p.ConflictResolution.OVERWRITE))
    assert [s["name"] for s in cpp["spec"]["resourceSelectors"]] == ["kserve-tritonserver", "kserve-torchserve"]
    assert cpp["spec"]["conflictResolution"] == "Overwrite" and cop is None
    with pytest.raises(PlacementError, match="not among the clusters") as raised:
        plan_runtime_propagation(RuntimePropagationArgs(clusters=("private",), registry_mirrors={"x": "r"}))
    exactly(str(raised.value))


# -- the components under mocks ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered():
    def program():
        karmada = k8s.Provider("karmada", kubeconfig="{}")
        ready = k8s.core.v1.Namespace("karmada-ready", metadata={"name": "ready"}, opts=pulumi.ResourceOptions(
            provider=karmada))
        on_karmada = pulumi.ResourceOptions(provider=karmada, depends_on=[ready])
        for name in ("fraud-scorer", "churn-predictor", "doc-classifier-batch"):
            ModelPlacement(name, plan(name), opts=on_karmada)
        RuntimePropagation("runtimes", RuntimePropagationArgs(("private", "aws-use1", "aws-euw1"),
                                                              registry_mirrors={"aws-euw1": "mirror.example"}),
                           opts=on_karmada)
    return run_program(program, stack="test", config={})


def test_components_create_the_policies_on_the_karmada_api_server(rendered):
    policies = [r for r in rendered.resources if r.type.startswith("kubernetes:policy.karmada.io/")]
    kinds = sorted(r.inputs["kind"] for r in policies)
    assert kinds == ["ClusterOverridePolicy", "ClusterPropagationPolicy", "OverridePolicy", "OverridePolicy",
                     "PropagationPolicy", "PropagationPolicy", "PropagationPolicy", "PropagationPolicy"]
    assert rendered.find("PropagationPolicy", "churn-predictor-service")["spec"]["resourceSelectors"][0]["kind"] \
        == "Service"
    for r in policies:
        assert r.cluster == "karmada"
        assert "kubernetes:core/v1:Namespace::karmada-ready" in r.depends_on, r.key
        assert r.parent.startswith(("platform:karmada:ModelPlacement::", "platform:karmada:RuntimePropagation::"))
        assert r.name.startswith(r.parent.split("::")[1] + "-")
        validate_custom_resource(r.inputs)
    assert rendered.find("PropagationPolicy", "churn-predictor")["metadata"]["labels"][
        "inference-platform.io/workload-class"] == "elastic"


# -- builders refuse what Karmada would refuse (or ignore) ----------------------------------------------------


@pytest.mark.parametrize("build, match", [
    (lambda: p.Placement(affinity=p.ClusterAffinity(("a",)),
                         affinity_groups=(p.AffinityGroup("g", p.ClusterAffinity(("a",))),)), "co-exist"),
    (lambda: p.Placement(affinity_groups=(p.AffinityGroup("g", p.ClusterAffinity(("a",))),
                                          p.AffinityGroup("g", p.ClusterAffinity(("b",))))), "unique"),
    (lambda: p.ReplicaScheduling(type=p.ReplicaSchedulingType.DUPLICATED), "Duplicated"),
    (lambda: p.ReplicaScheduling(division=p.ReplicaDivision.AGGREGATED), "Aggregated"),
    (lambda: p.ReplicaScheduling(division=None, dynamic_weight=None), "Divided"),
    (lambda: p.ApplicationFailover(purge_mode=p.PurgeMode.DIRECTLY, grace_period_seconds=60), "Gracefully"),
    (lambda: p.ApplicationFailover(purge_mode="Graciously"), "Directly"),
    (lambda: p.ApplicationFailover(toleration_seconds=-1), ">= 0"),
    (lambda: p.PropagationSpec((p.ResourceSelector("v1", "ConfigMap"),), failover=p.ApplicationFailover()),
     "propagateDeps"),
    (lambda: p.PropagationSpec(()), "at least one"),
    (lambda: p.PlaintextOverrider("/spec/x", p.OverrideOperator.REMOVE, "v"), "no value"),
    (lambda: p.PlaintextOverrider("spec/x", p.OverrideOperator.ADD, "v"), "JSON pointer"),
    (lambda: p.PlaintextOverrider("/spec/x", p.OverrideOperator.REPLACE), "a value"),
    (lambda: p.ImageOverrider(p.ImageComponent.REGISTRY, p.OverrideOperator.REPLACE), "non-empty value"),
    (lambda: p.MetadataOverrider(p.OverrideOperator.ADD, {"bad key!": "x"}), "qualified name"),
    (lambda: p.Overriders(), "at least one overrider"),
    (lambda: p.override_policy("x", NS, (p.ResourceSelector("v1", "ConfigMap"),
                                         p.ResourceSelector("apps/v1", "Deployment")),
                               (p.OverrideRule(p.ClusterAffinity(("a",)), p.Overriders(
                                   labels=(p.MetadataOverrider(p.OverrideOperator.ADD, {"k": "v"}),))),)),
     "one policy per kind"),
    (lambda: p.propagation_policy("x", NS, p.PropagationSpec((p.ResourceSelector("v1", "ConfigMap",
                                                                                   namespace="other"),))),
     "namespace"),
    (lambda: p.ClusterAffinity(("a",), exclude=("a",)), "both named and excluded"),
    # overflowAffinities, as karmada v1.18.2 pkg/util/validation/validation.go refuses them
    (lambda: p.Placement(affinity_groups=(p.AffinityGroup("g", p.ClusterAffinity(("a",)), overflow=(
        p.OverflowGroup("o", p.ClusterAffinity(("b",))),)),), replica_scheduling=p.ReplicaScheduling(
        dynamic_weight=None)), "dynamic weight"),
    (lambda: p.Placement(affinity_groups=(p.AffinityGroup("g", p.ClusterAffinity(("a",)), overflow=(
        p.OverflowGroup("o", p.ClusterAffinity(("b",))),)),),
        replica_scheduling=p.ReplicaScheduling.duplicated()), "Divided"),
    (lambda: p.AffinityGroup("g", p.ClusterAffinity(), overflow=(p.OverflowGroup("o", p.ClusterAffinity(("b",))),)),
     "names its clusters"),
    (lambda: p.AffinityGroup("g", p.ClusterAffinity(("a",)), overflow=(p.OverflowGroup("g", p.ClusterAffinity(
        ("b",))),)), "unique"),
    (lambda: p.OverflowGroup("o" * 33, p.ClusterAffinity(("b",))), "32 characters"),
])
def test_invalid_combinations_are_refused_with_the_field_named(build, match):
    with pytest.raises(p.PolicyError, match=match) as raised:
        build()
    exactly(str(raised.value))


def test_overflow_with_aggregated_division_is_admitted_and_validates():
    group = p.AffinityGroup("primary", p.ClusterAffinity(("a",)), overflow=(
        p.OverflowGroup("second", p.ClusterAffinity(("b",))), p.OverflowGroup("third", p.ClusterAffinity(("c",)))))
    aggregated = p.ReplicaScheduling(division=p.ReplicaDivision.AGGREGATED, dynamic_weight=None)
    placement = p.Placement(affinity_groups=(group,), replica_scheduling=aggregated)
    assert placement.cluster_names() == ("a", "b", "c")
    assert placement.to_dict()["clusterAffinities"][0]["overflowAffinities"] == [
        {"affinityName": "second", "clusterNames": ["b"]}, {"affinityName": "third", "clusterNames": ["c"]}]
    validate_custom_resource(p.propagation_policy("x", NS, p.PropagationSpec(
        (p.ResourceSelector("apps/v1", "Deployment", "d"),), placement)))


def test_replica_scheduling_and_defaults_render_as_the_crd_spells_them():
    rs = p.ReplicaScheduling.by_available_replicas()
    assert rs.to_dict() == {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Weighted",
                            "weightPreference": {"dynamicWeight": "AvailableReplicas"}}
    assert p.ReplicaScheduling.duplicated().to_dict() == {"replicaSchedulingType": "Duplicated"}
    assert p.ReplicaScheduling(division=p.ReplicaDivision.AGGREGATED, dynamic_weight=None).to_dict() == {
        "replicaSchedulingType": "Divided", "replicaDivisionPreference": "Aggregated"}
    assert p.ApplicationFailover().to_dict()["gracePeriodSeconds"] == 600
    assert ELASTIC_FAILOVER.purge_mode is p.PurgeMode.GRACEFULLY
    obj = p.propagation_policy("weighted", NS, p.PropagationSpec((p.ResourceSelector("apps/v1", "Deployment", "d"),),
                                                                 p.Placement(replica_scheduling=rs)))
    validate_custom_resource(obj)


# -- rollouts and what the policies select ------------------------------------------------------------------


def test_policy_selects_every_object_of_the_model_by_its_name_label():
    selectors = spec(plan("churn-predictor", Phase.KSERVE))["resourceSelectors"]
    assert {(s["apiVersion"], s["kind"]) for s in selectors} == {
        ("serving.kserve.io/v1beta1", "InferenceService"), ("serving.kserve.io/v1alpha1", "InferenceGraph"),
        ("v1", "Service")}
    assert all(s["labelSelector"] == {"matchLabels": {"app.kubernetes.io/name": "churn-predictor"}}
               for s in selectors)


@pytest.mark.parametrize("rollout", [ABTest(b_uri="s3://ml-artifacts/churn-predictor/v2"),
                                     Mirror(shadow_uri="s3://ml-artifacts/churn-predictor/v2")])
def test_mesh_rollouts_cannot_reach_public_members(rollout):
    err = refused("churn-predictor", "phase", rollout=rollout)
    assert f"while its {type(rollout).__name__} runs" in err.expected
    assert plan("churn-predictor", Phase.KSERVE, rollout=rollout).clusters == ("private",)


def test_canary_overrides_mirror_the_artifacts_the_predictor_really_serves():
    # A Standard-mode canary of batch work (public members only, each splitting between its own two versions).
    canary = Canary(candidate_uri="s3://ml-artifacts/doc-classifier/v5", traffic_percent=10)
    standard = rules_by_cluster(plan("doc-classifier-batch", rollout=canary))["aws-use1"]["plaintext"]
    assert {o["path"]: o["value"] for o in standard if "storageUri" in o["path"]} == {
        "/spec/predictor/model/storageUri": "s3://ml-artifacts-use1/doc-classifier/v4",
        "/spec/canary/0/predictor/model/storageUri": "s3://ml-artifacts-use1/doc-classifier/v5"}
    # Promoted in Knative mode: the predictor serves the candidate, everywhere.
    promoted = rules_by_cluster(plan("doc-classifier-batch", mode=DeploymentMode.KNATIVE,
                                     rollout=dataclasses.replace(canary, traffic_percent=100)))
    assert {o["path"]: o["value"] for o in promoted["aws-use1"]["plaintext"] if "storageUri" in o["path"]} == {
        "/spec/predictor/model/storageUri": "s3://ml-artifacts-use1/doc-classifier/v5"}


def test_a_bucket_mirror_keeps_the_sources_scheme():
    # An s3:// model rewritten to an https:// prefix would name no archive file: the storage initializer fails.
    with pytest.raises(PlacementError, match="same scheme") as raised:
        BucketMirror("s3://ml-artifacts", "https://cdn.example/ml-artifacts", "us-east-1")
    exactly(str(raised.value))
    with pytest.raises(PlacementError, match="s3:// or https://"):  # no model reads gs://: a typo, caught
        BucketMirror("gs://ml-artifacts", "gs://ml-artifacts-use1", "us-east-1")


def test_with_mirrors_required_every_s3_uri_a_member_reads_needs_one_in_its_region():
    """storage.s3Endpoint set: a bucket name means the on-premises store, so an unmirrored s3:// URI is refused."""
    only_use1 = (BucketMirror("s3://ml-artifacts", "s3://ml-artifacts-use1", "us-east-1"),)
    batch = args("doc-classifier-batch", mirrors=only_use1)  # batch: both members have a Spot A10G pool
    with pytest.raises(ModelPlacementError) as info:
        plan_model_placement(dataclasses.replace(batch, require_mirrors=True))
    err = info.value
    assert (err.model, err.field, err.value) == ("doc-classifier-batch", "storage_uri",
                                                 CATALOG["doc-classifier-batch"].storage_uri)
    assert "aws eu-west-1" in err.expected and "'aws-euw1'" in err.expected
    # Not required: the member reads the bucket of that name in its own cloud.
    assert plan_model_placement(batch).requirements["aws-euw1"].storage_uris == (
        CATALOG["doc-classifier-batch"].storage_uri,)
    # Mirrored in both regions: accepted, and each member reads its mirror.
    mirrored = plan_model_placement(dataclasses.replace(args("doc-classifier-batch"), require_mirrors=True))
    assert mirrored.requirements["aws-use1"].storage_uris == ("s3://ml-artifacts-use1/doc-classifier/v4",)
    assert mirrored.requirements["aws-euw1"].storage_uris == ("s3://doc-mirror-euw1/dc/v4",)
    # An https:// artifact needs no mirror.
    web = args("doc-classifier-batch", mirrors=(), storage_uri="https://models.example.com/dc/v4.tar.gz")
    assert plan_model_placement(dataclasses.replace(web, require_mirrors=True)).requirements
