"""KarmadaControlPlane and PushMember under the SDK's mocks: the chart and its values, the certificates, the
provider for the Karmada API server, the Pull agents' credentials and RBAC, the interpreter, the Push member."""
from __future__ import annotations

import base64
import json
import re

import pulumi
import pulumi_kubernetes as k8s
import pytest

from tests.crd_schema import validate_custom_resource

from components.karmada.control_plane import (AGENT_GROUP, AGENT_USER_PREFIX, COMPONENT_RESOURCES,
                                              DEFAULT_API_ENDPOINT, ETCD_RESOURCES, KarmadaControlPlane,
                                              KarmadaControlPlaneArgs, chart_hosts)
from components.karmada.interpreter import isvc_interpreter_customization
from components.karmada.member import (CLUSTER_SECRETS_NAMESPACE, CLUSTER_SPEC_FIELDS, PushMember, PushMemberArgs,
                                      cluster_object, cluster_object_errors)
from components.versions import KARMADA_CHART, KARMADA_VERSION
from stacks import crd_schema
from stacks.fake_cloud import FAKE_KEY, FAKE_PEM
from stacks.render import run_program
from stacks.resource_types import HELM_RELEASE, K8S_PROVIDER
from stacks.validation import validate_builtin
from tests.messages import exactly

RELEASE_KEY = f"{HELM_RELEASE}::karmada-release"
CRDS_README = crd_schema.DEFAULT_CRDS_DIR / "README.md"
# Keys of charts/karmada/values.yaml (karmada-io/karmada, the v1.18 chart) that the component sets.
CHART_TOP_LEVEL_KEYS = {"installMode", "clusterDomain", "certs", "apiServer", "controllerManager", "scheduler",
                        "webhook", "aggregatedApiServer", "metricsAdapter", "kubeControllerManager", "etcd",
                        "global", "kubectl", "cfssl"}
CHART_CUSTOM_CERT_KEYS = {"caCrt", "caKey", "crt", "key", "frontProxyCaCrt", "frontProxyCrt", "frontProxyKey"}


def render(args: KarmadaControlPlaneArgs, push: bool = True):
    def program():
        private = k8s.Provider("private", context="test")
        cp = KarmadaControlPlane("karmada", args, opts=pulumi.ResourceOptions(provider=private))
        if push:
            PushMember("private-member", PushMemberArgs(cluster_name="private", karmada_provider=cp.provider,
                                                        karmada_ready=[cp.release]),
                       opts=pulumi.ResourceOptions(provider=private))
        pulumi.export("values", cp.chart_values)
        pulumi.export("kubeconfig", cp.kubeconfig)
        pulumi.export("ca", cp.ca_certificate)
        pulumi.export("endpoint", cp.api_endpoint)
        for member in args.pull_members:
            pulumi.export(f"credentials-{member}", cp.member_agent_credentials(member))
        for member in args.pull_members:
            cert, key = cp.agent_credentials(member)
            pulumi.export(f"{member}-cert", cert)
            pulumi.export(f"{member}-key", key)
    return run_program(program, stack="test", config={})


@pytest.fixture(scope="module")
def r():
    return render(KarmadaControlPlaneArgs(pull_members=("aws-use1", "aws-euw1")))


def release(r):
    return r.get(HELM_RELEASE, "karmada-release")


def without_annotations(component_values: dict) -> dict:
    """A component's values less its certificate checksum (tests/test_security_karmada.py checks that)."""
    return {k: v for k, v in component_values.items() if k != "podAnnotations"}


# -- the chart ----------------------------------------------------------------------------------------------


def test_karmada_chart_is_pinned_and_installed_on_the_private_cluster(r):
    rel = release(r)
    assert rel.cluster == "private"
    # v1.18.2 is not in the index of the raw.githubusercontent.com repository (../shared/charts/karmada-index.yaml
    # stops at v1.18.1): the chart is pulled as the v1.18.2 release asset, not through that index.
    assert rel.inputs["chart"] == ("https://github.com/karmada-io/karmada/releases/download/v1.18.2/"
                                   "karmada-chart-v1.18.2.tgz") == KARMADA_CHART.archive
    assert rel.inputs["version"] == "v1.18.2" == KARMADA_VERSION
    assert rel.inputs.get("repositoryOpts") is None
    assert rel.inputs["name"] == "karmada" and rel.inputs["namespace"] == "karmada-system"
    assert rel.inputs["createNamespace"] is True
    # The static-resource job installs Karmada's CRDs into the Karmada API server: wait for it.
    assert rel.inputs["waitForJobs"] is True and rel.inputs["timeout"] >= 600
    assert rel.parent == "platform:karmada:KarmadaControlPlane::karmada"


