"""KServePlatform and KServeCrds under the SDK's mocks: pinned charts, their values, and the install order."""
from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.kserve.platform import (KNATIVE_FEATURES, KServeCrds, KServePlatform, KServePlatformArgs)
from components.versions import (CERT_MANAGER_CHART, ISTIO_BASE_CHART, ISTIO_GATEWAY_CHART, ISTIOD_CHART,
                                 KNATIVE_OPERATOR_CHART, KNATIVE_SERVING_VERSION, KSERVE_CRD_CHART,
                                 KSERVE_RESOURCES_CHART)
from stacks.private_config import DeploymentMode
from stacks.render import run_program
from stacks.resource_types import HELM_RELEASE
from stacks.validation import validate_builtin
from tests.messages import exactly

KNATIVE_SERVING = "kubernetes:operator.knative.dev/v1beta1:KnativeServing"


def render(args: KServePlatformArgs = KServePlatformArgs(), cluster: str = "private"):
    def program():
        provider = k8s.Provider(cluster, context="test")
        KServePlatform("kserve", args, opts=pulumi.ResourceOptions(provider=provider))
    return run_program(program, stack="test", config={})


@pytest.fixture(scope="module")
def platform():
    return render(KServePlatformArgs(ingress_domain="models.example.internal"))


def rel(r, name):
    return r.get(HELM_RELEASE, f"kserve-{name}")


def key(name):
    return f"{HELM_RELEASE}::kserve-{name}"


@pytest.mark.parametrize("name, chart, release_name, namespace", [
    ("cert-manager", CERT_MANAGER_CHART, "cert-manager", "cert-manager"),
    ("istio-base", ISTIO_BASE_CHART, "istio-base", "istio-system"),
    ("istiod", ISTIOD_CHART, "istiod", "istio-system"),
    ("istio-ingressgateway", ISTIO_GATEWAY_CHART, "istio-ingressgateway", "istio-system"),
    ("knative-operator", KNATIVE_OPERATOR_CHART, "knative-operator", "knative-operator"),
])
def test_repository_charts_are_pinned(platform, name, chart, release_name, namespace):
    inputs = rel(platform, name).inputs
    assert (inputs["chart"], inputs["version"], inputs["repositoryOpts"]) == (chart.name, chart.version,
                                                                            {"repo": chart.repo})
    assert (inputs["name"], inputs["namespace"], inputs["createNamespace"]) == (release_name, namespace, True)


def test_pinned_upstream_versions():
    assert (CERT_MANAGER_CHART.repo, CERT_MANAGER_CHART.version) == ("https://charts.jetstack.io", "v1.17.0")
    assert {c.repo for c in (ISTIO_BASE_CHART, ISTIOD_CHART, ISTIO_GATEWAY_CHART)} == {
        "https://istio-release.storage.googleapis.com/charts"}
    assert {c.version for c in (ISTIO_BASE_CHART, ISTIOD_CHART, ISTIO_GATEWAY_CHART)} == {"1.30.3"}
    assert (KNATIVE_OPERATOR_CHART.repo, KNATIVE_OPERATOR_CHART.version) == ("https://knative.github.io/operator",
                                                                           "v1.21.1")
    assert (KSERVE_CRD_CHART.name, KSERVE_RESOURCES_CHART.name) == ("kserve-crd", "kserve-resources")
    assert KSERVE_CRD_CHART.version == KSERVE_RESOURCES_CHART.version == "v0.20.0"


def test_kserve_charts_come_from_the_oci_registry(platform):
    crd = platform.get(HELM_RELEASE, "kserve-crds-kserve-crd").inputs
    ctl = rel(platform, "kserve").inputs
    assert (crd["chart"], crd["version"]) == ("oci://ghcr.io/kserve/charts/kserve-crd", "v0.20.0")
    assert (ctl["chart"], ctl["version"]) == ("oci://ghcr.io/kserve/charts/kserve-resources", "v0.20.0")
    assert "repositoryOpts" not in crd and "repositoryOpts" not in ctl
    assert (crd["namespace"], ctl["namespace"]) == ("kserve", "kserve")


