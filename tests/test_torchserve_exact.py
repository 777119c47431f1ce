"""Phase 1's TorchServeModel, each object compared whole against the value written out here.

Each test renders the component itself (a fraction of a second), so mutation testing runs every one of them against
every change to components/torchserve/model.py (a shared render would be attributed to the first test only)."""
from __future__ import annotations

import pytest

from models.registry import load_catalog
from tests.test_torchserve_component import render_one

CATALOG = load_catalog()
SELECTOR = {"app.kubernetes.io/component": "predictor", "app.kubernetes.io/name": "fraud-scorer"}
LABELS = {**SELECTOR, "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "inference-platform",
          "inference-platform.io/workload-class": "critical"}
META = {"labels": LABELS, "name": "fraud-scorer", "namespace": "inference"}


@pytest.fixture
def objects():
    render = render_one(CATALOG["fraud-scorer"])
    return {o["kind"]: o for o in render.objects("private")}


def test_deployment_metadata_strategy_selector_and_pod_metadata(objects):
    deployment = objects["Deployment"]
    assert deployment["metadata"] == META
    spec = deployment["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    assert spec["selector"] == {"matchLabels": SELECTOR}
    assert "replicas" not in spec  # the HPA owns the replica count
    meta = spec["template"]["metadata"]
    assert meta["labels"] == LABELS
    assert {k: v for k, v in meta["annotations"].items() if k != "inference-platform.io/config-sha256"} == {
        "prometheus.io/scrape": "true", "prometheus.io/port": "8082", "prometheus.io/path": "/metrics"}
    digest = meta["annotations"]["inference-platform.io/config-sha256"]
    assert len(digest) == 16 and int(digest, 16) >= 0


def test_config_map(objects):
    config = objects["ConfigMap"]
    assert config["metadata"] == {**META, "name": "fraud-scorer-torchserve-config"}
    assert list(config["data"]) == ["config.properties"]
    volumes = objects["Deployment"]["spec"]["template"]["spec"]["volumes"]
    assert {"name": "config", "configMap": {"name": "fraud-scorer-torchserve-config"}} in volumes


def test_service(objects):
    assert objects["Service"]["metadata"] == META
    assert objects["Service"]["spec"] == {
        "type": "ClusterIP", "selector": SELECTOR,
        "ports": [{"name": "http", "port": 80, "targetPort": "http"},
                  {"name": "metrics", "port": 8082, "targetPort": "metrics"}]}


def test_pod_disruption_budget(objects):
    assert objects["PodDisruptionBudget"]["metadata"] == META
    assert objects["PodDisruptionBudget"]["spec"] == {"maxUnavailable": 1, "selector": {"matchLabels": SELECTOR}}


def test_autoscaler(objects):
    assert objects["HorizontalPodAutoscaler"]["metadata"] == META
    assert objects["HorizontalPodAutoscaler"]["spec"] == {
        "minReplicas": 2, "maxReplicas": 6,
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "fraud-scorer"},
        "metrics": [{"type": "Resource",
                     "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}


def test_network_policy(objects):
    assert objects["NetworkPolicy"]["metadata"] == META
    assert objects["NetworkPolicy"]["spec"] == {
        "podSelector": {"matchLabels": SELECTOR}, "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [{"podSelector": {}},
                      {"namespaceSelector": {"matchLabels": {"inference-platform.io/clients": "true"}}}],
             "ports": [{"port": 8080, "protocol": "TCP"}]},
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
             "ports": [{"port": 8082, "protocol": "TCP"}]}]}


