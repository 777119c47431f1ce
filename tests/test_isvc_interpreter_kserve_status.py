"""The InferenceService interpreter against member statuses shaped as KServe v0.20 writes them, and against what
Karmada and pulumi-kubernetes do with its answers.

KServe v0.20 has no observedGeneration of its own: it copies the Knative Service's (Knative mode) or the
Deployment's (Standard mode) — kserve/kserve v0.20.0 pkg/apis/serving/v1beta1/inference_service_status.go,
`PropagateStatus` line 635 and `PropagateRawStatus` line 456. Those generations move without any change to the
InferenceService: KServe rewrites the Knative Service's traffic once a canary's first rollout is recorded
(pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go lines 134-164), and the HPA bumps
the Deployment's generation with every scale. The member objects below are skewed that way.

What the answers drive, as read at the pinned tags:
- Karmada v1.18.2 pkg/controllers/status/work_status_controller.go lines 401-410: InterpretHealth true ->
  `Healthy`, false -> `Unhealthy`; pkg/controllers/applicationfailover/common.go line 115: `Unhealthy` clusters
  (not already being evicted) are the ones application failover evicts after `tolerationSeconds`.
- Karmada v1.18.2 pkg/controllers/binding/common.go line 276: every member object carries the annotation
  `resourcetemplate.karmada.io/generation` = the template's generation it was made from.
- pulumi-kubernetes provider/pkg/await/condition/kubectl.go `checkCondition` (read at v4.32.0, the newest tag in
  the mirror, identical on master of July 2026; the pinned v4.34.2 tag is not in the mirror): `waitFor:
  condition=X` is satisfied when the first condition of type X (case-insensitive) has status "True" and neither
  the condition's own observedGeneration nor else status.observedGeneration is below metadata.generation.
"""
from __future__ import annotations

import copy

import pytest

from components.karmada.interpreter import SCRIPTS, isvc_interpreter_customization
from tests.crd_schema import validate_custom_resource
from tests.lua_harness import run_script

CUSTOMIZATION = isvc_interpreter_customization()
TEMPLATE_GENERATION = "resourcetemplate.karmada.io/generation"  # karmada v1.18.2 well_known_constants.go:73
NS = "inference"


def call(field: str, *args):
    script = CUSTOMIZATION["spec"]["customizations"][field]["luaScript"]
    return run_script(script, SCRIPTS[field][1], *args)


# -- what Karmada and pulumi-kubernetes do with the answers ------------------------------------------------------


def karmada_health(member_obj: dict) -> str:
    """work_status_controller.go lines 401-410 (Karmada v1.18.2)."""
    return "Healthy" if call("healthInterpretation", member_obj) else "Unhealthy"


def status_item(cluster: str, member_obj: dict, *, applied: bool = True) -> dict:
    """One AggregatedStatusItem as Karmada builds it from a member object: reflected status, health. `applied` is
    `json:"applied,omitempty"` (karmada v1.18.2 pkg/apis/work/v1alpha2/binding_types.go line 465): false is absent."""
    item = {"clusterName": cluster, "health": karmada_health(member_obj), "status": call("statusReflection", member_obj)}
    return {**item, "applied": True} if applied else item


def failover_candidates(items: list[dict]) -> list[str]:
    """applicationfailover/common.go line 115 (Karmada v1.18.2): clusters whose workload is Unhealthy."""
    return [i["clusterName"] for i in items if i["health"] == "Unhealthy"]


def pulumi_wait_for(obj: dict, expr: str) -> bool:
    """pulumi-kubernetes provider/pkg/await/condition/custom.go NewCustom + kubectl.go checkCondition."""
    expr = expr.removeprefix("condition=")
    wanted_type, _, wanted_status = expr.partition("=")
    wanted_status = wanted_status or "True"
    conditions = obj.get("status", {}).get("conditions")
    if conditions is None:
        return False
    for condition in conditions:
        if condition.get("type", "").lower() != wanted_type.lower() or "status" not in condition:
            continue
        generation = obj["metadata"].get("generation")
        if generation is not None:
            observed = condition.get("observedGeneration", obj["status"].get("observedGeneration"))
            if observed is not None and observed < generation:
                return False
        return condition["status"].lower() == wanted_status.lower()
    return False


# -- member objects as KServe v0.20 leaves them -------------------------------------------------------------------

WAIT_FOR = {"pulumi.com/waitFor": "condition=PredictorReady"}
T0, T1 = "2026-05-04T10:00:00Z", "2026-05-04T10:07:00Z"