def test_values(platform):
    def cert_manager_image(name):
        return {"repository": f"quay.io/jetstack/cert-manager-{name}", "tag": "v1.17.0"}
    assert rel(platform, "cert-manager").inputs["values"] == {
        "crds": {"enabled": True}, "image": cert_manager_image("controller"),
        **{part: {"image": cert_manager_image(part)} for part in ("webhook", "cainjector", "acmesolver",
                                                                  "startupapicheck")}}
    assert rel(platform, "istio-base").inputs["values"] == {"defaultRevision": "default"}
    assert rel(platform, "istiod").inputs["values"] == {
        "meshConfig": {"accessLogFile": "/dev/stdout"}, "hub": "docker.io/istio", "tag": "1.30.3",
        "global": {"hub": "docker.io/istio", "tag": "1.30.3"}}
    assert rel(platform, "istio-ingressgateway").inputs["values"] == {"service": {"type": "ClusterIP"}}
    assert rel(platform, "knative-operator").inputs["values"] == {"knative_operator": {
        "knative_operator": {"image": "gcr.io/knative-releases/knative.dev/operator/cmd/operator", "tag": "v1.21.1"},
        "operator_webhook": {"image": "gcr.io/knative-releases/knative.dev/operator/cmd/webhook", "tag": "v1.21.1"}}}
    # kserve-resources v0.20.0 reads everything under kserve.* (files/common/configmap-patch.yaml:
    # kserve.controller.deploymentMode, kserve.controller.gateway.domain, kserve.metricsaggregator.*); a top-level
    # inferenceServiceConfig.* is read by nothing.
    assert rel(platform, "kserve").inputs["values"] == {"kserve": {
        "controller": {"deploymentMode": "Knative", "gateway": {"domain": "models.example.internal"},
                       "image": "kserve/kserve-controller", "tag": "v0.20.0",
                       "rbacProxyImage": "quay.io/brancz/kube-rbac-proxy:v0.18.0"},
        "agent": {"image": "kserve/agent", "tag": "v0.20.0"},
        "router": {"image": "kserve/router", "tag": "v0.20.0"},
        "storage": {"image": "kserve/storage-initializer", "tag": "v0.20.0"},
        # Prometheus scraping of the serving containers' metrics (phase 2), aggregated by queue-proxy.
        "metricsaggregator": {"enableMetricAggregation": "true", "enablePrometheusScraping": "true"}}}


def test_every_release_is_atomic_waits_and_has_a_timeout(platform):
    releases = [r for r in platform.resources if r.type == HELM_RELEASE]
    assert len(releases) == 7
    for r in releases:
        assert r.cluster == "private"
        assert r.inputs["atomic"] is True and r.inputs["cleanupOnFail"] is True and r.inputs["waitForJobs"] is True
        assert "skipAwait" not in r.inputs
        assert 300 <= r.inputs["timeout"] <= 1800


def test_install_order(platform):
    deps = lambda name: set(rel(platform, name).depends_on)  # noqa: E731
    assert deps("istiod") == {key("istio-base")}
    assert deps("istio-ingressgateway") == {key("istiod")}
    serving = platform.get(KNATIVE_SERVING, "kserve-knative-serving")
    assert set(serving.depends_on) == {key("knative-operator"), key("istiod"), key("istio-ingressgateway"),
                                       "kubernetes:core/v1:Namespace::kserve-knative-serving-namespace"}
    # cert-manager (webhook certificate) and Knative (its CRDs, seen when the controller starts) before KServe.
    assert deps("kserve") == {f"{HELM_RELEASE}::kserve-crds-kserve-crd", key("cert-manager"),
                              f"{KNATIVE_SERVING}::kserve-knative-serving"}
    order = [r.key for r in platform.resources]
    for before in (key("cert-manager"), f"{HELM_RELEASE}::kserve-crds-kserve-crd",
                   f"{KNATIVE_SERVING}::kserve-knative-serving"):
        assert order.index(before) < order.index(key("kserve"))


