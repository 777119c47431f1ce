"""Issue 13, finding 7: EKS nodes. IMDSv2 with hop limit 1 on every node group (launch template), the karmada-agent
kept off nodes that run model code, and no invisible cluster-creator admin."""
from __future__ import annotations

import json

import pytest

from components.karmada.agent import agent_values
from models.spec import GpuType
from components.scheduling import CapacityType
from tests.test_public_config import BASE, config, fails
from tests.test_gpu_node_group import render_group
from tests.test_public_stack import render

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
NODEGROUP = "aws:eks/nodeGroup:NodeGroup"
IMDS = {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}


@pytest.fixture(scope="module")
def public():
    return render()


def test_gpu_node_group_starts_from_an_imdsv2_hop_limit_1_template_with_its_disk():
    r = render_group("m-t4-spot", gpu_type=GpuType.T4, capacity=CapacityType.SPOT, max_size=8, disk_size_gib=120)
    (template,) = r.of_type(LAUNCH_TEMPLATE)
    assert template.name == "m-t4-spot-launch-template"
    assert template.parent == "platform:aws:GpuNodeGroup::m-t4-spot"
    assert template.inputs["metadataOptions"] == IMDS
    assert template.inputs["blockDeviceMappings"] == [{"deviceName": "/dev/xvda", "ebs": {
        "volumeSize": 120, "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"}}]
    (group,) = r.of_type(NODEGROUP)
    assert "diskSize" not in group.inputs  # EKS refuses diskSize next to a launch template
    assert set(group.inputs["launchTemplate"]) == {"id", "version"}


def test_every_node_group_of_the_public_stack_uses_a_hardened_template(public):
    groups = public.of_type(NODEGROUP)
    templates = public.of_type(LAUNCH_TEMPLATE)
    assert len(groups) == 5 and len(templates) == 5  # four GPU groups and the system group
    assert all(t.inputs["metadataOptions"] == IMDS for t in templates)
    assert all("launchTemplate" in g.inputs and "diskSize" not in g.inputs for g in groups)
    assert "aws-use1-system-launch-template" in {t.name for t in templates}


def test_cluster_creator_gets_no_invisible_admin(public):
    (cluster,) = public.of_type("aws:eks/cluster:Cluster")
    assert cluster.inputs["accessConfig"] == {"authenticationMode": "API",
                                              "bootstrapClusterCreatorAdminPermissions": False}
    entries = public.of_type("aws:eks/accessEntry:AccessEntry")
    assert [e.inputs["principalArn"] for e in entries] == ["arn:aws:iam::123456789012:role/inference-deploy"]


def test_a_created_cluster_without_admin_roles_is_refused():
    eks = {k: v for k, v in BASE["eks"].items() if k != "adminRoleArns"}
    err = fails(config(eks=eks), "platform:eks", "adminRoleArns", "at least one IAM role ARN for mode 'create'")
    assert err.value == []


def test_agent_runs_on_system_nodes_and_never_on_gpu_nodes():
    agent = agent_values("aws-use1", "https://eks.example", "https://karmada.example:5443", "CA", "CRT", "KEY")["agent"]
    assert agent["nodeSelector"] == {"inference-platform.io/node-role": "system"}
    assert agent["affinity"] == {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "inference-platform.io/gpu-type", "operator": "DoesNotExist"}]}]}}}
    without_system_group = agent_values("m", "e", "s", "CA", "CRT", "KEY", node_selector={})["agent"]
    assert without_system_group["nodeSelector"] == {}
    assert without_system_group["affinity"] == agent["affinity"]


def test_created_cluster_enforces_network_policies_through_the_vpc_cni(public):
    (addon,) = public.of_type("aws:eks/addon:Addon")
    assert addon.inputs["addonName"] == "vpc-cni"
    assert json.loads(addon.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    provider = public.get("pulumi:providers:kubernetes", "aws-use1")
    assert f"aws:eks/addon:Addon::{addon.name}" in provider.depends_on  # nothing installed before enforcement