def conditions(predictor="True", *, knative=True, reason=None, message=None):
    """The conditions KServe v0.20 sets: PredictorReady and IngressReady make Ready (conditionSet, status.go line
    295); in Knative mode the route/configuration conditions are copied from the Knative Service (lines 621-632)."""
    def c(kind, status):
        out = {"type": kind, "status": status, "lastTransitionTime": T1 if status != "True" else T0}
        if status != "True" and reason:
            out["reason"] = reason
        if status != "True" and message:
            out["message"] = message
        return out
    ingress = "True" if predictor == "True" else predictor
    out = [c("IngressReady", ingress)]
    if knative:
        out += [c("LatestDeploymentReady", predictor), c("PredictorConfigurationReady", predictor)]
    out.append(c("PredictorReady", predictor))
    if knative:
        out += [c("PredictorRouteReady", "True")]
    out.append(c("Ready", predictor))
    if knative:
        out.append(c("RoutesReady", "True"))
    return out


def knative_member(*, template_generation: int, member_generation: int, kserve_observed: int,
                   predictor="True", canary_percent=10, reason=None, message=None) -> dict:
    """`digit-reader` on a member in Knative mode after its canary's first rollout was recorded: KServe has rewritten
    the Knative Service's traffic to latest/prev, so the Knative Service's generation (copied into
    status.observedGeneration) ran ahead of the InferenceService's."""
    host = f"digit-reader-predictor.{NS}"
    return {
        "apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
        "metadata": {"name": "digit-reader", "namespace": NS, "generation": member_generation,
                     "annotations": {"serving.kserve.io/deploymentMode": "Knative", **WAIT_FOR,
                                     TEMPLATE_GENERATION: str(template_generation)}},
        "spec": {"predictor": {"minReplicas": 0, "maxReplicas": 4, "canaryTrafficPercent": canary_percent,
                               "model": {"modelFormat": {"name": "pytorch"}, "runtime": "platform-torchserve-gpu",
                                         "storageUri": "s3://ml-artifacts/digit-reader/v8"}}},
        "status": {
            "observedGeneration": kserve_observed,
            "conditions": conditions(predictor, reason=reason, message=message),
            "url": f"http://digit-reader-{NS}.inference.corp.example",
            "address": {"url": f"http://digit-reader.{NS}.svc.cluster.local"},
            "components": {"predictor": {
                "latestCreatedRevision": "digit-reader-predictor-00003",
                "latestReadyRevision": "digit-reader-predictor-00003",
                "latestRolledoutRevision": "digit-reader-predictor-00002",
                "previousRolledoutRevision": "digit-reader-predictor-00001",
                "url": f"http://{host}.inference.corp.example",
                "address": {"url": f"http://{host}.svc.cluster.local"},
                "traffic": [
                    {"latestRevision": True, "percent": canary_percent,
                     "revisionName": "digit-reader-predictor-00003"},
                    {"tag": "prev", "latestRevision": False, "percent": 100 - canary_percent,
                     "revisionName": "digit-reader-predictor-00002",
                     "url": f"http://prev-{host}.inference.corp.example"},
                ],
            }},
            "modelStatus": {"transitionStatus": "UpToDate",
                            "states": {"activeModelState": "Loaded", "targetModelState": "Loaded"},
                            "copies": {"failedCopies": 0, "totalCopies": 1}},
            "deploymentMode": "Knative",
            "clusterServingRuntimeName": "platform-torchserve-gpu",
        },
    }


def standard_member(*, template_generation: int, member_generation: int, kserve_observed: int,
                    predictor="True") -> dict:
    """`fraud-scorer` on a member in Standard mode: status.observedGeneration is the Deployment's, which the HPA
    bumps with every scale (and which stays put when an InferenceService change does not touch the Deployment)."""
    return {
        "apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
        "metadata": {"name": "fraud-scorer", "namespace": NS, "generation": member_generation,
                     "annotations": {"serving.kserve.io/deploymentMode": "Standard",
                                     "serving.kserve.io/autoscalerClass": "hpa", **WAIT_FOR,
                                     TEMPLATE_GENERATION: str(template_generation)}},
        "spec": {"predictor": {"minReplicas": 2, "maxReplicas": 6, "scaleMetric": "cpu", "scaleTarget": 70,
                               "model": {"modelFormat": {"name": "pytorch"}, "runtime": "platform-torchserve",
                                         "storageUri": "s3://ml-artifacts/fraud-scorer/v3"}}},
        "status": {
            "observedGeneration": kserve_observed,
            "conditions": conditions(predictor, knative=False),
            "url": f"http://fraud-scorer-{NS}.inference.corp.example",
            "address": {"url": f"http://fraud-scorer-predictor.{NS}.svc.cluster.local"},
            "components": {"predictor": {"url": f"http://fraud-scorer-predictor-{NS}.inference.corp.example"}},
            "modelStatus": {"transitionStatus": "UpToDate",
                            "states": {"activeModelState": "Loaded", "targetModelState": "Loaded"},
                            "copies": {"failedCopies": 0, "totalCopies": 4}},
            "deploymentMode": "Standard",
            "clusterServingRuntimeName": "platform-torchserve",
        },
    }