def test_chart_values_carry_private_keys_so_the_release_values_are_secret(r):
    assert release(r).secrets == ["values"]
    values = release(r).inputs["values"]
    assert values["certs"]["custom"]["key"] == "[secret]" and values["certs"]["custom"]["caCrt"] == "[secret]"

    def strings(node):
        if isinstance(node, dict):
            return [s for v in node.values() for s in strings(v)]
        if isinstance(node, list):
            return [s for v in node for s in strings(v)]
        return [node] if isinstance(node, str) else []
    assert set(strings(values)) == {"[secret]"}  # redacted whole: no plain string leaks into the render
    assert "values" in r.secret_outputs


def test_chart_values_use_custom_certificates_minted_by_the_stack(r):
    values = r.outputs["values"]
    assert set(values) <= CHART_TOP_LEVEL_KEYS
    assert values["installMode"] == "host"
    assert values["certs"]["mode"] == "custom"
    custom = values["certs"]["custom"]
    assert set(custom) == CHART_CUSTOM_CERT_KEYS
    for key in ("caCrt", "crt", "frontProxyCaCrt", "frontProxyCrt"):
        assert custom[key] == FAKE_PEM
    for key in ("caKey", "key", "frontProxyKey"):
        assert custom[key] == FAKE_KEY


KARMADA_IMAGE = {"registry": "docker.io", "tag": "v1.18.2"}
EXPECTED_IMAGES = {
    ("scheduler",): {**KARMADA_IMAGE, "repository": "karmada/karmada-scheduler"},
    ("webhook",): {**KARMADA_IMAGE, "repository": "karmada/karmada-webhook"},
    ("controllerManager",): {**KARMADA_IMAGE, "repository": "karmada/karmada-controller-manager"},
    ("aggregatedApiServer",): {**KARMADA_IMAGE, "repository": "karmada/karmada-aggregated-apiserver"},
    ("metricsAdapter",): {**KARMADA_IMAGE, "repository": "karmada/karmada-metrics-adapter"},
    ("apiServer",): {"registry": "registry.k8s.io", "repository": "kube-apiserver", "tag": "v1.35.2"},
    ("kubeControllerManager",): {"registry": "registry.k8s.io", "repository": "kube-controller-manager",
                                 "tag": "v1.35.2"},
    ("etcd", "internal"): {"registry": "registry.k8s.io", "repository": "etcd", "tag": "3.6.6-0"},
    # Not the chart's docker.io/bitnamisecure/kubectl (published at `latest` only): the platform's image with bash.
    ("kubectl",): {"registry": "registry.internal", "repository": "inference-platform/karmada-kubectl",
                   "tag": "1.35.2-1"},
    ("cfssl",): {"registry": "docker.io", "repository": "cfssl/cfssl", "tag": "v1.6.5"},
}


def test_chart_values_pin_every_image_and_enable_propagate_deps(r):
    values = r.outputs["values"]
    for path, image in EXPECTED_IMAGES.items():
        node = values
        for key in path:
            node = node[key]
        assert node["image"] == image, path
    assert values["controllerManager"]["featureGates"] == {"PropagateDeps": True}
    assert without_annotations(values["apiServer"]) == {"replicaCount": 1, "serviceType": "ClusterIP",
                                   "resources": COMPONENT_RESOURCES["apiServer"],
                                   "image": EXPECTED_IMAGES[("apiServer",)]}
    assert "global" not in values


def test_etcd_keeps_its_data_on_a_claim_in_the_default_storage_class(r):
    # The chart's default is a hostPath (charts/karmada/values.yaml `etcd.internal.storageType`).
    assert r.outputs["values"]["etcd"] == {"internal": {
        "resources": ETCD_RESOURCES, "storageType": "pvc", "pvc": {"storageClass": "", "size": "5Gi"},
        "image": EXPECTED_IMAGES[("etcd", "internal")]}}
    assert r.of_type("kubernetes:core/v1:Service") == []  # ClusterIP: the chart's own Service only


def test_every_control_plane_pod_gets_requests_and_limits(r):
    values = r.outputs["values"]
    for component in ("apiServer", "aggregatedApiServer", "controllerManager", "scheduler", "webhook",
                      "metricsAdapter", "kubeControllerManager"):
        resources = values[component]["resources"]
        assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}, component
    assert set(values["etcd"]["internal"]["resources"]["limits"]) == {"cpu", "memory"}


