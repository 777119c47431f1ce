"""GpuNodeGroup: instance-type rules, and what one group registers under the SDK's mocks (node group + ASG tags)."""
from __future__ import annotations

import pytest

import re

from components.aws.gpu_node_group import (ACCELERATOR_LABEL, DEFAULT_INSTANCE_TYPES, GPU_AMI_TYPE, INSTANCE_TYPES,
                                           MAX_SHAPES, MIN_SPOT_INSTANCE_TYPES, GpuNodeGroup, GpuNodeGroupArgs,
                                           InstanceTypeError, asg_name_pattern, check_instance_types, gpu_class_of,
                                           node_template_tags)
from components.aws.instance_types import INSTANCE_TABLE
from components.scheduling import CAPACITY_LABEL, CAPACITY_TAINT_KEY, GPU_TAINT_KEY, GPU_TYPE_LABEL, CapacityType
from models.spec import GpuType
from stacks.render import run_program
from tests.messages import exactly

NODEGROUP = "aws:eks/nodeGroup:NodeGroup"
TAG = "aws:autoscaling/tag:Tag"
TEMPLATE = "k8s.io/cluster-autoscaler/node-template"


def render_group(name: str, **kwargs):
    def program():
        GpuNodeGroup(name, GpuNodeGroupArgs(cluster_name="inference-test", node_role_arn="arn:aws:iam::1:role/node",
                                            subnet_ids=["subnet-0a1b2c3d"], **kwargs))
    return run_program(program, stack="test", config={})


def asg_tags(render, name: str) -> dict[str, dict]:
    """ASG tag key → the Tag resource's inputs, for one group."""
    return {r.inputs["tag"]["key"]: r.inputs for r in render.of_type(TAG)
            if r.parent == f"platform:aws:GpuNodeGroup::{name}"}


@pytest.fixture(scope="module")
def spot_render():
    return render_group("m-t4-spot", gpu_type=GpuType.T4, capacity=CapacityType.SPOT, max_size=8)


@pytest.fixture(scope="module")
def on_demand_render():
    return render_group("m-a10g-4x-ondemand", gpu_type=GpuType.A10G, gpu_count=4, capacity=CapacityType.ON_DEMAND,
                        min_size=1, max_size=2)


# --- instance-type table and rules ---------------------------------------------------------------------------------

def test_every_instance_type_belongs_to_exactly_one_gpu_class_and_count():
    seen = {}
    for gpu_type, by_count in INSTANCE_TYPES.items():
        for count, types in by_count.items():
            for itype in types:
                assert itype not in seen, f"{itype} listed twice"
                seen[itype] = (gpu_type, count)
                assert gpu_class_of(itype) == (gpu_type, count)
    assert gpu_class_of("m5.large") is None


@pytest.mark.parametrize("gpu_type", [GpuType.T4, GpuType.A10G, GpuType.L4])
def test_single_gpu_classes_default_to_enough_types_for_spot(gpu_type):
    types = check_instance_types(gpu_type, 1, CapacityType.SPOT)
    assert len(types) >= MIN_SPOT_INSTANCE_TYPES
    assert all(gpu_class_of(t) == (gpu_type, 1) for t in types)


def test_defaults_are_known_smallest_first_and_at_most_two_sizes():
    for gpu_type, by_count in DEFAULT_INSTANCE_TYPES.items():
        for count, types in by_count.items():
            assert all(gpu_class_of(t) == (gpu_type, count) for t in types)
            shapes = [INSTANCE_TABLE[t].shape for t in types]
            assert shapes == sorted(shapes) and len(set(shapes)) <= MAX_SHAPES
            # Each default passes its own check (On-Demand always; Spot where there are enough types).
            assert check_instance_types(gpu_type, count, CapacityType.ON_DEMAND) == types


def test_the_old_five_size_default_is_rejected_as_too_many_sizes():
    with pytest.raises(InstanceTypeError) as err:
        check_instance_types(GpuType.A10G, 1, CapacityType.SPOT,
                             ("g5.xlarge", "g5.2xlarge", "g5.4xlarge", "g5.8xlarge", "g5.16xlarge"))
    assert err.value.field == "instanceTypes" and "at most 2 sizes" in err.value.expected


def test_the_first_type_must_be_the_smallest():
    with pytest.raises(InstanceTypeError) as err:
        check_instance_types(GpuType.A10G, 1, CapacityType.SPOT, ("g5.2xlarge", "g5.xlarge"))
    assert "smallest type first" in err.value.expected and "g5.xlarge (4 vCPU, 16 GiB" in err.value.expected
    assert check_instance_types(GpuType.A10G, 1, CapacityType.SPOT, ("g5.2xlarge", "g5.4xlarge")) == (
        "g5.2xlarge", "g5.4xlarge")


def test_spot_group_with_a_single_instance_type_is_rejected_with_the_alternatives():
    with pytest.raises(InstanceTypeError) as err:
        check_instance_types(GpuType.T4, 1, CapacityType.SPOT, ("g4dn.xlarge",))
    assert err.value.field == "instanceTypes"
    assert "at least 2 instance types for a Spot group" in str(err.value)
    assert "g4dn.4xlarge" in str(err.value)  # names what else AWS sells


