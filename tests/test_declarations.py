"""Every bad-declaration rule fails at declaration time, naming the model, the field and the bad value."""
from __future__ import annotations

import dataclasses

import pytest

from models.errors import DeclarationError
from models.registry import collect, load_catalog
from models.spec import (ABTest, Batching, Canary, GpuType, Mirror, Model, Phase, PhaseOverride, Resources, Scaling,
                         Source, WorkloadClass)
from tests.messages import exactly

SOURCE = Source(factory="models.examples.tabular:build_model", input_shape=(8,))


def declare(**changes) -> Model:
    fields = dict(name="ok-model", storage_uri="s3://bucket/ok-model/v1", source=SOURCE)
    fields.update(changes)
    return Model(**fields)


def rejects(field: str, value_text: str, **changes) -> DeclarationError:
    with pytest.raises(DeclarationError) as info:
        declare(**changes)
    err = info.value
    exactly(str(err))
    assert err.field == field, str(err)
    assert value_text in str(err), str(err)
    assert "expected" in str(err)
    return err


def test_valid_declaration_is_frozen_and_documents_defaults():
    model = declare()
    assert model.resources == Resources(cpu="1", memory="2Gi")
    assert (model.scaling.min_replicas, model.scaling.max_replicas) == (1, 3)
    assert model.batching.max_batch_size == 8 and model.batching.max_delay_ms == 10
    assert model.workload_class is WorkloadClass.CRITICAL and model.rollout is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["Bad_Name", "-leading", "trailing-", "has.dot", "", "x" * 46, "UPPER"])
def test_non_dns_1123_names_are_rejected(name):
    err = rejects("name", repr(name), name=name)
    assert "DNS-1123" in str(err)


def test_duplicate_names_across_the_catalog_are_rejected():
    a, b = declare(name="twin"), declare(name="twin", storage_uri="s3://bucket/twin/v2")
    with pytest.raises(DeclarationError) as info:
        collect([("models.catalog.one", a), ("models.catalog.two", b)])
    assert "models.catalog.one" in str(info.value) and "models.catalog.two" in str(info.value)
    assert info.value.model == "twin"


@pytest.mark.parametrize("scaling,field,value", [
    (Scaling(min_replicas=-1), "scaling.min_replicas", "-1"),
    (Scaling(min_replicas=1, max_replicas=0), "scaling.max_replicas", "0"),
    (Scaling(min_replicas=5, max_replicas=2), "scaling.max_replicas", "2"),
    (Scaling(target_concurrency=0), "scaling.target_concurrency", "0"),
])
def test_negative_or_inverted_replica_bounds_are_rejected(scaling, field, value):
    rejects(field, value, scaling=scaling)


def test_inverted_bounds_message_names_the_minimum():
    err = rejects("scaling.max_replicas", "2", scaling=Scaling(min_replicas=5, max_replicas=2))
    assert "min_replicas (5)" in str(err)


@pytest.mark.parametrize("size", [0, -4])
def test_max_batch_size_below_one_is_rejected(size):
    rejects("batching.max_batch_size", str(size), batching=Batching(max_batch_size=size))


@pytest.mark.parametrize("resources,workers", [
    (Resources(cpu="500m"), 1), (Resources(cpu="1"), 1), (Resources(cpu="1999m"), 1), (Resources(cpu="2"), 2),
    (Resources(cpu="2500m"), 2), (Resources(cpu="4", gpu_count=1, gpu_type=GpuType.T4), 1),
    (Resources(cpu="8", gpu_count=2, gpu_type=GpuType.T4), 2),
])
def test_workers_default_to_one_per_whole_cpu_core_or_one_per_gpu(resources, workers):
    assert declare(resources=resources).workers == workers
    assert declare(resources=resources, workers=3).workers == 3  # a declared count stays


def test_no_batch_delay_is_refused_when_requests_are_batched():
    err = rejects("batching.max_delay_ms", "0", batching=Batching(max_batch_size=2, max_delay_ms=0))
    assert str(err).endswith("expected at least 1 when max_batch_size is above 1 (TorchServe reads 0 as its 100 ms "
                             "default)")
    declare(batching=Batching(max_batch_size=1, max_delay_ms=0))  # batch size 1 never waits
    declare(batching=Batching(max_batch_size=2, max_delay_ms=1))


def test_preferred_batch_size_above_max_is_rejected():
    rejects("batching.preferred_batch_sizes", "64", batching=Batching(max_batch_size=32, preferred_batch_sizes=(64,)))