def test_optional_values_etcd_storage_registry_node_port_and_overrides():
    r = render(KarmadaControlPlaneArgs(etcd_storage_class="ceph-rbd", etcd_storage_size="20Gi",
                                       image_registry="mirror.internal", service_type="NodePort", node_port=32443,
                                       apiserver_replicas=3,
                                       values={"apiServer": {"serviceAnnotations": {"lb": "internal"}}}),
               push=False)
    values = r.outputs["values"]
    assert values["etcd"]["internal"]["pvc"] == {"storageClass": "ceph-rbd", "size": "20Gi"}
    assert values["global"] == {"imageRegistry": "mirror.internal"}
    assert without_annotations(values["apiServer"]) == {"replicaCount": 3, "serviceType": "NodePort", "nodePort": 32443,
                                   "resources": COMPONENT_RESOURCES["apiServer"],
                                   "image": EXPECTED_IMAGES[("apiServer",)],
                                   "serviceAnnotations": {"lb": "internal"}}
    assert r.of_type("kubernetes:core/v1:Service") == []


def test_a_load_balancer_is_the_components_own_service_open_to_the_given_sources_only():
    # The chart's Service (v1.18.2 templates/karmada-apiserver.yaml) cannot carry loadBalancerSourceRanges, and a
    # LoadBalancer inside the release would make Helm's wait time out on a cluster without a load balancer.
    r = render(KarmadaControlPlaneArgs(service_type="LoadBalancer", load_balancer_sources=("203.0.113.0/24",)),
               push=False)
    assert r.outputs["values"]["apiServer"]["serviceType"] == "ClusterIP"
    svc = r.get("kubernetes:core/v1:Service", "karmada-apiserver-lb")
    assert svc.inputs["spec"] == {"type": "LoadBalancer", "selector": {"app": "karmada-apiserver"},
                                  "loadBalancerSourceRanges": ["203.0.113.0/24"],
                                  "ports": [{"name": "https", "port": 5443, "targetPort": 5443, "protocol": "TCP"}]}
    assert svc.inputs["metadata"]["namespace"] == "karmada-system"
    assert svc.cluster == "private" and RELEASE_KEY in svc.depends_on


# -- certificates ---------------------------------------------------------------------------------------------


def csr(r, part):
    return r.get("tls:index/certRequest:CertRequest", f"karmada-{part}-csr").inputs


def test_the_two_cas_are_self_signed_ca_certificates(r):
    for part in ("ca", "front-proxy-ca"):
        ca = r.get("tls:index/selfSignedCert:SelfSignedCert", f"karmada-{part}")
        assert ca.inputs["isCaCertificate"] is True
        assert "cert_signing" in ca.inputs["allowedUses"]
        assert ca.secrets == ["privateKeyPem"]


def test_server_certificate_has_the_charts_subject_and_hosts_plus_the_endpoint(r):
    server = csr(r, "server")
    assert server["subject"] == {"commonName": "system:admin", "organization": "system:masters"}
    dns, ips = chart_hosts("karmada-system", "cluster.local")
    assert set(dns) <= set(server["dnsNames"]) and set(ips) <= set(server["ipAddresses"])
    assert "karmada-apiserver.karmada-system.svc" in server["dnsNames"]
    cert = r.get("tls:index/locallySignedCert:LocallySignedCert", "karmada-server-cert")
    assert {"server_auth", "client_auth"} <= set(cert.inputs["allowedUses"])
    assert sorted(cert.secrets) == ["caCertPem", "caPrivateKeyPem"]
    key = r.get("tls:index/privateKey:PrivateKey", "karmada-server-key")
    assert key.inputs == {"algorithm": "RSA", "rsaBits": 3072}  # also the service-account signing key


def test_front_proxy_client_matches_the_apiservers_allowed_names(r):
    assert csr(r, "front-proxy-client")["subject"] == {"commonName": "front-proxy-client"}


def test_external_endpoint_and_extra_sans_are_in_the_server_certificate():
    r = render(KarmadaControlPlaneArgs(api_endpoint="https://karmada.platform.example:5443",
                                       extra_sans=("10.0.0.7", "karmada.lb.example")), push=False)
    server = csr(r, "server")
    assert {"karmada.platform.example", "karmada.lb.example"} <= set(server["dnsNames"])
    assert "10.0.0.7" in server["ipAddresses"]


