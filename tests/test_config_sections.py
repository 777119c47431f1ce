"""Every mapping a stack file's readers take refuses a key it does not know, with the one-line error.

The sections are not listed here: they are found by recording each `Section` the readers build while the real
stacks render from their example files. For each one, an unknown key is put at that place in a copy of the stack
file, and `python -m stacks render` must exit 2 with one line naming the section, the key and the known keys. A
new section that forgets to check its keys (a reader that takes a nested dict with `.raw()` and `.get()`s from it,
or a `Section` whose allowed keys are computed from the data) fails here without anyone adding a case.
"""
from __future__ import annotations

import copy
import io
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

import stacks.__main__ as cli
from stacks import config_reader
from stacks.__main__ import load_stack_file, render_stack

UNKNOWN = "zzNotAKey"
# The reader module that owns each stack file: the private stack also reads its members' files with the public
# reader (those sections are checked when the public stack renders its own file).
OWN_READER = {"private": "stacks.private_config", "public": "stacks.public_config"}


def _reader_module(frame) -> str:
    """The module that asked for the Section: the first caller outside config_reader (and outside mutmut's
    trampolines, which sit between caller and callee under `make mutation`)."""
    while frame is not None and (frame.f_globals.get("__name__") == "stacks.config_reader"
                                 or frame.f_globals.get("__name__", "").startswith("mutmut.")):
        frame = frame.f_back
    return frame.f_globals.get("__name__", "?") if frame is not None else "?"


def _sections_built(stack: str, monkeypatch) -> list[str]:
    """The `where` of every Section the stack's own reader builds while the stack renders from its example file."""
    import sys

    built: list[tuple[str, str]] = []
    original = config_reader.Section.__init__

    with monkeypatch.context() as patch:
        running: list[str] = []
        real_run = cli.run_program

        def run_program(program, *, stack, **kwargs):
            running.append(stack)
            try:
                return real_run(program, stack=stack, **kwargs)
            finally:
                running.pop()

        patch.setattr(cli, "run_program", run_program)

        def recording_in_stack(self, where, data, allowed, **kwargs):
            if running and running[-1] == stack:
                built.append((_reader_module(sys._getframe(1)), where))
            original(self, where, data, allowed, **kwargs)

        patch.setattr(config_reader.Section, "__init__", recording_in_stack)
        render_stack(stack)
    wheres: list[str] = []
    for module, where in built:
        if module == OWN_READER[stack] or module not in OWN_READER.values():
            if where not in wheres:
                wheres.append(where)
    return wheres


_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _path(where: str) -> list:
    """'platform' → []; 'platform:eks.systemNodes' → ['platform:eks', 'systemNodes']; 'platform:gpuPools[0]' →
    ['platform:gpuPools', 0]. The first step is the stack file's own `platform:<key>` config key."""
    if where == "platform":
        return []
    head = re.match(r"platform:[^.\[]+", where)
    assert head, f"a section named {where!r}: expected 'platform' or 'platform:<key>…'"
    steps: list = [head.group(0)]
    rest = where[head.end():]
    for m in _STEP.finditer(rest):
        steps.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
    assert "".join(m.group(0) for m in _STEP.finditer(rest)) == rest, where
    return steps


def _with_unknown_key(config: dict, where: str) -> dict:
    config = copy.deepcopy(config)
    steps = _path(where)
    if not steps:
        config[f"platform:{UNKNOWN}"] = "x"
        return config
    node = config
    for step in steps[:-1]:
        node = node[step]
    last = steps[-1]
    if isinstance(node, dict) and node.get(last) is None:
        node[last] = {}  # a section the example file leaves out: give it one, holding only the unknown key
    node[last][UNKNOWN] = "x"
    return config


def _render(stack: str, config: dict, tmp_path: Path) -> tuple[int, str]:
    stack_file = tmp_path / f"Pulumi.{stack}.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    err, out = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(out):
        code = cli.main(["render", stack, "--config-file", str(stack_file), "--out", str(tmp_path / "out")])
    return code, err.getvalue()


@pytest.mark.parametrize("stack", ["private", "public"])
def test_every_section_refuses_an_unknown_key(stack, tmp_path, monkeypatch):
    wheres = _sections_built(stack, monkeypatch)
    # The recording works: the sections every reader has today are among those found.
    expected_some = {"private": {"platform", "platform:karmada", "platform:kserve", "platform:storage",
                                 "platform:cluster", "platform:gpuPools[0]", "platform:bucketMirrors[0]",
                                 "platform:models.fx-pricer"},
                     "public": {"platform", "platform:eks", "platform:eks.systemNodes", "platform:gpuNodeGroups[0]",
                                "platform:gpuNodeGroups[3]"}}[stack]
    assert expected_some <= set(wheres), wheres
    config = load_stack_file(stack)
    problems = []
    for where in wheres:
        code, err = _render(stack, _with_unknown_key(config, where), tmp_path)
        lines = err.strip().splitlines()
        ok = (code == 2 and len(lines) == 1
              and lines[0].startswith(f"error: {where}: invalid key '{UNKNOWN}': expected one of the known keys: "))
        if not ok:
            problems.append(f"{where}: exit {code}, stderr {err!r}")
        assert not (tmp_path / "out").exists(), f"{where}: an unknown key still wrote a render"
    assert not problems, "sections that do not refuse an unknown key:\n" + "\n".join(problems)


def test_the_known_keys_are_listed_in_the_message(tmp_path):
    config = load_stack_file("private")
    code, err = _render("private", _with_unknown_key(config, "platform:storage"), tmp_path)
    assert code == 2
    assert err == (f"error: platform:storage: invalid key '{UNKNOWN}': expected one of the known keys: "
                   "credentialsSecret, s3Endpoint\n")
    code, err = _render("public", _with_unknown_key(load_stack_file("public"), "platform:eks.systemNodes"), tmp_path)
    assert code == 2
    assert err == (f"error: platform:eks.systemNodes: invalid key '{UNKNOWN}': expected one of the known keys: "
                   "enabled, instanceTypes, maxSize, minSize\n")


def test_path_of_a_section_name():
    assert _path("platform") == []
    assert _path("platform:eks.systemNodes") == ["platform:eks", "systemNodes"]
    assert _path("platform:gpuPools[0]") == ["platform:gpuPools", 0]
    assert _path("platform:models.fx-pricer") == ["platform:models", "fx-pricer"]
