"""The traffic path of an elastic model spanning clusters (ticket-router: Standard mode, private T4s first, the
aws-use1 on-demand T4s for overflow), as both checked-in stacks render it: trust (cacerts on both clusters from
one root), istiod's multi-cluster identity, the network labels, the east-west gateway (public only), the remote
secret the private istiod reads the member with, the cross-cluster DestinationRule, the exports that carry the
mesh material across the StackReferences, and batch endpoints. Every object is validated by the render (built-in
schemas strict, Istio's CRDs in ../shared/crds/istio)."""
from __future__ import annotations

import copy
import json

import pytest

from components.mesh.remote_secret import check_reader, reader_kubeconfig
from models.errors import ConfigError
from stacks.render import HELM_RELEASE, run_program
from stacks.program import main
from stacks.__main__ import load_stack_file
from stacks.validation import validate_render
from tests.registrations import record_registrations
from tests.test_public_stack import (PRIVATE, private_outputs, render as render_public, render_fails,
                                     fresh_root_stack)

MEMBER = "aws-use1"
PUBLIC_REF = "organization/inference-platform/public"
CACERTS_KEYS = ["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"]


def release(render, name):
    return render.get(HELM_RELEASE, name).inputs


# -- both clusters: trust and identity ---------------------------------------------------------------------------

@pytest.mark.parametrize("stack, cluster, network", [("private", "private", "network-private"),
                                                    ("public", MEMBER, "network-aws-use1")])
def test_istio_system_carries_the_network_and_the_cacerts_before_istiod(stack, cluster, network, request):
    r = request.getfixturevalue(f"{stack}_render")
    prefix = "" if stack == "private" else f"{MEMBER}-"
    ns = r.find("Namespace", "istio-system", cluster)
    assert ns["metadata"]["labels"] == {"topology.istio.io/network": network,
                                        "app.kubernetes.io/part-of": "inference-platform"}
    cacerts = r.find("Secret", "cacerts", cluster)
    assert cacerts["metadata"]["namespace"] == "istio-system" and cacerts["type"] == "Opaque"
    assert sorted(cacerts["stringData"]) == CACERTS_KEYS
    secret = r.get("kubernetes:core/v1:Secret", f"{prefix}istio-system-cacerts")
    assert secret.secrets == ["stringData"] and set(secret.inputs["stringData"].values()) == {"[secret]"}
    istiod = r.get(HELM_RELEASE, f"{prefix}kserve-istiod")
    assert {"kubernetes:core/v1:Namespace::" + f"{prefix}istio-system-namespace",
            "kubernetes:core/v1:Secret::" + f"{prefix}istio-system-cacerts"} <= set(istiod.depends_on)
    assert istiod.cluster == cluster
    assert istiod.inputs["values"]["global"] == {"hub": "docker.io/istio", "tag": "1.30.3",
                                                 "meshID": "inference-platform",
                                                 "multiCluster": {"clusterName": cluster}, "network": network}
    assert r.get("kubernetes:core/v1:Namespace", f"{prefix}istio-system-namespace").options == {
        "retain_on_delete": True}


def test_each_member_gets_only_its_own_intermediate(private_render):
    assert "meshCaCerts-aws-use1" in private_render.secret_outputs
    assert [o for o in private_render.outputs if o.startswith("meshCaCerts-")] == ["meshCaCerts-aws-use1"]
    assert sorted(private_render.outputs["meshCaCerts-aws-use1"]) == CACERTS_KEYS


def test_the_public_cacerts_come_from_the_private_stacks_output():
    outputs = private_outputs()
    outputs[PRIVATE]["outputs"]["meshCaCerts-aws-use1"] = {"ca-cert.pem": "-----BEGIN CERTIFICATE-----\nI\n",
                                                           "ca-key.pem": "-----BEGIN PRIVATE KEY-----\nK\n",
                                                           "root-cert.pem": "-----BEGIN CERTIFICATE-----\nR\n",
                                                           "cert-chain.pem": "-----BEGIN CERTIFICATE-----\nC\n"}
    with pytest.MonkeyPatch.context() as mp:
        recorded = record_registrations(mp)
        render_public(outputs=outputs)
    captured = recorded[f"kubernetes:core/v1:Secret::{MEMBER}-istio-system-cacerts"]["stringData"]
    assert captured == outputs[PRIVATE]["outputs"]["meshCaCerts-aws-use1"]


