"""Moves that must not drop a request, rendered before and after each one-line step, as `stacks diff` judges them:
every documented step safe (exit 0), every shortcut flagged (exit 3). README "Moving a model without a gap"."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from models.errors import ConfigError
from models.registry import load_catalog
from stacks.__main__ import ROOT, documents, main, render_stack, write_output
from stacks.private_config import read_private_config as read_config
from stacks.private_plan import plan_private
from tests.test_private_config import public_stack
from tests.messages import exactly

PRIVATE_TEXT = (ROOT / "Pulumi.private.yaml").read_text()
FX_PHASE_1 = "fx-pricer: {phase: torchserve}"
DIGIT = "digit-reader: {phase: kserve, canaryPercent: 10}"
BATCH = "doc-classifier-batch: {runtime: triton}"
# The private cluster gets an A10G pool, so the batch model can run there at phase 2 (before its move to public).
A10G_POOL = ("  platform:gpuPools:\n    - {gpuType: t4, gpuCount: 1, capacity: on-demand}\n",
             "  platform:gpuPools:\n    - {gpuType: t4, gpuCount: 1, capacity: on-demand}\n"
             "    - {gpuType: a10g, gpuCount: 1, capacity: on-demand}\n")
CATALOG = load_catalog()


def config_text(*replacements: tuple[str, str]) -> str:
    text = PRIVATE_TEXT
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


def without_digit_canary():
    catalog = dict(CATALOG)
    catalog["digit-reader"] = dataclasses.replace(catalog["digit-reader"], rollout=None)
    return catalog


class Renders:
    """Renders of the private stack by stack-file text (and catalog variant), each made once per module."""

    def __init__(self, root: Path):
        self.root, self.done = root, {}

    def __call__(self, text: str, rolled_back: bool = False) -> Path:
        """`rolled_back`: with digit-reader's declaration stripped of its Canary (the tidy-up's catalog)."""
        key = (text, rolled_back)
        if key not in self.done:
            out = self.root / f"r{len(self.done)}"
            out.mkdir()
            config = out / "Pulumi.private.yaml"
            config.write_text(text)
            with pytest.MonkeyPatch.context() as patch:
                if rolled_back:
                    patch.setattr("stacks.private.load_catalog", without_digit_canary)
                write_output(out / "private", documents(render_stack("private", config)))
            self.done[key] = out / "private"
        return self.done[key]


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    return Renders(tmp_path_factory.mktemp("handover"))


def diff(capsys, before: Path, after: Path) -> tuple[int, dict]:
    code = main(["diff", "--from", str(before), "--to", str(after), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["exitCode"] == code
    for f in report["findings"]:  # the verdict's words, as reviewed (tests/golden/messages.json)
        exactly(f"{f['category']} {f['stack']}/{f['cluster']} {f['label']}: {f['message']}")
    return code, report


def actions(report: dict) -> dict[str, str]:
    return {c["key"]: c["action"] for c in report["changes"]}


def flagged(report: dict) -> list[tuple[str, str]]:
    return [(f["label"], f["message"]) for f in report["findings"]]


# -- Phase 1 → 2, Knative ---------------------------------------------------------------------------------------

KNATIVE_STEPS = {"phase 1": FX_PHASE_1, "prepare": "fx-pricer: {phase: kserve, handOver: prepare}",
                 "bridge": "fx-pricer: {phase: kserve, handOver: bridge}",
                 "cutOver": "fx-pricer: {phase: kserve, handOver: cutOver}", "phase 2": "fx-pricer: {phase: kserve}"}


def knative(renders, step: str) -> Path:
    return renders(config_text((FX_PHASE_1, KNATIVE_STEPS[step])))


def test_knative_prepare_builds_the_gateway_route_and_touches_nothing_that_serves(renders, capsys):
    code, report = diff(capsys, knative(renders, "phase 1"), knative(renders, "prepare"))
    assert code == 0 and report["findings"] == []
    assert actions(report) == {
        "kubernetes:core/v1:Service::fx-pricer-hand-over-backend": "add",
        "kubernetes:networking.istio.io/v1:VirtualService::fx-pricer-hand-over-virtual-service": "add",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy::fx-pricer-netpol": "update"}


def test_knative_bridge_holds_the_name_as_kserve_would_and_routes_it_to_the_phase_1_pods(renders, capsys):
    code, report = diff(capsys, knative(renders, "prepare"), knative(renders, "bridge"))
    assert code == 0 and report["findings"] == []
    changes = {c["key"]: c for c in report["changes"]}
    assert actions(report) == {
        "kubernetes:core/v1:Service::fx-pricer-service": "update",
        "kubernetes:core/v1:ConfigMap::fx-pricer-serving-config": "add",
        "kubernetes:policy.karmada.io/v1alpha1:PropagationPolicy::fx-pricer-placement-propagation": "add",
        "kubernetes:serving.kserve.io/v1beta1:InferenceService::fx-pricer-isvc": "add",
    }  # the Deployment is untouched: its pods keep serving
    service = {f["path"]: f["after"] for f in changes["kubernetes:core/v1:Service::fx-pricer-service"]["fields"]}
    assert service["spec.type"] == "ExternalName"
    assert service["spec.externalName"] == "knative-local-gateway.istio-system.svc.cluster.local"
    assert service["spec.sessionAffinity"] == "None"
    assert service["metadata.labels.inference-platform.io/hand-over"] == "bridge"

    resources = json.loads((knative(renders, "bridge") / "resources.json").read_text())["resources"]
    by_key = {f"{r['type']}::{r['name']}": r for r in resources}
    hostname = by_key["kubernetes:core/v1:Service::fx-pricer-service"]
    assert hostname["inputs"]["spec"] == {"type": "ExternalName", "sessionAffinity": "None",
                                          "externalName": "knative-local-gateway.istio-system.svc.cluster.local"}
    assert hostname["options"]["retain_on_delete"] is True
    # It points at the gateway only after the bridge and the gateway's admission exist; the InferenceService
    # comes after it.
    assert "platform:kserve:HandOverBridge::fx-pricer-hand-over" in hostname["depends_on"]
    assert "kubernetes:networking.k8s.io/v1:NetworkPolicy::fx-pricer-netpol" in hostname["depends_on"]
    assert "platform:torchserve:TorchServeModel::fx-pricer" in \
        by_key["platform:kserve:InferenceServiceModel::fx-pricer"]["depends_on"]
    bridge = by_key["kubernetes:networking.istio.io/v1:VirtualService::fx-pricer-hand-over-virtual-service"]
    assert bridge["cluster"] == "private"
    assert bridge["inputs"]["spec"] == {
        "hosts": ["fx-pricer.inference.svc.cluster.local"],
        "gateways": ["knative-serving/knative-local-gateway", "mesh"],
        "http": [{"name": "phase-1-pods",
                  "match": [{"authority": {"regex": r"^fx-pricer\.inference\.svc\.cluster\.local(?::\d{1,5})?$"},
                             "gateways": ["knative-serving/knative-local-gateway", "mesh"]}],
                  "route": [{"destination": {"host": "fx-pricer-torchserve.inference.svc.cluster.local",
                                             "port": {"number": 80}}}]}]}
    backend = by_key["kubernetes:core/v1:Service::fx-pricer-hand-over-backend"]["inputs"]["spec"]
    assert backend["selector"] == {"app.kubernetes.io/name": "fx-pricer", "app.kubernetes.io/component": "predictor"}
    assert [p["port"] for p in backend["ports"]] == [80, 8082]
    ingress = by_key["kubernetes:networking.k8s.io/v1:NetworkPolicy::fx-pricer-netpol"]["inputs"]["spec"]["ingress"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}},
            "podSelector": {"matchLabels": {"istio": "ingressgateway"}}} in ingress[0]["from"]


def test_knative_cut_over_drops_only_the_bridge_then_phase_1_goes_and_the_name_is_released(renders, capsys):
    code, report = diff(capsys, knative(renders, "bridge"), knative(renders, "cutOver"))
    assert code == 0 and report["findings"] == []
    assert actions(report) == {
        "kubernetes:networking.istio.io/v1:VirtualService::fx-pricer-hand-over-virtual-service": "delete",
        "kubernetes:core/v1:Service::fx-pricer-service": "update"}  # the step label only
    code, report = diff(capsys, knative(renders, "cutOver"), knative(renders, "phase 2"))
    assert code == 0 and report["findings"] == []
    assert actions(report) == {
        "kubernetes:core/v1:Service::fx-pricer-hand-over-backend": "delete",
        "kubernetes:core/v1:ConfigMap::fx-pricer-config": "delete",
        "kubernetes:apps/v1:Deployment::fx-pricer-deployment": "delete",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler::fx-pricer-hpa": "delete",
        "kubernetes:policy/v1:PodDisruptionBudget::fx-pricer-pdb": "delete",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy::fx-pricer-netpol": "delete",
        "kubernetes:core/v1:Service::fx-pricer-service": "release"}


def test_knative_bridge_without_prepare_is_flagged(renders, capsys):
    code, report = diff(capsys, knative(renders, "phase 1"), knative(renders, "bridge"))
    assert code == 3
    [(label, message)] = flagged(report)
    assert label == "Service inference/fx-pricer (fx-pricer-service)"
    assert "in the update that creates the bridge route there" in message and "handOver: prepare first" in message


def test_knative_direct_phase_1_to_2_is_flagged(renders, capsys):
    code, report = diff(capsys, knative(renders, "phase 1"), knative(renders, "phase 2"))
    assert code == 3
    labels = [label for label, _ in flagged(report)]
    assert labels == ["Deployment inference/fx-pricer (fx-pricer-deployment)",
                      "Service inference/fx-pricer (fx-pricer-service)"]
    assert all("Phase 1 → 2 in one update" in message and "handOver: bridge, then cutOver" in message
               for _, message in flagged(report))


def test_knative_bridge_straight_to_phase_2_is_flagged(renders, capsys):
    code, report = diff(capsys, knative(renders, "bridge"), knative(renders, "phase 2"))
    assert code == 3
    assert {label for label, _ in flagged(report)} == {
        "Deployment inference/fx-pricer (fx-pricer-deployment)",
        "Service inference/fx-pricer-torchserve (fx-pricer-hand-over-backend)"}
    assert all("set handOver: cutOver first" in message for _, message in flagged(report))


# -- Phase 1 → 2, Standard --------------------------------------------------------------------------------------

STANDARD_STEPS = {"phase 1": "fx-pricer: {phase: torchserve, deploymentMode: Standard}",
                  "bridge": "fx-pricer: {phase: kserve, deploymentMode: Standard, handOver: bridge}",
                  "phase 2": "fx-pricer: {phase: kserve, deploymentMode: Standard}"}


def standard(renders, step: str) -> Path:
    return renders(config_text((FX_PHASE_1, STANDARD_STEPS[step])))


def test_standard_bridge_shares_service_between_phase_1_pods_and_the_predictor(renders, capsys):
    code, report = diff(capsys, standard(renders, "phase 1"), standard(renders, "bridge"))
    assert code == 0 and report["findings"] == []
    assert actions(report) == {
        "kubernetes:apps/v1:Deployment::fx-pricer-deployment": "update",
        "kubernetes:core/v1:Service::fx-pricer-service": "update",
        "kubernetes:core/v1:ConfigMap::fx-pricer-serving-config": "add",
        "kubernetes:policy.karmada.io/v1alpha1:PropagationPolicy::fx-pricer-placement-propagation": "add",
        "kubernetes:serving.kserve.io/v1beta1:InferenceService::fx-pricer-isvc": "add"}
    resources = json.loads((standard(renders, "bridge") / "resources.json").read_text())["resources"]
    by_key = {f"{r['type']}::{r['name']}": r for r in resources}
    template = by_key["kubernetes:apps/v1:Deployment::fx-pricer-deployment"]["inputs"]["spec"]["template"]
    labels = template["metadata"]["labels"]
    assert (labels["serving.kserve.io/inferenceservice"], labels["component"]) == ("fx-pricer", "predictor")
    hostname = by_key["kubernetes:core/v1:Service::fx-pricer-service"]
    assert hostname["cluster"] == "private" and hostname["options"]["retain_on_delete"] is True
    assert hostname["inputs"]["spec"] == {"type": "ClusterIP", "selector": {"serving.kserve.io/inferenceservice": "fx-pricer",
                                                                        "component": "predictor"},
                                          "ports": [{"name": "http", "port": 80, "targetPort": 8080,
                                                     "protocol": "TCP"}]}
    assert "kubernetes:apps/v1:Deployment::fx-pricer-deployment" in hostname["depends_on"]
    policy = by_key["kubernetes:policy.karmada.io/v1alpha1:PropagationPolicy::fx-pricer-placement-propagation"]
    assert policy["inputs"]["spec"]["conflictResolution"] == "Overwrite"


def test_standard_phase_1_goes_and_karmada_takes_the_service_over(renders, capsys):
    code, report = diff(capsys, standard(renders, "bridge"), standard(renders, "phase 2"))
    assert code == 0 and report["findings"] == []
    assert actions(report)["kubernetes:apps/v1:Deployment::fx-pricer-deployment"] == "delete"
    after = json.loads((standard(renders, "phase 2") / "resources.json").read_text())["resources"]
    service = next(r for r in after if r["type"] == "kubernetes:core/v1:Service" and r["name"] == "fx-pricer-service")
    assert service["cluster"] == "karmada-provider"
    assert service["inputs"]["metadata"]["annotations"] == {"pulumi.com/skipAwait": "true"}
    # the template Karmada adopts the retained Service with: the very spec the bridge gave it
    assert service["inputs"]["spec"] == {"type": "ClusterIP", "selector": {"serving.kserve.io/inferenceservice": "fx-pricer",
                                                                        "component": "predictor"},
                                         "ports": [{"name": "http", "port": 80, "targetPort": 8080,
                                                    "protocol": "TCP"}]}


def test_standard_direct_phase_1_to_2_is_flagged(renders, capsys):
    code, report = diff(capsys, standard(renders, "phase 1"), standard(renders, "phase 2"))
    assert code == 3
    assert "Deployment inference/fx-pricer (fx-pricer-deployment)" in [label for label, _ in flagged(report)]


# -- Knative canary: promote and roll back ----------------------------------------------------------------------


def predictor(render: Path, name: str = "digit-reader") -> dict:
    resources = json.loads((render / "resources.json").read_text())["resources"]
    isvc = next(r for r in resources if r["type"] == "kubernetes:serving.kserve.io/v1beta1:InferenceService"
                and r["inputs"]["metadata"]["name"] == name)
    return isvc["inputs"]["spec"]["predictor"]


def test_knative_promote_keeps_the_candidate_spec_so_no_new_revision(renders, capsys):
    canary = renders(PRIVATE_TEXT)
    promoted = renders(config_text((DIGIT, "digit-reader: {phase: kserve, canaryPercent: 100}")))
    code, report = diff(capsys, canary, promoted)
    assert code == 0 and report["findings"] == []
    assert predictor(canary)["canaryTrafficPercent"] == 10
    assert "canaryTrafficPercent" not in predictor(promoted)
    assert predictor(promoted)["model"]["storageUri"] == "s3://ml-artifacts/digit-reader/v8"
    assert predictor(canary)["model"]["storageUri"] == "s3://ml-artifacts/digit-reader/v8"


def test_knative_rollback_pins_previous_revision_then_tidies_up_in_two_more_steps(renders, capsys):
    canary = renders(PRIVATE_TEXT)
    step_1 = renders(config_text((DIGIT, "digit-reader: {phase: kserve, canaryPercent: 0}")))
    # the candidate's spec stays (no new revision), all traffic to the previous revision
    assert predictor(step_1)["canaryTrafficPercent"] == 0
    assert predictor(step_1)["model"]["storageUri"] == "s3://ml-artifacts/digit-reader/v8"
    code, report = diff(capsys, canary, step_1)
    assert code == 0 and report["findings"] == []
    # step 2: the declaration drops the Canary; the stack file still says 0: the stable spec rolls out pinned
    step_2 = renders(config_text((DIGIT, "digit-reader: {phase: kserve, canaryPercent: 0}")), rolled_back=True)
    assert predictor(step_2)["canaryTrafficPercent"] == 0
    assert predictor(step_2)["model"]["storageUri"] == "s3://ml-artifacts/digit-reader/v7"
    code, report = diff(capsys, step_1, step_2)
    assert code == 0 and report["findings"] == []
    # step 3: the stack file drops canaryPercent: same spec, no canary: the new (Ready) revision takes 100 %
    step_3 = renders(config_text((DIGIT, "digit-reader: {phase: kserve}")), rolled_back=True)
    assert "canaryTrafficPercent" not in predictor(step_3)
    code, report = diff(capsys, step_2, step_3)
    assert code == 0 and report["findings"] == []


def test_knative_rollback_in_one_step_is_flagged(renders, capsys):
    canary = renders(PRIVATE_TEXT)
    direct = renders(config_text((DIGIT, "digit-reader: {phase: kserve}")), rolled_back=True)
    code, report = diff(capsys, canary, direct)
    assert code == 3
    [(label, message)] = flagged(report)
    assert label == "InferenceService inference/digit-reader (digit-reader-isvc)"
    assert "canary at 10 % dropped together with a spec change" in message


def test_knative_model_created_with_a_canary_is_flagged(renders, capsys):
    without = renders(config_text(("    " + DIGIT + "   # scale-to-zero on GPU, canary at 10 % (private while it "
                                   "runs)\n", "")))
    code, report = diff(capsys, without, renders(PRIVATE_TEXT))
    assert code == 3
    assert [label for label, _ in flagged(report)] == ["InferenceService inference/digit-reader (digit-reader-isvc)"]
    assert "created with a canary" in flagged(report)[0][1]


# -- Standard canary: promote and roll back ---------------------------------------------------------------------

STANDARD_DIGIT = "digit-reader: {phase: kserve, deploymentMode: Standard, minReplicas: 1, canaryPercent: %d}"


@pytest.mark.parametrize("percent", [100, 0])
def test_standard_promote_and_rollback_are_single_safe_steps(renders, capsys, percent):
    canary = renders(config_text((DIGIT, STANDARD_DIGIT % 10)))
    after = renders(config_text((DIGIT, STANDARD_DIGIT % percent)))
    code, report = diff(capsys, canary, after)
    assert code == 0 and report["findings"] == []
    spec = json.loads((after / "resources.json").read_text())["resources"]
    isvc = next(r for r in spec if r["name"] == "digit-reader-isvc")["inputs"]["spec"]
    assert "canary" not in isvc
    assert isvc["predictor"]["model"]["storageUri"] == ("s3://ml-artifacts/digit-reader/v8" if percent == 100
                                                        else "s3://ml-artifacts/digit-reader/v7")


# -- Phase 2 → 3, batch -----------------------------------------------------------------------------------------

BATCH_STEPS = {"phase 2": "doc-classifier-batch: {runtime: triton, phase: kserve}",
               "keepPrivate": "doc-classifier-batch: {runtime: triton, handOver: keepPrivate}",
               "phase 3": BATCH}


def batch(renders, step: str) -> Path:
    return renders(config_text(A10G_POOL, (BATCH, BATCH_STEPS[step])))


def clusters(render: Path) -> list[str]:
    return json.loads((render / "resources.json").read_text())["outputs"]["modelClusters"]["doc-classifier-batch"]


def test_batch_keeps_its_private_copy_until_the_public_ones_serve(renders, capsys):
    assert clusters(batch(renders, "phase 2")) == ["private"]
    assert clusters(batch(renders, "keepPrivate")) == ["private", "aws-use1"]
    assert clusters(batch(renders, "phase 3")) == ["aws-use1"]
    code, report = diff(capsys, batch(renders, "phase 2"), batch(renders, "keepPrivate"))
    assert code == 0 and report["findings"] == []
    # Dropping the private copy is flagged: its private hostname stops answering (public copies are reachable only
    # inside their clusters): the clients move to the member's batch endpoint first.
    code, report = diff(capsys, batch(renders, "keepPrivate"), batch(renders, "phase 3"))
    [(label, message)] = flagged(report)
    assert code == 3 and message.startswith("leaves the private cluster private: its hostname there stops answering")


def test_batch_moved_to_public_members_directly_is_flagged(renders, capsys):
    code, report = diff(capsys, batch(renders, "phase 2"), batch(renders, "phase 3"))
    assert code == 3
    [(label, message)] = flagged(report)
    assert label == "model doc-classifier-batch"
    assert message.startswith("placed on aws-use1 instead of private: Karmada removes the copy on private")


# -- Refused combinations: one line, before anything is registered ----------------------------------------------


def values(models: dict, phase: str = "hybrid", pools=({"gpuType": "t4", "gpuCount": 1},)) -> dict:
    return {"phase": phase, "namespace": "inference", "gpuPools": list(pools), "members": ["public"],
            "models": models}


def read_private_config(values: dict, catalog) -> object:
    """The stack's whole check, as `pulumi up` runs it: config, then the plan; the member is the test member (A10G and T4 Spot, T4 on-demand)."""
    cfg = read_config(values, catalog, stack_files=lambda name: {"public": public_stack()}[name])
    plan_private(cfg)
    return cfg


