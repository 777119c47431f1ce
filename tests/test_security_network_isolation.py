"""Issue 13, finding 4: who can reach a model, in every phase and on every cluster, from the rendered policies.

Two kinds of checks: the rendered specs, written out in full; and a caller matrix, where a small evaluator of
Kubernetes NetworkPolicy semantics (a pod selected by some policy of a direction accepts only what one of them
admits; peers: namespaceSelector and/or podSelector, none = the policy's namespace) runs each documented and
undocumented caller against the rendered policies of a cluster. Caller and target labels are written out here."""
from __future__ import annotations

import copy

import pytest

from stacks.__main__ import load_stack_file, render_config
from stacks.validation import validate_builtin
from tests.crd_schema import validate_custom_resource

CLIENTS = {"inference-platform.io/clients": "true"}
NAMESPACE_LABELS = {"payments": CLIENTS, "risk-scoring": CLIENTS}
GATEWAY = ("istio-system", {"istio": "ingressgateway", "app": "istio-ingressgateway"})
ISTIOD = ("istio-system", {"app": "istiod"})
ACTIVATOR = ("knative-serving", {"app": "activator"})
AUTOSCALER = ("knative-serving", {"app": "autoscaler"})
DNS = ("kube-system", {"k8s-app": "kube-dns"})
PROMETHEUS = ("monitoring", {"app.kubernetes.io/name": "prometheus"})
CLIENT = ("payments", {"app": "checkout"})
OTHER_CLIENT = ("risk-scoring", {"app": "scorer"})
STRANGER = ("default", {"app": "anything"})
KUBE_SYSTEM = ("kube-system", {"app": "something"})
IN_NAMESPACE = ("inference", {"app": "job"})
# KServe's label on every predictor pod (kserve v0.20.0 constants `InferenceServicePodLabelKey`), Phase 1's pods.
PREDICTOR = ("inference", {"serving.kserve.io/inferenceservice": "fraud-scorer", "component": "predictor"})
FX_PRICER = ("inference", {"app.kubernetes.io/name": "fx-pricer", "app.kubernetes.io/component": "predictor"})


def _selects(selector: dict, labels: dict) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        assert expr["operator"] == "Exists", expr  # the only operator the platform renders
        if expr["key"] not in labels:
            return False
    return True


def _peer(peer: dict, policy_namespace: str, pod: tuple[str, dict]) -> bool:
    namespace, labels = pod
    if "ipBlock" in peer:
        return False  # pods are addressed by selectors here; address rules are checked as specs
    ns_labels = {**NAMESPACE_LABELS.get(namespace, {}), "kubernetes.io/metadata.name": namespace}
    ns_ok = (_selects(peer["namespaceSelector"], ns_labels) if "namespaceSelector" in peer
             else namespace == policy_namespace)
    return ns_ok and ("podSelector" not in peer or _selects(peer["podSelector"], labels))


def _allowed(policies: list[dict], direction: str, subject: tuple[str, dict], other: tuple[str, dict],
             port: int) -> bool:
    key, peers = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [p for p in policies if p["metadata"]["namespace"] == subject[0]
                 and direction in p["spec"]["policyTypes"] and _selects(p["spec"]["podSelector"], subject[1])]
    if not selecting:
        return True
    return any((not rule.get("ports") or any(p["port"] == port for p in rule["ports"]))
               and (peers not in rule or any(_peer(peer, p["metadata"]["namespace"], other) for peer in rule[peers]))
               for p in selecting for rule in p["spec"].get(key, []))


def reaches(policies: list[dict], source: tuple[str, dict], target: tuple[str, dict], port: int) -> bool:
    """Both ends: the source's egress and the target's ingress."""
    return (_allowed(policies, "Egress", source, target, port)
            and _allowed(policies, "Ingress", target, source, port))


def network_policies(render, cluster: str) -> list[dict]:
    return [o for o in render.objects(cluster) if o["kind"] == "NetworkPolicy"]


def render_changed(**changes):
    config = copy.deepcopy(load_stack_file("private"))
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    return render_config("private", config)  # members' stack references answered as the render does


