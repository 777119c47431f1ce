"""tests/golden/messages.json holds only messages of tests that exist (a renamed or deleted test leaves none behind),
and `exactly` fails on a message that differs from, or goes beyond, what the catalogue holds."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests import messages

ROOT = Path(__file__).parent.parent


def test_every_entry_names_a_test_that_exists():
    catalogue = json.loads(messages.CATALOGUE.read_text())
    assert catalogue, "the catalogue is empty"
    for test in catalogue:
        path, _, name = test.partition("::")
        function = re.sub(r"\[.*\]$", "", name)
        source = ROOT / path
        assert source.is_file() and re.search(rf"^def {re.escape(function)}\(", source.read_text(), re.M), test
        assert catalogue[test] and all(isinstance(m, str) and m for m in catalogue[test]), test


def test_exactly_compares_in_order_and_refuses_what_it_does_not_hold(monkeypatch, request):
    test = request.node.nodeid
    monkeypatch.setattr(messages, "WRITE", False)
    monkeypatch.setitem(messages._known, test, ["first", "second"])
    messages.start(test)
    assert messages.exactly("first") == "first"
    with pytest.raises(AssertionError):
        messages.exactly("Second")
    messages.start(test)
    messages.exactly("first")
    messages.exactly("second")
    with pytest.raises(AssertionError, match="message 3 is not in messages.json"):
        messages.exactly("third")
    messages.start(test)
    messages.exactly("first")
    with pytest.raises(AssertionError, match="1 message\\(s\\) of messages.json never came, the first: 'second'"):
        messages.finish(test, passed=True)
    messages.finish(test, passed=False)  # a failed test has failed already
    messages.start(test)  # nothing of this test's own goes into the catalogue


def test_write_keeps_the_entries_of_tests_that_did_not_pass(monkeypatch, tmp_path):
    catalogue = tmp_path / "messages.json"
    monkeypatch.setattr(messages, "CATALOGUE", catalogue)
    monkeypatch.setattr(messages, "WRITE", True)
    monkeypatch.setattr(messages, "_known", {"t::kept": ["old"], "t::changed": ["old"], "t::silent": ["old"]})
    monkeypatch.setattr(messages, "_said", {})
    monkeypatch.setattr(messages, "_passed", set())
    for test, said, passed in (("t::kept", [], False), ("t::changed", ["new"], True), ("t::silent", [], True),
                               ("t::added", ["a", "b"], True)):
        messages.start(test)
        for message in said:
            messages.exactly(message)
        messages.finish(test, passed=passed)
    messages.write()
    assert json.loads(catalogue.read_text()) == {"t::added": ["a", "b"], "t::changed": ["new"], "t::kept": ["old"]}


def test_places_that_differ_between_checkouts_read_as_placeholders(monkeypatch):
    import tempfile

    monkeypatch.setenv("PLATFORM_CRDS_DIR", "/data/reference/crds")
    monkeypatch.setenv("PLATFORM_CHARTS_DIR", "../shared/charts")  # relative: left alone, prose may say the same
    temporary = tempfile.gettempdir()
    text = (f"{messages.ROOT}/Pulumi.private.yaml; /data/reference/crds/x.yaml; ../shared/charts; "
            f"{temporary}/pytest-of-ci/pytest-12/test_a0/out: {temporary}/tmpab_12/x")
    assert messages._placeless(text) == ("<repo>/Pulumi.private.yaml; <shared>/crds/x.yaml; ../shared/charts; "
                                         "<tmp>/out: <tmp>/x")
