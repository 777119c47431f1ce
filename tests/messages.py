"""Exact error messages, reviewed once: every message a test hands to `exactly` is compared in full with the
catalogue tests/golden/messages.json (per test, in the order the test provokes them), so a changed word, value, field
name or quote in a user-facing error fails the test that provoked it, and tests need not write out, or half-match,
long messages.

A test that provokes a new message fails until the catalogue has it: `make messages` (PLATFORM_WRITE_MESSAGES=1)
rewrites the entries of the tests that ran; review that diff like the golden renders' (tests/test_golden_render.py)."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

CATALOGUE = Path(__file__).parent / "golden" / "messages.json"
WRITE = os.environ.get("PLATFORM_WRITE_MESSAGES") == "1"

ROOT = Path(__file__).resolve().parent.parent
# What differs between checkouts and runs, written as a placeholder: the checkout, the reference data beside it, and
# pytest's and tempfile's temporary folders.
_PLACES = [(re.compile(r"/tmp/pytest-of-[^/]+/pytest-\d+/[^/\s'\":,;)]+"), "<tmp>"), (re.compile(r"/tmp/tmp\w+"), "<tmp>")]


def _placeless(message: str) -> str:
    # The reference data named by environment (make mutation sets both) reads as its default place beside the checkout.
    for folder, name in ((os.environ.get("PLATFORM_CRDS_DIR"), "<shared>/crds"),
                         (os.environ.get("PLATFORM_CHARTS_DIR"), "<shared>/charts"),
                         (str(ROOT.parent / "shared"), "<shared>"), (str(ROOT), "<repo>")):
        if folder:
            message = message.replace(str(Path(folder).resolve()), name).replace(folder, name)
    for pattern, name in _PLACES:
        message = pattern.sub(name, message)
    return message


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
    said.append(_placeless(message))
    if not WRITE:
        expected = _known.get(test, [])
        assert len(said) <= len(expected), (f"{test}: message {len(said)} is not in {CATALOGUE.name} "
                                            f"(`make messages` adds it, for review): {message!r}")
        assert said[-1] == expected[len(said) - 1]
    return message


def write() -> None:
    """Rewrite the catalogue with the messages of the tests that ran (the others keep theirs)."""
    merged = {**_known, **{test: said for test, said in _said.items() if said}}
    for test, said in _said.items():
        if not said:
            merged.pop(test, None)
    CATALOGUE.write_text(json.dumps(dict(sorted(merged.items())), indent=1, ensure_ascii=False) + "\n")