@pytest.fixture(scope="module")
def phase_one():
    """The private stack at phase 1: fx-pricer alone."""
    return render_changed(**{"platform:phase": "torchserve", "platform:members": None,
                            "platform:models": {"fx-pricer": {"phase": "torchserve"}}})


@pytest.fixture(scope="module")
def hand_over():
    config = copy.deepcopy(load_stack_file("private")["platform:models"])
    config["fx-pricer"] = {"phase": "kserve", "handOver": "prepare"}
    return render_changed(**{"platform:models": config})


# -- the rendered specs ------------------------------------------------------------------------------------------

NON_PUBLIC = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"]
DNS_RULE = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
OWN_NAMESPACE_RULE = {"to": [{"podSelector": {}}]}
MESH_RULES = [
    {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}},
             "podSelector": {"matchLabels": {"app": "istiod"}}}], "ports": [{"protocol": "TCP", "port": 15012}]},
    {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}},
             "podSelector": {"matchLabels": {"istio": "ingressgateway"}}}],
     "ports": [{"protocol": "TCP", "port": 8081}]},
]
S3_RULE = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": NON_PUBLIC}}],
           "ports": [{"protocol": "TCP", "port": 443}]}


def by_name(render, cluster: str, kind: str, namespace: str) -> dict:
    return {o["metadata"]["name"]: o for o in render.objects(cluster)
            if o["kind"] == kind and o["metadata"]["namespace"] == namespace}


@pytest.mark.parametrize("stack,cluster", [("private", "private"), ("public", "aws-use1")])
def test_model_namespace_denies_by_default_and_opens_only_the_egress_pods_need(private_render, public_render,
                                                                              stack, cluster):
    render = private_render if stack == "private" else public_render
    policies = by_name(render, cluster, "NetworkPolicy", "inference")
    assert policies["models-default-deny"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert policies["models-egress"]["spec"] == {"podSelector": {}, "policyTypes": ["Egress"],
                                                 "egress": [DNS_RULE, OWN_NAMESPACE_RULE, *MESH_RULES, S3_RULE]}
    for obj in policies.values():
        assert validate_builtin(obj)


def test_phase_one_egress_has_no_mesh_and_no_system_namespace_policies(phase_one):
    policies = by_name(phase_one, "private", "NetworkPolicy", "inference")
    assert set(policies) == {"fx-pricer", "models-default-deny", "models-egress"}
    assert policies["models-egress"]["spec"]["egress"] == [DNS_RULE, OWN_NAMESPACE_RULE, S3_RULE]
    kinds = {(o["kind"], o["metadata"].get("namespace")) for o in phase_one.objects("private")}
    assert not {k for k in kinds if k[1] in ("istio-system", "knative-serving")}
    assert not {k for k in kinds if k[0] in ("PeerAuthentication", "AuthorizationPolicy")}


@pytest.mark.parametrize("endpoint,rule", [
    ("http://minio.storage.internal:9000", {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                                             "ports": [{"protocol": "TCP", "port": 9000}]}),
    ("https://minio.storage.internal", {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                                         "ports": [{"protocol": "TCP", "port": 443}]}),
    ("http://minio.storage.internal", {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                                        "ports": [{"protocol": "TCP", "port": 80}]}),
])
def test_an_on_premises_store_is_reached_on_its_port_at_any_address(endpoint, rule):
    r = render_changed(**{"platform:phase": "torchserve", "platform:members": None,
                         "platform:models": {"fx-pricer": {"phase": "torchserve"}},
                         "platform:storage": {"credentialsSecret": "model-storage-s3", "s3Endpoint": endpoint}})
    egress = by_name(r, "private", "NetworkPolicy", "inference")["models-egress"]["spec"]["egress"]
    assert egress == [DNS_RULE, OWN_NAMESPACE_RULE, rule]


@pytest.mark.parametrize("stack,cluster", [("private", "private"), ("public", "aws-use1")])
def test_gateway_and_activator_admit_only_the_documented_callers(private_render, public_render, stack, cluster):
    render = private_render if stack == "private" else public_render
    gateway = by_name(render, cluster, "NetworkPolicy", "istio-system")
    activator = by_name(render, cluster, "NetworkPolicy", "knative-serving")
    assert set(gateway) == {"ingressgateway-callers"} and set(activator) == {"activator-callers"}
    assert gateway["ingressgateway-callers"]["spec"] == {
        "podSelector": {"matchLabels": {"istio": "ingressgateway"}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "inference"}}},
                      {"namespaceSelector": {"matchLabels": {"inference-platform.io/clients": "true"}}},
                      {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "knative-serving"}}}]},
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
             "ports": [{"protocol": "TCP", "port": 15020}, {"protocol": "TCP", "port": 15090}]},
            {"ports": [{"protocol": "TCP", "port": 15021}]},
        ]}
    assert activator["activator-callers"]["spec"] == {
        "podSelector": {"matchLabels": {"app": "activator"}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}},
                       "podSelector": {"matchLabels": {"istio": "ingressgateway"}}}],
             "ports": [{"protocol": "TCP", "port": 8012}, {"protocol": "TCP", "port": 8013},
                       {"protocol": "TCP", "port": 8112}]},
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
             "ports": [{"protocol": "TCP", "port": 9090}]},
        ]}
    for obj in (*gateway.values(), *activator.values()):
        assert validate_builtin(obj)


