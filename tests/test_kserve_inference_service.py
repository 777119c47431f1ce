"""InferenceServiceModel under the SDK's mocks: what each model's rollout renders, property by property, and every
custom resource against its upstream CRD (strict: unknown fields are errors)."""
from __future__ import annotations

import dataclasses

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components import pod
from components.kserve.inference_service import (AUTOSCALER_CLASS, DEPLOYMENT_MODE, INITIAL_SCALE,
                                                 PROGRESS_DEADLINE, RETENTION, ColdStart, InferenceServiceModel,
                                                 InferenceServiceModelArgs, inference_service)
from components.kserve.runtimes import TORCHSERVE_GPU_RUNTIME, TORCHSERVE_RUNTIME, TRITON_RUNTIME
from components.torchserve.model import CPU_TARGET_PERCENT
from models.errors import ConfigError
from models.registry import load_catalog
from models.spec import Canary
from stacks.private_config import ModelDeployment, read_private_config
from stacks.render import run_program
from stacks.validation import validate_builtin
from tests.crd_schema import validate_custom_resource
from tests.messages import exactly

CATALOG = load_catalog()
NS = "inference"
CLUSTER = "karmada"  # InferenceServices go through the Karmada API server from phase 2
POOLS = [{"gpuType": "t4"}, {"gpuType": "a10g"}]


def deployment(name: str, mode: str = "Knative", **settings) -> ModelDeployment:
    """The model as stacks/private_config.py serves it (so the mode checks run exactly as in the stack)."""
    cfg = read_private_config({"phase": "kserve", "kserve": {"deploymentMode": mode}, "gpuPools": POOLS,
                               "models": {name: settings}}, CATALOG)
    return cfg.models[0]


def with_rollout(dep: ModelDeployment, rollout) -> ModelDeployment:
    return dataclasses.replace(dep, model=dataclasses.replace(dep.model, rollout=rollout))


def render(*deps: ModelDeployment, namespace=NS, **arg_overrides):
    def program():
        provider = k8s.Provider(CLUSTER, context="test")
        ns = namespace() if callable(namespace) else namespace
        for dep in deps:
            InferenceServiceModel(dep.name, InferenceServiceModelArgs(deployment=dep, namespace=ns, **arg_overrides),
                                  opts=pulumi.ResourceOptions(provider=provider))
    return run_program(program, stack="test", config={})


def isvc(r, name):
    return r.find("InferenceService", name)


def predictor(r, name):
    return isvc(r, name)["spec"]["predictor"]


def validate_all(r):
    for obj in r.objects():
        if not validate_builtin(obj):
            validate_custom_resource(obj)


# -- scale-to-zero and GPU cold start ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digit_reader():
    return deployment("digit-reader")  # T4 GPU, min 0, 10 % canary, Knative


def test_gpu_scale_to_zero_model_renders_knative_scaling_and_cold_start_settings(digit_reader):
    r = render(digit_reader)
    obj = isvc(r, "digit-reader")
    p = obj["spec"]["predictor"]
    assert obj["metadata"]["annotations"][DEPLOYMENT_MODE] == "Knative"
    assert (p["minReplicas"], p["maxReplicas"]) == (0, 4)
    assert (p["scaleMetric"], p["scaleTarget"]) == ("concurrency", 32)
    assert p["annotations"] == {PROGRESS_DEADLINE: "1200s", RETENTION: "10m", INITIAL_SCALE: "1"}
    assert int(p["annotations"][PROGRESS_DEADLINE].rstrip("s")) > 600  # beyond Knative's default deadline
    # Pulumi waits for the new serving path, long enough for a GPU node to arrive.
    assert obj["metadata"]["annotations"]["pulumi.com/waitFor"] == "condition=PredictorReady"
    assert int(obj["metadata"]["annotations"]["pulumi.com/timeoutSeconds"]) >= 1200
    assert p["model"]["runtime"] == TORCHSERVE_GPU_RUNTIME
    assert p["model"]["resources"] == pod.resource_requirements(digit_reader.model)
    assert p["nodeSelector"] == {"inference-platform.io/gpu-type": "t4"}
    assert p["tolerations"] == pod.tolerations(digit_reader.model)
    validate_all(r)