# -- the Karmada API server provider --------------------------------------------------------------------------


def test_provider_kubeconfig_is_a_secret_built_from_the_stacks_certificates(r):
    provider = r.get(K8S_PROVIDER, "karmada-provider")
    assert provider.secrets == ["kubeconfig"] and provider.inputs["kubeconfig"] == "[secret]"
    assert provider.depends_on == [RELEASE_KEY]
    assert "kubeconfig" in r.secret_outputs
    config = json.loads(r.outputs["kubeconfig"])
    assert config["clusters"][0]["cluster"]["server"] == DEFAULT_API_ENDPOINT == r.outputs["endpoint"]
    assert base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]).decode() == FAKE_PEM
    user = config["users"][0]["user"]
    assert base64.b64decode(user["client-key-data"]).decode() == FAKE_KEY
    assert csr(r, "admin")["subject"] == {"commonName": "inference-platform:pulumi", "organization": "system:masters"}


def test_ca_certificate_is_exposed_as_a_secret(r):
    assert "ca" in r.secret_outputs and r.outputs["ca"] == FAKE_PEM


def test_every_object_on_the_karmada_api_server_waits_for_the_release(r):
    on_karmada = [x for x in r.resources if x.cluster == "karmada-provider"]
    assert on_karmada
    for x in on_karmada:
        assert RELEASE_KEY in x.depends_on, x.key


def test_interpreter_customization_is_created_on_the_karmada_api_server(r):
    res = r.get("kubernetes:config.karmada.io/v1alpha1:ResourceInterpreterCustomization", "karmada-isvc-interpreter")
    assert res.cluster == "karmada-provider"
    assert res.inputs == isvc_interpreter_customization()
    validate_custom_resource(res.inputs)


# -- Pull agents ----------------------------------------------------------------------------------------------


def test_agent_credentials_carry_the_identity_karmada_agents_use(r):
    for member in ("aws-use1", "aws-euw1"):
        assert csr(r, f"agent-{member}-g1")["subject"] == {"commonName": f"system:karmada:agent:{member}:1",
                                                           "organization": AGENT_GROUP}
        cert = r.get("tls:index/locallySignedCert:LocallySignedCert", f"karmada-agent-{member}-g1-cert")
        assert set(cert.inputs["allowedUses"]) == {"digital_signature", "key_encipherment", "client_auth"}
        assert {f"{member}-cert", f"{member}-key"} <= set(r.secret_outputs)
        assert r.outputs[f"{member}-cert"] == FAKE_PEM and r.outputs[f"{member}-key"] == FAKE_KEY
    assert AGENT_USER_PREFIX == "system:karmada:agent:" and AGENT_GROUP == "system:karmada:agents"


def test_each_members_credentials_in_the_shape_its_public_stack_reads(r):
    for m in ("aws-use1", "aws-euw1"):
        assert f"credentials-{m}" in r.secret_outputs
        assert r.outputs[f"credentials-{m}"] == {"crt": FAKE_PEM, "key": FAKE_KEY}


def test_agent_credentials_for_an_undeclared_member_is_a_clear_error():
    seen = {}

    def program():
        cp = KarmadaControlPlane("karmada", KarmadaControlPlaneArgs(pull_members=("aws-use1",)))
        with pytest.raises(KeyError, match="aws-use1"):
            cp.agent_credentials("gcp-euw4")
        seen["ok"] = True
    run_program(program, stack="test", config={})
    assert seen == {"ok": True}


