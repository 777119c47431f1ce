"""Phase 1's TorchServeModel under the SDK's mocks: what it would apply, checked property by property."""
from __future__ import annotations

import dataclasses

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.scheduling import GPU_TYPE_LABEL
from components.torchserve.model import TorchServeModel, TorchServeModelArgs
from models.registry import load_catalog
from models.spec import Batching, GpuType, Resources
from models.torchserve_config import config_properties
from stacks.render import run_program
from stacks.validation import validate_builtin

CATALOG = load_catalog()


def render_one(model, **args):
    def program():
        provider = k8s.Provider("private", context="test")
        TorchServeModel(model.name, TorchServeModelArgs(model=model, namespace="inference", **args),
                        opts=pulumi.ResourceOptions(provider=provider))
    return run_program(program, stack="test", config={})


@pytest.fixture(scope="module")
def cpu_render():
    return render_one(CATALOG["fraud-scorer"])


@pytest.fixture(scope="module")
def gpu_render():
    model = dataclasses.replace(CATALOG["fraud-scorer"], name="gpu-scorer",
                                resources=Resources(cpu="2", memory="4Gi", gpu_count=2, gpu_type=GpuType.A10G))
    return render_one(model)


def pod_spec(render, name):
    return render.find("Deployment", name)["spec"]["template"]["spec"]


def test_renders_the_five_objects_plus_network_policy_all_on_the_given_cluster(cpu_render):
    kinds = sorted(o["kind"] for o in cpu_render.objects("private"))
    assert kinds == ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget",
                     "Service"]
    for r in cpu_render.resources:
        if r.is_kubernetes_object:
            assert r.parent == "platform:torchserve:TorchServeModel::fraud-scorer"
            assert r.name.startswith("fraud-scorer-")


def test_every_object_passes_kubernetes_strict_validation(cpu_render, gpu_render):
    for obj in cpu_render.objects() + gpu_render.objects():
        assert validate_builtin(obj)


def test_config_map_carries_the_declarations_batching(cpu_render):
    model = CATALOG["fraud-scorer"]
    data = cpu_render.find("ConfigMap", "fraud-scorer-torchserve-config")["data"]["config.properties"]
    assert data == config_properties(model)
    assert '"batchSize":16' in data and '"maxBatchDelay":10' in data and '"minWorkers":2' in data


def test_batching_change_rolls_the_pods():
    model = CATALOG["fraud-scorer"]
    other = dataclasses.replace(model, batching=Batching(max_batch_size=4, max_delay_ms=10))
    a = render_one(model).find("Deployment", model.name)["spec"]["template"]["metadata"]["annotations"]
    b = render_one(other).find("Deployment", model.name)["spec"]["template"]["metadata"]["annotations"]
    assert a["inference-platform.io/config-sha256"] != b["inference-platform.io/config-sha256"]


