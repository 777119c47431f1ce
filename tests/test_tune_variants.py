"""What the tuner serves for a configuration: the declaration with that batching and worker count."""
from __future__ import annotations

from models.registry import load_catalog
from models.spec import Batching, Phase
from models import tune_torchserve, tune_triton
from models.tune_search import Config

CATALOG = load_catalog()


def test_torchserve_variant_takes_batching_and_workers_and_drops_preferred_sizes():
    model = CATALOG["fraud-scorer"]
    v = tune_torchserve.variant(model, Config(8, 3, 3))
    assert v.batching == Batching(max_batch_size=8, max_delay_ms=3)
    assert v.workers == 3
    assert (v.name, v.storage_uri, v.resources) == (model.name, model.storage_uri, model.resources)


def test_triton_variant_is_the_hybrid_view_with_the_configuration():
    model = CATALOG["doc-classifier-batch"]
    declared = model.at_phase(Phase.HYBRID)
    same = Config(declared.batching.max_batch_size, declared.batching.max_delay_ms, declared.workers)
    assert tune_triton.variant(model, same) == declared  # its preferred sizes kept
    other = tune_triton.variant(model, Config(16, 2, 2))
    assert other.batching == Batching(max_batch_size=16, max_delay_ms=2)
    assert other.workers == 2 and other.phase_overrides == {}
    assert other.at_phase(Phase.HYBRID).batching == Batching(max_batch_size=16, max_delay_ms=2)


def test_each_server_says_why_it_cannot_start(monkeypatch):
    """The tuner checks its server before measuring anything; each missing piece is one message that says what to
    install or how to run (as reviewed in tests/golden/messages.json)."""
    import sys

    import pytest

    from models.errors import PlatformError
    from tests.messages import exactly

    monkeypatch.setitem(sys.modules, "tests.triton_server", None)  # `from tests import triton_server` fails
    monkeypatch.delattr("tests.triton_server", raising=False)
    with pytest.raises(PlatformError) as raised:
        tune_triton.check_available()
    exactly(str(raised.value))

    monkeypatch.setattr(tune_torchserve, "java_available", lambda: False)
    with pytest.raises(PlatformError) as raised:
        tune_torchserve.check_available()
    exactly(str(raised.value))

    monkeypatch.setattr(tune_torchserve, "java_available", lambda: True)
    monkeypatch.setitem(sys.modules, "ts.model_server", None)
    with pytest.raises(PlatformError) as raised:
        tune_torchserve.check_available()
    exactly(str(raised.value))