def test_knative_serving_resource(platform):
    ks = platform.find("KnativeServing", "knative-serving", cluster="private")
    assert ks["metadata"]["namespace"] == "knative-serving"
    assert ks["metadata"]["annotations"]["pulumi.com/waitFor"] == "condition=Ready"
    assert ks["spec"]["version"] == KNATIVE_SERVING_VERSION
    assert ks["spec"]["ingress"] == {"istio": {"enabled": True}}  # net-istio
    assert ks["spec"]["config"]["domain"] == {"models.example.internal": ""}
    assert ks["spec"]["config"]["features"] == {f: "enabled" for f in KNATIVE_FEATURES}
    # Every value of spec.config is a map of strings (the operator's CRD: additionalProperties string).
    assert all(isinstance(v, str) for cm in ks["spec"]["config"].values() for v in cm.values())
    assert validate_builtin(platform.find("Namespace", "knative-serving"))


def test_everything_is_parented_and_prefixed(platform):
    for r in platform.resources:
        if r.type.startswith("kubernetes:"):
            assert r.parent in ("platform:kserve:KServePlatform::kserve", "platform:kserve:KServeCrds::kserve-crds")
            assert r.name.startswith("kserve-")


def test_standard_only_platform_installs_neither_istio_nor_knative():
    r = render(KServePlatformArgs(default_mode=DeploymentMode.STANDARD, knative=False))
    names = sorted(x.name for x in r.resources if x.type == HELM_RELEASE)
    assert names == ["kserve-cert-manager", "kserve-crds-kserve-crd", "kserve-kserve"]
    assert not r.of_type(KNATIVE_SERVING)
    assert rel(r, "kserve").inputs["values"]["kserve"]["controller"]["deploymentMode"] == "Standard"
    assert set(rel(r, "kserve").depends_on) == {f"{HELM_RELEASE}::kserve-crds-kserve-crd", key("cert-manager")}


def test_knative_default_mode_without_knative_is_refused():
    with pytest.raises(ValueError, match="knative=True") as raised:
        render(KServePlatformArgs(default_mode=DeploymentMode.KNATIVE, knative=False))
    exactly(str(raised.value))


def test_kserve_crds_alone_on_another_cluster():
    def program():
        karmada = k8s.Provider("karmada", kubeconfig="{}")
        crds = KServeCrds("karmada-kserve", opts=pulumi.ResourceOptions(provider=karmada))
        k8s.apiextensions.CustomResource(
            "probe", api_version="serving.kserve.io/v1alpha1", kind="ClusterServingRuntime",
            metadata={"name": "probe"}, spec={"containers": [{"name": "c", "image": "i"}]},
            opts=pulumi.ResourceOptions(provider=karmada, depends_on=[crds.release]))
    r = run_program(program, stack="test", config={})
    [release] = r.of_type(HELM_RELEASE)
    assert (release.name, release.cluster) == ("karmada-kserve-kserve-crd", "karmada")
    assert (release.inputs["chart"], release.inputs["version"]) == ("oci://ghcr.io/kserve/charts/kserve-crd",
                                                                    "v0.20.0")
    assert release.parent == "platform:kserve:KServeCrds::karmada-kserve"
    assert r.get("kubernetes:serving.kserve.io/v1alpha1:ClusterServingRuntime", "probe").depends_on == [
        f"{HELM_RELEASE}::karmada-kserve-kserve-crd"]


def test_an_s3_compatible_endpoint_reaches_the_storage_initializer_config():
    # KServe v0.20.0 pkg/credentials/s3/utils.go getEndpointConfiguration: the scheme sets S3_USE_HTTPS.
    for endpoint in ("https://minio.storage.internal:9000", "http://minio.storage.internal:9000"):
        r = render(KServePlatformArgs(s3_endpoint=endpoint))
        assert rel(r, "kserve").inputs["values"]["kserve"]["storage"] == {
            "image": "kserve/storage-initializer", "tag": "v0.20.0", "s3": {"endpoint": endpoint}}
