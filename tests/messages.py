"""Exact error messages, reviewed once: every message a test hands to `exactly` is compared in full with the
catalogue tests/golden/messages.json (per test, in the order the test provokes them), so a changed word, value, field
name or quote in a user-facing error fails the test that provoked it, and tests need not write out, or half-match,
long messages.

A test that provokes a new message fails until the catalogue has it: `make messages` (PLATFORM_WRITE_MESSAGES=1)
rewrites the entries of the tests that ran; review that diff like the golden renders' (tests/test_golden_render.py)."""
from __future__ import annotations

import json
import os
from pathlib import Path

CATALOGUE = Path(__file__).parent / "golden" / "messages.json"
WRITE = os.environ.get("PLATFORM_WRITE_MESSAGES") == "1"

_known: dict[str, list[str]] = json.loads(CATALOGUE.read_text()) if CATALOGUE.is_file() else {}
_said: dict[str, list[str]] = {}
_current: list[str] = []  # the running test's node id, set by tests/conftest.py for every test


def start(test: str) -> None:
    """A test begins: its messages are counted from the first again (tests/conftest.py, an autouse fixture)."""
    _current[:] = [test]
    _said[test] = []


def exactly(message: str) -> str:
    """`message`, after checking it is the next one the catalogue holds for the running test."""
    test = _current[0]
    said = _said[test]
    said.append(message)
    if not WRITE:
        expected = _known.get(test, [])
        assert len(said) <= len(expected), (f"{test}: message {len(said)} is not in {CATALOGUE.name} "
                                            f"(`make messages` adds it, for review): {message!r}")
        assert message == expected[len(said) - 1]
    return message


def write() -> None:
    """Rewrite the catalogue with the messages of the tests that ran (the others keep theirs)."""
    merged = {**_known, **{test: said for test, said in _said.items() if said}}
    for test, said in _said.items():
        if not said:
            merged.pop(test, None)
    CATALOGUE.write_text(json.dumps(dict(sorted(merged.items())), indent=1, ensure_ascii=False) + "\n")
