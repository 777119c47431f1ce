"""Shared fixtures: stack renders are costly enough (a second or so) to do once per session."""
from __future__ import annotations

import pytest

from stacks.__main__ import render_stack


@pytest.fixture(scope="session")
def private_render():
    return render_stack("private")


@pytest.fixture(scope="session")
def public_render():
    return render_stack("public")