def test_container_wiring(objects):
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 8082}]
    assert container["startupProbe"] == {"httpGet": {"path": "/ping", "port": "http"}, "periodSeconds": 5,
                                         "failureThreshold": 60}
    assert container["livenessProbe"] == {"httpGet": {"path": "/ping", "port": "http"}, "periodSeconds": 10,
                                          "failureThreshold": 6}
    assert container["readinessProbe"]["exec"]["command"][3:] == ["http://127.0.0.1:8081", "fraud-scorer"]
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                            "privileged": False, "readOnlyRootFilesystem": True,
                                            "runAsNonRoot": True}
    assert pod["securityContext"] == {"fsGroup": 10001, "runAsGroup": 10001, "runAsNonRoot": True,
                                      "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}}
    assert pod["automountServiceAccountToken"] is False


def test_children_their_cluster_dependencies_and_options():
    render = render_one(CATALOG["fraud-scorer"])
    parent = "platform:torchserve:TorchServeModel::fraud-scorer"
    children = {r.name: (r.type, r.parent, r.cluster, r.depends_on,
                         {k: v for k, v in r.options.items() if k != "aliases"})
                for r in render.resources if r.parent == parent}
    assert children == {
        "fraud-scorer-config": ("kubernetes:core/v1:ConfigMap", parent, "private", [], {}),
        "fraud-scorer-deployment": ("kubernetes:apps/v1:Deployment", parent, "private",
                                    ["kubernetes:core/v1:ConfigMap::fraud-scorer-config"], {}),
        "fraud-scorer-hpa": ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", parent, "private",
                             ["kubernetes:apps/v1:Deployment::fraud-scorer-deployment"], {}),
        "fraud-scorer-pdb": ("kubernetes:policy/v1:PodDisruptionBudget", parent, "private", [], {}),
        "fraud-scorer-netpol": ("kubernetes:networking.k8s.io/v1:NetworkPolicy", parent, "private", [], {}),
        "fraud-scorer-service": ("kubernetes:core/v1:Service", parent, "private", [], {}),
    }


def test_hand_over_holds_the_service_after_its_dependencies_and_retains_it():
    import pulumi
    import pulumi_kubernetes as k8s

    from components.torchserve.model import HostnameHandOver, TorchServeModel, TorchServeModelArgs
    from stacks.render import run_program

    model = CATALOG["fraud-scorer"]
    spec = {"type": "ExternalName", "externalName": "gw.istio-system.svc.cluster.local"}

    def program():
        provider = k8s.Provider("private", context="test")
        gate = k8s.core.v1.ConfigMap("gate", metadata={"name": "gate", "namespace": "inference"},
                                     opts=pulumi.ResourceOptions(provider=provider))
        hand_over = HostnameHandOver(service_spec=spec, service_labels={"handed": "over"}, pod_labels={"p": "1"},
                                     gateway_peer=("istio-system", {"app": "gw"}), depends_on=(gate,))
        TorchServeModel(model.name, TorchServeModelArgs(model=model, namespace="inference", hand_over=hand_over),
                        opts=pulumi.ResourceOptions(provider=provider))

    render = run_program(program, stack="test", config={})
    service = render.get("kubernetes:core/v1:Service", "fraud-scorer-service")
    assert (service.parent, service.cluster) == ("platform:torchserve:TorchServeModel::fraud-scorer", "private")
    assert service.options == {"retain_on_delete": True}
    assert service.depends_on == ["kubernetes:networking.k8s.io/v1:NetworkPolicy::fraud-scorer-netpol",
                                  "kubernetes:core/v1:ConfigMap::gate",
                                  "kubernetes:apps/v1:Deployment::fraud-scorer-deployment"]
    assert service.inputs["metadata"] == {"name": "fraud-scorer", "namespace": "inference",
                                          "labels": {**LABELS, "handed": "over"}}
    assert service.inputs["spec"] == spec
    pod_labels = render.find("Deployment", "fraud-scorer")["spec"]["template"]["metadata"]["labels"]
    assert pod_labels == {**LABELS, "p": "1"}
    policy = render.find("NetworkPolicy", "fraud-scorer")["spec"]
    assert policy["ingress"][0]["from"] == [
        {"podSelector": {}}, {"namespaceSelector": {"matchLabels": {"inference-platform.io/clients": "true"}}},
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}},
         "podSelector": {"matchLabels": {"app": "gw"}}}]


SECURE_CONTAINER = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "privileged": False,
                    "readOnlyRootFilesystem": True, "runAsNonRoot": True}