def template(member_obj: dict, generation: int, observed_before=None) -> dict:
    """The template on the Karmada API server: the same object at `generation`, with the status the last
    aggregation left (its observedGeneration only)."""
    obj = copy.deepcopy(member_obj)
    obj["metadata"]["generation"] = generation
    del obj["metadata"]["annotations"][TEMPLATE_GENERATION]
    obj["status"] = {} if observed_before is None else {"observedGeneration": observed_before}
    return obj


def aggregate(tmpl: dict, items: list[dict]) -> dict:
    return call("statusAggregation", tmpl, items)


def test_the_member_objects_are_kserve_v0_20_shapes():
    for obj in (knative_member(template_generation=3, member_generation=3, kserve_observed=5),
                standard_member(template_generation=2, member_generation=2, kserve_observed=9)):
        validate_custom_resource(obj)  # status included: the CRD's status schema is strict too


# -- Knative mode: traffic rewrite after a canary's first rollout -------------------------------------------------


def test_knative_member_ahead_after_a_traffic_rewrite_is_healthy_and_the_update_completes():
    # Template generation 3 (canary at 10 %); the member object was updated to it (member generation 3); KServe
    # then recorded the rollout and rewrote the Knative Service's traffic: its generation is now 5.
    member = knative_member(template_generation=3, member_generation=3, kserve_observed=5)
    items = [status_item("private", member)]
    assert items[0]["health"] == "Healthy"
    assert failover_candidates(items) == []  # a serving member is not evicted
    result = aggregate(template(member, 3, observed_before=2), items)
    assert result["status"]["observedGeneration"] == 3
    assert pulumi_wait_for(result, "condition=PredictorReady") is True


def test_knative_member_behind_its_own_generation_is_still_healthy():
    # The InferenceService changed in a way that did not reach the Knative Service (member generation 6, Knative
    # Service generation 4): KServe's observedGeneration stays behind for good.
    member = knative_member(template_generation=6, member_generation=6, kserve_observed=4)
    assert karmada_health(member) == "Healthy"
    result = aggregate(template(member, 6, observed_before=5), [status_item("private", member)])
    assert result["status"]["observedGeneration"] == 6
    assert pulumi_wait_for(result, "condition=PredictorReady") is True


def test_a_revision_still_rolling_out_is_unhealthy_and_pulumi_keeps_waiting():
    member = knative_member(template_generation=3, member_generation=3, kserve_observed=5, predictor="Unknown",
                            reason="RevisionMissing", message="Configuration is waiting for a Revision")
    items = [status_item("private", member)]
    assert items[0]["health"] == "Unhealthy"  # failover acts only after tolerationSeconds of this
    result = aggregate(template(member, 3, observed_before=2), items)
    assert result["status"]["observedGeneration"] == 3
    assert pulumi_wait_for(result, "condition=PredictorReady") is False


# -- Standard mode: the HPA scales the Deployment -----------------------------------------------------------------


@pytest.mark.parametrize("deployment_generation", [9, 1])  # 8 HPA scales since; or a change that skipped it
def test_standard_member_with_the_deployments_generation_is_healthy_and_the_update_completes(deployment_generation):
    member = standard_member(template_generation=2, member_generation=2, kserve_observed=deployment_generation)
    items = [status_item("aws-use1", member)]
    assert items[0]["health"] == "Healthy"
    assert failover_candidates(items) == []
    result = aggregate(template(member, 2, observed_before=1), items)
    assert result["status"]["observedGeneration"] == 2
    assert pulumi_wait_for(result, "condition=PredictorReady") is True


