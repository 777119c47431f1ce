"""Exact wiring of the example renders: port name → number → probe / Service / NetworkPolicy target, policy peers
and security contexts, each compared with the whole expected value written out here.

Sets, `in` checks and values computed with the production helpers let a swapped port, an extra peer or a flipped
flag through (all three slipped past the suite once). Each assertion here compares a full dict or list, so any
change to these objects has to change this file too.
"""
from __future__ import annotations

import pytest

# --- what every serving container and pod must say (secure by default) ----------------------------------------------
CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "privileged": False,
                      "readOnlyRootFilesystem": True, "runAsNonRoot": True}
POD_SECURITY = {"fsGroup": 10001, "runAsGroup": 10001, "runAsNonRoot": True, "runAsUser": 10001,
                "seccompProfile": {"type": "RuntimeDefault"}}
PHASE1_LABELS = {"app.kubernetes.io/component": "predictor", "app.kubernetes.io/name": "fx-pricer"}


def _properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


# --- phase 1: fx-pricer's Deployment, Service, NetworkPolicy and TorchServe config -------------------------------------

@pytest.fixture
def phase1(private_render):
    find = private_render.find
    return {"deployment": find("Deployment", "fx-pricer", "private"), "service": find("Service", "fx-pricer", "private"),
            "policy": find("NetworkPolicy", "fx-pricer", "private"),
            "config": find("ConfigMap", "fx-pricer-torchserve-config", "private")}


def test_phase1_container_ports_are_the_addresses_torchserve_listens_on(phase1):
    container = phase1["deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["name"] == "torchserve"
    assert container["ports"] == [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 8082}]
    props = _properties(phase1["config"]["data"]["config.properties"])
    # inference and metrics on every interface at the two container ports; management on loopback only
    assert props["inference_address"] == "http://0.0.0.0:8080"
    assert props["metrics_address"] == "http://0.0.0.0:8082"
    assert props["management_address"] == "http://127.0.0.1:8081"
    assert (props["grpc_inference_address"], props["grpc_management_address"]) == ("127.0.0.1", "127.0.0.1")
    assert props["enable_model_api"] == "false"


def test_phase1_probes_target_the_inference_port_and_the_loopback_management_api(phase1):
    container = phase1["deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["startupProbe"] == {"httpGet": {"path": "/ping", "port": "http"}, "periodSeconds": 5,
                                         "failureThreshold": 60}
    assert container["livenessProbe"] == {"httpGet": {"path": "/ping", "port": "http"}, "periodSeconds": 10,
                                          "failureThreshold": 6}
    ready = container["readinessProbe"]
    assert {k: v for k, v in ready.items() if k != "exec"} == {"periodSeconds": 5, "timeoutSeconds": 5,
                                                                "failureThreshold": 3}
    command = ready["exec"]["command"]
    assert command[:2] == ["python", "-c"] and command[3:] == ["http://127.0.0.1:8081", "fx-pricer"]


def test_phase1_service_targets_the_named_ports_and_selects_the_pods(phase1):
    spec = phase1["service"]["spec"]
    assert spec == {"type": "ClusterIP", "selector": PHASE1_LABELS,
                    "ports": [{"name": "http", "port": 80, "targetPort": "http"},
                              {"name": "metrics", "port": 8082, "targetPort": "metrics"}]}
    assert phase1["deployment"]["spec"]["selector"] == {"matchLabels": PHASE1_LABELS}
    labels = phase1["deployment"]["spec"]["template"]["metadata"]["labels"]
    assert {k: labels[k] for k in PHASE1_LABELS} == PHASE1_LABELS


def test_phase1_scrape_annotations_name_the_metrics_port(phase1):
    annotations = phase1["deployment"]["spec"]["template"]["metadata"]["annotations"]
    assert {k: v for k, v in annotations.items() if k.startswith("prometheus.io/")} == {
        "prometheus.io/scrape": "true", "prometheus.io/port": "8082", "prometheus.io/path": "/metrics"}


