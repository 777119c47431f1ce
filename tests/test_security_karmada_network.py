"""Issue 13, finding 1: nothing in karmada-system connects anywhere but its namespace, cluster DNS and the declared
member's API server, so a forged Push Cluster cannot receive a member's token; etcd admits only the API servers."""
from __future__ import annotations

import pytest

from components.security.karmada_network import KarmadaNetworkArgs
from models.errors import ConfigError
from models.registry import load_catalog
from stacks.private_config import read_private_config
from stacks.validation import validate_builtin
from tests.test_private_config import config
from tests.messages import exactly


def policies(private_render):
    return {o["metadata"]["name"]: o for o in private_render.objects("private")
            if o["kind"] == "NetworkPolicy" and o["metadata"]["namespace"] == "karmada-system"}


def test_karmada_egress_is_its_namespace_dns_and_the_declared_api_servers_only(private_render):
    egress = policies(private_render)["karmada-egress"]
    assert egress["spec"] == {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [
            {"to": [{"podSelector": {}}]},
            {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                     "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
             "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
            {"to": [{"ipBlock": {"cidr": "10.20.0.10/32"}}, {"ipBlock": {"cidr": "10.20.0.11/32"}},
                    {"ipBlock": {"cidr": "10.20.0.12/32"}}],
             "ports": [{"protocol": "TCP", "port": 6443}]},
        ]}
    assert validate_builtin(egress)


def test_etcd_admits_only_the_two_api_servers_and_its_peers(private_render):
    etcd = policies(private_render)["karmada-etcd-ingress"]
    assert etcd["spec"] == {
        "podSelector": {"matchLabels": {"app": "etcd"}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [{"podSelector": {"matchLabels": {"app": "karmada-apiserver"}}},
                      {"podSelector": {"matchLabels": {"app": "karmada-aggregated-apiserver"}}}],
             "ports": [{"protocol": "TCP", "port": 2379}]},
            {"from": [{"podSelector": {"matchLabels": {"app": "etcd"}}}]},
        ]}
    assert validate_builtin(etcd)


@pytest.mark.parametrize("cidrs", [(), ("0.0.0.0/0",), ("10.0.0.1",), ("10.0.0.1/24",)])
def test_member_cidrs_must_be_narrow_addresses(cidrs):
    # "10.0.0.1" is a /32 network and fine for ipaddress; only the component's other rules apply to it.
    if cidrs == ("10.0.0.1",):
        assert KarmadaNetworkArgs(member_api_cidrs=cidrs).member_api_cidrs == cidrs
        return
    with pytest.raises(ValueError, match="member_api_cidrs") as raised:
        KarmadaNetworkArgs(member_api_cidrs=cidrs)
    exactly(str(raised.value))


def test_config_rejects_an_open_cidr():
    with pytest.raises(ConfigError) as err:
        read_private_config(config(karmada={"apiServerCidrs": ["0.0.0.0/0"]}), load_catalog())
    assert (err.value.where, err.value.field) == ("platform:karmada", "apiServerCidrs")
