"""Elastic placement end to end, as far as the render and the interpreter's Lua show it: the rendered policy for
ticket-router (private first, public on-demand as its overflow tier), the count Karmada divides (GetReplicas) and
the bounds each member enforces (ReviseReplica), on the three capacity cases: the private cluster has room, it is
full, and the peak ends. The Lua runs under lupa's Lua 5.1 with Karmada's sandbox (tests/lua_harness.py).

Karmada's side is read, not re-implemented (karmada v1.18.2 pkg/scheduler/core/common.go assignWorkloadReplicas):
the overflow tiers are filled in order, each with min(remaining, its available replicas), so a cluster's share is
given here as the scheduler would hand it to ReviseReplica.
"""
from __future__ import annotations

import copy

from components.karmada.interpreter import LUA_DIR
from tests.lua_harness import run_script

GET_REPLICAS = LUA_DIR / "isvc_get_replicas.lua"
REVISE_REPLICA = LUA_DIR / "isvc_revise_replica.lua"


def isvc(private_render):
    return copy.deepcopy(private_render.find("InferenceService", "ticket-router", cluster="karmada-provider"))


def revise(obj, share):
    predictor = run_script(REVISE_REPLICA, "ReviseReplica", copy.deepcopy(obj), share)["spec"]["predictor"]
    return predictor["minReplicas"], predictor["maxReplicas"]


def test_the_rendered_policy_overflows_from_the_private_tier_to_public_on_demand(private_render):
    policy = private_render.find("PropagationPolicy", "ticket-router", cluster="karmada-provider")
    assert policy["spec"]["placement"]["clusterAffinities"] == [
        {"affinityName": "private", "clusterNames": ["private"],
         "overflowAffinities": [{"affinityName": "public-on-demand", "clusterNames": ["aws-use1"]}]}]
    service = private_render.find("PropagationPolicy", "ticket-router-service", cluster="karmada-provider")
    assert service["spec"]["placement"]["clusterAffinity"] == {"clusterNames": ["private", "aws-use1"]}
    assert service["spec"]["resourceSelectors"] == [{"apiVersion": "v1", "kind": "Service",
                                                     "namespace": "inference", "name": "ticket-router"}]


def test_karmada_divides_the_floor_with_one_replicas_requirements(private_render):
    obj = isvc(private_render)
    predictor = obj["spec"]["predictor"]
    # The stack file's floor for this environment (minReplicas: 2) over the declared ceiling of 12.
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (2, 12)
    replicas, requirement = run_script(GET_REPLICAS, "GetReplicas", obj)
    assert replicas == 2
    assert requirement["resourceRequest"]["nvidia.com/gpu"] in ("1", 1)
    assert requirement["nodeClaim"]["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def test_private_has_room_it_takes_the_whole_floor_and_the_whole_ceiling(private_render):
    assert revise(isvc(private_render), 2) == (2, 12)


def test_private_full_each_member_gets_its_share_as_floor_and_the_ceiling_less_the_others_floors(private_render):
    obj = isvc(private_render)
    # The private tier holds one of the two replicas; the public on-demand tier takes the other.
    assert revise(obj, 1) == (1, 11)  # private: floor 1, may grow to 12 - 1 (the other member's floor)
    assert revise(obj, 1) == (1, 11)  # aws-use1: floor 1, grows on nodes its autoscaler adds
    # An uneven split: each keeps the declared ceiling less the floors the others hold.
    obj["spec"]["predictor"]["minReplicas"] = 3
    assert [revise(obj, share) for share in (2, 1)] == [(2, 11), (1, 10)]


def test_raising_the_floor_for_a_peak_never_cuts_the_private_ceiling_below_the_others_floors(private_render):
    """A floor raised 2 -> 4 (ceiling 12) while the private cluster keeps 2: a proportional split would give it
    ceiling 6 while its autoscaler may run 10 pods; this rule keeps 12 - 2 = 10."""
    obj = isvc(private_render)
    obj["spec"]["predictor"]["minReplicas"] = 4
    assert revise(obj, 2) == (2, 10)
    obj["spec"]["predictor"]["minReplicas"] = 12  # the floor at the ceiling: no headroom left anywhere
    assert [revise(obj, share) for share in (10, 2)] == [(10, 10), (2, 2)]


def test_peak_ends_the_floor_goes_back_and_the_private_tier_is_refilled_first(private_render):
    obj = isvc(private_render)
    obj["spec"]["predictor"]["minReplicas"] = 1  # the floor lowered after the peak
    assert run_script(GET_REPLICAS, "GetReplicas", obj)[0] == 1
    # The private tier (available = its free capacity + what it already holds) takes the one replica; the public
    # tier gets none and Karmada removes the member's copy.
    assert revise(obj, 1) == (1, 12)


def test_scale_to_zero_templates_keep_zero_and_duplicated_members_are_unchanged():
    obj = {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
           "metadata": {"name": "doc-classifier-batch", "namespace": "inference"},
           "spec": {"predictor": {"minReplicas": 0, "maxReplicas": 8}}}
    assert run_script(GET_REPLICAS, "GetReplicas", obj)[0] == 1
    # Duplicated: every member is revised with the whole count (1): floor 0, ceiling 8, as declared.
    assert revise(obj, 1) == (0, 8)
