"""models/spec.py: every bounded field of a declaration at its limits, the last value accepted and the first refused,
with the exact one-line error (model, field, value, what is expected). Bounds are written out, not imported."""
from __future__ import annotations

import dataclasses

import pytest

from models.errors import DeclarationError
from models.spec import (ABTest, Batching, Canary, GpuType, Mirror, Model, Phase, PhaseOverride, Resources, Scaling,
                         Source)
from tests.messages import exactly

SOURCE = Source(factory="models.examples.fraud:build", input_shape=(4,))
URI = "s3://bucket/m/v1"


def model(**changes) -> Model:
    return Model(**{"name": "m", "storage_uri": URI, "source": SOURCE, **changes})


def refused(**changes) -> str:
    with pytest.raises(DeclarationError) as info:
        model(**changes)
    return exactly(str(info.value))


# (field changes accepted at the boundary, field changes refused just past it, the error's "invalid … expected …")
BOUNDS = [
    (dict(workers=1), dict(workers=0), "workers 0: expected an integer from 1 to 64"),
    (dict(workers=64), dict(workers=65), "workers 65: expected an integer from 1 to 64"),
    (dict(resources=Resources(gpu_count=8, gpu_type=GpuType.T4)),
     dict(resources=Resources(gpu_count=9, gpu_type=GpuType.T4)),
     "resources.gpu_count 9: expected an integer from 0 to 8"),
    (dict(resources=Resources(gpu_count=0)), dict(resources=Resources(gpu_count=-1)),
     "resources.gpu_count -1: expected an integer from 0 to 8"),
    (dict(scaling=Scaling(min_replicas=0, max_replicas=1)), dict(scaling=Scaling(min_replicas=-1, max_replicas=1)),
     "scaling.min_replicas -1: expected an integer from 0 to 2147483647"),
    (dict(scaling=Scaling(min_replicas=0, max_replicas=1)), dict(scaling=Scaling(min_replicas=0, max_replicas=0)),
     "scaling.max_replicas 0: expected an integer from 1 to 2147483647"),
    (dict(scaling=Scaling(min_replicas=3, max_replicas=3)), dict(scaling=Scaling(min_replicas=3, max_replicas=2)),
     "scaling.max_replicas 2: expected"),
    (dict(scaling=Scaling(max_replicas=2147483647)), dict(scaling=Scaling(max_replicas=2147483648)),
     "scaling.max_replicas 2147483648: expected an integer from 1 to 2147483647"),
    (dict(scaling=Scaling(target_concurrency=1)), dict(scaling=Scaling(target_concurrency=0)),
     "scaling.target_concurrency 0: expected an integer from 1 to 2147483647"),
    (dict(batching=Batching(max_batch_size=1)), dict(batching=Batching(max_batch_size=0)),
     "batching.max_batch_size 0: expected an integer from 1 to 1024"),
    (dict(batching=Batching(max_batch_size=1024)), dict(batching=Batching(max_batch_size=1025)),
     "batching.max_batch_size 1025: expected an integer from 1 to 1024"),
    (dict(batching=Batching(max_batch_size=1, max_delay_ms=0)), dict(batching=Batching(max_delay_ms=-1)),
     "batching.max_delay_ms -1: expected an integer from 0 to 60000"),
    (dict(batching=Batching(max_delay_ms=60000)), dict(batching=Batching(max_delay_ms=60001)),
     "batching.max_delay_ms 60001: expected an integer from 0 to 60000"),
    (dict(batching=Batching(max_batch_size=8, preferred_batch_sizes=(1, 8))),
     dict(batching=Batching(max_batch_size=8, preferred_batch_sizes=(9,))),
     "batching.preferred_batch_sizes 9: expected an integer from 1 to 8"),
    (dict(batching=Batching(max_batch_size=8, preferred_batch_sizes=(1,))),
     dict(batching=Batching(max_batch_size=8, preferred_batch_sizes=(0,))),
     "batching.preferred_batch_sizes 0: expected an integer from 1 to 8"),
    (dict(rollout=Canary(candidate_uri=URI, traffic_percent=0)),
     dict(rollout=Canary(candidate_uri=URI, traffic_percent=-1)),
     "rollout.traffic_percent -1: expected an integer from 0 to 100"),
    (dict(rollout=Canary(candidate_uri=URI, traffic_percent=100)),
     dict(rollout=Canary(candidate_uri=URI, traffic_percent=101)),
     "rollout.traffic_percent 101: expected an integer from 0 to 100"),
    (dict(rollout=ABTest(b_uri=URI, b_weight=0)), dict(rollout=ABTest(b_uri=URI, b_weight=-1)),
     "rollout.b_weight -1: expected an integer from 0 to 100"),
    (dict(rollout=ABTest(b_uri=URI, b_weight=100)), dict(rollout=ABTest(b_uri=URI, b_weight=101)),
     "rollout.b_weight 101: expected an integer from 0 to 100"),
    (dict(rollout=Mirror(shadow_uri=URI, percent=1)), dict(rollout=Mirror(shadow_uri=URI, percent=0)),
     "rollout.percent 0: expected an integer from 1 to 100"),
    (dict(rollout=Mirror(shadow_uri=URI, percent=100)), dict(rollout=Mirror(shadow_uri=URI, percent=101)),
     "rollout.percent 101: expected an integer from 1 to 100"),
    (dict(rollout=ABTest(b_uri=URI, header_name="x-a")), dict(rollout=ABTest(b_uri=URI, header_name="X-A")),
     "rollout.header_name 'X-A': expected a lower-case HTTP header name"),
    (dict(rollout=ABTest(b_uri=URI, header_value="b")), dict(rollout=ABTest(b_uri=URI, header_value="")),
     "rollout.header_value '': expected a non-empty string without '\"'"),
    (dict(phase_overrides={Phase.KSERVE: PhaseOverride(workers=64)}),
     dict(phase_overrides={Phase.KSERVE: PhaseOverride(workers=65)}),
     "phase_overrides[kserve].workers 65: expected an integer from 1 to 64"),
    (dict(latency_p99_ms=0.001), dict(latency_p99_ms=0), "latency_p99_ms 0: expected a number of milliseconds > 0"),
]