@pytest.mark.parametrize("percent", [-1, 101, 250])
def test_canary_percent_outside_0_to_100_is_rejected(percent):
    rejects("rollout.traffic_percent", str(percent),
            rollout=Canary(candidate_uri="s3://bucket/ok-model/v2", traffic_percent=percent))


def test_canary_percent_bounds_are_inclusive():
    assert declare(rollout=Canary(candidate_uri="s3://b/m/v2", traffic_percent=0)).rollout.traffic_percent == 0
    assert declare(rollout=Canary(candidate_uri="s3://b/m/v2", traffic_percent=100)).rollout.traffic_percent == 100


def test_gpu_type_without_gpu_count_is_rejected():
    err = rejects("resources.gpu_type", "t4", resources=Resources(gpu_type=GpuType.T4))
    assert "gpu_count" in str(err)


def test_gpu_count_without_type_is_rejected():
    rejects("resources.gpu_type", "None", resources=Resources(gpu_count=1))


def test_unknown_gpu_type_string_is_rejected_with_choices():
    err = rejects("resources.gpu_type", "v100", resources=Resources(gpu_count=1, gpu_type="v100"))
    assert "'t4'" in str(err) and "'a10g'" in str(err)


def test_gpu_type_given_as_string_is_parsed():
    assert declare(resources=Resources(gpu_count=1, gpu_type="a10g")).resources.gpu_type is GpuType.A10G


def test_unknown_workload_class_is_rejected():
    err = rejects("workload_class", "best-effort", workload_class="best-effort")
    assert "'critical'" in str(err) and "'batch'" in str(err)


def test_unknown_phase_in_overrides_is_rejected():
    err = rejects("phase_overrides key", "phase4", phase_overrides={"phase4": PhaseOverride(workers=2)})
    assert "'hybrid'" in str(err)


def test_phase_override_values_are_validated_too():
    rejects("phase_overrides[hybrid].batching.max_batch_size", "0",
            phase_overrides={Phase.HYBRID: PhaseOverride(batching=Batching(max_batch_size=0))})


@pytest.mark.parametrize("uri", ["gs://bucket/m", "ftp://host/m", "file:///tmp/m", "http://host/m", "bucket/m",
                                 "s3:///no-bucket"])
def test_unsupported_artifact_uri_scheme_is_rejected(uri):
    rejects("storage_uri", uri, storage_uri=uri)


@pytest.mark.parametrize("uri", ["s3://bucket/m/v1", "pvc://claim/m/v1", "pvc://claim",
                                 "https://models.example/m/v1.tar.gz", "https://models.example:8443/m/v1.tgz",
                                 "https://models.example/m/v1.zip?sig=abc", "https://models.example/m/V1.TAR"])
def test_supported_artifact_uri_schemes_are_accepted(uri):
    assert declare(storage_uri=uri).storage_uri == uri


@pytest.mark.parametrize("uri", ["pvc://claim/../secret", "pvc://claim/m/../../secret", "pvc://claim//etc/passwd",
                                 "pvc://claim/m//v1", "pvc://claim/./m", "pvc://claim/m/v1/", "pvc://claim/.."])
def test_pvc_path_must_stay_inside_the_claim(uri):
    """The path becomes the mount's subPath: '..', '.' and empty segments (absolute tricks) are refused."""
    err = rejects("storage_uri", repr(uri), storage_uri=uri)
    assert err.model == "ok-model" and "'..'" in str(err) and "subPath" in str(err)


def test_pvc_path_check_applies_to_rollout_uris():
    rejects("rollout.candidate_uri", "pvc://claim/../other", rollout=Canary(candidate_uri="pvc://claim/../other"))


@pytest.mark.parametrize("uri", ["https://host", "https://host/", "https://host/m/v1", "https://host/m/v1/",
                                 "https://host/model.mar", "https://host/m.tar.gz/", "https://:443/m.tar.gz"])
def test_https_uri_must_name_an_archive_the_storage_initializer_unpacks(uri):
    """KServe's storage initializer needs a file name in an https URI and unpacks only tar/zip archives."""
    err = rejects("storage_uri", repr(uri), storage_uri=uri)
    assert err.model == "ok-model" and ".tar.gz" in str(err) and ".zip" in str(err)