def test_agent_rbac_matches_karmadactl_register_and_is_valid(r):
    objs = [o for o in r.objects("karmada-provider") if o["kind"] != "ResourceInterpreterCustomization"
            and "aws-use1" in json.dumps(o["metadata"])]
    kinds = sorted(o["kind"] for o in objs)
    assert kinds == ["ClusterRole", "ClusterRoleBinding", "Namespace", "Role", "Role", "RoleBinding", "RoleBinding"]
    by = {(o["kind"], o["metadata"]["name"]): o for o in objs}
    role = by[("ClusterRole", "system:karmada:aws-use1:agent")]
    own_cluster = [rule for rule in role["rules"] if rule.get("resourceNames") == ["aws-use1"]]
    assert {tuple(rule["resources"]) for rule in own_cluster} == {("clusters",), ("clusters/status",)}
    for kind in ("ClusterRoleBinding", "RoleBinding"):
        for o in objs:
            if o["kind"] == kind:
                assert o["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                                          "name": "system:karmada:agent:aws-use1:1"}]
    assert by[("Role", "system:karmada:aws-use1:agent-secret")]["metadata"]["namespace"] == CLUSTER_SECRETS_NAMESPACE
    assert by[("Role", "system:karmada:aws-use1:agent-work")]["metadata"]["namespace"] == "karmada-es-aws-use1"
    assert by[("Namespace", "karmada-es-aws-use1")]["metadata"]["labels"] == {"karmada.io/system": "true"}
    for o in objs:
        assert validate_builtin(o)


def test_no_wildcard_permission_is_granted_to_agents(r):
    for o in r.objects("karmada-provider"):
        for rule in o.get("rules", []):
            assert "*" not in rule.get("verbs", []) and "*" not in rule.get("resources", [])


# -- argument checks ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, match", [
    ({"api_endpoint": "http://karmada-apiserver.karmada-system.svc:5443"}, "https"),
    ({"api_endpoint": "https://karmada-apiserver.other.svc:5443"}, "karmada-apiserver.karmada-system.svc"),
    ({"release_name": "kd"}, "kd-apiserver.karmada-system.svc"),
    ({"service_type": "ExternalName"}, "ClusterIP"),
    ({"service_type": "LoadBalancer"}, "load_balancer_sources"),
    ({"service_type": "NodePort", "node_port": 29999}, "30000 to 32767"),
    ({"service_type": "NodePort", "node_port": 32768}, "30000 to 32767"),
    ({"service_type": "ClusterIP", "node_port": 30000}, "NodePort"),
    ({"pull_members": ("a", "a")}, "unique"),
    ({"renew_before_hours": 24 * 365, "cert_validity_hours": 24 * 365}, "renew_before_hours"),
    ({"apiserver_replicas": 0}, "apiserver_replicas"),
])
def test_bad_arguments_are_refused(kwargs, match):
    """Each refusal, and (tests/golden/messages.json) its whole message."""
    with pytest.raises(ValueError, match=match) as raised:
        KarmadaControlPlaneArgs(**kwargs)
    exactly(str(raised.value))


# -- the Push member ------------------------------------------------------------------------------------------


def _readme_cluster_fields() -> set[str]:
    if not CRDS_README.is_file():
        pytest.skip(f"{CRDS_README} not available")
    text = CRDS_README.read_text()
    start = text.index("Its fields that matter")
    return set(re.findall(r"`spec\.(\w+)`", text[start:text.index("\n-", start)]))


# Fields a Pull member's Cluster needs beyond the reference README's list, read at the tag: karmada-io/karmada
# v1.18.2 pkg/apis/cluster/v1alpha1/types.go, `ID string json:"id,omitempty"` (line 75) and `ImpersonatorSecretRef
# *LocalSecretReference json:"impersonatorSecretRef,omitempty"` (line 98).
PULL_CLUSTER_FIELDS = {"id", "impersonatorSecretRef"}


def test_cluster_has_no_crd_so_its_fields_are_checked_against_the_readme(r):
    allowed = _readme_cluster_fields() | PULL_CLUSTER_FIELDS
    assert CLUSTER_SPEC_FIELDS == allowed
    cluster = r.find("Cluster", "private", cluster="karmada-provider")
    with pytest.raises(crd_schema.CRDNotFound) as raised:
        crd_schema.crd_for("cluster.karmada.io/v1alpha1", "Cluster")
    exactly(str(raised.value))
    assert set(cluster) == {"apiVersion", "kind", "metadata", "spec"}
    assert set(cluster["spec"]) <= allowed
    assert cluster_object_errors(cluster) == []


def test_cluster_check_catches_what_a_schema_would():
    bad = {"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "x"},
           "spec": {"syncMode": "push", "apiEndpiont": "https://x", "secretRef": {"name": "x"}}}
    errors = cluster_object_errors(bad)
    assert any("apiEndpiont" in e for e in errors) and any("syncMode" in e for e in errors)
    assert any("secretRef" in e for e in errors)


def test_push_member_cluster_object(r):
    cluster = r.find("Cluster", "private", cluster="karmada-provider")
    assert cluster["apiVersion"] == "cluster.karmada.io/v1alpha1"
    assert cluster["spec"] == {"syncMode": "Push", "apiEndpoint": "https://kubernetes.default.svc",
                               "secretRef": {"namespace": "karmada-cluster", "name": "private"}}
    assert cluster["metadata"]["labels"] == {"inference-platform.io/cloud": "private"}
    deps = r.get("kubernetes:cluster.karmada.io/v1alpha1:Cluster", "private-member-cluster").depends_on
    assert {RELEASE_KEY, "kubernetes:core/v1:Secret::private-member-karmada-secret"} <= set(deps)


