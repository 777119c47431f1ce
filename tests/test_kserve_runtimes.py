"""The platform's ClusterServingRuntimes: consistent with Phase 1's TorchServe pods, KServe's Triton runtime, and
their CRD (strict)."""
from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components import pod
from components.kserve.runtimes import (TORCHSERVE_GPU_RUNTIME, TORCHSERVE_RUNTIME, TRITON_RUNTIME,
                                        ClusterServingRuntimes, ClusterServingRuntimesArgs, torchserve_gpu_runtime,
                                        torchserve_runtime, triton_runtime)
from components.torchserve.model import TorchServeModel, TorchServeModelArgs
from components.versions import TORCHSERVE_GPU_IMAGE, TORCHSERVE_IMAGE, TRITON_IMAGE
from models.registry import load_catalog
from stacks.render import run_program
from tests.crd_schema import validate_custom_resource

CATALOG = load_catalog()


@pytest.fixture(scope="module")
def phase1_container():
    def program():
        provider = k8s.Provider("private", context="test")
        TorchServeModel("fraud-scorer", TorchServeModelArgs(model=CATALOG["fraud-scorer"], namespace="inference"),
                        opts=pulumi.ResourceOptions(provider=provider))
    r = run_program(program, stack="test", config={})
    return r.find("Deployment", "fraud-scorer")["spec"]["template"]["spec"]["containers"][0]


def container(runtime: dict) -> dict:
    [c] = runtime["spec"]["containers"]
    return c


def test_torchserve_runtime_runs_torchserve_like_phase_1_with_the_platforms_config(phase1_container):
    c = container(torchserve_runtime())
    assert c["args"] == phase1_container["args"] == ["torchserve", "--foreground", "--disable-token-auth", "--ncs",
                                                     "--ts-config=/etc/torchserve/config.properties",
                                                     "--model-store=/mnt/models/model-store"]
    # The same environment, naming the platform's config file to TorchServe and its workers (TS_CONFIG_FILE).
    assert c["env"] == [{"name": "LOG_LOCATION", "value": "/home/model-server/logs"},
                        {"name": "METRICS_LOCATION", "value": "/home/model-server/logs"},
                        {"name": "TEMP", "value": "/tmp"},
                        {"name": "JAVA_TOOL_OPTIONS", "value": "-Djava.io.tmpdir=/tmp -XX:-UsePerfData"},
                        {"name": "TS_CONFIG_FILE", "value": "/etc/torchserve/config.properties"}]
    assert [{"name": e["name"], "value": e["value"]} for e in phase1_container["env"]] == c["env"]
    assert c["image"] == TORCHSERVE_IMAGE and c["name"] == "kserve-container"
    assert c["ports"] == [{"name": "http1", "containerPort": 8080, "protocol": "TCP"}]
    # Ready = the registered model has a READY worker (loopback management API, from inside the container); the
    # same command as Phase 1's, without the model name: the runtime serves whichever model the artifact holds.
    phase1_probe = phase1_container["readinessProbe"]
    assert c["readinessProbe"] == {"exec": {"command": phase1_probe["exec"]["command"][:-1]}, "periodSeconds": 5,
                                   "timeoutSeconds": 5, "failureThreshold": 3}
    assert c["readinessProbe"]["exec"]["command"][3:] == ["http://127.0.0.1:8081"]
    assert "{{" not in c["readinessProbe"]["exec"]["command"][2], "KServe renders the container as a Go template"


def test_torchserve_is_the_default_for_pytorch_and_its_gpu_build_is_never_auto_selected():
    spec = torchserve_runtime()["spec"]
    assert spec["supportedModelFormats"] == [{"name": "pytorch", "autoSelect": True, "priority": 1}]
    assert spec["protocolVersions"] == ["v1"]
    assert spec["annotations"] == {"prometheus.kserve.io/port": "8082", "prometheus.kserve.io/path": "/metrics"}
    gpu = torchserve_gpu_runtime()
    assert gpu["metadata"]["name"] == TORCHSERVE_GPU_RUNTIME and container(gpu)["image"] == TORCHSERVE_GPU_IMAGE
    assert gpu["spec"]["supportedModelFormats"] == [{"name": "pytorch", "autoSelect": False}]


