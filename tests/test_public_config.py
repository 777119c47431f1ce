"""The public stack's typed config, the member check the private stack runs against it, and the contract that
crosses the StackReference.

File mistakes fail before any resource exists; requirement mismatches name the model, the field, the value and
what this member offers.
"""
from __future__ import annotations

import copy

import pytest

from components.scheduling import CapacityType, gpu_tolerations, spot_tolerations
from models.errors import ConfigError
from models.spec import GpuType, WorkloadClass
from components.karmada.contract import MemberContract, MemberModel
from components.karmada.requirement import ModelRequirement
from stacks.__main__ import load_stack_file
from stacks.program import NAMESPACE
from components.versions import EKS_KUBERNETES_VERSION
from stacks.public_config import ClusterMode, check_member_requirements, read_public_config
from tests.messages import exactly

BASE = {
    "privateStack": "organization/inference-platform/private",
    "memberName": "aws-use1",
    "eks": {"clusterName": "inference-aws-use1", "subnetIds": ["subnet-0a1b2c3d4e5f60001"],
            "adminRoleArns": ["arn:aws:iam::123456789012:role/inference-deploy"]},
    "gpuNodeGroups": [
        {"name": "t4-spot", "gpuType": "t4", "capacity": "spot", "maxSize": 8},
        {"name": "t4-ondemand", "gpuType": "t4", "capacity": "on-demand", "maxSize": 2},
    ],
    "mesh": {"eastWestSourceRanges": ["198.51.100.0/24"]},
}


def config(**changes):
    values = copy.deepcopy(BASE)
    values.update(changes)
    return values


def fails(values, where, field, value_text="", region="us-east-1"):
    with pytest.raises(ConfigError) as info:
        read_public_config(values, region)
    err = info.value
    exactly(str(err))
    assert (err.where, err.field) == (where, field), str(err)
    assert value_text in str(err), str(err)
    return err


def group(**fields):
    return {"name": "g", "gpuType": "t4", "maxSize": 2, **fields}


# --- the file ------------------------------------------------------------------------------------------------------

def test_the_checked_in_stack_file_reads():
    raw = load_stack_file("public")
    values = {k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith(NAMESPACE + ":")}
    cfg = read_public_config(values, raw["aws:region"])
    assert cfg.member_name == "aws-use1" and cfg.region == "us-east-1"
    assert cfg.eks.mode is ClusterMode.CREATE and cfg.eks.endpoint_public_access is False
    capacities = {(g.gpu_type, g.capacity) for g in cfg.gpu_node_groups}
    assert (GpuType.T4, CapacityType.SPOT) in capacities and (GpuType.T4, CapacityType.ON_DEMAND) in capacities


def test_defaults():
    cfg = read_public_config(config(), "eu-west-1")
    spot = cfg.gpu_node_groups[0]
    assert (spot.capacity, spot.gpu_count, spot.min_size, spot.desired_size) == (CapacityType.SPOT, 1, 0, None)
    assert spot.instance_types == ("g4dn.xlarge", "g4dn.2xlarge")
    assert cfg.node_group_name(spot) == "aws-use1-t4-spot"
    assert (cfg.eks.endpoint_private_access, cfg.eks.endpoint_public_access) == (True, False)
    assert cfg.eks.system_nodes.enabled and cfg.eks.version == EKS_KUBERNETES_VERSION == "1.35"
    assert cfg.eks.admin_role_arns == ("arn:aws:iam::123456789012:role/inference-deploy",)


def test_unknown_keys_are_errors():
    fails(config(gpuNodeGroup=[]), "platform", "key", "'gpuNodeGroup'")
    fails(config(gpuNodeGroups=[group(capcity="spot")]), "platform:gpuNodeGroups[0]", "key", "'capcity'")
    fails(config(eks={**BASE["eks"], "vpcID": "vpc-1"}), "platform:eks", "key", "'vpcID'")


def test_region_private_stack_and_member_name_are_checked():
    fails(config(), "aws", "region", "None", region=None)
    fails(config(privateStack="private"), "platform", "privateStack", "'private'")
    fails(config(memberName="AWS_1"), "platform", "memberName", "'AWS_1'")


def test_spot_group_with_one_instance_type_is_rejected():
    err = fails(config(gpuNodeGroups=[group(instanceTypes=["g4dn.xlarge"])]),
                "platform:gpuNodeGroups[0]", "instanceTypes", "g4dn.xlarge")
    assert "at least 2 instance types" in err.expected