def test_push_member_secret_on_karmada_holds_token_and_ca_as_secrets(r):
    secret = r.get("kubernetes:core/v1:Secret", "private-member-karmada-secret")
    assert secret.cluster == "karmada-provider"
    assert secret.inputs["metadata"] == {"name": "private", "namespace": "karmada-cluster"}
    assert secret.secrets == ["data"] and secret.inputs["data"] == {"token": "[secret]", "caBundle": "[secret]"}


def test_push_member_rbac_on_the_member_is_narrower_than_karmadactl_join(r):
    objs = {(o["kind"], o["metadata"]["name"]): o for o in r.objects("private")}
    sa = objs[("ServiceAccount", "karmada-private")]
    assert sa["metadata"]["namespace"] == "karmada-cluster"
    role = objs[("ClusterRole", "karmada-controller-manager:karmada-private")]
    resource_rules = [rule for rule in role["rules"] if "resources" in rule]
    assert resource_rules[0] == {"apiGroups": [""], "resources": ["nodes", "pods", "namespaces"],
                                 "verbs": ["get", "list", "watch"]}  # cluster status; tests/test_security_member.py
    writes = resource_rules[1:]
    assert all(rule["verbs"] == ["get", "list", "watch", "create", "update", "patch", "delete"] for rule in writes)
    assert {g for rule in writes for g in rule["apiGroups"]} == {"", "serving.kserve.io"}
    assert all("*" not in rule["verbs"] for rule in role["rules"])
    assert "nodes" not in {res for rule in writes for res in rule["resources"]}
    binding = objs[("ClusterRoleBinding", "karmada-controller-manager:karmada-private")]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "karmada-private",
                                    "namespace": "karmada-cluster"}]
    token = objs[("Secret", "karmada-private-token")]
    assert token["type"] == "kubernetes.io/service-account-token"
    assert token["metadata"]["annotations"] == {"kubernetes.io/service-account.name": "karmada-private"}
    for o in objs.values():
        assert validate_builtin(o)


def test_cluster_object_options():
    obj = cluster_object(PushMemberArgs(cluster_name="onprem", karmada_provider=None, provider="onprem",
                                        region="dc1", api_endpoint="https://10.0.0.1:6443"))
    assert obj["spec"] == {"syncMode": "Push", "apiEndpoint": "https://10.0.0.1:6443",
                           "secretRef": {"namespace": "karmada-cluster", "name": "onprem"},
                           "provider": "onprem", "region": "dc1"}
    with pytest.raises(ValueError, match="https") as raised:
        PushMemberArgs(cluster_name="x", karmada_provider=None, api_endpoint="kubernetes.default.svc")
    exactly(str(raised.value))


def test_no_key_or_certificate_appears_in_clear_in_the_render(r):
    dumped = json.dumps([x.to_json() for x in r.resources])
    assert "RkFLRQ==" not in dumped and "PRIVATE KEY" not in dumped


@pytest.mark.parametrize("port", [30000, 32767])
def test_node_ports_at_both_ends_of_the_range_are_accepted(port):
    assert KarmadaControlPlaneArgs(service_type="NodePort", node_port=port).node_port == port


def test_values_cannot_turn_the_agent_csr_auto_approver_back_on():
    """Revocation by generation relies on it: an old agent key keeps the chart's selfclusteragent group right."""
    with pytest.raises(ValueError, match="expected a list that keeps '-agentcsrapproving'") as raised:
        KarmadaControlPlaneArgs(values={"controllerManager": {"controllers": "*"}})
    exactly(str(raised.value))
    with pytest.raises(ValueError, match="-agentcsrapproving") as raised:
        KarmadaControlPlaneArgs(values={"controllerManager": {"controllers": "*,agentcsrapproving"}})
    exactly(str(raised.value))
    KarmadaControlPlaneArgs(values={"controllerManager": {"controllers": "*,-agentcsrapproving,-hpaScaleTargetMarker"}})


def test_argument_bounds_accept_the_last_good_value():
    KarmadaControlPlaneArgs(renew_before_hours=8759, cert_validity_hours=8760, apiserver_replicas=1)
    KarmadaControlPlaneArgs(service_type="NodePort", node_port=30000)
    KarmadaControlPlaneArgs(service_type="NodePort", node_port=32767)
