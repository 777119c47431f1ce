"""Shared fixtures: stack renders are costly enough (a second or so) to do once per session.

Except while mutmut collects its stats (`make mutation`): it then runs, for each mutant, only the tests that called
the mutated function during that run, and a render cached for the session is called by the first test that asks
for it only, so every later test that reads it would never run against a mutant of the code it checks. In the
stats run the renders are made per test. When a mutant runs, its tests share one render again (the render is made
with the mutant active, in the mutant's own process)."""
from __future__ import annotations

import os

import pytest

from stacks.__main__ import render_stack
from tests import messages


def render_scope(fixture_name: str, config) -> str:
    """'session', or 'function' in mutmut's stats run (mutmut 3.8.1 `run_stats_collection` sets MUTANT_UNDER_TEST
    to "stats"; a mutant's run sets it to the mutant's name)."""
    return "function" if os.environ.get("MUTANT_UNDER_TEST") == "stats" else "session"


@pytest.fixture(scope=render_scope)
def private_render():
    return render_stack("private")


@pytest.fixture(scope=render_scope)
def public_render():
    return render_stack("public")



@pytest.fixture(autouse=True)
def _messages_of_this_test(request):
    """Count the exact messages (tests/messages.py) of each test from its first; a test that passed must have
    provoked all of its catalogued messages."""
    messages.start(request.node.nodeid)
    yield
    call = getattr(request.node, "_messages_call_report", None)
    messages.finish(request.node.nodeid, passed=call is not None and call.passed)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item._messages_call_report = report


def pytest_sessionfinish(session):
    if messages.WRITE:
        messages.write()