@pytest.mark.parametrize("stack,cluster,clients", [
    ("private", "private", ["payments", "risk-scoring"]), ("public", "aws-use1", [])])
def test_mesh_requires_mtls_and_admits_the_documented_callers_by_identity(private_render, public_render,
                                                                          stack, cluster, clients):
    render = private_render if stack == "private" else public_render
    peer = by_name(render, cluster, "PeerAuthentication", "inference")
    authz = by_name(render, cluster, "AuthorizationPolicy", "inference")
    assert set(peer) == {"default"} and set(authz) == {"model-callers"}
    assert peer["default"]["spec"] == {"mtls": {"mode": "STRICT"}}
    assert authz["model-callers"]["spec"] == {"action": "ALLOW", "rules": [
        {"from": [{"source": {"namespaces": ["inference", "istio-system", "knative-serving", *clients]}}]},
        {"from": [{"source": {"namespaces": ["monitoring"]}}],
         "to": [{"operation": {"ports": ["8082", "8002", "9088"]}}]},
    ]}
    for obj in (*peer.values(), *authz.values()):
        validate_custom_resource(obj)
    # created after the Istio CRDs
    for type_ in ("PeerAuthentication", "AuthorizationPolicy"):
        registered = [r for r in render.of_type(f"kubernetes:security.istio.io/v1:{type_}") if r.cluster == cluster]
        assert len(registered) == 1
        assert any(d.startswith("kubernetes:helm.sh/v3:Release::") and d.endswith("istio-base")
                   for d in registered[0].depends_on), registered[0].depends_on