@pytest.mark.parametrize("model,settings,expected", [
    ("fx-pricer", {"phase": "hybrid", "handOver": "bridge"}, "only with phase 'kserve' (got 'hybrid')"),
    ("fx-pricer", {"phase": "torchserve", "handOver": "cutOver"}, "only with phase 'kserve' (got 'torchserve')"),
    ("search-ranker", {"phase": "kserve", "handOver": "bridge"}, "a declaration without a rollout during the "
                                                                  "hand-over (it has a Mirror)"),
    ("fx-pricer", {"phase": "kserve", "handOver": "bridge", "deploymentMode": "Standard", "runtime": "triton"},
     "runtime 'torchserve' for a Standard-mode hand-over"),
    ("fx-pricer", {"phase": "hybrid", "handOver": "keepPrivate"}, "only for a batch-class model at phase 'hybrid'"),
    ("fx-pricer", {"phase": "kserve", "handOver": "prepare", "deploymentMode": "Standard"},
     "deploymentMode 'Knative' ('prepare' builds the gateway route"),
    ("doc-classifier-batch", {"phase": "kserve", "handOver": "keepPrivate"}, "only for a batch-class model"),
    ("doc-classifier-batch", {"handOver": "keepPrivate"}, "a private GPU pool holding 1x a10g"),
    ("fx-pricer", {"phase": "kserve", "handOver": "later"}, "one of"),
    ("fx-pricer", {"phase": "kserve", "canaryPercent": 5}, "only for a model whose declaration has a Canary"),
    ("fx-pricer", {"phase": "kserve", "canaryPercent": 0, "deploymentMode": "Standard"},
     "(or 0 in Knative mode"),
])
def test_refused_hand_over_settings_name_model_key_and_value(model, settings, expected):
    with pytest.raises(ConfigError) as info:
        read_private_config(values({model: settings}), CATALOG)
    err = info.value
    assert err.where == f"platform:models.{model}"
    assert err.field == ("canaryPercent" if "canaryPercent" in settings else "handOver")
    assert expected in str(err) and "\n" not in str(err)