def test_a_model_that_fails_to_load_is_unhealthy_and_a_failover_candidate():
    member = knative_member(template_generation=3, member_generation=3, kserve_observed=5, predictor="False",
                            reason="RevisionFailed", message="Container failed with: CUDA out of memory")
    ok = standard_member(template_generation=3, member_generation=3, kserve_observed=9)
    items = [status_item("aws-use1", member), status_item("private", ok)]
    assert failover_candidates(items) == ["aws-use1"]
    result = aggregate(template(ok, 3, observed_before=2), items)
    predictor = next(c for c in result["status"]["conditions"] if c["type"] == "PredictorReady")
    assert predictor["status"] == "False"
    assert pulumi_wait_for(result, "condition=PredictorReady") is False


# -- promote / roll back: the template's generation moves ---------------------------------------------------------


def test_promotion_completes_only_once_every_member_runs_the_new_template():
    # `pulumi up` raised the template to generation 4 (canary promoted). The private member still carries the
    # copy of generation 3 and its conditions from before: Pulumi must not stop waiting yet.
    stale = knative_member(template_generation=3, member_generation=3, kserve_observed=5)
    fresh_public = knative_member(template_generation=4, member_generation=2, kserve_observed=7, canary_percent=100)
    tmpl = template(stale, 4, observed_before=3)
    result = aggregate(tmpl, [status_item("private", stale), status_item("aws-use1", fresh_public)])
    assert result["status"]["observedGeneration"] == 3
    assert pulumi_wait_for(result, "condition=PredictorReady") is False
    # Karmada applied generation 4 to the private member too; KServe rewrote its Knative Service again (gen 7).
    caught_up = knative_member(template_generation=4, member_generation=4, kserve_observed=7, canary_percent=100)
    result = aggregate(result, [status_item("private", caught_up), status_item("aws-use1", fresh_public)])
    assert result["status"]["observedGeneration"] == 4
    assert pulumi_wait_for(result, "condition=PredictorReady") is True


def test_a_member_karmada_could_not_apply_to_holds_the_update():
    member = knative_member(template_generation=4, member_generation=4, kserve_observed=7)
    items = [status_item("private", member), status_item("aws-use1", member, applied=False)]
    result = aggregate(template(member, 4, observed_before=3), items)
    assert result["status"]["observedGeneration"] == 3
    assert pulumi_wait_for(result, "condition=PredictorReady") is False


def test_aggregated_conditions_never_carry_a_members_generation():
    """checkCondition prefers a condition's own observedGeneration: a member's must not leak into the template."""
    member = knative_member(template_generation=4, member_generation=4, kserve_observed=7)
    for condition in member["status"]["conditions"]:
        condition["observedGeneration"] = 1
    result = aggregate(template(member, 4, observed_before=3), [status_item("private", member)])
    assert all("observedGeneration" not in c for c in result["status"]["conditions"])
    assert pulumi_wait_for(result, "condition=PredictorReady") is True


# -- the pulumi-kubernetes rule itself, so the helper above is what the provider does ------------------------------


@pytest.mark.parametrize(
    ("status", "generation", "expr", "satisfied"),
    [
        ({"observedGeneration": 3, "conditions": [{"type": "PredictorReady", "status": "True"}]}, 3,
         "condition=PredictorReady", True),
        ({"observedGeneration": 2, "conditions": [{"type": "PredictorReady", "status": "True"}]}, 3,
         "condition=PredictorReady", False),
        ({"conditions": [{"type": "PredictorReady", "status": "True"}]}, 3, "condition=PredictorReady", True),
        ({"observedGeneration": 3, "conditions": [{"type": "predictorready", "status": "true"}]}, 3,
         "condition=PredictorReady", True),  # EqualFold on both
        ({"observedGeneration": 3, "conditions": [{"type": "PredictorReady", "status": "True",
                                                   "observedGeneration": 2}]}, 3, "condition=PredictorReady", False),
        ({"observedGeneration": 3, "conditions": [{"type": "Ready", "status": "True"}]}, 3,
         "condition=PredictorReady", False),
        ({"observedGeneration": 3, "conditions": [{"type": "PredictorReady", "status": "False"}]}, 3,
         "condition=PredictorReady=False", True),
        ({}, 3, "condition=PredictorReady", False),
    ],
)
def test_pulumi_wait_for_rule(status, generation, expr, satisfied):
    obj = {"metadata": {"generation": generation}, "status": status}
    assert pulumi_wait_for(obj, expr) is satisfied