def test_group_instance_types_span_at_most_two_sizes_smallest_first():
    err = fails(config(gpuNodeGroups=[group(instanceTypes=["g4dn.xlarge", "g4dn.2xlarge", "g4dn.4xlarge"])]),
                "platform:gpuNodeGroups[0]", "instanceTypes")
    assert "at most 2 sizes" in err.expected
    err = fails(config(gpuNodeGroups=[group(instanceTypes=["g4dn.2xlarge", "g4dn.xlarge"])]),
                "platform:gpuNodeGroups[0]", "instanceTypes")
    assert "smallest type first" in err.expected


def test_instance_types_outside_the_table_are_rejected_listing_the_known_ones():
    err = fails(config(gpuNodeGroups=[group(instanceTypes=["g4dn.xlarge", "g7.xlarge"])]),
                "platform:gpuNodeGroups[0]", "instanceTypes", "g7.xlarge")
    assert "g7.xlarge is not one" in err.expected and "known: g4dn.xlarge" in err.expected


def test_instance_types_must_match_the_groups_gpu_class_and_count():
    err = fails(config(gpuNodeGroups=[group(instanceTypes=["g4dn.xlarge", "g4dn.12xlarge"])]),
                "platform:gpuNodeGroups[0]", "instanceTypes")
    assert "g4dn.12xlarge has 4x t4" in err.expected
    fails(config(gpuNodeGroups=[group(gpuCount=2)]), "platform:gpuNodeGroups[0]", "gpuCount", "2")


def test_single_type_size_spot_group_is_rejected_on_capacity():
    err = fails(config(gpuNodeGroups=[group(gpuType="t4", gpuCount=4)]), "platform:gpuNodeGroups[0]", "capacity",
                "'spot'")
    assert "'on-demand'" in err.expected
    read_public_config(config(gpuNodeGroups=[group(gpuType="t4", gpuCount=4, capacity="on-demand")]), "us-east-1")


def test_group_names_sizes_and_count():
    fails(config(gpuNodeGroups=[group(), group()]), "platform:gpuNodeGroups[1]", "name", "'g'")
    fails(config(gpuNodeGroups=[group(minSize=3, maxSize=2)]), "platform:gpuNodeGroups[0]", "minSize", "3")
    fails(config(gpuNodeGroups=[group(desiredSize=5)]), "platform:gpuNodeGroups[0]", "desiredSize", "5")
    fails(config(gpuNodeGroups=[]), "platform", "gpuNodeGroups", "[]")
    fails(config(gpuNodeGroups=[group(gpuType="h100")]), "platform:gpuNodeGroups[0]", "gpuType", "'h100'")
    # the EKS name is '<memberName>-<name>-<26-character suffix>', at most 63 characters
    fails(config(gpuNodeGroups=[group(name="n" * 28)]), "platform:gpuNodeGroups[0]", "name", "within 36")
    read_public_config(config(gpuNodeGroups=[group(name="n" * 27)]), "us-east-1")


def test_endpoint_access_rules():
    eks = BASE["eks"]
    fails(config(eks={**eks, "endpointPublicAccess": True}), "platform:eks", "publicAccessCidrs", "[]")
    fails(config(eks={**eks, "endpointPrivateAccess": False}), "platform:eks", "endpointPrivateAccess", "False")
    fails(config(eks={**eks, "endpointPublicAccess": True, "publicAccessCidrs": ["10.0.0.0"]}), "platform:eks",
          "publicAccessCidrs", "'10.0.0.0'")
    cfg = read_public_config(config(eks={**eks, "endpointPublicAccess": True,
                                         "publicAccessCidrs": ["203.0.113.0/24"]}), "us-east-1")
    assert cfg.eks.public_access_cidrs == ("203.0.113.0/24",)


@pytest.mark.parametrize("cidr", ["999.1.1.1/99", "10.0.0.0/33", "256.0.0.0/8", "10.0.0.1/24", "2001:db8::/32",
                                  "10.0.0.0/8/8"])
def test_public_access_cidrs_must_be_ipv4_networks(cidr):
    eks = {**BASE["eks"], "endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24", cidr]}
    err = fails(config(eks=eks), "platform:eks", "publicAccessCidrs", repr(cidr))
    assert "IPv4 network" in err.expected


