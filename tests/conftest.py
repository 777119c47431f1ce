"""Shared fixtures: stack renders are costly enough (a second or so) to do once per session.

Except under mutmut (`make mutation`): it runs, for each mutant, only the tests that called the mutated function
while it collected its stats, and a render cached for the session is called by the first test that asks for it
only, so every later test that reads it would never run against a mutant of the code it checks. There the renders
are made per test (slow, but each test is then run for the code it reads)."""
from __future__ import annotations

import os

import pytest

from stacks.__main__ import render_stack


def render_scope(fixture_name: str, config) -> str:
    """'session', or 'function' under mutmut (which sets MUTMUT_DEPENDENCY_DEPTH before it collects stats)."""
    return "function" if "MUTMUT_DEPENDENCY_DEPTH" in os.environ else "session"


@pytest.fixture(scope=render_scope)
def private_render():
    return render_stack("private")


@pytest.fixture(scope=render_scope)
def public_render():
    return render_stack("public")