def test_a_single_type_is_fine_on_demand():
    assert check_instance_types(GpuType.T4, 1, CapacityType.ON_DEMAND, ("g4dn.xlarge",)) == ("g4dn.xlarge",)


def test_single_type_sizes_cannot_be_spot_and_say_use_on_demand():
    with pytest.raises(InstanceTypeError) as err:
        check_instance_types(GpuType.T4, 4, CapacityType.SPOT)
    assert err.value.field == "capacity"
    assert "'on-demand'" in err.value.expected and "g4dn.12xlarge" in err.value.expected
    assert check_instance_types(GpuType.A100, 8, CapacityType.SPOT) == ("p4d.24xlarge", "p4de.24xlarge")


def test_instance_type_with_another_gpu_count_is_rejected_so_the_node_template_stays_true():
    with pytest.raises(InstanceTypeError) as err:
        check_instance_types(GpuType.A10G, 1, CapacityType.SPOT, ("g5.xlarge", "g5.12xlarge"))
    assert "g5.12xlarge has 4x a10g" in str(err.value)


def test_instance_type_of_another_gpu_class_or_unknown_is_rejected():
    with pytest.raises(InstanceTypeError, match="g6.xlarge has 1x l4") as raised:
        check_instance_types(GpuType.T4, 1, CapacityType.SPOT, ("g4dn.xlarge", "g4dn.2xlarge", "g6.xlarge"))
    exactly(str(raised.value))
    with pytest.raises(InstanceTypeError) as err:
        check_instance_types(GpuType.T4, 1, CapacityType.ON_DEMAND, ("m5.large",))
    assert "m5.large is not one" in err.value.expected
    assert "known: g4dn.xlarge, " in err.value.expected and "p4de.24xlarge" in err.value.expected


def test_gpu_count_aws_does_not_sell_is_rejected():
    with pytest.raises(InstanceTypeError) as err:
        check_instance_types(GpuType.T4, 2, CapacityType.ON_DEMAND)
    assert err.value.field == "gpuCount" and "1, 4, 8" in err.value.expected


def test_node_template_mirrors_labels_taints_and_gpu_count():
    tags = node_template_tags(GpuType.L4, 1, CapacityType.SPOT)
    assert tags == {
        f"{TEMPLATE}/label/{GPU_TYPE_LABEL}": "l4",
        f"{TEMPLATE}/label/{CAPACITY_LABEL}": "spot",
        f"{TEMPLATE}/label/{ACCELERATOR_LABEL}": "nvidia-l4",
        f"{TEMPLATE}/label/eks.amazonaws.com/capacityType": "SPOT",
        f"{TEMPLATE}/taint/{GPU_TAINT_KEY}": "present:NoSchedule",
        f"{TEMPLATE}/taint/{CAPACITY_TAINT_KEY}": "spot:NoSchedule",
        f"{TEMPLATE}/resources/nvidia.com/gpu": "1",
    }


# --- one group under mocks -----------------------------------------------------------------------------------------

def test_spot_group_is_a_spot_managed_node_group_of_the_gpu_ami(spot_render):
    ng = spot_render.get(NODEGROUP, "m-t4-spot-nodegroup").inputs
    assert ng["capacityType"] == "SPOT"
    assert ng["amiType"] == GPU_AMI_TYPE == "AL2023_x86_64_NVIDIA"
    assert ng["instanceTypes"] == ["g4dn.xlarge", "g4dn.2xlarge"]
    assert all(gpu_class_of(t) == (GpuType.T4, 1) for t in ng["instanceTypes"])
    # A name prefix, never a fixed name: a replacement is created before the old group is deleted.
    assert ng["nodeGroupNamePrefix"] == "m-t4-spot-" and "nodeGroupName" not in ng
    assert ng["clusterName"] == "inference-test"


def test_spot_group_scales_from_zero(spot_render):
    ng = spot_render.get(NODEGROUP, "m-t4-spot-nodegroup").inputs
    assert ng["scalingConfig"] == {"minSize": 0, "maxSize": 8, "desiredSize": 0}


def test_spot_group_labels_and_taints_use_the_scheduling_vocabulary(spot_render):
    ng = spot_render.get(NODEGROUP, "m-t4-spot-nodegroup").inputs
    assert ng["labels"] == {GPU_TYPE_LABEL: "t4", CAPACITY_LABEL: "spot", ACCELERATOR_LABEL: "nvidia-tesla-t4"}
    assert ng["taints"] == [{"key": GPU_TAINT_KEY, "value": "present", "effect": "NO_SCHEDULE"},
                            {"key": CAPACITY_TAINT_KEY, "value": "spot", "effect": "NO_SCHEDULE"}]


