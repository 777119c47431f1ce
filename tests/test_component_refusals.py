"""Arguments the components refuse before they register anything, each at its boundary and with its whole message
(as reviewed in tests/golden/messages.json). The checks of stack files live in the config tests; these guard the
components' own contracts, for a stack program (or a test) that builds them directly."""
from __future__ import annotations

import pytest

from components.aws.eks_cluster import InferenceEksCluster, InferenceEksClusterArgs
from components.aws.gpu_node_group import InstanceTypeError, asg_name_pattern, check_instance_types
from components.karmada.contract import MemberContract
from components.karmada.interpreter import isvc_interpreter_customization, lua_script
from components.karmada.member import PushMemberArgs
from components.karmada.placement import (BucketMirror, PlacementError, RuntimePropagationArgs,
                                          plan_runtime_propagation)
from components.mesh.east_west import EastWestGatewayArgs
from components.mesh.identity import MeshIdentity
from components.scheduling import CapacityType
from components.security.model_network import StorageEgress
from models.errors import ConfigError
from models.spec import GpuType
from stacks.render import run_program
from tests.messages import exactly


def refused(call, error) -> str:
    with pytest.raises(error) as raised:
        call()
    return exactly(str(raised.value))


@pytest.mark.parametrize("changes", [dict(create=True, subnet_ids=()),
                                     dict(endpoint_public_access=True, public_access_cidrs=()),
                                     dict(endpoint_private_access=False, endpoint_public_access=False)],
                         ids=["no-subnets", "public-without-cidrs", "no-endpoint"])
def test_eks_cluster_endpoint_and_subnet_refusals(changes):
    def program():
        InferenceEksCluster("m", InferenceEksClusterArgs(**{"cluster_name": "c", "region": "us-east-1",
                                                            "subnet_ids": ("subnet-0a1b2c3d",), **changes}))
    refused(lambda: run_program(program, stack="test", config={}), ValueError)


def test_gpu_node_group_instance_types_and_names():
    refused(lambda: check_instance_types(GpuType.T4, 1, CapacityType.SPOT, []), InstanceTypeError)
    refused(lambda: check_instance_types(GpuType.T4, 1, CapacityType.SPOT, ["g4dn.xlarge", "g4dn.xlarge"]),
            InstanceTypeError)
    refused(lambda: asg_name_pattern("T4_spot"), ValueError)
    assert asg_name_pattern("t4") == "^eks-t4-[0-9a-f]{26}-[0-9a-f-]+$"


def test_member_write_rules_may_not_be_empty():
    refused(lambda: PushMemberArgs(cluster_name="private", karmada_provider=None,  # type: ignore[arg-type]
                                   write_rules=()), ValueError)


def test_bucket_mirror_prefixes():
    for source, mirror in (("ml-artifacts", "s3://m"), ("s3://", "s3://m"), ("s3://a", 3), ("gs://a", "gs://b"),
                           ("pvc://claim/models", "pvc://other/models")):
        refused(lambda: BucketMirror(source=source, mirror=mirror, region="eu-west-1"), PlacementError)
    mirror = BucketMirror(source="s3://ml-artifacts", mirror="s3://ml-artifacts-euw1", region="eu-west-1")
    assert mirror.matches("s3://ml-artifacts/m/v1") and not mirror.matches("s3://ml-artifacts-old/m")


def test_runtimes_go_to_at_least_one_cluster():
    refused(lambda: plan_runtime_propagation(RuntimePropagationArgs(clusters=())), PlacementError)


def test_east_west_gateway_needs_source_ranges():
    refused(lambda: EastWestGatewayArgs(identity=MeshIdentity("aws-use1"), source_ranges=()), ValueError)


@pytest.mark.parametrize("port", [0, 65536, -1])
def test_storage_egress_port_out_of_range(port):
    refused(lambda: StorageEgress(port=port), ValueError)


@pytest.mark.parametrize("port", [1, 65535])
def test_storage_egress_port_at_its_bounds(port):
    assert StorageEgress(port=port).port == port


def test_interpreter_lookups():
    refused(lambda: lua_script("componentResource"), KeyError)
    refused(lambda: isvc_interpreter_customization(""), ValueError)


@pytest.mark.parametrize("value", [[], "contract", None])
def test_a_member_contract_that_is_not_a_mapping(value):
    refused(lambda: MemberContract.from_output(value, "Pulumi.public.yaml privateStack output memberContract"),
            ConfigError)
