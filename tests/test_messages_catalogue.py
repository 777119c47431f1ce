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
    messages.start(test)  # nothing of this test's own goes into the catalogue