def test_a_public_stack_without_its_intermediate_fails_in_one_line():
    outputs = private_outputs()
    outputs[PRIVATE]["outputs"].pop("meshCaCerts-aws-use1")
    err = render_fails(outputs=outputs)
    assert (err.where, err.field) == (f"{PRIVATE} output meshCaCerts-aws-use1", "keys")
    assert "ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem" in err.expected and "\n" not in str(err)


# -- the public member: the east-west gateway, the reader ------------------------------------------------------

def test_the_east_west_gateway_is_the_samples_gateway_open_to_the_private_network_only(public_render):
    rel = release(public_render, f"{MEMBER}-east-west-release")
    assert (rel["chart"], rel["version"], rel["name"], rel["namespace"]) == (
        "gateway", "1.30.3", "istio-eastwestgateway", "istio-system")
    assert rel["values"] == {"networkGateway": "network-aws-use1",
                             "service": {"type": "LoadBalancer", "loadBalancerSourceRanges": ["198.51.100.0/24"]}}
    assert f"{HELM_RELEASE}::{MEMBER}-kserve-istiod" in public_render.get(
        HELM_RELEASE, f"{MEMBER}-east-west-release").depends_on
    gateway = public_render.find("Gateway", "cross-network-gateway", MEMBER)
    assert gateway == {
        "apiVersion": "networking.istio.io/v1", "kind": "Gateway",
        "metadata": {"name": "cross-network-gateway", "namespace": "istio-system",
                     "labels": {"app.kubernetes.io/part-of": "inference-platform"}},
        "spec": {"selector": {"istio": "eastwestgateway"},
                 "servers": [{"port": {"number": 15443, "name": "tls", "protocol": "TLS"},
                              "tls": {"mode": "AUTO_PASSTHROUGH"}, "hosts": ["*.local"]}]}}


def test_the_private_cluster_accepts_nothing_from_the_public_cloud(private_render):
    names = [r.inputs.get("name") for r in private_render.of_type(HELM_RELEASE)]
    assert "istio-eastwestgateway" not in names
    assert not [o for o in private_render.objects("private") if o["kind"] == "Gateway"]
    assert release(private_render, "kserve-istio-ingressgateway")["values"] == {"service": {"type": "ClusterIP"}}


def test_the_member_exports_a_read_only_reader_as_a_secret(public_render):
    token = public_render.find("Secret", "istio-reader-service-account-token", MEMBER)
    assert token == {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                     "metadata": {"name": "istio-reader-service-account-token", "namespace": "istio-system",
                                  "annotations": {"kubernetes.io/service-account.name":
                                                  "istio-reader-service-account"},
                                  "labels": {"app.kubernetes.io/part-of": "inference-platform"}}}
    assert "meshReader" in public_render.secret_outputs
    assert sorted(public_render.outputs["meshReader"]) == ["caData", "server", "token"]


# -- the private cluster: the remote secret, the traffic rule -------------------------------------------------

def test_the_private_istiod_reads_the_member_through_a_remote_secret(private_render):
    secret = private_render.find("Secret", "istio-remote-secret-aws-use1", "private")
    assert secret["metadata"] == {"name": "istio-remote-secret-aws-use1", "namespace": "istio-system",
                                  "labels": {"istio/multiCluster": "true",
                                             "app.kubernetes.io/part-of": "inference-platform"},
                                  "annotations": {"networking.istio.io/cluster": "aws-use1"}}
    assert secret["stringData"] == {"aws-use1": "[secret]"}  # the second run: the member's reader arrived
    ref = private_render.get("pulumi:pulumi:StackReference", "aws-use1-stack")
    assert ref.inputs["name"] == PUBLIC_REF


