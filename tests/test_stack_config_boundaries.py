"""The stack files' numeric fields at their bounds, both sides, with the exact message: the public reader's node
group and system node sizes, the private reader's GPU pools, replica overrides, canary percent and Karmada NodePort.
Bounds are written out here, never read from the readers."""
from __future__ import annotations

import copy

import pytest

from models.errors import ConfigError
from models.registry import load_catalog
from stacks.private_config import read_private_config
from stacks.public_config import read_public_config
from tests.test_private_config import config as private_values, public_stack
from tests.test_public_config import BASE
from tests.messages import exactly

CATALOG = load_catalog()


def public(**changes):
    values = copy.deepcopy(BASE)
    values.update(changes)
    return read_public_config(values, "us-east-1")


def public_error(**changes) -> str:
    with pytest.raises(ConfigError) as info:
        public(**changes)
    return exactly(str(info.value))


def group(**fields):
    return [{"name": "g", "gpuType": "t4", "capacity": "on-demand", "instanceTypes": ["g4dn.xlarge"], "maxSize": 2,
             **fields}]


def test_node_group_sizes_both_sides():
    assert public(gpuNodeGroups=group(minSize=0)).gpu_node_groups[0].min_size == 0
    assert public_error(gpuNodeGroups=group(minSize=-1)) == (
        "platform:gpuNodeGroups[0]: invalid minSize -1: expected an integer from 0 to 2147483647")
    assert public(gpuNodeGroups=group(maxSize=1)).gpu_node_groups[0].max_size == 1
    assert public_error(gpuNodeGroups=group(maxSize=0)) == (
        "platform:gpuNodeGroups[0]: invalid maxSize 0: expected an integer from 1 to 2147483647")
    assert public(gpuNodeGroups=group(minSize=2, maxSize=2)).gpu_node_groups[0].min_size == 2
    assert public_error(gpuNodeGroups=group(minSize=3, maxSize=2)) == (
        "platform:gpuNodeGroups[0]: invalid minSize 3: expected at most maxSize (2)")


def test_desired_size_between_min_and_max():
    assert public(gpuNodeGroups=group(minSize=1, maxSize=3, desiredSize=1)).gpu_node_groups[0].desired_size == 1
    assert public(gpuNodeGroups=group(minSize=1, maxSize=3, desiredSize=3)).gpu_node_groups[0].desired_size == 3
    assert public(gpuNodeGroups=group(minSize=1, maxSize=3)).gpu_node_groups[0].desired_size is None
    assert public_error(gpuNodeGroups=group(minSize=1, maxSize=3, desiredSize=0)) == (
        "platform:gpuNodeGroups[0]: invalid desiredSize 0: expected between minSize (1) and maxSize (3)")
    assert public_error(gpuNodeGroups=group(minSize=1, maxSize=3, desiredSize=4)) == (
        "platform:gpuNodeGroups[0]: invalid desiredSize 4: expected between minSize (1) and maxSize (3)")


def test_node_group_gpu_count_both_sides():
    assert public_error(gpuNodeGroups=group(gpuCount=0)) == (
        "platform:gpuNodeGroups[0]: invalid gpuCount 0: expected an integer from 1 to 8")
    assert public_error(gpuNodeGroups=group(gpuCount=9)) == (
        "platform:gpuNodeGroups[0]: invalid gpuCount 9: expected an integer from 1 to 8")


def test_system_nodes_sizes_both_sides():
    eks = BASE["eks"]
    sized = public(eks={**eks, "systemNodes": {"minSize": 1, "maxSize": 1}}).eks.system_nodes
    assert (sized.min_size, sized.max_size) == (1, 1)
    assert public_error(eks={**eks, "systemNodes": {"minSize": 0}}) == (
        "platform:eks.systemNodes: invalid minSize 0: expected an integer from 1 to 2147483647")
    assert public_error(eks={**eks, "systemNodes": {"maxSize": 0}}) == (
        "platform:eks.systemNodes: invalid maxSize 0: expected an integer from 1 to 2147483647")
    assert public_error(eks={**eks, "systemNodes": {"minSize": 2, "maxSize": 1}}) == (
        "platform:eks.systemNodes: invalid minSize 2: expected at most maxSize (1)")


def private(**changes):
    return read_private_config(private_values(**changes), CATALOG, stack_files=lambda name: public_stack())


def private_error(**changes) -> str:
    with pytest.raises(ConfigError) as info:
        private(**changes)
    return exactly(str(info.value))


def test_gpu_pool_count_both_sides():
    assert private(gpuPools=[{"gpuType": "t4", "gpuCount": 8}]).gpu_pools[0].gpu_count == 8
    assert private(gpuPools=[{"gpuType": "t4", "gpuCount": 1}]).gpu_pools[0].gpu_count == 1
    assert private_error(gpuPools=[{"gpuType": "t4", "gpuCount": 9}]) == (
        "platform:gpuPools[0]: invalid gpuCount 9: expected an integer from 1 to 8")
    assert private_error(gpuPools=[{"gpuType": "t4", "gpuCount": 0}]) == (
        "platform:gpuPools[0]: invalid gpuCount 0: expected an integer from 1 to 8")


def test_karmada_node_port_both_sides():
    def karmada(port):
        return {"apiEndpoint": "https://karmada.corp.example:32443", "serviceType": "NodePort", "nodePort": port,
                "apiServerCidrs": ["10.0.0.10/32"]}
    for ok in (30000, 32767):
        private(karmada=karmada(ok))
    for bad in (29999, 32768):
        assert private_error(karmada=karmada(bad)) == (
            f"platform:karmada: invalid nodePort {bad}: expected an integer from 30000 to 32767")


def test_canary_percent_both_sides():
    private(models={"digit-reader": {"phase": "kserve", "canaryPercent": 100}})
    assert private_error(models={"digit-reader": {"phase": "kserve", "canaryPercent": 101}}) == (
        "platform:models.digit-reader: invalid canaryPercent 101: expected an integer from 0 to 100")
    assert private_error(models={"digit-reader": {"phase": "kserve", "canaryPercent": -1}}) == (
        "platform:models.digit-reader: invalid canaryPercent -1: expected an integer from 0 to 100")


def test_replica_overrides_lower_bounds():
    assert private_error(models={"fraud-scorer": {"minReplicas": -1}}) == (
        "platform:models.fraud-scorer: invalid minReplicas -1: expected an integer from 0 to 2147483647")
    assert private_error(models={"fraud-scorer": {"maxReplicas": 0}}) == (
        "platform:models.fraud-scorer: invalid maxReplicas 0: expected an integer from 1 to 2147483647")