@pytest.mark.parametrize("accepted, rejected, message", BOUNDS, ids=[b[2].split(":")[0] for b in BOUNDS])
def test_bound_both_sides(accepted, rejected, message):
    model(**accepted)
    assert refused(**rejected).startswith(f"model 'm': invalid {message}")


def test_bool_is_no_integer():
    assert refused(workers=True) == "model 'm': invalid workers True: expected an integer from 1 to 64"


def test_name_length_and_shape():
    model(name="a" * 45)
    assert refused(name="a" * 46).startswith(f"model '{'a' * 46}': invalid name '{'a' * 46}': expected a DNS-1123")
    for bad in ("A", "-a", "a-", "a_b", ""):
        assert refused(name=bad).startswith(f"model '{bad}': invalid name {bad!r}: expected a DNS-1123 label")


def test_quantities_must_be_positive():
    model(resources=Resources(cpu="1m", memory="1Ki"))
    for field_name, value in (("cpu", "0"), ("cpu", "0m"), ("memory", "0Gi"), ("cpu", "-1"), ("cpu", "1 "),
                              ("memory", "2GiB"), ("cpu", 1)):
        message = refused(resources=dataclasses.replace(Resources(), **{field_name: value}))
        assert message == (f"model 'm': invalid resources.{field_name} {value!r}: expected a positive Kubernetes "
                           "quantity such as '500m', '2' or '4Gi'")


def test_limits_at_least_the_requests():
    model(resources=Resources(cpu="1", cpu_limit="1000m", memory="1Gi", memory_limit="1024Mi"))
    assert refused(resources=Resources(cpu="1", cpu_limit="999m")).startswith(
        "model 'm': invalid resources.cpu_limit '999m': expected")
    assert refused(resources=Resources(memory="1Gi", memory_limit="1023Mi")).startswith(
        "model 'm': invalid resources.memory_limit '1023Mi': expected")


def test_gpu_type_and_count_go_together():
    assert refused(resources=Resources(gpu_count=1)).startswith(
        "model 'm': invalid resources.gpu_type None: expected a GPU type when gpu_count >= 1: one of ")
    assert refused(resources=Resources(gpu_type=GpuType.T4)).startswith(
        "model 'm': invalid resources.gpu_type 't4': expected")


def test_preferred_batch_sizes_default_to_powers_of_two():
    assert Batching(max_batch_size=1).preferred() == (1,)
    assert Batching(max_batch_size=2).preferred() == (2,)
    assert Batching(max_batch_size=8).preferred() == (2, 4, 8)
    assert Batching(max_batch_size=12).preferred() == (2, 4, 8)
    assert Batching(max_batch_size=16).preferred() == (2, 4, 8, 16)
    assert Batching(max_batch_size=8, preferred_batch_sizes=(3,)).preferred() == (3,)


# -- each refusal of a wrong type, and the catalog's own (as reviewed in tests/golden/messages.json) -----------------


@pytest.mark.parametrize("changes", [
    dict(storage_uri="pvc://Claim_1/m"),
    dict(phase_overrides={Phase.KSERVE: {"workers": 2}}),
    dict(source=("models.examples.fraud:build", (4,))),
    dict(resources={"cpu": "1"}),
    dict(scaling={"max_replicas": 2}),
    dict(batching={"max_batch_size": 8}),
    dict(batching=Batching(max_batch_size=8, preferred_batch_sizes=[2, 4])),
    dict(rollout="canary"),
    dict(phase_overrides={Phase.KSERVE: PhaseOverride(resources="big")}),
], ids=["pvc-claim", "override-type", "source-type", "resources-type", "scaling-type", "batching-type",
        "preferred-list", "rollout-type", "override-resources-type"])
def test_wrong_types_are_refused_with_what_is_expected(changes):
    refused(**changes)


def test_the_catalog_takes_only_model_instances():
    from models.registry import collect

    with pytest.raises(DeclarationError) as raised:
        collect([("models.catalog.x", {"name": "m"})])
    exactly(str(raised.value))


def test_a_catalog_file_without_a_model_is_refused(tmp_path, monkeypatch):
    import sys

    from models.registry import load_catalog

    package = tmp_path / "emptycatalog"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "stray.py").write_text("MODEL = None\n")
    (package / "_helpers.py").write_text("raise RuntimeError('a private module is not a declaration')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with pytest.raises(DeclarationError) as raised:
            load_catalog("emptycatalog")
        exactly(str(raised.value))
    finally:
        for name in [m for m in sys.modules if m.startswith("emptycatalog")]:
            del sys.modules[name]


def test_enum_fields_given_as_their_values_become_the_enums():
    """A declaration may spell a class or a phase as text ('batch', 'kserve'): the model holds the enum, so the rules
    that compare with `is` see it."""
    from models.spec import WorkloadClass

    declared = model(workload_class="batch", phase_overrides={"kserve": PhaseOverride(workers=2)})
    assert declared.workload_class is WorkloadClass.BATCH
    assert list(declared.phase_overrides) == [Phase.KSERVE]
