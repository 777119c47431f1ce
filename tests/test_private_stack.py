"""The real Pulumi.private.yaml, rendered: every feature is exercised, and the Phase 1 → 2 move is one line."""
from __future__ import annotations

import copy

import pytest

from stacks.__main__ import load_stack_file
from stacks.program import main
from stacks.render import HELM_RELEASE, run_program

ISVC = "kubernetes:serving.kserve.io/v1beta1:InferenceService"


def isvcs(render):
    return {o["metadata"]["name"]: o for o in render.objects() if o["kind"] == "InferenceService"}


def test_the_stack_file_exercises_every_feature(private_render):
    r = private_render
    phases = r.outputs["modelPhases"]
    assert set(phases.values()) == {"torchserve", "kserve", "hybrid"}
    services = isvcs(r)
    # scale-to-zero
    assert any(o["spec"]["predictor"]["minReplicas"] == 0 for o in services.values())
    # a canary (Knative mode)
    assert services["digit-reader"]["spec"]["predictor"]["canaryTrafficPercent"] == 10
    # an A/B pair behind a graph
    assert {"churn-predictor-a", "churn-predictor-b"} <= set(services)
    assert r.find("InferenceGraph", "churn-predictor")
    # a mirrored model
    assert r.find("VirtualService", "search-ranker-mirror", cluster="private")
    # one still on Phase 1
    assert r.find("Deployment", "fx-pricer", cluster="private")
    # Triton with GPU on public Spot, batch class
    batch = services["doc-classifier-batch"]["spec"]["predictor"]
    assert batch["model"]["runtime"] == "platform-triton"
    assert r.outputs["modelClusters"]["doc-classifier-batch"] == ["aws-use1"]
    # every workload class is declared
    classes = {o["metadata"]["labels"]["inference-platform.io/workload-class"] for o in services.values()}
    assert classes == {"critical", "elastic", "batch"}


def test_inference_services_go_through_karmada_not_the_member(private_render):
    for r in private_render.of_type(ISVC):
        assert r.cluster == "karmada-provider"
    assert not [o for o in private_render.objects("private") if o["kind"] == "InferenceService"]


def test_every_model_has_a_policy_and_runtimes_reach_every_member(private_render):
    policies = {o["metadata"]["name"] for o in private_render.objects("karmada-provider")
                if o["kind"] == "PropagationPolicy"}
    kserve_models = {m for m, p in private_render.outputs["modelPhases"].items() if p != "torchserve"}
    # ticket-router's replicas may span clusters: its hostname Service has a policy of its own.
    assert policies == kserve_models | {"ticket-router-service"}
    runtimes = private_render.find("ClusterPropagationPolicy", "kserve-cluster-serving-runtimes")
    assert runtimes["spec"]["placement"]["clusterAffinity"]["clusterNames"] == ["private", "aws-use1"]


def test_platform_releases_are_pinned_and_installed_on_the_private_cluster(private_render):
    releases = private_render.of_type(HELM_RELEASE)
    charts = {r.inputs["chart"].rsplit("/", 1)[-1] for r in releases if r.cluster == "private"}
    assert charts >= {"cert-manager", "istiod", "knative-operator", "kserve-crd", "kserve-resources",
                      "karmada-chart-v1.18.2.tgz"}
    for r in releases:
        assert r.inputs.get("version"), f"{r.name} is not pinned"


def test_custom_resources_wait_for_the_releases_that_install_their_crds(private_render):
    """On the Karmada API server: the KServe CRDs (a component holding the kserve-crd release: depending on a
    component waits for its children) and Karmada itself."""
    crds = private_render.get("kubernetes:helm.sh/v3:Release", "karmada-kserve-kserve-crd")
    assert crds.cluster == "karmada-provider" and crds.parent == "platform:kserve:KServeCrds::karmada-kserve"
    # a `kserve` namespace on Karmada would be propagated to every member; karmada-* never is
    assert crds.inputs["namespace"] == "karmada-system"
    for r in private_render.of_type(ISVC):
        assert "platform:kserve:KServeCrds::karmada-kserve" in r.depends_on, r.name
        assert "kubernetes:helm.sh/v3:Release::karmada-release" in r.depends_on, r.name
        # its propagation policy exists first, and Karmada knows how to read its replicas and health
        assert any(d.startswith("platform:karmada:ModelPlacement::") for d in r.depends_on), r.name
        assert "kubernetes:config.karmada.io/v1alpha1:ResourceInterpreterCustomization::karmada-isvc-interpreter" \
            in r.depends_on, r.name


