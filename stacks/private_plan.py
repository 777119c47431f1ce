"""The private stack's plan: every model's placement and every public member's contract, computed once.

Why a step of its own: placement is where the workload-class rule meets the clusters on offer, and everything it
can refuse (a GPU model nothing holds, batch work with no Spot pool, a rollout or serving mode a model spanning
clusters cannot have, an unmirrored bucket, a member whose node groups cannot host what it is sent) must fail
before any resource is registered, with one line naming the model. The stack then hands these plans to the
components (`ModelPlacement`) and exports the contracts as they are; nothing is planned twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from components.karmada.contract import MemberContract
from components.karmada.placement import (ModelPlacementArgs, ModelPlacementError, PlacementError, PlacementPlan,
                                          plan_model_placement)
from models.deployment import HandOver
from models.errors import ConfigError
from models.spec import Phase
from stacks.private_config import PrivateStackConfig
from stacks.public_config import check_member_requirements, plan_fingerprint


@dataclass(frozen=True)
class PrivatePlan:
    """`placements`: model name -> its plan (every model served through Karmada); `contracts`: member name ->
    what that member's stack reads through the StackReference."""

    placements: Mapping[str, PlacementPlan]
    contracts: Mapping[str, MemberContract]


def _plan_model(cfg: PrivateStackConfig, dep) -> PlacementPlan:
    where = f"platform:models.{dep.name}"
    args = ModelPlacementArgs(deployment=dep, namespace=cfg.namespace, private_cluster=cfg.cluster_name,
                              private_pools=cfg.gpu_pools,
                              members=cfg.members if dep.phase is Phase.HYBRID else (),
                              bucket_mirrors=cfg.bucket_mirrors,
                              keep_private=dep.hand_over is HandOver.KEEP_PRIVATE,
                              # With an S3-compatible store on premises a bucket name means that store only: a
                              # member reading an unmirrored s3:// URI would read AWS S3's bucket of that name.
                              require_mirrors=bool(cfg.s3_endpoint))
    try:
        return plan_model_placement(args)
    except ModelPlacementError as err:
        raise ConfigError(where, err.field, err.value, err.expected) from None
    except PlacementError as err:
        raise ConfigError(where, "placement", dep.model.workload_class.value, str(err)) from None


def plan_private(cfg: PrivateStackConfig) -> PrivatePlan:
    """Plan every model and every member (raises ConfigError, one line, before any resource exists)."""
    # A model at `handOver: prepare` is still served by Phase 1 alone: nothing goes through Karmada yet.
    placements = {dep.name: _plan_model(cfg, dep) for dep in cfg.models
                  if dep.phase is not Phase.TORCHSERVE and dep.hand_over is not HandOver.PREPARE}
    contracts = {}
    for member in cfg.members:
        member_cfg = cfg.member_stacks[member.name]
        requirements = tuple(plan.requirements[member.name] for plan in placements.values()
                             if member.name in plan.requirements)
        check_member_requirements(member_cfg, requirements, f"member {member.name!r}")
        contracts[member.name] = MemberContract(namespace=cfg.namespace,
                                                planned_against=plan_fingerprint(member_cfg),
                                                models=tuple(r.member_model for r in requirements))
    return PrivatePlan(placements=placements, contracts=contracts)