def test_cold_start_settings_are_tunable(digit_reader):
    r = render(digit_reader, cold_start=ColdStart(progress_deadline="1800s", retention_period="30m", timeout_s=2400))
    p = predictor(r, "digit-reader")
    assert p["annotations"][PROGRESS_DEADLINE] == "1800s" and p["annotations"][RETENTION] == "30m"
    assert isvc(r, "digit-reader")["metadata"]["annotations"]["pulumi.com/timeoutSeconds"] == "2400"


def test_cold_start_settings_only_for_gpu_models_that_scale_from_zero():
    cpu_to_zero = deployment("fraud-scorer", minReplicas=0)
    gpu_warm = deployment("digit-reader", minReplicas=1)
    r = render(cpu_to_zero, gpu_warm)
    cpu = predictor(r, "fraud-scorer")
    assert cpu["minReplicas"] == 0 and "annotations" not in cpu
    assert predictor(r, "digit-reader")["minReplicas"] == 1 and "annotations" not in predictor(r, "digit-reader")
    assert isvc(r, "fraud-scorer")["metadata"]["annotations"]["pulumi.com/timeoutSeconds"] == "900"


def test_standard_mode_refuses_scale_to_zero_and_mirroring_before_any_resource():
    with pytest.raises(ConfigError, match="scale-to-zero") as raised:
        deployment("digit-reader", mode="Standard")
    exactly(str(raised.value))
    with pytest.raises(ConfigError, match="mirror") as raised:
        deployment("search-ranker", mode="Standard")
    exactly(str(raised.value))


# -- modes, runtimes, security -----------------------------------------------------------------------------------