def test_phase1_network_policy_peers_exactly(phase1):
    """Inference from the namespace and labelled client namespaces on 8080 only; metrics from monitoring on 8082
    only; the management port 8081 from nowhere."""
    assert phase1["policy"]["spec"] == {
        "podSelector": {"matchLabels": PHASE1_LABELS},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [{"podSelector": {}},
                      {"namespaceSelector": {"matchLabels": {"inference-platform.io/clients": "true"}}}],
             "ports": [{"port": 8080, "protocol": "TCP"}]},
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
             "ports": [{"port": 8082, "protocol": "TCP"}]},
        ]}


def test_phase1_pod_and_container_security(phase1):
    pod = phase1["deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"] == POD_SECURITY
    assert pod["automountServiceAccountToken"] is False
    assert [c["securityContext"] for c in pod["containers"]] == [CONTAINER_SECURITY]
    assert pod["containers"][0]["resources"] == {"requests": {"cpu": "1", "memory": "1Gi"},
                                                 "limits": {"cpu": "1", "memory": "1Gi"}}


# --- KServe serving runtimes (on the Karmada control plane, propagated to members) ---------------------------------

def _runtime(private_render, name):
    return private_render.find("ClusterServingRuntime", name, "karmada-provider")["spec"]


@pytest.mark.parametrize("name", ["platform-torchserve", "platform-torchserve-gpu"])
def test_torchserve_runtime_wiring(private_render, name):
    spec = _runtime(private_render, name)
    assert spec["annotations"] == {"prometheus.kserve.io/port": "8082", "prometheus.kserve.io/path": "/metrics"}
    assert spec["protocolVersions"] == ["v1"]
    [container] = spec["containers"]
    assert container["name"] == "kserve-container"
    assert container["ports"] == [{"name": "http1", "containerPort": 8080, "protocol": "TCP"}]
    assert container["args"] == ["torchserve", "--foreground", "--disable-token-auth", "--ncs",
                                 "--ts-config=/etc/torchserve/config.properties",
                                 "--model-store=/mnt/models/model-store"]
    ready = container["readinessProbe"]
    assert {k: v for k, v in ready.items() if k != "exec"} == {"periodSeconds": 5, "timeoutSeconds": 5,
                                                                "failureThreshold": 3}
    assert ready["exec"]["command"][:2] == ["python", "-c"]
    assert ready["exec"]["command"][3:] == ["http://127.0.0.1:8081"]
    assert container["securityContext"] == CONTAINER_SECURITY


def test_torchserve_runtime_model_formats(private_render):
    assert _runtime(private_render, "platform-torchserve")["supportedModelFormats"] == [
        {"name": "pytorch", "autoSelect": True, "priority": 1}]
    assert _runtime(private_render, "platform-torchserve-gpu")["supportedModelFormats"] == [
        {"name": "pytorch", "autoSelect": False}]


def test_triton_runtime_wiring(private_render):
    spec = _runtime(private_render, "platform-triton")
    # Triton's metrics port is its default, 8002 (not overridden in args)
    assert spec["annotations"] == {"prometheus.kserve.io/port": "8002", "prometheus.kserve.io/path": "/metrics"}
    assert spec["protocolVersions"] == ["v2", "grpc-v2"]
    [container] = spec["containers"]
    assert container["ports"] == [{"name": "http1", "containerPort": 8080, "protocol": "TCP"}]
    assert container["args"] == ["tritonserver", "--model-store=/mnt/models/triton", "--grpc-port=9000",
                                 "--http-port=8080", "--allow-grpc=true", "--allow-http=true"]
    assert container["readinessProbe"] == {"httpGet": {"path": "/v2/health/ready", "port": 8080}, "periodSeconds": 5,
                                           "failureThreshold": 3}
    assert container["securityContext"] == CONTAINER_SECURITY


def test_every_inference_service_runs_with_the_pod_security_context(private_render):
    services = [o for o in private_render.objects("karmada-provider") if o["kind"] == "InferenceService"]
    assert len(services) == 8
    for isvc in services:
        predictor = isvc["spec"]["predictor"]
        assert predictor["securityContext"] == POD_SECURITY, isvc["metadata"]["name"]
        assert predictor["automountServiceAccountToken"] is False, isvc["metadata"]["name"]
        assert predictor["serviceAccountName"] == "model-reader", isvc["metadata"]["name"]