def test_before_the_member_ran_its_remote_secret_is_empty():
    fresh_root_stack()
    r = run_program(main, stack="private", config=copy.deepcopy(load_stack_file("private")),
                    stack_outputs={PUBLIC_REF: {"outputs": {}}})
    fresh_root_stack()
    secret = r.get("kubernetes:core/v1:Secret", "aws-use1-remote-secret")
    assert secret.inputs["stringData"] == {} and secret.secrets == ["stringData"]  # istiod reads no cluster from it
    assert secret.inputs["metadata"]["labels"]["istio/multiCluster"] == "true"


def test_a_malformed_reader_fails_in_one_line():
    with pytest.raises(ConfigError) as info:
        check_reader({"server": "https://x.example", "token": "t"}, f"{PUBLIC_REF} output meshReader")
    assert (info.value.where, info.value.field) == (f"{PUBLIC_REF} output meshReader", "keys")
    with pytest.raises(ConfigError) as info:
        check_reader({"server": "http://x.example", "caData": "Y2E=", "token": "t"}, "w")
    assert info.value.field == "server"
    assert check_reader(None, "w") is None


def test_the_remote_kubeconfig_authenticates_with_the_readers_token():
    config = json.loads(reader_kubeconfig("aws-use1", "https://eks.example", "Y2E=", "tok"))
    assert config == {
        "apiVersion": "v1", "kind": "Config", "current-context": "aws-use1",
        "clusters": [{"name": "aws-use1", "cluster": {"server": "https://eks.example",
                                                      "certificate-authority-data": "Y2E="}}],
        "users": [{"name": "aws-use1", "user": {"token": "tok"}}],
        "contexts": [{"name": "aws-use1", "context": {"cluster": "aws-use1", "user": "aws-use1"}}]}


def test_a_model_spanning_clusters_ejects_dead_endpoints_and_gateways(private_render):
    rules = [o for o in private_render.objects("private") if o["kind"] == "DestinationRule"]
    assert rules == [{
        "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
        "metadata": {"name": "ticket-router-cross-cluster", "namespace": "inference",
                     "labels": {"app.kubernetes.io/part-of": "inference-platform",
                                "inference-platform.io/model": "ticket-router"}},
        "spec": {"host": "ticket-router.inference.svc.cluster.local",
                 "trafficPolicy": {"outlierDetection": {"consecutive5xxErrors": 5, "interval": "10s",
                                                        "baseEjectionTime": "30s", "maxEjectionPercent": 100}}}}]
    # the hostname Service it applies to reaches every cluster of the model's group
    policy = private_render.find("PropagationPolicy", "ticket-router-service", "karmada-provider")
    assert policy["spec"]["resourceSelectors"][0]["name"] == "ticket-router"


def test_every_mesh_object_passes_validation(private_render, public_render):
    assert "custom resources (CRD schema, strict)" in validate_render(private_render)
    assert "custom resources (CRD schema, strict)" in validate_render(public_render)


# -- batch endpoints ---------------------------------------------------------------------------------------------

def test_batch_endpoints_per_member_and_model(private_render, public_render):
    assert private_render.outputs["memberBatchModels"] == {"aws-use1": ["doc-classifier-batch"]}
    assert public_render.outputs["batchEndpoints"] == {
        "doc-classifier-batch": "http://doc-classifier-batch.inference.svc.cluster.local"}


# -- config ------------------------------------------------------------------------------------------------------

def test_a_member_without_the_private_networks_addresses_is_refused_in_one_line():
    from stacks.public_config import read_public_config
    values = {k.split(":", 1)[1]: v for k, v in load_stack_file("public").items() if k.startswith("platform:")}
    values["mesh"] = {"eastWestSourceRanges": []}
    with pytest.raises(ConfigError) as info:
        read_public_config(values, "us-east-1")
    assert (info.value.where, info.value.field) == ("platform:mesh", "eastWestSourceRanges")
    values["mesh"] = {"eastWestSourceRanges": ["10.0.0.1/8"]}
    with pytest.raises(ConfigError) as info:
        read_public_config(values, "us-east-1")
    assert info.value.value == "10.0.0.1/8"