# -- the caller matrix -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source,target,port,expected", [
    # the hostname of a Knative-mode model leads to the gateway: clients and the namespace itself only
    (CLIENT, GATEWAY, 8081, True), (OTHER_CLIENT, GATEWAY, 8081, True), (IN_NAMESPACE, GATEWAY, 8081, True),
    (ACTIVATOR, GATEWAY, 8081, True),  # knative-serving: net-istio's prober
    (STRANGER, GATEWAY, 8081, False), (KUBE_SYSTEM, GATEWAY, 8081, False), (PROMETHEUS, GATEWAY, 8081, False),
    (ISTIOD, GATEWAY, 8081, False), (STRANGER, GATEWAY, 80, False),
    (PROMETHEUS, GATEWAY, 15020, True), (STRANGER, GATEWAY, 15020, False), (STRANGER, GATEWAY, 15021, True),
    # the activator only behind the gateway
    (GATEWAY, ACTIVATOR, 8012, True), (GATEWAY, ACTIVATOR, 8013, True), (GATEWAY, ACTIVATOR, 9090, False),
    (CLIENT, ACTIVATOR, 8012, False), (STRANGER, ACTIVATOR, 8012, False), (IN_NAMESPACE, ACTIVATOR, 8012, False),
    (ISTIOD, ACTIVATOR, 8012, False), (PROMETHEUS, ACTIVATOR, 9090, True), (PROMETHEUS, ACTIVATOR, 8012, False),
    # KServe's predictor pods
    (CLIENT, PREDICTOR, 8080, True), (GATEWAY, PREDICTOR, 8080, True), (ACTIVATOR, PREDICTOR, 8012, True),
    (AUTOSCALER, PREDICTOR, 9090, True), (PROMETHEUS, PREDICTOR, 9088, True), (IN_NAMESPACE, PREDICTOR, 8080, True),
    (STRANGER, PREDICTOR, 8080, False), (KUBE_SYSTEM, PREDICTOR, 8080, False),
    # Phase 1 pods (no hand-over): inference from clients and the namespace, metrics from monitoring
    (CLIENT, FX_PRICER, 8080, True), (IN_NAMESPACE, FX_PRICER, 8080, True), (PROMETHEUS, FX_PRICER, 8082, True),
    (PROMETHEUS, FX_PRICER, 8080, False), (CLIENT, FX_PRICER, 8082, False), (GATEWAY, FX_PRICER, 8080, False),
    (STRANGER, FX_PRICER, 8080, False),
    # any other pod of the model namespace accepts nothing
    (IN_NAMESPACE, IN_NAMESPACE, 8080, False), (CLIENT, IN_NAMESPACE, 8080, False),
    # what model pods may dial
    (PREDICTOR, DNS, 53, True), (PREDICTOR, ISTIOD, 15012, True), (PREDICTOR, GATEWAY, 8081, True),
    (PREDICTOR, GATEWAY, 80, False), (PREDICTOR, ISTIOD, 15017, False), (PREDICTOR, ACTIVATOR, 8012, False),
    (PREDICTOR, CLIENT, 8080, False), (PREDICTOR, STRANGER, 443, False), (PREDICTOR, PREDICTOR, 8080, True),
    (FX_PRICER, DNS, 53, True), (FX_PRICER, DNS, 8053, False),
])
def test_private_cluster_callers(private_render, source, target, port, expected):
    assert reaches(network_policies(private_render, "private"), source, target, port) is expected


@pytest.mark.parametrize("source,target,port,expected", [
    (CLIENT, GATEWAY, 8081, True), (STRANGER, GATEWAY, 8081, False), (GATEWAY, ACTIVATOR, 8012, True),
    (STRANGER, ACTIVATOR, 8012, False), (CLIENT, PREDICTOR, 8080, True), (STRANGER, PREDICTOR, 8080, False),
    (PREDICTOR, STRANGER, 443, False), (PREDICTOR, ISTIOD, 15012, True),
])
def test_public_member_callers(public_render, source, target, port, expected):
    assert reaches(network_policies(public_render, "aws-use1"), source, target, port) is expected


@pytest.mark.parametrize("source,port,expected", [
    (GATEWAY, 8080, True), (GATEWAY, 8082, False), (ISTIOD, 8080, False), (CLIENT, 8080, True),
    (PROMETHEUS, 8082, True), (STRANGER, 8080, False)])
def test_phase_one_pods_admit_the_gateway_during_a_hand_over(hand_over, source, port, expected):
    assert reaches(network_policies(hand_over, "private"), source, FX_PRICER, port) is expected


@pytest.mark.parametrize("source,target,port,expected", [
    (CLIENT, FX_PRICER, 8080, True), (STRANGER, FX_PRICER, 8080, False), (PROMETHEUS, FX_PRICER, 8082, True),
    (FX_PRICER, DNS, 53, True), (FX_PRICER, STRANGER, 8080, False), (FX_PRICER, ISTIOD, 15012, False)])
def test_phase_one_stack_callers(phase_one, source, target, port, expected):
    assert reaches(network_policies(phase_one, "private"), source, target, port) is expected