def test_containers_are_secure_and_everything_they_write_is_on_declared_empty_dirs():
    for runtime in (torchserve_runtime(), torchserve_gpu_runtime(), triton_runtime()):
        c = container(runtime)
        assert c["securityContext"] == pod.container_security_context()
        assert c["securityContext"]["readOnlyRootFilesystem"] is True
        volumes = {v["name"]: v for v in runtime["spec"]["volumes"]}
        for mount in c["volumeMounts"]:
            if mount["name"] == "torchserve-config":  # the platform's config, from each InferenceService
                assert mount == {"name": "torchserve-config", "mountPath": "/etc/torchserve", "readOnly": True}
                continue
            assert "emptyDir" in volumes[mount["name"]]
        assert "/tmp" in {m["mountPath"] for m in c["volumeMounts"]}
    mounts = {m["mountPath"] for m in container(torchserve_runtime())["volumeMounts"]}
    assert "/home/model-server/logs" in mounts  # LOG_LOCATION / METRICS_LOCATION


def test_triton_runtime_matches_kserves_tritonserver_arguments():
    rt = triton_runtime()
    c = container(rt)
    assert c["image"] == TRITON_IMAGE
    # KServe's own runtime serves /mnt/models; the platform's serves the artifact's triton/ directory, so the
    # TorchServe tree (config/, model-store/) can share the prefix (tests/test_triton_packaging.py, real Triton).
    assert c["args"] == ["tritonserver", "--model-store=/mnt/models/triton", "--grpc-port=9000", "--http-port=8080",
                         "--allow-grpc=true", "--allow-http=true"]
    assert rt["spec"]["protocolVersions"] == ["v2", "grpc-v2"]
    assert {"name": "pytorch", "autoSelect": False} in rt["spec"]["supportedModelFormats"]
    assert rt["spec"]["annotations"]["prometheus.kserve.io/port"] == "8002"
    assert c["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": 8080}


def test_every_runtime_matches_the_cluster_serving_runtime_crd():
    for runtime in (torchserve_runtime(), torchserve_gpu_runtime(), triton_runtime()):
        validate_custom_resource(runtime)


def test_component_creates_the_three_runtimes_on_the_given_cluster_after_its_dependencies():
    def program():
        provider = k8s.Provider("private", context="test")
        gate = k8s.core.v1.Namespace("gate", metadata={"name": "kserve"}, opts=pulumi.ResourceOptions(provider=provider))
        ClusterServingRuntimes("runtimes", ClusterServingRuntimesArgs(triton_image="registry.internal/triton:x"),
                               opts=pulumi.ResourceOptions(provider=provider, depends_on=[gate]))
    r = run_program(program, stack="test", config={})
    runtimes = [o for o in r.objects("private") if o["kind"] == "ClusterServingRuntime"]
    assert sorted(o["metadata"]["name"] for o in runtimes) == sorted(
        [TORCHSERVE_RUNTIME, TORCHSERVE_GPU_RUNTIME, TRITON_RUNTIME])
    assert container(r.find("ClusterServingRuntime", TRITON_RUNTIME))["image"] == "registry.internal/triton:x"
    assert r.get("platform:kserve:ClusterServingRuntimes", "runtimes").depends_on == [
        "kubernetes:core/v1:Namespace::gate"]
    for res in r.resources:
        if res.type.endswith(":ClusterServingRuntime"):
            assert res.parent == "platform:kserve:ClusterServingRuntimes::runtimes"
            assert res.name.startswith("runtimes-")
    for obj in runtimes:
        validate_custom_resource(obj)
