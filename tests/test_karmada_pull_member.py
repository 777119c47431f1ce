"""Pull members' Cluster objects are made by the private stack; agents cannot create a Cluster (issue 13, finding 1).

Expected values are written out from what Karmada v1.18.2's agent writes itself (cmd/agent/app/agent.go
`generateClusterInControllerPlane`): with the chart's flags (`--cluster-name`, `--cluster-api-endpoint`, default
`--report-secrets=KubeCredentials,KubeImpersonator`, no proxy, no provider/region/zones) and an in-cluster config
(TLS verified), its mutate function sets exactly syncMode, apiEndpoint, id, secretRef and impersonatorSecretRef;
`proxyURL` and `insecureSkipTLSVerification` stay empty, which JSON omits.
"""
from __future__ import annotations

import pytest

from components.karmada.control_plane import agent_rbac
from components.karmada.pull_member import check_registration, pull_cluster_spec
from models.errors import ConfigError
from stacks.__main__ import render_stack
from stacks.render import HELM_RELEASE
from tests.registrations import record_registrations
from tests.test_public_stack import MEMBER, private_outputs, render

FAKE_UID = "fake-uid-aws-use1-karmada-agent-kube-system"  # stacks/fake_cloud.py: the kube-system Namespace read
ENDPOINT = "https://aws-use1-cluster.eks.fake.example"  # stacks/fake_cloud.py: the EKS cluster's endpoint
AGENT_RELEASE = f"{HELM_RELEASE}::{MEMBER}-karmada-agent-release"


def test_agents_may_not_create_change_or_delete_clusters_only_read_their_own():
    (cluster_role,) = [o for o in agent_rbac("aws-use1", 3) if o["kind"] == "ClusterRole"]
    rules = [r for r in cluster_role["rules"] if r["apiGroups"] == ["cluster.karmada.io"]]
    assert rules == [
        {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "resourceNames": ["aws-use1"],
         "verbs": ["get"]},
        {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "verbs": ["list", "watch"]},
        {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters/status"], "resourceNames": ["aws-use1"],
         "verbs": ["update"]},
    ]
    for obj in agent_rbac("aws-use1", 3):
        for rule in obj.get("rules", []):
            if "clusters" in rule["resources"]:
                assert not {"create", "update", "patch", "delete"} & set(rule["verbs"]), rule


def test_the_cluster_spec_is_what_the_agent_would_write():
    assert pull_cluster_spec("aws-use1", {"clusterId": "5b0f-uid", "apiEndpoint": "https://eks.example"}) == {
        "syncMode": "Pull", "id": "5b0f-uid", "apiEndpoint": "https://eks.example",
        "secretRef": {"namespace": "karmada-cluster", "name": "aws-use1"},
        "impersonatorSecretRef": {"namespace": "karmada-cluster", "name": "aws-use1-impersonator"}}
    # Before the member's stack ran: no ID, no endpoint (the agent has no replica then).
    assert pull_cluster_spec("aws-use1", None) == {
        "syncMode": "Pull", "secretRef": {"namespace": "karmada-cluster", "name": "aws-use1"},
        "impersonatorSecretRef": {"namespace": "karmada-cluster", "name": "aws-use1-impersonator"}}


@pytest.mark.parametrize("value, field", [
    ({"clusterId": "u"}, "keys"),
    ({"clusterId": "u", "apiEndpoint": "https://e", "extra": "x"}, "keys"),
    ({"clusterId": "", "apiEndpoint": "https://e"}, "keys"),
    ({"clusterId": 7, "apiEndpoint": "https://e"}, "keys"),
    ("uid", "keys"),
    ({"clusterId": "u", "apiEndpoint": "http://e"}, "apiEndpoint"),
])
def test_a_registration_of_another_shape_is_refused_naming_the_output(value, field):
    with pytest.raises(ConfigError) as info:
        check_registration(value, "organization/inference-platform/aws-use1 output karmadaRegistration")
    assert info.value.where == "organization/inference-platform/aws-use1 output karmadaRegistration"
    assert info.value.field == field