def test_pod_is_secure_by_default(cpu_render):
    spec = pod_spec(cpu_render, "fraud-scorer")
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    for c in spec["containers"] + spec["initContainers"]:
        sc = c["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert sc["readOnlyRootFilesystem"] is True
        assert c["resources"]["requests"] and c["resources"]["limits"]


def test_management_api_is_never_exposed(cpu_render):
    spec = pod_spec(cpu_render, "fraud-scorer")
    exposed = {p["containerPort"] for c in spec["containers"] for p in c.get("ports", [])}
    assert exposed == {8080, 8082}
    props = cpu_render.find("ConfigMap", "fraud-scorer-torchserve-config")["data"]["config.properties"]
    assert "management_address=http://127.0.0.1:8081" in props
    assert "enable_model_api=false" in props
    service_ports = {p["targetPort"] for p in cpu_render.find("Service", "fraud-scorer")["spec"]["ports"]}
    assert service_ports == {"http", "metrics"}
    policy = cpu_render.find("NetworkPolicy", "fraud-scorer")["spec"]
    allowed = {p["port"] for rule in policy["ingress"] for p in rule["ports"]}
    assert allowed == {8080, 8082} and policy["policyTypes"] == ["Ingress"]


def test_probes_and_metrics_are_scrapable(cpu_render):
    """Startup and liveness ask the server (/ping on the named port http); readiness asks whether the model has a
    READY worker, from inside the container (the command itself is run against real servers in
    tests/test_torchserve_e2e.py)."""
    deployment = cpu_render.find("Deployment", "fraud-scorer")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["startupProbe"] == {"httpGet": {"path": "/ping", "port": "http"}, "periodSeconds": 5,
                                         "failureThreshold": 60}
    assert container["livenessProbe"] == {"httpGet": {"path": "/ping", "port": "http"}, "periodSeconds": 10,
                                          "failureThreshold": 6}
    readiness = container["readinessProbe"]
    assert set(readiness) == {"exec", "periodSeconds", "timeoutSeconds", "failureThreshold"}
    assert (readiness["periodSeconds"], readiness["timeoutSeconds"], readiness["failureThreshold"]) == (5, 5, 3)
    command = readiness["exec"]["command"]
    assert command[:2] == ["python", "-c"] and command[3:] == ["http://127.0.0.1:8081", "fraud-scorer"]
    assert '"READY"' in command[2] and "{{" not in command[2]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == "8082"


def test_artifact_is_fetched_from_s3_by_an_init_container(cpu_render):
    init = pod_spec(cpu_render, "fraud-scorer")["initContainers"]
    assert [c["name"] for c in init] == ["fetch-model"]
    assert init[0]["args"] == ["s3://ml-artifacts/fraud-scorer/v3", "/mnt/models"]


def test_fetch_reads_s3_credentials_from_the_named_secret_and_the_pod_runs_as_the_reader():
    spec = pod_spec(render_one(CATALOG["fraud-scorer"], service_account_name="model-reader",
                               credentials_secret="s3-keys", s3_endpoint="https://minio.storage.internal:9000"),
                    "fraud-scorer")
    assert spec["serviceAccountName"] == "model-reader" and spec["automountServiceAccountToken"] is False
    fetch = spec["initContainers"][0]
    assert fetch["envFrom"] == [{"secretRef": {"name": "s3-keys"}}]
    assert fetch["env"] == [{"name": "AWS_ENDPOINT_URL", "value": "https://minio.storage.internal:9000"}]
    assert "envFrom" not in spec["containers"][0]  # only the fetch sees the keys, not the model server


def test_without_credentials_the_fetch_gets_no_secret(cpu_render):
    fetch = pod_spec(cpu_render, "fraud-scorer")["initContainers"][0]
    assert "envFrom" not in fetch and "env" not in fetch


def test_pvc_artifact_is_mounted_read_only_without_init_container():
    render = render_one(CATALOG["fx-pricer"])
    spec = pod_spec(render, "fx-pricer")
    assert "initContainers" not in spec
    volume = next(v for v in spec["volumes"] if v["name"] == "models")
    assert volume["persistentVolumeClaim"] == {"claimName": "model-store", "readOnly": True}
    mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "models")
    assert mount["subPath"] == "fx-pricer/v2" and mount["readOnly"] is True


def test_https_artifact_uses_the_storage_initializer_too():
    model = dataclasses.replace(CATALOG["fraud-scorer"], storage_uri="https://models.example/fraud-scorer/v3.tar.gz")
    init = pod_spec(render_one(model), "fraud-scorer")["initContainers"]
    assert init[0]["args"][0] == "https://models.example/fraud-scorer/v3.tar.gz"


def test_cpu_model_has_no_gpu_scheduling(cpu_render):
    spec = pod_spec(cpu_render, "fraud-scorer")
    assert "nodeSelector" not in spec and "tolerations" not in spec
    assert "nvidia.com/gpu" not in spec["containers"][0]["resources"]["limits"]


def test_gpu_model_gets_limits_node_selector_and_toleration(gpu_render):
    spec = pod_spec(gpu_render, "gpu-scorer")
    assert spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "2"
    assert spec["nodeSelector"] == {GPU_TYPE_LABEL: "a10g"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]
    assert spec["containers"][0]["image"].endswith("-gpu-2")


def test_autoscaler_and_disruption_budget_follow_the_declaration(cpu_render):
    hpa = cpu_render.find("HorizontalPodAutoscaler", "fraud-scorer")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 6)
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "fraud-scorer"}
    pdb = cpu_render.find("PodDisruptionBudget", "fraud-scorer")["spec"]
    assert pdb["maxUnavailable"] == 1


def test_service_is_named_after_the_model_on_port_80(cpu_render):
    service = cpu_render.find("Service", "fraud-scorer")
    assert service["metadata"]["namespace"] == "inference"
    assert {"name": "http", "port": 80, "targetPort": "http"} in service["spec"]["ports"]


def test_every_child_waits_for_what_the_component_depends_on():
    """Pulumi does not pass a component's depends_on to its children: the component must (or pods race their
    Namespace on a real cluster)."""
    model = CATALOG["fraud-scorer"]

    def program():
        provider = k8s.Provider("private", context="test")
        ns = k8s.core.v1.Namespace("ns", metadata={"name": "inference"}, opts=pulumi.ResourceOptions(provider=provider))
        TorchServeModel(model.name, TorchServeModelArgs(model=model, namespace="inference"),
                        opts=pulumi.ResourceOptions(provider=provider, depends_on=[ns]))

    render = run_program(program, stack="test", config={})
    children = [r for r in render.resources if r.parent == "platform:torchserve:TorchServeModel::fraud-scorer"]
    assert len(children) == 6
    for child in children:
        assert "kubernetes:core/v1:Namespace::ns" in child.depends_on, child.key