def test_system_node_instance_types_must_not_be_empty():
    eks = BASE["eks"]
    fails(config(eks={**eks, "systemNodes": {"instanceTypes": []}}), "platform:eks.systemNodes", "instanceTypes",
          "[]")
    fails(config(eks={**eks, "systemNodes": {"instanceTypes": ["m6i.large", "m6i.large"]}}),
          "platform:eks.systemNodes", "instanceTypes", "m6i.large")
    cfg = read_public_config(config(eks={**eks, "systemNodes": {"instanceTypes": ["m6i.large"]}}), "us-east-1")
    assert cfg.eks.system_nodes.instance_types == ("m6i.large",)


def test_admin_role_arns_are_iam_role_arns_for_created_clusters():
    eks = BASE["eks"]
    arns = ["arn:aws:iam::123456789012:role/inference-deploy", "arn:aws:iam::123456789012:role/ci/github-actions"]
    cfg = read_public_config(config(eks={**eks, "adminRoleArns": arns}), "us-east-1")
    assert cfg.eks.admin_role_arns == tuple(arns)
    for bad in ("arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/deploy/session",
                "arn:aws:iam::1234:role/deploy", "deploy"):
        fails(config(eks={**eks, "adminRoleArns": [bad]}), "platform:eks", "adminRoleArns", repr(bad))
    fails(config(eks={**eks, "adminRoleArns": "arn:aws:iam::123456789012:role/x"}), "platform:eks", "adminRoleArns")
    fails(config(eks={**eks, "adminRoleArns": [arns[0], arns[0]]}), "platform:eks", "adminRoleArns")
    fails(config(eks={**eks, "mode": "existing", "adminRoleArns": arns[:1]}), "platform:eks", "adminRoleArns")


def test_cluster_mode_rules():
    eks = BASE["eks"]
    fails(config(eks={**eks, "version": "1.30"}), "platform:eks", "version", "'1.30'")
    err = fails(config(eks={**eks, "version": "1.31"}), "platform:eks", "version", "'1.31'")  # past extended support
    assert "'1.35'" in err.expected
    existing = {k: v for k, v in eks.items() if k != "adminRoleArns"}
    fails(config(eks={**existing, "mode": "existing", "version": "1.35"}), "platform:eks", "version")
    fails(config(eks={**eks, "oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/x"}), "platform:eks",
          "oidcProviderArn")
    fails(config(eks={**eks, "subnetIds": []}), "platform:eks", "subnetIds", "[]")
    fails(config(eks={**eks, "subnetIds": ["sn-1"]}), "platform:eks", "subnetIds", "'sn-1'")
    cfg = read_public_config(config(eks={**existing, "mode": "existing"}), "us-east-1")
    assert cfg.eks.mode is ClusterMode.EXISTING and not cfg.eks.system_nodes.enabled


# --- requirements from the private stack ---------------------------------------------------------------------------

CFG = read_public_config(config(gpuNodeGroups=BASE["gpuNodeGroups"] + [
    {"name": "a10g-4x", "gpuType": "a10g", "gpuCount": 4, "capacity": "on-demand", "maxSize": 1}]), "us-east-1")


def req(model="m", gpu_type="t4", count=1, needs_spot=False, tolerations=None, cpu="1", memory="2Gi",
        workload_class=WorkloadClass.CRITICAL):
    return ModelRequirement(model=model, workload_class=workload_class,
                            gpu_type=GpuType(gpu_type) if gpu_type else None, gpu_count=count, cpu=cpu,
                            memory=memory, needs_spot=needs_spot,
                            tolerations=tuple(gpu_tolerations() if tolerations is None else tolerations),
                            storage_uris=())


def check(*reqs, cfg=None):
    """What the private stack runs: raises on the first model no group holds, else returns nothing."""
    assert check_member_requirements(cfg or CFG, reqs, "member 'aws-use1'") is None


def check_fails(*reqs, field, text=""):
    with pytest.raises(ConfigError) as info:
        check(*reqs)
    err = info.value
    exactly(str(err))
    assert err.field == field, str(err)
    assert text in str(err), str(err)
    return err


def test_models_a_group_holds_pass():
    check(req("online"), req("batch", needs_spot=True, tolerations=gpu_tolerations() + spot_tolerations()),
          req("big", gpu_type="a10g", count=4), req("cpu", gpu_type=None, count=0, tolerations=[]),
          req("flex", tolerations=gpu_tolerations() + spot_tolerations()))