def test_a_knative_canary_at_0_percent_on_a_model_public_members_may_take_is_refused():
    with pytest.raises(ConfigError) as info:
        read_private_config(values({"digit-reader": {"canaryPercent": 0}}), CATALOG)
    assert (info.value.where, info.value.field) == ("platform:models.digit-reader", "phase")


def test_hand_over_rules_accept_the_documented_steps():
    cfg = read_private_config(values({"fx-pricer": {"phase": "kserve", "handOver": "bridge"},
                                      "fraud-scorer": {"phase": "kserve", "handOver": "cutOver",
                                                       "deploymentMode": "Standard"},
                                      "doc-classifier-batch": {"handOver": "keepPrivate", "runtime": "triton"}},
                                     pools=({"gpuType": "t4", "gpuCount": 1}, {"gpuType": "a10g", "gpuCount": 1})),
                              CATALOG)
    by_name = {d.name: d for d in cfg.models}
    assert by_name["fx-pricer"].hand_over.value == "bridge"
    # the Phase 1 pods exactly as phase 1 rendered them: at least one replica, no rollout
    assert by_name["fx-pricer"].phase_one.scaling.min_replicas == 2
    assert by_name["fraud-scorer"].phase_one.scaling.min_replicas == 2
    assert by_name["doc-classifier-batch"].hand_over.value == "keepPrivate"
    assert by_name["doc-classifier-batch"].phase_one is None


