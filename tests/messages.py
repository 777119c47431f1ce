"""Exact messages, reviewed once: every message a test hands to `exactly` is compared in full with the catalogue
tests/golden/messages.json (per test, in the order the test provokes them), so a changed word, value, field name or
quote in a user-facing message fails the test that provoked it, and tests need not write out, or half-match, long
messages. A test that passes must also have provoked every message the catalogue holds for it (checked when it ends,
tests/conftest.py): output that goes missing fails too.

A test that provokes a new message fails until the catalogue has it: `make messages` (PLATFORM_WRITE_MESSAGES=1)
rewrites the entries of the tests that passed (a test that failed or was skipped keeps its entry); review that diff
like the golden renders' (tests/test_golden_render.py)."""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

CATALOGUE = Path(__file__).parent / "golden" / "messages.json"
WRITE = os.environ.get("PLATFORM_WRITE_MESSAGES") == "1"

ROOT = Path(__file__).resolve().parent.parent


def _temporary_places() -> list[re.Pattern]:
    """pytest's per-test folders (under `--basetemp` or the temporary directory) and tempfile's own."""
    roots = {os.path.realpath(tempfile.gettempdir()), tempfile.gettempdir()}
    out = []
    for root in sorted(roots, key=len, reverse=True):
        base = re.escape(root)
        out += [re.compile(base + r"/pytest-of-[^/]+/pytest-\d+/[^/\s'\":,;)]+"), re.compile(base + r"/tmp\w+")]
    return out


_TEMPORARY = _temporary_places()


def _placeless(message: str) -> str:
    """The message with what differs between checkouts and runs written as a placeholder: the checkout (`<repo>`),
    the reference data beside it (`<shared>`; a folder named by PLATFORM_CRDS_DIR or PLATFORM_CHARTS_DIR reads as
    its default place there) and temporary folders (`<tmp>`). Only absolute paths are replaced: a relative one would
    also match the same words in prose (a help text that names ../shared/crds)."""
    places = [(os.environ.get("PLATFORM_CRDS_DIR"), "<shared>/crds"),
              (os.environ.get("PLATFORM_CHARTS_DIR"), "<shared>/charts"),
              (str(ROOT.parent / "shared"), "<shared>"), (str(ROOT), "<repo>")]
    for folder, name in places:
        if folder and os.path.isabs(folder):
            for form in sorted({os.path.realpath(folder), os.path.normpath(folder)}, key=len, reverse=True):
                message = message.replace(form, name)
    for pattern in _TEMPORARY:
        message = pattern.sub("<tmp>", message)
    return message


_known: dict[str, list[str]] = json.loads(CATALOGUE.read_text()) if CATALOGUE.is_file() else {}
_said: dict[str, list[str]] = {}
_passed: set[str] = set()  # tests whose messages `make messages` may write
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
        if len(said) > len(expected):
            raise AssertionError(f"{test}: message {len(said)} is not in {CATALOGUE.name} (`make messages` adds it, "
                                 f"for review): {said[-1]!r}")
        if said[-1] != expected[len(said) - 1]:
            raise AssertionError(f"{test}: message {len(said)} differs from {CATALOGUE.name}:\n"
                                 f"  expected {expected[len(said) - 1]!r}\n  got      {said[-1]!r}")
    return message


def finish(test: str, passed: bool) -> None:
    """A test ended: if it passed, it must have provoked every message the catalogue holds for it."""
    if not passed:
        return
    _passed.add(test)
    if WRITE:
        return
    said, expected = _said.get(test, []), _known.get(test, [])
    if len(said) < len(expected):
        raise AssertionError(f"{test}: {len(expected) - len(said)} message(s) of {CATALOGUE.name} never came, the "
                             f"first: {expected[len(said)]!r}")


def write() -> None:
    """Rewrite the catalogue with the messages of the tests that passed (the others keep their entries)."""
    merged = dict(_known)
    for test in _passed:
        if _said.get(test):
            merged[test] = _said[test]
        else:
            merged.pop(test, None)
    CATALOGUE.write_text(json.dumps(dict(sorted(merged.items())), indent=1, ensure_ascii=False) + "\n")