def test_gpu_type_missing_names_the_model_and_what_the_member_offers():
    err = check_fails(req("ranker", gpu_type="l4"), field="gpuType", text="'l4'")
    assert "model 'ranker'" in err.where
    assert "t4-spot (1x t4, spot)" in err.expected and "a10g-4x (4x a10g, on-demand)" in err.expected


def test_gpu_count_above_every_group_of_the_type_is_rejected():
    err = check_fails(req("wide", count=4), field="gpuCount", text="4")
    assert err.value == 4 and "at most the GPUs per node of a t4 group" in err.expected


def test_batch_without_a_spot_group_of_its_type_is_rejected():
    err = check_fails(req("batch-a10g", gpu_type="a10g", count=4, needs_spot=True,
                          tolerations=gpu_tolerations() + spot_tolerations()), field="needsSpot", text="True")
    assert "batch work runs on public Spot only" in err.expected


def test_toleration_mismatch_names_the_missing_taint():
    err = check_fails(req("no-gpu-toleration", tolerations=[]), field="tolerations")
    assert "nvidia.com/gpu=present:NoSchedule" in err.expected
    # Batch work that needs Spot but does not tolerate the Spot taint can land nowhere.
    err = check_fails(req("batch", needs_spot=True), field="tolerations")
    assert "inference-platform.io/capacity=spot:NoSchedule" in err.expected


# --- the contract: one writer, one reader ------------------------------------------------------------------------

CONTRACT = MemberContract(namespace="inference", planned_against="0123456789abcdef", models=(
    MemberModel(model="batch", workload_class=WorkloadClass.BATCH, storage_uris=()),
    MemberModel(model="cpu", workload_class=WorkloadClass.ELASTIC, storage_uris=("s3://bucket/cpu/v1",))))


def test_the_contract_shape_as_it_crosses_the_stack_reference():
    """The one test that changes when the contract's shape does."""
    assert CONTRACT.to_output() == {
        "namespace": "inference", "plannedAgainst": "0123456789abcdef", "models": [
            {"model": "batch", "workloadClass": "batch", "storageUris": []},
            {"model": "cpu", "workloadClass": "elastic", "storageUris": ["s3://bucket/cpu/v1"]}]}


def test_the_contract_reads_back_what_it_wrote():
    assert MemberContract.from_output(CONTRACT.to_output(), "o") == CONTRACT
    empty = dict(CONTRACT.to_output())
    del empty["models"]  # an empty list may be dropped on the way
    assert MemberContract.from_output(empty, "o").models == ()


def test_a_requirement_sends_the_member_only_its_name_class_and_storage():
    requirement = req("batch", needs_spot=True, workload_class=WorkloadClass.BATCH)
    assert requirement.member_model == MemberModel(model="batch", workload_class=WorkloadClass.BATCH,
                                                   storage_uris=())


@pytest.mark.parametrize("change, where, field", [
    (lambda o: o.pop("namespace"), "o", "namespace"),
    (lambda o: o.update(extra=1), "o", "extra"),
    (lambda o: o.update(namespace=""), "o", "namespace"),
    (lambda o: o.update(member="aws-use1"), "o", "member"),
    (lambda o: o.update(models={}), "o", "models"),
    (lambda o: o["models"][0].update(gpuType="t4"), "o.models[0]", "gpuType"),
    (lambda o: o["models"][0].pop("storageUris"), "o.models[0]", "storageUris"),
    (lambda o: o["models"][0].update(model=""), "o.models[0]", "model"),
    (lambda o: o["models"][0].update(workloadClass="urgent"), "o.models[0]", "workloadClass"),
    (lambda o: o["models"][1].update(storageUris=["bucket/x"]), "o.models[1]", "storageUris"),
])
def test_a_contract_of_another_shape_is_refused_naming_the_key(change, where, field):
    out = CONTRACT.to_output()
    change(out)
    with pytest.raises(ConfigError) as info:
        MemberContract.from_output(out, "o")
    assert (info.value.where, info.value.field) == (where, field), str(info.value)


# --- CPU and memory against the first instance type of a group --------------------------------------------------

BATCH = gpu_tolerations() + spot_tolerations()


