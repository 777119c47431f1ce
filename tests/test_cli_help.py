"""`python -m models --help` / `python -m stacks --help`: a description of every command and an example;
`python -m models list`: the catalog with each model's place in each private stack file."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from models.__main__ import main as models_main, model_table

ROOT = Path(__file__).resolve().parent.parent


def _help(module: str) -> str:
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_models_help_describes_each_command_and_gives_examples():
    text = _help("models")
    for line in ("\nlist  ", "\npackage NAME --out D  ", "\nsmoke URL MODEL  ", "Exit codes: 0 done; 1 smoke",
                 "example:\n  python -m models list\n  python -m models package fraud-scorer"):
        assert line in text, line


def test_stacks_help_describes_render_exit_codes_and_gives_an_example():
    text = _help("stacks")
    for line in ("\nrender STACK --out DIR  runs the real stack program", "no CRD folder",
                 "Exit codes: 0 done; 1 a rendered object is invalid",
                 "example:\n  python -m stacks render private --out build/render/private"):
        assert line in text, line


def test_models_list_has_a_row_per_catalog_model_with_its_phase_and_runtime_per_private_stack():
    rows = model_table()
    assert rows[0] == ["MODEL", "CLASS", "GPU", "private"]  # Pulumi.public.yaml declares no models
    by_name = {row[0]: row[1:] for row in rows[1:]}
    # Pulumi.private.yaml: fx-pricer {phase: torchserve}; doc-classifier-batch {runtime: triton} at the stack's
    # phase (hybrid); the declarations: fx-pricer critical on CPU, doc-classifier-batch batch on one A10G.
    assert by_name["fx-pricer"] == ["critical", "-", "torchserve/torchserve"]
    assert by_name["doc-classifier-batch"] == ["batch", "1x a10g", "hybrid/triton"]
    assert sorted(by_name) == [row[0] for row in rows[1:]]  # catalog order: by name


def test_models_list_prints_an_aligned_table(capsys):
    assert models_main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["MODEL", "CLASS", "GPU", "private"]
    assert lines[0].index("CLASS") == lines[1].index(lines[1].split()[1])


def test_a_bad_stack_file_makes_list_fail_in_one_line(monkeypatch, capsys):
    import stacks.private_config as private_config
    from models.errors import ConfigError

    def broken(values, catalog):
        raise ConfigError("platform", "phase", "Torchserve", "one of 'torchserve', 'kserve', 'hybrid'")

    monkeypatch.setattr(private_config, "read_private_config", broken)
    assert models_main(["list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: platform") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("module, argv", [
    ("stacks", []), ("stacks", ["render"]), ("stacks", ["diff"]), ("stacks", ["diagram"]), ("stacks", ["urns"]),
    ("models", []), ("models", ["list"]), ("models", ["package"]), ("models", ["smoke"]), ("models", ["tune"]),
], ids=lambda value: value if isinstance(value, str) else "-".join(value) or "top")
def test_every_help_text_as_reviewed(monkeypatch, capsys, module, argv):
    """The help of each command, in this process and at a fixed width, in full (tests/golden/messages.json): what
    a user reads before the first run, flags, defaults and examples included."""
    from models.__main__ import main as models_cli
    from stacks.__main__ import main as stacks_cli
    from tests.messages import exactly

    monkeypatch.setenv("COLUMNS", "120")
    with pytest.raises(SystemExit) as done:
        (stacks_cli if module == "stacks" else models_cli)([*argv, "--help"])
    assert done.value.code == 0
    exactly(capsys.readouterr().out)