def test_rollout_uris_are_checked_like_the_main_uri():
    rejects("rollout.candidate_uri", "gs://x/y", rollout=Canary(candidate_uri="gs://x/y"))
    rejects("rollout.b_uri", "ftp://x/y", rollout=ABTest(b_uri="ftp://x/y"))
    rejects("rollout.shadow_uri", "http://x/y", rollout=Mirror(shadow_uri="http://x/y"))


def test_ab_weight_and_mirror_percent_are_bounded():
    rejects("rollout.b_weight", "120", rollout=ABTest(b_uri="s3://b/m/v2", b_weight=120))
    rejects("rollout.percent", "0", rollout=Mirror(shadow_uri="s3://b/m/v2", percent=0))


def test_bad_resource_quantities_are_rejected():
    rejects("resources.cpu", "lots", resources=Resources(cpu="lots"))
    rejects("resources.memory", "0", resources=Resources(memory="0"))


@pytest.mark.parametrize("resources,field,value", [
    (Resources(cpu="2", cpu_limit="1"), "resources.cpu_limit", "'1'"),
    (Resources(cpu="1", cpu_limit="999m"), "resources.cpu_limit", "'999m'"),
    (Resources(memory="2Gi", memory_limit="1Gi"), "resources.memory_limit", "'1Gi'"),
    (Resources(memory="1Gi", memory_limit="1G"), "resources.memory_limit", "'1G'"),  # 1G = 10^9 < 2^30 bytes
    (Resources(memory="1.5Gi", memory_limit="1536M"), "resources.memory_limit", "'1536M'"),
])
def test_limit_below_request_is_rejected(resources, field, value):
    err = rejects(field, value, resources=resources)
    assert "at least the request" in str(err) and err.model == "ok-model"


def test_limit_below_request_is_rejected_in_phase_overrides_too():
    rejects("phase_overrides[kserve].resources.cpu_limit", "'500m'",
            phase_overrides={Phase.KSERVE: PhaseOverride(resources=Resources(cpu="1", cpu_limit="500m"))})


@pytest.mark.parametrize("resources", [
    Resources(cpu="1", cpu_limit="1000m"), Resources(cpu="500m", cpu_limit="2"), Resources(cpu="0.5", cpu_limit="500m"),
    Resources(memory="1Gi", memory_limit="1024Mi"), Resources(memory="1G", memory_limit="1Gi"),
    Resources(memory="2Gi", memory_limit="4Gi"),
])
def test_limit_at_or_above_request_is_accepted(resources):
    assert declare(resources=resources).resources == resources


def test_quantities_compare_by_amount():
    from fractions import Fraction

    from models.spec import parse_quantity
    assert parse_quantity("500m") == parse_quantity("0.5") == Fraction(1, 2)
    assert parse_quantity("1Gi") == parse_quantity("1024Mi") == 2**30
    assert parse_quantity("1G") == 10**9 and parse_quantity("1k") == 1000
    with pytest.raises(ValueError) as raised:
        parse_quantity("lots")
    exactly(str(raised.value))


def test_phase_overrides_none_means_no_overrides():
    model = declare(phase_overrides=None)
    assert dict(model.phase_overrides) == {} and model.at_phase(Phase.HYBRID) is model


def test_phase_overrides_must_be_a_mapping():
    rejects("phase_overrides", "[1, 2]", phase_overrides=[1, 2])


def test_bad_source_is_rejected():
    rejects("source.factory", "not a path", source=Source(factory="not a path", input_shape=(8,)))
    rejects("source.input_shape", "()", source=Source(factory="a.b:c", input_shape=()))


def test_at_phase_applies_the_override_only_for_that_phase():
    model = declare(phase_overrides={Phase.HYBRID: PhaseOverride(batching=Batching(max_batch_size=64), workers=4)})
    assert model.at_phase(Phase.KSERVE).batching.max_batch_size == 8
    hybrid = model.at_phase(Phase.HYBRID)
    assert (hybrid.batching.max_batch_size, hybrid.workers) == (64, 4)
    with pytest.raises(TypeError):
        model.phase_overrides[Phase.KSERVE] = PhaseOverride()  # type: ignore[index]


def test_preferred_batch_sizes_default_to_powers_of_two():
    assert Batching(max_batch_size=32).preferred() == (2, 4, 8, 16, 32)
    assert Batching(max_batch_size=1).preferred() == (1,)


def test_the_catalog_loads_and_every_name_is_unique():
    catalog = load_catalog()
    assert len(catalog) >= 2
    assert all(isinstance(m, Model) for m in catalog.values())
    assert list(catalog) == sorted(catalog)