# --- security policies: every NetworkPolicy of both renders, peers exactly ------------------------------------------

KSERVE_INGRESS_PEERS = [
    {"podSelector": {}},
    {"namespaceSelector": {"matchLabels": {"inference-platform.io/clients": "true"}}},
    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "knative-serving"}}},
    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}}},
    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}},
]


def _kserve_ingress(label):
    return {"podSelector": {"matchExpressions": [{"key": label, "operator": "Exists"}]},
            "policyTypes": ["Ingress"], "ingress": [{"from": KSERVE_INGRESS_PEERS}]}


# Written out exactly in tests/test_security_network_isolation.py (default deny, egress, the serving entry):
# here only their presence is part of the exact set.
ISOLATION_POLICIES = {("inference", "models-default-deny"), ("inference", "models-egress"),
                      ("istio-system", "ingressgateway-callers"), ("knative-serving", "activator-callers")}


def _policies(render, cluster):
    found = {(o["metadata"]["namespace"], o["metadata"]["name"]): o["spec"]
             for o in render.objects(cluster) if o["kind"] == "NetworkPolicy"}
    assert ISOLATION_POLICIES <= set(found), sorted(ISOLATION_POLICIES - set(found))
    return {key: spec for key, spec in found.items() if key not in ISOLATION_POLICIES}


def test_private_cluster_network_policies_exactly(private_render):
    assert _policies(private_render, "private") == {
        ("inference", "inferenceservice-ingress"): _kserve_ingress("serving.kserve.io/inferenceservice"),
        ("inference", "inferencegraph-ingress"): _kserve_ingress("serving.kserve.io/inferencegraph"),
        ("inference", "fx-pricer"): {
            "podSelector": {"matchLabels": PHASE1_LABELS}, "policyTypes": ["Ingress"],
            "ingress": [
                {"from": [{"podSelector": {}},
                          {"namespaceSelector": {"matchLabels": {"inference-platform.io/clients": "true"}}}],
                 "ports": [{"port": 8080, "protocol": "TCP"}]},
                {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
                 "ports": [{"port": 8082, "protocol": "TCP"}]}]},
        ("karmada-system", "karmada-egress"): {
            "podSelector": {}, "policyTypes": ["Egress"],
            "egress": [
                {"to": [{"podSelector": {}}]},
                {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                         "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                 "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
                {"to": [{"ipBlock": {"cidr": "10.20.0.10/32"}}, {"ipBlock": {"cidr": "10.20.0.11/32"}},
                        {"ipBlock": {"cidr": "10.20.0.12/32"}}],
                 "ports": [{"port": 6443, "protocol": "TCP"}]}]},
        ("karmada-system", "karmada-etcd-ingress"): {
            "podSelector": {"matchLabels": {"app": "etcd"}}, "policyTypes": ["Ingress"],
            "ingress": [
                {"from": [{"podSelector": {"matchLabels": {"app": "karmada-apiserver"}}},
                          {"podSelector": {"matchLabels": {"app": "karmada-aggregated-apiserver"}}}],
                 "ports": [{"port": 2379, "protocol": "TCP"}]},
                {"from": [{"podSelector": {"matchLabels": {"app": "etcd"}}}]}]},
    }


def test_member_cluster_network_policies_exactly(public_render):
    assert _policies(public_render, "aws-use1") == {
        ("inference", "inferenceservice-ingress"): _kserve_ingress("serving.kserve.io/inferenceservice"),
        ("inference", "inferencegraph-ingress"): _kserve_ingress("serving.kserve.io/inferencegraph"),
    }


def test_no_policy_admits_every_namespace(private_render, public_render):
    """An empty namespaceSelector (or one with no podSelector beside it) opens a port to the whole cluster."""
    for render in (private_render, public_render):
        for obj in render.objects():
            if obj["kind"] != "NetworkPolicy":
                continue
            for rule in obj["spec"].get("ingress", []):
                for peer in rule.get("from", []):
                    assert peer.get("namespaceSelector") not in ({}, {"matchLabels": {}}), obj["metadata"]