S3_POD_SPEC = {
    "automountServiceAccountToken": False, "terminationGracePeriodSeconds": 60,
    "securityContext": {"fsGroup": 10001, "runAsGroup": 10001, "runAsNonRoot": True, "runAsUser": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [{
        "name": "torchserve", "image": "registry.internal/inference-platform/torchserve:0.12.0-cpu-2",
        "args": ["torchserve", "--foreground", "--disable-token-auth", "--ncs",
                 "--ts-config=/etc/torchserve/config.properties", "--model-store=/mnt/models/model-store"],
        "env": [{"name": "LOG_LOCATION", "value": "/home/model-server/logs"},
                {"name": "METRICS_LOCATION", "value": "/home/model-server/logs"},
                {"name": "TEMP", "value": "/tmp"},
                {"name": "JAVA_TOOL_OPTIONS", "value": "-Djava.io.tmpdir=/tmp -XX:-UsePerfData"},
                {"name": "TS_CONFIG_FILE", "value": "/etc/torchserve/config.properties"}],
        "ports": [{"containerPort": 8080, "name": "http"}, {"containerPort": 8082, "name": "metrics"}],
        "livenessProbe": {"failureThreshold": 6, "httpGet": {"path": "/ping", "port": "http"}, "periodSeconds": 10},
        "startupProbe": {"failureThreshold": 60, "httpGet": {"path": "/ping", "port": "http"}, "periodSeconds": 5},
        "readinessProbe": {"exec": {"command": ["python", "-c", "SCRIPT", "http://127.0.0.1:8081", "fraud-scorer"]},
                           "failureThreshold": 3, "periodSeconds": 5, "timeoutSeconds": 5},
        "resources": {"limits": {"cpu": "1", "memory": "2Gi"}, "requests": {"cpu": "1", "memory": "2Gi"}},
        "securityContext": SECURE_CONTAINER,
        "volumeMounts": [{"mountPath": "/mnt/models", "name": "models", "readOnly": True},
                         {"mountPath": "/etc/torchserve", "name": "config", "readOnly": True},
                         {"mountPath": "/tmp", "name": "tmp"},
                         {"mountPath": "/home/model-server/logs", "name": "logs"}]}],
    "initContainers": [{
        "name": "fetch-model", "image": "kserve/storage-initializer:v0.20.0",
        "args": ["s3://ml-artifacts/fraud-scorer/v3", "/mnt/models"],
        "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "256Mi"}},
        "securityContext": SECURE_CONTAINER,
        "volumeMounts": [{"mountPath": "/mnt/models", "name": "models"}, {"mountPath": "/tmp", "name": "tmp"}]}],
    "volumes": [{"configMap": {"name": "fraud-scorer-torchserve-config"}, "name": "config"},
                {"emptyDir": {"sizeLimit": "2Gi"}, "name": "tmp"},
                {"emptyDir": {"sizeLimit": "1Gi"}, "name": "logs"},
                {"emptyDir": {}, "name": "models"}],
}


def test_s3_model_pod_spec_whole(objects):
    """The readiness script aside (its behaviour is tested where it runs), the whole pod spec of an S3 model."""
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    pod["containers"][0]["readinessProbe"]["exec"]["command"][2] = "SCRIPT"
    assert pod == S3_POD_SPEC


def test_gpu_model_gets_the_gpu_image_node_selector_and_toleration():
    import dataclasses

    from models.spec import GpuType, Resources

    model = dataclasses.replace(CATALOG["fraud-scorer"], resources=Resources(gpu_count=1, gpu_type=GpuType.T4))
    pod = render_one(model).find("Deployment", "fraud-scorer")["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == "registry.internal/inference-platform/torchserve:0.12.0-gpu-2"
    assert pod["nodeSelector"] == {"inference-platform.io/gpu-type": "t4"}
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    cpu_pod = render_one(CATALOG["fraud-scorer"]).find("Deployment", "fraud-scorer")["spec"]["template"]["spec"]
    assert "nodeSelector" not in cpu_pod and "tolerations" not in cpu_pod


def test_pvc_model_mounts_its_sub_path_read_only():
    import dataclasses

    model = dataclasses.replace(CATALOG["fraud-scorer"], storage_uri="pvc://model-store/fraud-scorer/v3")
    pod = render_one(model).find("Deployment", "fraud-scorer")["spec"]["template"]["spec"]
    assert pod["containers"][0]["volumeMounts"][0] == {"name": "models", "mountPath": "/mnt/models",
                                                        "subPath": "fraud-scorer/v3", "readOnly": True}
    assert pod["volumes"][-1] == {"name": "models",
                                  "persistentVolumeClaim": {"claimName": "model-store", "readOnly": True}}
    assert "initContainers" not in pod