# -- Bring-up ---------------------------------------------------------------------------------------------------


def test_kserve_crd_releases_are_never_uninstalled_by_pulumi(private_render):
    """kserve-crd v0.20.0 ships its CRDs as templates without Helm's keep policy: uninstalling would delete every
    InferenceService (on the cluster, and on Karmada every template and so every member's copy)."""
    releases = {r.name: r for r in private_render.resources if r.type == "kubernetes:helm.sh/v3:Release"}
    for name in ("kserve-crds-kserve-crd", "karmada-kserve-kserve-crd"):
        assert releases[name].options.get("retain_on_delete") is True, name
    assert releases["kserve-kserve"].options.get("retain_on_delete") is None


def test_bring_up_step_1_without_models_makes_the_namespace_and_reader_only(renders):
    """README step 1: the first `pulumi up` has no models, so no Deployment waits for a Secret that does not exist
    yet; the key holder then creates the Secret in the namespace it made."""
    text = config_text(("platform:phase: hybrid", "platform:phase: torchserve"))
    start, end = text.index("  platform:members:"), text.index("  platform:models:")
    text = text[:start] + text[end:]
    text = text[:text.index("  platform:models:")] + "  platform:models: {}\n"
    resources = json.loads((renders(text) / "resources.json").read_text())["resources"]
    kinds = sorted({(r["inputs"].get("kind"), r["inputs"]["metadata"]["name"]) for r in resources
                    if r["type"].startswith("kubernetes:") and "kind" in (r.get("inputs") or {})})
    assert kinds == [("Namespace", "inference"), ("NetworkPolicy", "models-default-deny"),
                     ("NetworkPolicy", "models-egress"), ("ServiceAccount", "model-reader")]
    reader = next(r for r in resources if r["inputs"].get("kind") == "ServiceAccount")
    assert reader["inputs"]["secrets"] == [{"name": "model-storage-s3"}]