def test_the_private_member_joins_after_its_kserve_and_models_wait_for_it(private_render):
    """Karmada pushes runtimes and InferenceServices as soon as a member exists: the member joins once KServe and
    Knative run on it, and nothing is created for it on Karmada before it has joined."""
    member = "kubernetes:cluster.karmada.io/v1alpha1:Cluster::private-member-cluster"
    rbac = private_render.get("kubernetes:core/v1:ServiceAccount", "private-member-service-account")
    assert {"kubernetes:helm.sh/v3:Release::kserve-kserve",
            "kubernetes:helm.sh/v3:Release::kserve-crds-kserve-crd"} <= set(rbac.depends_on)
    cluster = private_render.get("kubernetes:cluster.karmada.io/v1alpha1:Cluster", "private-member-cluster")
    assert "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::private-member-cluster-role-binding" \
        in cluster.depends_on
    for r in private_render.of_type(ISVC):
        assert member in r.depends_on, r.name
    runtimes = [r for r in private_render.resources if r.type.endswith(":ClusterServingRuntime")]
    assert runtimes and all(member in r.depends_on for r in runtimes)


def test_public_stack_inputs_are_exported_as_secrets(private_render):
    assert {"karmadaCaCrt", "karmadaAgentCredentials-aws-use1"} <= set(private_render.secret_outputs)
    assert "karmadaApiEndpoint" not in private_render.secret_outputs
    assert [o for o in private_render.outputs if o.startswith("karmadaAgentCredentials")] == [
        "karmadaAgentCredentials-aws-use1"]
    assert "memberContracts" not in private_render.secret_outputs
    assert not {"members", "memberRequirements"} & set(private_render.outputs)  # one contract, nothing beside it
    assert set(private_render.outputs["memberContracts"]) == {"aws-use1"}


# -- the Phase 1 -> Phase 2 move ------------------------------------------------------------------------------


def render_with(model: str, phase: str):
    config = copy.deepcopy(load_stack_file("private"))
    config["platform:models"][model]["phase"] = phase
    # the private stack's first run: the member's stack has exported nothing yet
    return run_program(main, stack="private", config=config,
                       stack_outputs={"organization/inference-platform/public": {"outputs": {}}})


@pytest.fixture(scope="module")
def before_and_after():
    return render_with("fraud-scorer", "torchserve"), render_with("fraud-scorer", "kserve")


def test_moving_a_model_to_phase_2_is_one_config_line(before_and_after):
    before, after = before_and_after
    assert before.find("Deployment", "fraud-scorer", cluster="private")
    with pytest.raises(KeyError):
        isvcs(before)["fraud-scorer"]
    assert "fraud-scorer" in isvcs(after)
    with pytest.raises(KeyError):
        after.find("Deployment", "fraud-scorer", cluster="private")


def test_clients_keep_one_hostname_across_the_move(before_and_after):
    before, after = before_and_after
    host = "fraud-scorer.inference.svc.cluster.local"
    assert before.outputs["modelHostnames"]["fraud-scorer"] == host
    assert after.outputs["modelHostnames"]["fraud-scorer"] == host
    assert before.find("Service", "fraud-scorer")["metadata"]["namespace"] == "inference"
    assert isvcs(after)["fraud-scorer"]["metadata"]["namespace"] == "inference"


def test_the_new_serving_path_is_ready_before_the_old_one_goes(before_and_after):
    """Pulumi deletes resources that left the program only after every create and update of the same `up`;
    the InferenceService makes Pulumi wait until its predictor serves, so the old Deployment and Service are
    removed only once the new path answers."""
    _, after = before_and_after
    annotations = isvcs(after)["fraud-scorer"]["metadata"]["annotations"]
    assert annotations["pulumi.com/waitFor"] == "condition=PredictorReady"
    assert int(annotations["pulumi.com/timeoutSeconds"]) >= 600


def test_model_pods_read_artifacts_as_model_reader_with_the_configured_keys(private_render):
    sa = private_render.find("ServiceAccount", "model-reader", cluster="private")
    assert sa["metadata"]["namespace"] == "inference"
    assert sa["secrets"] == [{"name": "model-storage-s3"}]  # platform:storage.credentialsSecret
    assert sa["automountServiceAccountToken"] is False
    pod = private_render.find("Deployment", "fx-pricer", cluster="private")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "model-reader"
    isvcs = [o for o in private_render.objects("karmada-provider") if o["kind"] == "InferenceService"]
    assert isvcs and all(o["spec"]["predictor"]["serviceAccountName"] == "model-reader" for o in isvcs)
    # The member joins Karmada (and so receives InferenceServices) only once the account exists.
    rbac = private_render.get("kubernetes:core/v1:ServiceAccount", "private-member-service-account")
    assert "platform:cluster:ModelReader::model-reader" in rbac.depends_on
