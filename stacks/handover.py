"""The stack file's per-model `handOver` step: which moves may be in flight, and with what.

A move that must not drop a request takes more than one `pulumi up`, because what comes next must be Ready before
what serves now goes (README "Moving a model without a gap" has the sequences and the worst cases):

- phase 1 → 2: `{phase: kserve, handOver: prepare}` (Knative mode only), `handOver: bridge`, `handOver: cutOver`,
  then no `handOver` (Standard mode: `bridge`, then no `handOver`; `cutOver` changes nothing there). Only from
  phase 1, so only at phase `kserve`, for a declaration without a rollout (phase 1 has none; add it after the
  cut-over), and in Standard mode only for the TorchServe runtime (the Phase 1 pods and the predictor share one
  Service and its target port).
- phase 2 → 3 of a batch model: `{phase: hybrid, handOver: keepPrivate}` (the private member keeps its copy while
  the public members' come up), then no `handOver`. The private cluster must hold the model meanwhile.

Every refusal is one ConfigError naming the model, the key, the value and what is expected.
"""
from __future__ import annotations

from typing import Optional

from models.deployment import DeploymentMode, GpuPool, HandOver
from models.errors import ConfigError
from models.spec import Model, Phase, Runtime, WorkloadClass
from stacks.config_reader import Section

KEY = "handOver"
PHASE_ONE_STEPS = (HandOver.PREPARE, HandOver.BRIDGE, HandOver.CUT_OVER)


def read_hand_over(s: Section, model: Model, phase: Phase, runtime: Runtime,
                   mode: DeploymentMode) -> Optional[HandOver]:
    """The model's `handOver` step, checked against its phase, declaration, runtime and mode."""
    step = s.enum(KEY, HandOver, None)
    if step is None:
        return None
    where = s.where
    if step in PHASE_ONE_STEPS:
        if phase is not Phase.KSERVE:
            raise ConfigError(where, KEY, step.value, f"only with phase 'kserve' (got {phase.value!r}): '{step.value}' "
                              "hands a Phase 1 model over to its InferenceService on the private cluster")
        if model.rollout is not None:
            raise ConfigError(where, KEY, step.value, f"a declaration without a rollout during the hand-over (it has "
                              f"a {type(model.rollout).__name__}): add the rollout after the cut-over")
        if step is HandOver.PREPARE and mode is not DeploymentMode.KNATIVE:
            raise ConfigError(where, KEY, step.value, "deploymentMode 'Knative' ('prepare' builds the gateway route "
                              "of a Knative hand-over; a Standard-mode one starts at 'bridge')")
        if mode is DeploymentMode.STANDARD and runtime is not Runtime.TORCHSERVE:
            raise ConfigError(where, KEY, step.value, "runtime 'torchserve' for a Standard-mode hand-over (the "
                              "Phase 1 pods and the predictor answer through one Service on one target port)")
        return step
    if phase is not Phase.HYBRID or model.workload_class is not WorkloadClass.BATCH:
        raise ConfigError(where, KEY, step.value, "only for a batch-class model at phase 'hybrid' (critical and "
                          "elastic models keep their private copy anyway)")
    return step


def check_private_fit(where: str, model: Model, step: Optional[HandOver], pools: tuple[GpuPool, ...]) -> None:
    """`keepPrivate` keeps a copy on the private cluster: one of its pools must hold the model (a CPU model fits)."""
    if step is not HandOver.KEEP_PRIVATE or not model.uses_gpu or any(p.holds(model) for p in pools):
        return
    raise ConfigError(where, KEY, step.value, f"a private GPU pool holding {model.resources.gpu_count}x "
                      f"{model.resources.gpu_type.value} (platform:gpuPools): the private copy keeps serving "
                      "during the move")
