"""What the command-line tools refuse to read or overwrite, each with its one-line message (as reviewed in
tests/golden/messages.json): stack files that are not stack files, render folders that are not renders, an --out
that holds something else, a stack name with no role."""
from __future__ import annotations

import json

import pytest

from models.errors import PlatformError
from stacks.__main__ import OutputRefused, load_stack_file, write_output
from stacks.diff_render import load_renders, load_stack
from stacks.program import stack_role
from tests.messages import exactly


def refused(call, error=PlatformError) -> str:
    with pytest.raises(error) as raised:
        call()
    return exactly(str(raised.value))


def test_stack_files_that_are_not_stack_files(tmp_path):
    refused(lambda: load_stack_file("private", tmp_path))  # a directory
    for name, text in (("list", "- a\n- b\n"), ("config-list", "config:\n  - a\n"), ("binary", None)):
        path = tmp_path / f"Pulumi.{name}.yaml"
        if text is None:
            path.write_bytes(b"config:\n  a: \xff\xfe\n")
        else:
            path.write_text(text)
        refused(lambda: load_stack_file("private", path))


def test_an_unreadable_stack_file(tmp_path):
    """Any other OSError reads as its reason (here a path through a file: 'Not a directory', also as root)."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    refused(lambda: load_stack_file("private", blocker / "Pulumi.private.yaml"))


def test_an_empty_stack_file_is_an_empty_config(tmp_path):
    path = tmp_path / "Pulumi.private.yaml"
    path.write_text("")
    assert load_stack_file("private", path) == {}


def test_render_folders_that_are_not_renders(tmp_path):
    refused(lambda: load_renders(tmp_path / "nowhere"))
    refused(lambda: load_renders(tmp_path))  # a folder without renders
    refused(lambda: load_stack(tmp_path))
    (tmp_path / "resources.json").write_text("{not json")
    refused(lambda: load_stack(tmp_path))
    for doc in ([], {"stack": "private"}, {"stack": "", "resources": []}, {"stack": "p", "resources": {}}):
        (tmp_path / "resources.json").write_text(json.dumps(doc))
        refused(lambda: load_stack(tmp_path))
    (tmp_path / "resources.json").write_text(json.dumps({"stack": "p", "resources": []}))
    assert load_stack(tmp_path).stack == "p" and load_renders(tmp_path)["p"].resources == {}


def test_an_out_that_holds_something_else(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    refused(lambda: write_output(target, {"a.json": "{}"}), OutputRefused)
    folder = tmp_path / "folder"
    folder.mkdir()
    for i in range(7):
        (folder / f"keep-{i}.txt").write_text("mine")
    refused(lambda: write_output(folder, {"resources.json": "{}"}), OutputRefused)
    assert sorted(p.name for p in folder.iterdir()) == [f"keep-{i}.txt" for i in range(7)]
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")
    refused(lambda: write_output(link, {"resources.json": "{}"}), OutputRefused)


@pytest.mark.parametrize("stack, role", [("private", "private"), ("public", "public"), ("eu-private", "private"),
                                         ("aws-euw1-public", "public")])
def test_stack_roles(stack, role):
    assert stack_role(stack) == role


@pytest.mark.parametrize("stack", ["staging", "privatex", "public-eu", ""])
def test_a_stack_name_without_a_role(stack):
    refused(lambda: stack_role(stack))