def test_the_cluster_depends_on_the_agents_rbac_so_removal_deletes_it_first(private_render):
    cluster = private_render.get("kubernetes:cluster.karmada.io/v1alpha1:Cluster", f"{MEMBER}-karmada-cluster-cluster")
    assert cluster.cluster == "karmada-provider"
    rbac = "kubernetes:rbac.authorization.k8s.io/v1"
    assert cluster.depends_on == [
        "kubernetes:helm.sh/v3:Release::karmada-release",
        "kubernetes:core/v1:Namespace::karmada-agent-aws-use1-namespace",
        f"{rbac}:ClusterRole::karmada-agent-aws-use1-clusterrole",
        f"{rbac}:ClusterRoleBinding::karmada-agent-aws-use1-clusterrolebinding",
        f"{rbac}:Role::karmada-agent-aws-use1-role-secret",
        f"{rbac}:RoleBinding::karmada-agent-aws-use1-rolebinding-secret",
        f"{rbac}:Role::karmada-agent-aws-use1-role-work",
        f"{rbac}:RoleBinding::karmada-agent-aws-use1-rolebinding-work"]


def test_a_registration_not_exported_yet_reads_as_none_and_a_good_one_as_itself():
    assert check_registration(None, "o") is None
    good = {"clusterId": "u", "apiEndpoint": "https://e"}
    assert check_registration(good, "o") == good


def test_the_private_stack_makes_the_member_cluster_with_the_members_id(private_render):
    cluster = private_render.find("Cluster", MEMBER, cluster="karmada-provider")
    assert cluster == {
        "apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster",
        "metadata": {"name": MEMBER, "labels": {"inference-platform.io/cloud": "aws"}},
        "spec": {"syncMode": "Pull", "id": FAKE_UID, "apiEndpoint": ENDPOINT,
                 "secretRef": {"namespace": "karmada-cluster", "name": MEMBER},
                 "impersonatorSecretRef": {"namespace": "karmada-cluster", "name": f"{MEMBER}-impersonator"}}}
    assert private_render.outputs["karmadaPullClusters"] == {MEMBER: {"clusterId": FAKE_UID, "apiEndpoint": ENDPOINT}}


def test_on_its_first_run_the_private_stack_makes_the_cluster_without_an_id_and_exports_none():
    first = render_stack("private", first_run=True)
    cluster = first.find("Cluster", MEMBER, cluster="karmada-provider")
    assert "id" not in cluster["spec"] and "apiEndpoint" not in cluster["spec"]
    assert first.outputs["karmadaPullClusters"] == {}


def test_the_public_stack_exports_what_the_private_stack_registers_it_with(public_render):
    assert public_render.outputs["karmadaRegistration"] == {"clusterId": FAKE_UID, "apiEndpoint": ENDPOINT}
    read = public_render.get("kubernetes:core/v1:Namespace", f"{MEMBER}-karmada-agent-kube-system")
    assert read.read_id == "kube-system" and read.cluster == MEMBER


REGISTERED = {"clusterId": FAKE_UID, "apiEndpoint": ENDPOINT}


@pytest.mark.parametrize("registered, replicas, running", [
    ({MEMBER: REGISTERED}, 1, True),
    (None, 0, False),  # the private stack has not run since this member's first run
    ({MEMBER: {**REGISTERED, "clusterId": "some-other-uid"}}, 0, False),  # made for another cluster
    ({MEMBER: {**REGISTERED, "apiEndpoint": "https://old.example"}}, 0, False),  # the agent would have to update it
    ({"aws-euw1": REGISTERED}, 0, False),
])
def test_the_agent_runs_only_once_its_cluster_carries_its_id(monkeypatch, registered, replicas, running):
    recorded = record_registrations(monkeypatch)
    r = render(outputs=private_outputs(karmadaPullClusters=registered))
    assert recorded[AGENT_RELEASE]["values"]["agent"]["replicaCount"] == replicas
    assert (r.outputs["karmadaAgent"] == "running") is running
    if not running:
        assert r.outputs["karmadaAgent"] == (
            f"no replica until the private stack has made Cluster '{MEMBER}' with this cluster's registration: run "
            "its `pulumi up`, then this stack's again")