def a10g_config(instance_types):
    return read_public_config(config(gpuNodeGroups=[
        {"name": "a10g-spot", "gpuType": "a10g", "capacity": "spot", "maxSize": 4, "instanceTypes": instance_types}]),
        "us-east-1")


def test_batch_model_does_not_fit_a_g5_xlarge_first_group():
    """doc-classifier-batch (4 CPU, 16Gi, 1x A10G) against a group the autoscaler models as a g5.xlarge."""
    cfg = a10g_config(["g5.xlarge", "g5.2xlarge"])
    batch = req("doc-classifier-batch", gpu_type="a10g", needs_spot=True, tolerations=BATCH, cpu="4",
                memory="16Gi")
    with pytest.raises(ConfigError) as info:
        check(batch, cfg=cfg)
    err = info.value
    assert "model 'doc-classifier-batch'" in err.where and err.field == "cpu" and err.value == "4"
    text = str(err)
    assert "aws-use1-a10g-spot" not in text  # names the group as configured
    assert "a10g-spot" in text and "g5.xlarge (4 vCPU, 16 GiB, 1x a10g)" in text
    assert "requested cpu 4000m, allocatable 3670m" in text
    assert "requested memory 16384Mi, allocatable 13906Mi" in text


def test_batch_model_fits_a_g5_2xlarge_first_group():
    cfg = a10g_config(["g5.2xlarge", "g5.4xlarge"])
    batch = req("doc-classifier-batch", gpu_type="a10g", needs_spot=True, tolerations=BATCH, cpu="4",
                memory="16Gi")
    check(batch, cfg=cfg)


def test_memory_alone_can_fail_and_quantities_compare_across_suffixes():
    err = check_fails(req("fat", cpu="500m", memory="15G"), field="memory")  # 15 GB > ~13.9 GiB allocatable
    assert "requested memory" in err.expected and "g4dn.xlarge" in err.expected
    check(req("ok", cpu="2", memory="4096Mi"))


def test_one_group_that_fits_is_enough_and_without_it_the_smaller_one_is_named():
    small = {"name": "t4-small", "gpuType": "t4", "capacity": "on-demand", "maxSize": 2,
             "instanceTypes": ["g4dn.xlarge"]}
    big = {"name": "t4-big", "gpuType": "t4", "capacity": "on-demand", "maxSize": 2, "instanceTypes": ["g4dn.2xlarge"]}
    check(req("m", cpu="6", memory="8Gi"), cfg=read_public_config(config(gpuNodeGroups=[small, big]), "us-east-1"))
    with pytest.raises(ConfigError) as info:
        check(req("m", cpu="6", memory="8Gi"), cfg=read_public_config(config(gpuNodeGroups=[small]), "us-east-1"))
    assert info.value.field == "cpu" and "t4-small" in info.value.expected


def test_requests_must_be_quantities():
    check(req("small"))
    check_fails(req("bad", cpu="four"), field="cpu", text="'four'")
    check_fails(req("zero", memory="0"), field="memory")


def test_elastic_overflow_needs_an_on_demand_group_that_keeps_a_node():
    # CFG's t4-ondemand group has minSize 0: Karmada would never send overflow to a group without nodes.
    err = check_fails(req("ticket-router", workload_class=WorkloadClass.ELASTIC), field="minSize", text="Karmada")
    assert "t4-ondemand" in err.where and "'ticket-router'" in err.expected
    # Batch and critical work scale from zero; so does an elastic CPU model (it lands on the system nodes).
    check(req("nightly", workload_class=WorkloadClass.BATCH, needs_spot=True,
              tolerations=gpu_tolerations() + spot_tolerations()))
    check(req("cpu-elastic", gpu_type=None, count=0, tolerations=[], workload_class=WorkloadClass.ELASTIC))
    warm = read_public_config(config(gpuNodeGroups=[
        {"name": "t4-ondemand", "gpuType": "t4", "capacity": "on-demand", "minSize": 1, "maxSize": 2}]), "us-east-1")
    check(req("ticket-router", workload_class=WorkloadClass.ELASTIC), cfg=warm)


def test_a_cpu_model_that_needs_spot_is_refused_naming_the_spot_groups():
    """Spot capacity on a member is GPU node groups only: CPU batch work would land on the On-Demand system nodes."""
    check_fails(req("cpu-batch", gpu_type=None, count=0, needs_spot=True, tolerations=[]), field="needsSpot")
