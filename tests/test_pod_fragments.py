"""components/pod.py: the fragments every model runtime's pods share, each compared whole with the value written out
(a flipped runAsNonRoot, a dropped capability or a renamed request key fails here, whatever phase reads it)."""
from __future__ import annotations

from components.pod import (container_security_context, model_labels, node_selector, pod_security_context,
                            resource_requirements, tolerations)
from models.spec import GpuType, Model, Resources, Source, WorkloadClass

SOURCE = Source(factory="models.examples.fraud:build", input_shape=(4,))


def model(**changes) -> Model:
    return Model(**{"name": "m", "storage_uri": "s3://bucket/m/v1", "source": SOURCE, **changes})


def test_pod_security_context():
    assert pod_security_context() == {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                                      "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}}


def test_container_security_context():
    assert container_security_context() == {"allowPrivilegeEscalation": False, "privileged": False,
                                            "readOnlyRootFilesystem": True, "runAsNonRoot": True,
                                            "capabilities": {"drop": ["ALL"]}}
    assert container_security_context(read_only_root=False)["readOnlyRootFilesystem"] is False


def test_requests_equal_limits_by_default():
    assert resource_requirements(model(resources=Resources(cpu="2", memory="4Gi"))) == {
        "requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}


def test_explicit_limits():
    res = Resources(cpu="500m", memory="1Gi", cpu_limit="2", memory_limit="3Gi")
    assert resource_requirements(model(resources=res)) == {
        "requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "3Gi"}}


def test_gpu_request_equals_limit():
    res = Resources(cpu="4", memory="16Gi", gpu_count=2, gpu_type=GpuType.A10G)
    assert resource_requirements(model(resources=res)) == {
        "requests": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "2"},
        "limits": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "2"}}


def test_gpu_scheduling():
    gpu = model(resources=Resources(gpu_count=1, gpu_type=GpuType.T4))
    assert node_selector(gpu) == {"inference-platform.io/gpu-type": "t4"}
    assert tolerations(gpu) == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    cpu = model()
    assert node_selector(cpu) == {}
    assert tolerations(cpu) == []


def test_model_labels():
    assert model_labels(model(workload_class=WorkloadClass.BATCH), "predictor") == {
        "app.kubernetes.io/name": "m", "app.kubernetes.io/component": "predictor",
        "app.kubernetes.io/part-of": "inference-platform", "app.kubernetes.io/managed-by": "pulumi",
        "inference-platform.io/workload-class": "batch"}
