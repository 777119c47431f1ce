"""The instance-type table the GPU node groups draw from, the node reserve, and the cluster's access-entry rules."""
from __future__ import annotations


import pytest

from components.aws.eks_cluster import InferenceEksCluster, InferenceEksClusterArgs, role_slug
from components.aws.gpu_node_group import INSTANCE_TYPES
from components.aws.instance_types import INSTANCE_TABLE, fit_problems
from models.spec import GpuType, parse_quantity
from stacks.render import run_program
from tests.messages import exactly


def test_table_values_for_the_types_the_stack_file_uses():
    # AWS EC2 accelerated-computing specifications; max pods from amazon-eks-ami's eni-max-pods.txt.
    assert (INSTANCE_TABLE["g5.xlarge"].vcpu, INSTANCE_TABLE["g5.xlarge"].memory_gib) == (4, 16)
    assert (INSTANCE_TABLE["g5.2xlarge"].vcpu, INSTANCE_TABLE["g5.2xlarge"].memory_gib) == (8, 32)
    assert (INSTANCE_TABLE["gr6.4xlarge"].vcpu, INSTANCE_TABLE["gr6.4xlarge"].memory_gib) == (16, 128)
    assert INSTANCE_TABLE["g4dn.xlarge"].max_pods == 29 and INSTANCE_TABLE["g5.xlarge"].max_pods == 58
    assert INSTANCE_TABLE["p4d.24xlarge"].gpu_count == 8 and INSTANCE_TABLE["p4d.24xlarge"].gpu_type is GpuType.A100


def test_gpu_class_table_is_derived_from_the_instance_table_smallest_first():
    assert INSTANCE_TYPES[GpuType.A10G][1][:2] == ("g5.xlarge", "g5.2xlarge")
    listed = {t for by_count in INSTANCE_TYPES.values() for types in by_count.values() for t in types}
    assert listed == set(INSTANCE_TABLE)


def test_reserve_follows_the_eks_kube_reserved_formula():
    g5 = INSTANCE_TABLE["g5.xlarge"]
    assert g5.kube_reserved_cpu_m() == 60 + 10 + 5 + 5          # 6 % + 1 % + 0.5 % + 0.5 %
    assert INSTANCE_TABLE["g5.2xlarge"].kube_reserved_cpu_m() == 80 + 10  # + 0.25 % of cores 5-8 (2.5m each)
    assert g5.kube_reserved_memory_mib() == 11 * 58 + 255
    assert g5.allocatable_cpu_m() == 4000 - 80 - 250
    assert g5.allocatable_memory_mib() == int(16384 * 0.925) - 893 - 100 - 256


def test_fit_problems_name_what_does_not_fit():
    g5 = INSTANCE_TABLE["g5.xlarge"]
    assert [f for f, _ in fit_problems(g5, parse_quantity("4"), parse_quantity("16Gi"))] == ["cpu", "memory"]
    assert fit_problems(g5, parse_quantity("3"), parse_quantity("12Gi")) == []
    assert fit_problems(INSTANCE_TABLE["g5.2xlarge"], parse_quantity("4"), parse_quantity("16Gi")) == []
    assert fit_problems(g5, None, None) == []


def test_role_slug_and_admin_role_rules():
    assert role_slug("arn:aws:iam::123456789012:role/ci/GitHub_Actions").startswith("123456789012-ci-github-actions-")
    # ARNs that flatten alike stay distinct resources
    assert role_slug("arn:aws:iam::123456789012:role/ci_deploy") != role_slug("arn:aws:iam::123456789012:role/ci/deploy")
    with pytest.raises(ValueError, match="IAM role ARN") as raised:
        role_slug("arn:aws:iam::123456789012:user/alice")
    exactly(str(raised.value))

    def program(**kwargs):
        return lambda: InferenceEksCluster("m", InferenceEksClusterArgs(
            cluster_name="c", region="us-east-1", subnet_ids=("subnet-0a1b2c3d",), **kwargs))
    with pytest.raises(ValueError, match="adopted cluster") as raised:
        run_program(program(create=False, admin_role_arns=("arn:aws:iam::123456789012:role/deploy",)),
                    stack="test", config={})
    exactly(str(raised.value))
    with pytest.raises(ValueError, match="distinct") as raised:
        run_program(program(admin_role_arns=("arn:aws:iam::123456789012:role/d",) * 2), stack="test", config={})
    exactly(str(raised.value))