def test_spot_group_asg_carries_discovery_and_node_template_tags(spot_render):
    tags = asg_tags(spot_render, "m-t4-spot")
    values = {k: v["tag"]["value"] for k, v in tags.items()}
    assert values["k8s.io/cluster-autoscaler/enabled"] == "true"
    assert values["k8s.io/cluster-autoscaler/inference-test"] == "owned"
    assert values[f"{TEMPLATE}/label/{GPU_TYPE_LABEL}"] == "t4"
    assert values[f"{TEMPLATE}/label/{CAPACITY_LABEL}"] == "spot"
    assert values[f"{TEMPLATE}/label/eks.amazonaws.com/capacityType"] == "SPOT"
    assert values[f"{TEMPLATE}/taint/{GPU_TAINT_KEY}"] == "present:NoSchedule"
    assert values[f"{TEMPLATE}/taint/{CAPACITY_TAINT_KEY}"] == "spot:NoSchedule"
    assert values[f"{TEMPLATE}/resources/nvidia.com/gpu"] == "1"
    # Every tag goes on the ASG EKS created for this node group (read from the node group's outputs), ASG-only.
    assert {v["autoscalingGroupName"] for v in tags.values()} == {"eks-m-t4-spot-nodegroup-asg"}
    assert all(v["tag"]["propagateAtLaunch"] is False for v in tags.values())


def test_every_node_label_and_taint_has_its_node_template_tag(spot_render, on_demand_render):
    for render, name in ((spot_render, "m-t4-spot"), (on_demand_render, "m-a10g-4x-ondemand")):
        ng = render.get(NODEGROUP, f"{name}-nodegroup").inputs
        values = {k: v["tag"]["value"] for k, v in asg_tags(render, name).items()}
        for key, value in ng["labels"].items():
            assert values[f"{TEMPLATE}/label/{key}"] == value
        effects = {"NO_SCHEDULE": "NoSchedule"}
        for taint in ng["taints"]:
            assert values[f"{TEMPLATE}/taint/{taint['key']}"] == f"{taint['value']}:{effects[taint['effect']]}"


def test_on_demand_fallback_group_has_no_spot_taint_and_its_own_gpu_count(on_demand_render):
    ng = on_demand_render.get(NODEGROUP, "m-a10g-4x-ondemand-nodegroup").inputs
    assert ng["capacityType"] == "ON_DEMAND"
    assert ng["instanceTypes"] == ["g5.12xlarge", "g5.24xlarge"]
    assert [t["key"] for t in ng["taints"]] == [GPU_TAINT_KEY]
    assert ng["scalingConfig"] == {"minSize": 1, "maxSize": 2, "desiredSize": 1}
    values = {k: v["tag"]["value"] for k, v in asg_tags(on_demand_render, "m-a10g-4x-ondemand").items()}
    assert values[f"{TEMPLATE}/resources/nvidia.com/gpu"] == "4"
    assert values[f"{TEMPLATE}/label/eks.amazonaws.com/capacityType"] == "ON_DEMAND"
    assert f"{TEMPLATE}/taint/{CAPACITY_TAINT_KEY}" not in values


def test_children_are_parented_and_prefixed_with_the_component_name(spot_render):
    children = [r for r in spot_render.resources if r.parent == "platform:aws:GpuNodeGroup::m-t4-spot"]
    assert len(children) == 2 + 9  # launch template + node group + 2 discovery + 7 node-template tags
    assert all(r.name.startswith("m-t4-spot-") for r in children)


def test_sizes_are_checked():
    with pytest.raises(ValueError, match="desired_size 5") as raised:
        render_group("bad", gpu_type=GpuType.T4, min_size=0, max_size=2, desired_size=5)
    exactly(str(raised.value))
    with pytest.raises(ValueError, match="min 3 / max 2") as raised:
        render_group("bad2", gpu_type=GpuType.T4, min_size=3, max_size=2)
    exactly(str(raised.value))


def test_node_group_name_leaves_room_for_the_unique_suffix():
    with pytest.raises(ValueError, match="at most 36 characters") as raised:
        render_group("x", gpu_type=GpuType.T4, node_group_name="a" * 37)
    exactly(str(raised.value))
    with pytest.raises(ValueError, match="DNS-1123") as raised:
        render_group("y", gpu_type=GpuType.T4, node_group_name="Bad_Name")
    exactly(str(raised.value))


def test_asg_pattern_matches_the_prefixed_names_asg_only():
    pattern = re.compile(asg_name_pattern("aws-use1-t4"))
    suffix = "2026112612000000000000000a"  # 18 timestamp digits + 8 hex counter
    assert len(suffix) == 26
    assert pattern.match(f"eks-aws-use1-t4-{suffix}-6cc2b7d6-5e1b-4b0e-9f0c-0123456789ab")
    # another group whose name starts the same never matches
    assert not pattern.match(f"eks-aws-use1-t4-1-{suffix}-6cc2b7d6-5e1b-4b0e-9f0c-0123456789ab")
    assert not pattern.match(f"eks-aws-use1-t4-spot-{suffix}-6cc2b7d6")
