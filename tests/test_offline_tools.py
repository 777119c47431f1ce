"""The offline tools' commands, run in this process against the checked-in files: `python -m stacks.golden`,
`python -m stacks urns` and `python -m stacks diagram` check, report and rewrite what they own.

Expected contents are the checked-in files themselves (tests/golden/, README.md), which other tests hold current."""
from __future__ import annotations

import json
import shutil

import pytest

from stacks import __main__ as cli
from stacks import golden, urns
from stacks.__main__ import ROOT
from stacks.diagram import BEGIN, END
from tests.messages import exactly

GOLDEN_RENDER = ROOT / "tests" / "golden" / "render"
GOLDEN_URNS = ROOT / "tests" / "golden" / "urns.json"


def test_golden_check_passes_on_the_checked_in_snapshot(capsys):
    assert golden.main([]) == 0
    assert capsys.readouterr().out == "renders of private, public match tests/golden/render\n"


def test_golden_check_names_the_file_that_differs_and_exits_1(tmp_path, monkeypatch, capsys):
    copy = tmp_path / "render"
    shutil.copytree(GOLDEN_RENDER, copy)
    outputs = json.loads((copy / "public" / "resources.json").read_text())
    outputs["outputs"]["memberName"] = "aws-other"
    (copy / "public" / "resources.json").write_text(json.dumps(outputs))
    (copy / "private" / "stale.yaml").write_text("kind: Nothing\n")
    monkeypatch.setattr(golden, "GOLDEN_DIR", copy)
    assert golden.main([]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "tests/golden/render/private/stale.yaml: the render no longer writes this file"
    assert out[1] == "tests/golden/render/public/resources.json: changed outputs"
    assert out[-1] == f"2 file(s) differ; {golden.REGENERATE}"


def test_golden_write_rewrites_the_snapshot_and_removes_files_no_render_writes(tmp_path, monkeypatch, capsys):
    target = tmp_path / "render"
    (target / "private").mkdir(parents=True)
    (target / "private" / "stale.yaml").write_text("kind: Nothing\n")
    monkeypatch.setattr(golden, "GOLDEN_DIR", target)
    assert golden.main(["--write"]) == 0
    written = {p.relative_to(target).as_posix(): p.read_text() for p in target.rglob("*") if p.is_file()}
    checked_in = {p.relative_to(GOLDEN_RENDER).as_posix(): p.read_text() for p in GOLDEN_RENDER.rglob("*")
                  if p.is_file()}
    assert written == checked_in
    assert capsys.readouterr().out == f"wrote {len(checked_in)} files of private, public to {target}\n"


def test_urns_check_passes_on_the_checked_in_list(capsys):
    assert cli.main(["urns"]) == 0
    assert capsys.readouterr().out == "URNs of private, public match tests/golden/urns.json\n"


def test_urns_check_names_a_urn_that_left_the_list_and_exits_1(tmp_path, monkeypatch, capsys):
    listed = json.loads(GOLDEN_URNS.read_text())
    dropped = listed["public"].pop(0)
    changed = tmp_path / "urns.json"
    changed.write_text(json.dumps(listed))
    monkeypatch.setattr(urns, "GOLDEN", changed)
    assert cli.main(["urns"]) == 1
    out = capsys.readouterr().out
    assert dropped in out
    assert out.endswith(f"1 URN change(s) against {changed}\n")


def test_urns_write_writes_the_checked_in_list(tmp_path, monkeypatch, capsys):
    target = tmp_path / "golden" / "urns.json"
    monkeypatch.setattr(urns, "GOLDEN", target)
    assert cli.main(["urns", "--write"]) == 0
    assert target.read_text() == GOLDEN_URNS.read_text()
    count = sum(len(v) for v in json.loads(GOLDEN_URNS.read_text()).values())
    assert capsys.readouterr().out == f"wrote {count} URNs of private, public to {target}\n"


def _readme_block() -> str:
    text = (ROOT / "README.md").read_text()
    return BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END


def test_diagram_prints_the_readmes_block_and_updates_a_stale_copy(tmp_path, capsys):
    assert cli.main(["diagram"]) == 0
    printed = capsys.readouterr().out
    assert printed and printed in _readme_block()
    stale = tmp_path / "README.md"
    stale.write_text(f"# Title\n\n{BEGIN}\nold\n{END}\n\nafter\n")
    assert cli.main(["diagram", "--update-readme", str(stale)]) == 0
    assert capsys.readouterr().out == f"{stale}: diagram updated\n"
    assert stale.read_text() == f"# Title\n\n{_readme_block()}\n\nafter\n"
    assert cli.main(["diagram", "--update-readme", str(stale)]) == 0
    assert capsys.readouterr().out == f"{stale}: diagram already current\n"


def test_diagram_from_render_directories_draws_the_same(tmp_path, capsys):
    for stack in ("private", "public"):
        assert cli.main(["render", stack, "--out", str(tmp_path / stack)]) == 0
    capsys.readouterr()
    assert cli.main(["diagram", "--render", str(tmp_path / "private"), "--render", str(tmp_path / "public")]) == 0
    from_dirs = capsys.readouterr().out
    assert cli.main(["diagram"]) == 0
    assert capsys.readouterr().out == from_dirs


@pytest.mark.parametrize("argv", [["diagram", "--update-readme", "/nonexistent/README.md"]])
def test_diagram_reports_a_missing_readme_in_one_line(argv, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


def test_render_summary_counts_what_it_wrote(tmp_path, capsys):
    out = tmp_path / "public"
    assert cli.main(["render", "public", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    exactly(printed)  # the whole summary, per cluster and kind, as reviewed
    lines = printed.splitlines()
    resources = json.loads((out / "resources.json").read_text())["resources"]
    aws = sum(1 for r in resources if r["type"].startswith("aws:"))
    assert lines[0] == f"stack public: {len(resources)} resources"
    assert lines[1].startswith("  cluster aws-use1: ")
    assert lines[2:] == [f"  cloud resources: {aws} aws",
                         "  validated: 13 built-in (k8s 1.31 strict), 4 custom resources (CRD schema, strict)",
                         f"  written to {out}"]


def test_the_private_render_summary_as_reviewed(tmp_path, capsys):
    assert cli.main(["render", "private", "--out", str(tmp_path / "private")]) == 0
    exactly(capsys.readouterr().out)