def test_standard_mode_scales_on_cpu_with_an_hpa_and_keeps_the_hostname_with_its_own_service():
    dep = deployment("fraud-scorer", mode="Standard")
    r = render(dep)
    obj = isvc(r, "fraud-scorer")
    assert obj["metadata"]["annotations"][DEPLOYMENT_MODE] == "Standard"
    assert obj["metadata"]["annotations"][AUTOSCALER_CLASS] == "hpa"
    p = obj["spec"]["predictor"]
    assert (p["scaleMetric"], p["scaleTarget"]) == ("cpu", CPU_TARGET_PERCENT)
    assert (p["minReplicas"], p["maxReplicas"]) == (2, 6)
    svc = r.find("Service", "fraud-scorer")
    # KServe's labels on every predictor pod of the InferenceService, stable and Standard-mode canary alike
    assert svc["spec"]["selector"] == {"serving.kserve.io/inferenceservice": "fraud-scorer", "component": "predictor"}
    assert svc["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]
    assert r.get("kubernetes:core/v1:Service", "fraud-scorer-service").depends_on == [
        "kubernetes:serving.kserve.io/v1beta1:InferenceService::fraud-scorer-isvc"]
    validate_all(r)


def test_knative_mode_leaves_the_hostname_service_to_kserve():
    r = render(deployment("fraud-scorer"))
    assert not [o for o in r.objects() if o["kind"] == "Service"]
    assert predictor(r, "fraud-scorer")["scaleMetric"] == "concurrency"
    assert AUTOSCALER_CLASS not in isvc(r, "fraud-scorer")["metadata"]["annotations"]


def test_runtime_follows_the_deployment_runtime_and_gpu():
    r = render(deployment("fraud-scorer"), deployment("digit-reader"),
               deployment("search-ranker", runtime="triton"))
    assert predictor(r, "fraud-scorer")["model"]["runtime"] == TORCHSERVE_RUNTIME
    assert predictor(r, "digit-reader")["model"]["runtime"] == TORCHSERVE_GPU_RUNTIME
    triton = predictor(r, "search-ranker")["model"]
    assert (triton["runtime"], triton["protocolVersion"]) == (TRITON_RUNTIME, "v2")
    for name in ("fraud-scorer", "digit-reader", "search-ranker"):
        assert predictor(r, name)["model"]["modelFormat"] == {"name": "pytorch"}
    validate_all(r)


def test_predictor_pods_are_secure_by_default_and_not_selected_by_phase_1():
    r = render(deployment("fraud-scorer"))
    obj = isvc(r, "fraud-scorer")
    p = obj["spec"]["predictor"]
    assert p["securityContext"] == pod.pod_security_context()
    assert p["securityContext"]["runAsNonRoot"] is True and p["automountServiceAccountToken"] is False
    # Phase 1's Service/NetworkPolicy/PDB select component=predictor; KServe copies these labels to its pods.
    assert obj["metadata"]["labels"]["app.kubernetes.io/component"] != "predictor"
    assert obj["metadata"]["namespace"] == NS


def test_everything_goes_to_the_provider_given_and_is_parented_and_prefixed():
    deps = [deployment(n) for n in ("fraud-scorer", "digit-reader", "churn-predictor", "search-ranker")]
    r = render(*deps)
    for res in r.resources:
        if res.is_kubernetes_object:
            assert res.cluster == CLUSTER
            model = res.parent.split("::", 1)[1]
            assert res.parent == f"platform:kserve:InferenceServiceModel::{model}" and res.name.startswith(model)
    validate_all(r)


def test_namespace_may_be_an_output_and_the_hostname_is_stable():
    def program():
        provider = k8s.Provider(CLUSTER, context="test")
        ns = k8s.core.v1.Namespace("ns", metadata={"name": "models"}, opts=pulumi.ResourceOptions(provider=provider))
        served = InferenceServiceModel("fraud-scorer", InferenceServiceModelArgs(
            deployment=deployment("fraud-scorer"), namespace=ns.metadata.name),
            opts=pulumi.ResourceOptions(provider=provider))
        pulumi.export("hostname", served.hostname)
    r = run_program(program, stack="test", config={})
    assert r.outputs["hostname"] == "fraud-scorer.models.svc.cluster.local"
    assert isvc(r, "fraud-scorer")["metadata"]["namespace"] == "models"


# -- canary ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["Knative", "Standard"])
def test_canary_at_100_renders_exactly_the_promoted_state(mode):
    base = deployment("fraud-scorer", mode=mode)
    candidate = "s3://ml-artifacts/fraud-scorer/v4"
    at_100 = inference_service(with_rollout(base, Canary(candidate_uri=candidate, traffic_percent=100)), NS)
    promoted = inference_service(dataclasses.replace(base, model=dataclasses.replace(
        base.model, storage_uri=candidate, rollout=None)), NS)
    assert at_100 == promoted
    assert "canary" not in at_100["spec"] and "canaryTrafficPercent" not in at_100["spec"]["predictor"]


def test_standard_canary_at_0_renders_exactly_the_rolled_back_state():
    base = deployment("fraud-scorer", mode="Standard")
    at_0 = inference_service(with_rollout(base, Canary(candidate_uri="s3://ml-artifacts/fraud-scorer/v4",
                                                       traffic_percent=0)), NS)
    assert at_0 == inference_service(with_rollout(base, None), NS)
    assert "canary" not in at_0["spec"]


def test_knative_canary_at_0_keeps_the_candidate_spec_with_all_traffic_on_the_previous_revision():
    """Dropping the canary fields would make a new revision and route 100 % to the latest ready one, the candidate
    (kserve v0.20.0 ksvc_reconciler.go); at 0 % the spec stays the candidate's and KServe routes the rest, 100 %,
    to the last rolled-out revision."""
    base = deployment("fraud-scorer", mode="Knative")
    candidate = "s3://ml-artifacts/fraud-scorer/v4"
    at_0 = inference_service(with_rollout(base, Canary(candidate_uri=candidate, traffic_percent=0)), NS)
    at_10 = inference_service(with_rollout(base, Canary(candidate_uri=candidate, traffic_percent=10)), NS)
    assert at_0["spec"]["predictor"]["canaryTrafficPercent"] == 0
    assert at_0["spec"]["predictor"]["model"]["storageUri"] == candidate
    assert {**at_10["spec"]["predictor"], "canaryTrafficPercent": 0} == at_0["spec"]["predictor"]


def test_knative_canary_runs_the_candidate_with_canary_traffic_percent(digit_reader):
    r = render(digit_reader)
    p = predictor(r, "digit-reader")
    assert p["canaryTrafficPercent"] == 10
    assert p["model"]["storageUri"] == "s3://ml-artifacts/digit-reader/v8"
    assert "canary" not in isvc(r, "digit-reader")["spec"]


def test_standard_canary_keeps_the_stable_predictor_and_adds_spec_canary():
    dep = with_rollout(deployment("fraud-scorer", mode="Standard"),
                       Canary(candidate_uri="s3://ml-artifacts/fraud-scorer/v4", traffic_percent=25))
    r = render(dep)
    spec = isvc(r, "fraud-scorer")["spec"]
    assert spec["predictor"]["model"]["storageUri"] == "s3://ml-artifacts/fraud-scorer/v3"
    assert "canaryTrafficPercent" not in spec["predictor"]
    # Only the candidate's name and model: KServe v0.20's webhook refuses maxReplicas/scaleMetric/scaleTarget on a
    # canary, and its controller copies runtime, resources and scheduling from the stable predictor.
    assert spec["canary"] == [{
        "predictor": {"name": "candidate",  # KServe names it fraud-scorer-candidate-predictor
                      "model": {"name": "kserve-container",  # required by the CRD in a canary
                                "modelFormat": {"name": "pytorch"},
                                "storageUri": "s3://ml-artifacts/fraud-scorer/v4"}},
        "trafficPercent": 25,
    }]
    validate_all(r)


def test_canary_percent_from_stack_config_reaches_the_resource():
    r = render(deployment("digit-reader", canaryPercent=40))
    assert predictor(r, "digit-reader")["canaryTrafficPercent"] == 40


# -- A/B test ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ab_render():
    return render(deployment("churn-predictor"))  # B at 30 %


def test_ab_test_serves_both_versions_and_routes_through_a_graph_named_after_the_model(ab_render):
    r = ab_render
    assert predictor(r, "churn-predictor-a")["model"]["storageUri"] == "s3://ml-artifacts/churn-predictor/v1"
    assert predictor(r, "churn-predictor-b")["model"]["storageUri"] == "s3://ml-artifacts/churn-predictor/v2"
    with pytest.raises(KeyError):
        isvc(r, "churn-predictor")  # the graph holds the name (and the hostname)
    graph = r.find("InferenceGraph", "churn-predictor")
    assert graph["metadata"]["annotations"][DEPLOYMENT_MODE] == "Knative"
    root = graph["spec"]["nodes"]["root"]
    assert root["routerType"] == "Splitter"
    host = "svc.cluster.local/predictions/churn-predictor"
    assert root["steps"] == [
        {"name": "a", "serviceUrl": f"http://churn-predictor-a-predictor.{NS}.{host}", "weight": 70},
        {"name": "b", "serviceUrl": f"http://churn-predictor-b-predictor.{NS}.{host}", "weight": 30},
    ]
    assert sum(s["weight"] for s in root["steps"]) == 100  # KServe's webhook requires it
    assert sorted(r.get("kubernetes:serving.kserve.io/v1alpha1:InferenceGraph", "churn-predictor-graph").depends_on) \
        == ["kubernetes:networking.istio.io/v1:VirtualService::churn-predictor-ab-route",
            "kubernetes:serving.kserve.io/v1beta1:InferenceService::churn-predictor-isvc-a",
            "kubernetes:serving.kserve.io/v1beta1:InferenceService::churn-predictor-isvc-b"]
    validate_all(r)


def test_ab_variants_are_labelled_and_each_step_names_exactly_one_target(ab_render):
    for variant in ("a", "b"):
        assert isvc(ab_render, f"churn-predictor-{variant}")["metadata"]["labels"][
            "inference-platform.io/variant"] == variant
    for step in ab_render.find("InferenceGraph", "churn-predictor")["spec"]["nodes"]["root"]["steps"]:
        assert len({"serviceName", "serviceUrl", "nodeName"} & set(step)) == 1  # KServe rejects two targets


def test_ab_header_pins_requests_to_b_and_sends_the_rest_to_the_graph(ab_render):
    vs = ab_render.find("VirtualService", "churn-predictor-ab")["spec"]
    assert vs["hosts"] == [f"churn-predictor.{NS}.svc.cluster.local"]
    pinned, default = vs["http"]
    # Both routes match the host as KServe's own route does (authority regex, local gateway and mesh), so Istio
    # does not sort them behind Knative's route for the graph as catch-alls.
    host_match = {"authority": {"regex": rf"^churn-predictor\.{NS}\.svc\.cluster\.local(?::\d{{1,5}})?$"},
                  "gateways": ["knative-serving/knative-local-gateway", "mesh"]}
    assert pinned["match"] == [{"headers": {"x-model-variant": {"exact": "b"}}, **host_match}]
    assert pinned["headers"]["request"]["set"]["Host"] == f"churn-predictor-b-predictor.{NS}.svc.cluster.local"
    assert default["match"] == [host_match]
    # Not the host this VirtualService answers (that would loop through the gateway back to it): the short name
    # only the graph's own Knative route lists.
    assert default["headers"]["request"]["set"]["Host"] == f"churn-predictor.{NS}.svc"
    assert default["headers"]["request"]["set"]["Host"] not in vs["hosts"]
    # The graph is created after the header route, so Istio (oldest first) prefers the route with the match.
    graph = ab_render.get("kubernetes:serving.kserve.io/v1alpha1:InferenceGraph", "churn-predictor-graph")
    assert "kubernetes:networking.istio.io/v1:VirtualService::churn-predictor-ab-route" in graph.depends_on
    validate_all(ab_render)


def test_ab_header_name_and_value_come_from_the_declaration():
    import dataclasses
    dep = deployment("churn-predictor")
    model = dataclasses.replace(dep.model, rollout=dataclasses.replace(dep.model.rollout, header_name="x-cohort",
                                                                       header_value="beta"))
    r = render(dataclasses.replace(dep, model=model))
    pinned = r.find("VirtualService", "churn-predictor-ab")["spec"]["http"][0]
    assert [m["headers"] for m in pinned["match"]] == [{"x-cohort": {"exact": "beta"}}]


def test_ab_on_triton_calls_tritons_infer_path():
    r = render(deployment("churn-predictor", runtime="triton"))
    urls = [s["serviceUrl"] for s in r.find("InferenceGraph", "churn-predictor")["spec"]["nodes"]["root"]["steps"]]
    assert all(u.endswith("/v2/models/churn-predictor/infer") for u in urls)


# -- mirroring ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mirror_render():
    return render(deployment("search-ranker"))  # 20 % to v13


def test_mirror_virtual_service_copies_traffic_to_the_shadow_predictor(mirror_render):
    vs = mirror_render.find("VirtualService", "search-ranker-mirror")
    assert vs["apiVersion"] == "networking.istio.io/v1"
    assert vs["spec"]["hosts"] == [f"search-ranker.{NS}.svc.cluster.local"]  # the host clients call
    assert vs["spec"]["gateways"] == ["knative-serving/knative-local-gateway", "mesh"]
    [route] = vs["spec"]["http"]
    # KServe's own match for the host (kserve v0.20.0 ingress_reconciler.go lines 415-425): without it Istio 1.30
    # sorts the route behind KServe's as a catch-all and nothing is ever mirrored.
    assert route["match"] == [{
        "authority": {"regex": rf"^search-ranker\.{NS}\.svc\.cluster\.local(?::\d{{1,5}})?$"},
        "gateways": ["knative-serving/knative-local-gateway", "mesh"]}]
    assert route["route"] == [{"destination": {"host": "knative-local-gateway.istio-system.svc.cluster.local",
                                               "port": {"number": 80}}}]
    assert route["headers"]["request"]["set"]["Host"] == f"search-ranker-predictor.{NS}.svc.cluster.local"
    assert route["mirror"] == {"host": f"search-ranker-shadow-predictor.{NS}.svc.cluster.local",
                               "port": {"number": 80}}
    assert route["mirrorPercentage"] == {"value": 20}
    validate_all(mirror_render)


def test_mirror_keeps_the_primary_and_runs_a_cluster_local_standard_shadow(mirror_render):
    primary = isvc(mirror_render, "search-ranker")
    assert primary["metadata"]["annotations"][DEPLOYMENT_MODE] == "Knative"
    assert primary["spec"]["predictor"]["model"]["storageUri"] == "s3://ml-artifacts/search-ranker/v12"
    shadow = isvc(mirror_render, "search-ranker-shadow")
    assert shadow["metadata"]["annotations"][DEPLOYMENT_MODE] == "Standard"
    assert shadow["metadata"]["labels"]["networking.kserve.io/visibility"] == "cluster-local"
    assert shadow["spec"]["predictor"]["model"]["storageUri"] == "s3://ml-artifacts/search-ranker/v13"
    assert shadow["spec"]["predictor"]["minReplicas"] >= 1
    # Created after the mirror route, so Istio (oldest first) prefers the route that mirrors.
    assert mirror_render.get("kubernetes:serving.kserve.io/v1beta1:InferenceService",
                             "search-ranker-isvc").depends_on == [
        "kubernetes:networking.istio.io/v1:VirtualService::search-ranker-mirror"]


def test_no_virtual_service_route_sends_requests_back_to_its_own_hosts(ab_render, mirror_render):
    services = [o for r in (ab_render, mirror_render) for o in r.objects() if o["kind"] == "VirtualService"]
    assert len(services) == 2
    for vs in services:
        for route in vs["spec"]["http"]:
            assert route["headers"]["request"]["set"]["Host"] not in vs["spec"]["hosts"], vs["metadata"]["name"]


# -- waiting ----------------------------------------------------------------------------------------------------


def test_a_model_whose_readiness_cannot_be_awaited_skips_the_wait_on_every_inference_service():
    r = render(deployment("fraud-scorer", mode="Standard"), deployment("search-ranker"), deployment("churn-predictor"),
               await_ready=False)
    services = [o for o in r.objects() if o["kind"] == "InferenceService"]
    assert {o["metadata"]["name"] for o in services} == {"fraud-scorer", "search-ranker", "search-ranker-shadow",
                                                          "churn-predictor-a", "churn-predictor-b"}
    for obj in services:
        annotations = obj["metadata"]["annotations"]
        assert annotations["pulumi.com/skipAwait"] == "true", obj["metadata"]["name"]
        assert "pulumi.com/waitFor" not in annotations and "pulumi.com/timeoutSeconds" not in annotations
    waited = isvc(render(deployment("fraud-scorer")), "fraud-scorer")["metadata"]["annotations"]
    assert waited["pulumi.com/waitFor"] == "condition=PredictorReady" and "pulumi.com/skipAwait" not in waited


# -- metrics: scraped on the server's own port in Standard mode ---------------------------------------------------


def test_standard_mode_pods_are_scraped_on_the_servers_own_metrics_port_knative_on_queue_proxys():
    r = render(deployment("fraud-scorer", mode="Standard"), deployment("churn-predictor"))
    torchserve = isvc(r, "fraud-scorer")["metadata"]["annotations"]
    assert torchserve == {"serving.kserve.io/deploymentMode": "Standard", "serving.kserve.io/autoscalerClass": "hpa",
                          "pulumi.com/waitFor": "condition=PredictorReady", "pulumi.com/timeoutSeconds": "900",
                          "serving.kserve.io/enable-metric-aggregation": "false",
                          "serving.kserve.io/enable-prometheus-scraping": "false",
                          "prometheus.io/port": "8082", "prometheus.io/path": "/metrics"}
    triton = isvc(render(deployment("fraud-scorer", mode="Standard", runtime="triton")),
                  "fraud-scorer")["metadata"]["annotations"]
    assert (triton["prometheus.io/port"], triton["prometheus.io/path"]) == ("8002", "/metrics")
    assert (triton["serving.kserve.io/enable-metric-aggregation"],
            triton["serving.kserve.io/enable-prometheus-scraping"]) == ("false", "false")
    # Knative mode: KServe's webhook (aggregation and scraping on in the cluster config) points at queue-proxy's 9088.
    for name in ("churn-predictor-a", "churn-predictor-b"):
        assert isvc(r, name)["metadata"]["annotations"] == {
            "serving.kserve.io/deploymentMode": "Knative", "pulumi.com/waitFor": "condition=PredictorReady",
            "pulumi.com/timeoutSeconds": "900"}
    validate_all(r)


def test_a_mirrors_standard_shadow_is_scraped_on_its_servers_port(mirror_render):
    shadow = isvc(mirror_render, "search-ranker-shadow")["metadata"]["annotations"]
    assert (shadow["prometheus.io/port"], shadow["serving.kserve.io/enable-prometheus-scraping"]) == ("8082", "false")
    assert "prometheus.io/port" not in isvc(mirror_render, "search-ranker")["metadata"]["annotations"]
