"""`python -m stacks diff`: real renders before/after a config change, and hand-made renders for single rules."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import render_scope
from tests.messages import exactly

from stacks.__main__ import ROOT, documents, main, render_stack, write_output

PRIVATE_TEXT = (ROOT / "Pulumi.private.yaml").read_text()


def render_to(directory: Path, stack: str, config_text: str | None = None, render=None) -> Path:
    """Write a render of `stack` (from `config_text` as its stack file, or the given render) to directory/stack."""
    if render is None:
        config = directory.parent / f"Pulumi.{directory.name}.{stack}.yaml"
        config.write_text(config_text)
        render = render_stack(stack, config)
    out = directory / stack
    write_output(out, documents(render))
    return out


@pytest.fixture(scope=render_scope)
def base_dir(tmp_path_factory, private_render):
    return render_to(tmp_path_factory.mktemp("base"), "private", render=private_render)


def run_diff(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def changed_config(old: str, new: str) -> str:
    assert old in PRIVATE_TEXT, old
    return PRIVATE_TEXT.replace(old, new)


# -- Real renders ------------------------------------------------------------------------------------------------


def test_phase_1_to_2_in_one_update_is_flagged_and_shows_the_successor(tmp_path, base_dir, capsys):
    """Without the hand-over steps (tests/test_handover.py) the move drops requests: flagged, successor shown."""
    after = render_to(tmp_path / "after", "private", changed_config(
        "fx-pricer: {phase: torchserve}", "fx-pricer: {phase: kserve}"))
    code, out, _ = run_diff(capsys, "--from", str(base_dir), "--to", str(after), "--format", "json")
    report = json.loads(out)
    assert code == 3 and report["exitCode"] == 3 and report["unsafe"] is True
    assert [f["label"] for f in report["findings"]] == ["Deployment inference/fx-pricer (fx-pricer-deployment)",
                                                        "Service inference/fx-pricer (fx-pricer-service)"]
    actions = {(c["key"], c["action"]) for c in report["changes"]}
    assert ("kubernetes:apps/v1:Deployment::fx-pricer-deployment", "delete") in actions
    assert ("kubernetes:core/v1:Service::fx-pricer-service", "delete") in actions
    assert ("kubernetes:serving.kserve.io/v1beta1:InferenceService::fx-pricer-isvc", "add") in actions
    models = {(m["model"], m["field"]): (m["before"], m["after"]) for m in report["models"]}
    assert models[("fx-pricer", "phase")] == ("torchserve", "kserve")
    assert models[("fx-pricer", "runtime")] == ("torchserve (Deployment)", "platform-torchserve")
    assert ("fx-pricer", "placement") not in models  # private before and after


def test_deleting_a_serving_deployment_without_successor_is_flagged_with_exit_3(tmp_path, base_dir, capsys):
    after = render_to(tmp_path / "after", "private", changed_config("    fx-pricer: {phase: torchserve}", ""))
    code, out, err = run_diff(capsys, "--from", str(base_dir), "--to", str(after))
    assert code == 3 and err == ""
    assert "UNSAFE — endangers serving (2), exit 3:" in out
    assert ("! [serving] private/private: Deployment inference/fx-pricer (fx-pricer-deployment): serves model "
            "fx-pricer: deleted, and no serving object of fx-pricer is created in this change") in out
    assert "! [serving] private/private: Service inference/fx-pricer (fx-pricer-service)" in out
    assert "model fx-pricer: model runs here → removed" in out


def test_renamed_namespace_replaces_it_and_everything_in_it(tmp_path, base_dir, capsys):
    after = render_to(tmp_path / "after", "private", changed_config(
        "platform:namespace: inference\n", "platform:namespace: inference-v2\n"))
    code, out, _ = run_diff(capsys, "--from", str(base_dir), "--to", str(after), "--format", "json")
    report = json.loads(out)
    assert code == 3
    by_key = {c["key"]: c for c in report["changes"]}
    ns = by_key["kubernetes:core/v1:Namespace::models-namespace"]
    assert ns["action"] == "replace"
    assert ns["fields"] == [{"path": "metadata.name", "before": "inference", "after": "inference-v2",
                             "forces_replacement": True}]
    isvc = by_key["kubernetes:serving.kserve.io/v1beta1:InferenceService::fraud-scorer-isvc"]
    assert isvc["action"] == "replace" and isvc["reasons"][0].startswith("metadata.namespace cannot change in place")
    # A new namespace: created before the old one goes, so no same-name gap note.
    assert not any("deleted before" in n for n in isvc["notes"])
    categories = {(f["category"], f["label"]) for f in report["findings"]}
    assert ("stateful", "Namespace inference-v2 (models-namespace)") in categories
    assert ("serving", "InferenceService inference-v2/fraud-scorer (fraud-scorer-isvc)") in categories


def test_markdown_has_unsafe_section_collapsible_details_and_the_diagram(tmp_path, base_dir, capsys):
    after = render_to(tmp_path / "after", "private", changed_config("    fx-pricer: {phase: torchserve}", ""))
    code, out, _ = run_diff(capsys, "--from", str(base_dir), "--to", str(after), "--format", "markdown")
    assert code == 3
    assert out.startswith(f"## `stacks diff`: {base_dir} → {after}\n")
    assert "### :warning: Endangers serving (2)" in out
    assert "<details><summary>cluster <code>private</code>: 6 resources</summary>" in out
    assert "| fx-pricer | model | runs here | removed |" in out
    assert "```mermaid\nflowchart LR\n" in out


def test_identical_renders_change_nothing(base_dir, capsys):
    code, out, _ = run_diff(capsys, "--from", str(base_dir), "--to", str(base_dir))
    assert code == 0
    assert out.splitlines()[1:] == ["nothing endangers serving", "stack private: no changes"]


# -- Hand-made renders: one rule at a time --------------------------------------------------------------------------


def k8s(type_, name, obj, cluster="private", **extra):
    return {"type": type_, "name": name, "parent": None, "cluster": cluster, "depends_on": [], "inputs": obj,
            "secrets": [], **extra}


def deployment(selector="a", replicas=1, model="m1", name="m1", **extra):
    return k8s("kubernetes:apps/v1:Deployment", f"{name}-deployment", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "ns", "labels": {"app.kubernetes.io/name": model,
                                                                  "app.kubernetes.io/part-of": "inference-platform"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": selector}}}}, **extra)


def write_render(directory: Path, resources: list[dict], stack="private", outputs=None) -> Path:
    directory.mkdir(parents=True)
    (directory / "resources.json").write_text(json.dumps({"stack": stack, "resources": resources,
                                                          "outputs": outputs or {}}))
    return directory


def diff_json(capsys, tmp_path, before: list[dict], after: list[dict]) -> tuple[int, dict]:
    code, out, _ = run_diff(capsys, "--from", str(write_render(tmp_path / "b", before)), "--to",
                            str(write_render(tmp_path / "a", after)), "--format", "json")
    return code, json.loads(out)


def test_deployment_selector_change_replaces_it_with_a_gap_but_replicas_update_in_place(tmp_path, capsys):
    code, report = diff_json(capsys, tmp_path, [deployment(), deployment(name="m2", model="m2")],
                             [deployment(selector="b"), deployment(name="m2", model="m2", replicas=3)])
    by_name = {c["name"]: c for c in report["changes"]}
    assert by_name["m1-deployment"]["action"] == "replace"
    assert by_name["m1-deployment"]["fields"][0]["path"] == "spec.selector.matchLabels.app"
    assert "deleted before its replacement is created (same name): a gap while it is recreated" in \
        by_name["m1-deployment"]["notes"]
    assert by_name["m2-deployment"]["action"] == "update"
    assert by_name["m2-deployment"]["fields"] == [{"path": "spec.replicas", "before": 1, "after": 3,
                                                   "forces_replacement": False}]
    assert code == 3 and [f["label"] for f in report["findings"]] == ["Deployment ns/m1 (m1-deployment)"]


def isvc(name, model, **extra):
    return k8s("kubernetes:serving.kserve.io/v1beta1:InferenceService", f"{name}-isvc", {
        "apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
        "metadata": {"name": name, "namespace": "ns", "labels": {"app.kubernetes.io/name": model,
                                                                  "app.kubernetes.io/part-of": "inference-platform"}},
        "spec": {}}, cluster="karmada-provider", **extra)


def test_a_shadow_may_go_while_the_model_keeps_its_hostname_object(tmp_path, capsys):
    code, report = diff_json(capsys, tmp_path, [isvc("m1", "m1"), isvc("m1-shadow", "m1")], [isvc("m1", "m1")])
    assert code == 0 and report["findings"] == []
    assert [(c["name"], c["action"]) for c in report["changes"]] == [("m1-shadow-isvc", "delete")]


def test_losing_the_hostname_object_is_flagged_even_if_a_secondary_stays(tmp_path, capsys):
    code, report = diff_json(capsys, tmp_path, [isvc("m1", "m1"), isvc("m1-shadow", "m1")],
                             [isvc("m1-shadow", "m1")])
    assert code == 3 and [f["category"] for f in report["findings"]] == ["serving"]


def test_retained_object_is_released_not_flagged_and_protected_one_is(tmp_path, capsys):
    before = [deployment(options={"retain_on_delete": True}),
              deployment(name="m2", model="m2", options={"protect": True})]
    after = [deployment(name="m2", model="m2", replicas=2, options={"protect": True})]
    code, report = diff_json(capsys, tmp_path, before, after)
    by_name = {c["name"]: c for c in report["changes"]}
    assert by_name["m1-deployment"]["action"] == "release"
    assert [(f["category"], f["label"]) for f in report["findings"]] == [("protected", "Deployment ns/m2 (m2-deployment)")]
    assert code == 3


def test_ignore_changes_hides_ignored_paths_and_aliases_rename_in_place(tmp_path, capsys):
    group = {"type": "aws:eks/nodeGroup:NodeGroup", "name": "g", "parent": None, "cluster": None, "depends_on": [],
             "secrets": [], "inputs": {"scalingConfig": {"desiredSize": 1}, "instanceTypes": ["g4dn.xlarge"]},
             "options": {"ignore_changes": ["scalingConfig.desiredSize"]}}
    moved = dict(group, inputs={"scalingConfig": {"desiredSize": 5}, "instanceTypes": ["g4dn.xlarge"]})
    renamed = dict(deployment(), name="m1-renamed", options={"aliases": [{"name": "m1-deployment"}]})
    code, report = diff_json(capsys, tmp_path, [group, deployment()], [moved, renamed])
    assert [(c["name"], c["action"]) for c in report["changes"]] == [("m1-renamed", "update")]
    assert code == 0


@pytest.mark.parametrize("path,value,action", [
    ("name", "other", "replace"),                     # ForceNew: cluster.go name
    ("roleArn", "arn:aws:iam::1:role/x", "replace"),  # ForceNew: role_arn
    ("vpcConfig.subnetIds", ["subnet-2"], "update"),  # vpc_config.subnet_ids: updated in place
    ("version", "1.36", "update"),
])
def test_eks_cluster_replacement_follows_the_providers_force_new_fields(tmp_path, capsys, path, value, action):
    inputs = {"name": "c", "roleArn": "arn:aws:iam::1:role/r", "version": "1.35", "vpcConfig": {"subnetIds": ["s-1"]}}
    changed = json.loads(json.dumps(inputs))
    target = changed
    *parents, leaf = path.split(".")
    for p in parents:
        target = target[p]
    target[leaf] = value
    res = {"type": "aws:eks/cluster:Cluster", "name": "eks", "parent": None, "cluster": None, "depends_on": [],
           "secrets": []}
    code, report = diff_json(capsys, tmp_path, [dict(res, inputs=inputs)], [dict(res, inputs=changed)])
    assert report["changes"][0]["action"] == action
    if action == "replace":
        assert code == 3 and report["findings"][0]["category"] == "stateful"
    else:
        assert code == 0 and report["findings"] == []


def test_node_group_instance_types_replace_the_group(tmp_path, capsys):
    res = {"type": "aws:eks/nodeGroup:NodeGroup", "name": "g", "parent": None, "cluster": None, "depends_on": [],
           "secrets": []}
    code, report = diff_json(capsys, tmp_path, [dict(res, inputs={"instanceTypes": ["g5.xlarge"]})],
                             [dict(res, inputs={"instanceTypes": ["g5.2xlarge"]})])
    assert report["changes"][0]["action"] == "replace" and code == 0  # replaced, but holds no state


def secret_resource(value, extra_value):
    return k8s("kubernetes:core/v1:Secret", "creds", {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "ns"},
        "stringData": {"AWS_SECRET_ACCESS_KEY": value}, "type": "Opaque"}), \
        {"type": "kubernetes:helm.sh/v3:Release", "name": "rel", "parent": None, "cluster": "private",
         "depends_on": [], "secrets": ["values.agent.key"],
         "inputs": {"name": "rel", "chart": "c", "version": "1", "values": {"agent": {"key": extra_value},
                                                                          "password": extra_value + "-pw"}}}


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_secrets_are_masked_in_every_format(tmp_path, capsys, fmt):
    before = list(secret_resource("hunter2", "k-old"))
    after = list(secret_resource("hunter3", "k-new"))
    code, out, _ = run_diff(capsys, "--from", str(write_render(tmp_path / "b", before)), "--to",
                            str(write_render(tmp_path / "a", after)), "--format", fmt)
    for leaked in ("hunter2", "hunter3", "k-old", "k-new", "k-old-pw", "k-new-pw"):
        assert leaked not in out
    assert "[secret]" in out
    if fmt == "text":
        assert "stringData.AWS_SECRET_ACCESS_KEY: [secret] → [secret] (forces replacement)" in out
        assert "values.password: [secret] → [secret]" in out


# -- Usage errors and --base ----------------------------------------------------------------------------------------


def test_usage_errors_exit_2_with_one_line(tmp_path, capsys):
    code, out, err = run_diff(capsys)
    assert code == 2 and out == "" and err == "error: diff: give --base REF (e.g. origin/main), or --from DIR --to DIR\n"
    code, _, err = run_diff(capsys, "--from", str(tmp_path / "nope"), "--to", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "not a directory" in err
    code, _, err = run_diff(capsys, "--base", "no-such-ref-xyz")
    assert code == 2 and err == f"error: --base no-such-ref-xyz: not a commit in {ROOT}; expected a branch, tag or commit\n"


def test_base_revision_renders_in_a_temporary_worktree_that_is_removed(tmp_path):
    listed = ["git", "-C", str(ROOT), "worktree", "list", "--porcelain"]

    def worktrees() -> set[str]:  # paths only: other worktrees' HEADs may move meanwhile
        out = subprocess.run(listed, capture_output=True, text=True).stdout
        return {line for line in out.splitlines() if line.startswith("worktree ")}

    before = worktrees()
    result = subprocess.run([sys.executable, "-m", "stacks", "diff", "--base", "HEAD", "--stack", "private",
                             "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",  # the CRD folder, if named:
                                 **{k: v for k, v in os.environ.items() if k == "PLATFORM_CRDS_DIR"}}, timeout=300)
    assert result.returncode in (0, 3), result.stderr
    report = json.loads(result.stdout)
    assert report["before"] == "HEAD" and report["after"] == "working tree" and report["stacks"] == ["private"]
    # Nothing of this run left registered: its temporary tree is deleted, so a leaked registration would name a
    # path that no longer exists (another process's diff may be running meanwhile: its tree still exists).
    leaked = {w for w in worktrees() - before if not Path(w.removeprefix("worktree ")).exists()}
    assert leaked == set()


def test_a_mirror_added_to_a_model_that_already_serves_is_flagged_as_a_route_istio_would_sort_behind(
        tmp_path, capsys, base_dir, monkeypatch):
    """search-ranker serves at phase 2 without a rollout, then gains its Mirror: KServe's VirtualService for the same
    host and match is older, so Istio keeps it first and the mirror would do nothing (stacks/diff.py
    _routes_behind_kserve)."""
    import dataclasses

    from models.registry import load_catalog

    def without_mirror():
        catalog = dict(load_catalog())
        catalog["search-ranker"] = dataclasses.replace(catalog["search-ranker"], rollout=None)
        return catalog

    with monkeypatch.context() as patch:
        patch.setattr("stacks.private.load_catalog", without_mirror)
        before = render_to(tmp_path / "before", "private", render=render_stack("private"))
    code, out, _ = run_diff(capsys, "--from", str(before.parent), "--to", str(base_dir.parent), "--format", "json")
    report = json.loads(out)
    route_order = [f for f in report["findings"] if f["category"] == "route-order"]
    assert code == 3 and len(route_order) == 1
    assert route_order[0]["message"].startswith("model search-ranker's InferenceService already exists, so KServe's "
                                                "VirtualService search-ranker is older")
    # The same model created with its mirror (no InferenceService before: its VirtualService and KServe's are
    # created together, the platform's first) is not flagged.
    line = "    search-ranker: {phase: kserve}               # mirrored to its next version\n"
    absent = render_to(tmp_path / "absent", "private", changed_config(line, ""))
    code, out, _ = run_diff(capsys, "--from", str(absent.parent), "--to", str(base_dir.parent), "--format", "json")
    assert [f for f in json.loads(out)["findings"] if f["category"] == "route-order"] == []


def test_a_changed_cluster_context_replaces_the_provider_and_everything_on_that_cluster(tmp_path, capsys, base_dir):
    """pulumi-kubernetes v4.32.0 provider.go DiffConfig: a new context replaces the provider, and the engine replaces
    every resource it manages — protected ones included — so serving is endangered on that whole cluster."""
    after = render_to(tmp_path / "after", "private",
                      changed_config("kubeconfigContext: onprem-prod", "kubeconfigContext: other-cluster"))
    code, out, _ = run_diff(capsys, "--from", str(base_dir.parent), "--to", str(after.parent), "--format", "json")
    report = json.loads(out)
    actions = {c["key"]: c["action"] for c in report["changes"]}
    assert actions["pulumi:providers:kubernetes::private"] == "replace"
    assert actions["kubernetes:apps/v1:Deployment::fx-pricer-deployment"] == "replace"
    assert actions["kubernetes:core/v1:Namespace::models-namespace"] == "replace"
    assert not any(c["cluster"] == "karmada-provider" and c["action"] == "replace" for c in report["changes"])
    categories = {(f["category"], f["label"].split(" ")[0]) for f in report["findings"]}
    assert code == 3 and ("serving", "Deployment") in categories and ("protected", "Namespace") in categories


def test_markdown_cells_escape_pipes_and_fold_lines():
    from stacks.diff import _md_escape

    assert _md_escape("a|b\nc") == "a\\|b c"


# -- The whole report, written out ----------------------------------------------------------------------------------


def release(version, values, name="rel"):
    return {"type": "kubernetes:helm.sh/v3:Release", "name": name, "parent": None, "cluster": "private",
            "depends_on": [], "secrets": [], "inputs": {"name": name, "chart": "karmada", "version": version,
                                                        "values": values}}


def custom(name, inputs, **extra):
    return {"type": "custom:index:Thing", "name": name, "parent": None, "cluster": None, "depends_on": [],
            "secrets": [], "inputs": inputs, **extra}


def report_pair():
    """One of each: replace with a gap, in-place update, rule unknown, new parent, new cluster, Helm release bumped
    (and one whose values alone change, and one unchanged), an addition, a deletion, a change of 22 fields."""
    wide = {f"f{i:02}": i for i in range(22)}
    before = [deployment(), deployment(name="m2", model="m2"), custom("thing", {"size": 1}),
              deployment(name="m3", model="m3", parent="old-parent"), deployment(name="m4", model="m4"),
              release("1.0", {"a": 1}), release("1", {"a": 1}, name="vals"), release("1", {"a": 1}, name="same"),
              deployment(name="gone", model="gone"), custom("wide", wide)]
    after = [deployment(selector="b"), deployment(name="m2", model="m2", replicas=3), custom("thing", {"size": 2}),
             deployment(name="m3", model="m3", parent="new-parent"), deployment(name="m4", model="m4", cluster="edge"),
             release("1.1", {"a": 2}), release("1", {"a": 3}, name="vals"), release("1", {"a": 1}, name="same"),
             deployment(name="new", model="new"), custom("wide", {k: v + 1 for k, v in wide.items()})]
    return before, after


def test_the_text_report_in_full(tmp_path, capsys):
    before, after = report_pair()
    b, a = write_render(tmp_path / "b", before), write_render(tmp_path / "a", after)
    code, out, _ = run_diff(capsys, "--from", str(b), "--to", str(a))
    gap = "deleted before its replacement is created (same name): a gap while it is recreated"
    wide = "\n".join(f"        f{i:02}: {i} → {i + 1}" for i in range(20))
    assert out == f"""stacks diff: {b} → {a}
UNSAFE — endangers serving (4), exit 3:
  ! [serving] private/private: Deployment ns/gone (gone-deployment): serves model gone: deleted, and no serving \
object of gone is created in this change
  ! [serving] private/private: Deployment ns/m1 (m1-deployment): serves model m1: replaced \
(spec.selector.matchLabels.app cannot change in place (pulumi-kubernetes v4.32.0 provider/pkg/provider/diff.go)), \
and no serving object of m1 is created in this change
  ! [serving] private/private: Deployment ns/m3 (m3-deployment): serves model m3: replaced (parent changes \
old-parent → new-parent: the URN changes (no alias), so Pulumi creates the new one and deletes the old), and no \
serving object of m3 is created in this change
  ! [serving] private/edge: Deployment ns/m4 (m4-deployment): serves model m4: replaced (target cluster changes \
private → edge), and no serving object of m4 is created in this change
stack private:
  cluster private: 1 added, 3 changed, 2 replaced, 1 deleted
    - Deployment ns/gone (gone-deployment)
    ± Deployment ns/m1 (m1-deployment) — spec.selector.matchLabels.app cannot change in place \
(pulumi-kubernetes v4.32.0 provider/pkg/provider/diff.go)
        note: {gap}
        spec.selector.matchLabels.app: a → b (forces replacement)
    ~ Deployment ns/m2 (m2-deployment)
        spec.replicas: 1 → 3
    ± Deployment ns/m3 (m3-deployment) — parent changes old-parent → new-parent: the URN changes (no alias), \
so Pulumi creates the new one and deletes the old
        note: {gap}
    ~ kubernetes:helm.sh/v3:Release (rel)
        version: 1.0 → 1.1
        values.a: 1 → 2
    ~ kubernetes:helm.sh/v3:Release (vals)
        values.a: 1 → 3
    + Deployment ns/new (new-deployment)
  cluster (custom): 2 changed
    ~ custom:index:Thing (thing)
        note: no replacement rule known for custom:index:Thing: shown as an update
        size: 1 → 2
    ~ custom:index:Thing (wide)
        note: no replacement rule known for custom:index:Thing: shown as an update
{wide}
        … 2 more fields
  cluster edge: 1 replaced
    ± Deployment ns/m4 (m4-deployment) — target cluster changes private → edge
        note: {gap}
  helm release rel (private, karmada): changed, version 1.0 → 1.1, values: values.a
  helm release vals (private, karmada): changed, version 1, values: values.a
"""
    assert code == 3


def test_the_markdown_report_in_full(tmp_path, capsys):
    before, after = report_pair()
    b, a = write_render(tmp_path / "b", before), write_render(tmp_path / "a", after)
    code, out, _ = run_diff(capsys, "--from", str(b), "--to", str(a), "--format", "markdown")
    gap = "  - note: deleted before its replacement is created (same name): a gap while it is recreated"
    unknown = "  - note: no replacement rule known for custom:index:Thing: shown as an update"
    wide = "\n".join(f"  - `f{i:02}`: `{i}` → `{i + 1}`" for i in range(20))
    assert out == f"""## `stacks diff`: {b} → {a}

### :warning: Endangers serving (4)

- **serving** `private/private` Deployment ns/gone (gone-deployment): serves model gone: deleted, and no serving \
object of gone is created in this change
- **serving** `private/private` Deployment ns/m1 (m1-deployment): serves model m1: replaced \
(spec.selector.matchLabels.app cannot change in place (pulumi-kubernetes v4.32.0 provider/pkg/provider/diff.go)), \
and no serving object of m1 is created in this change
- **serving** `private/private` Deployment ns/m3 (m3-deployment): serves model m3: replaced (parent changes \
old-parent → new-parent: the URN changes (no alias), so Pulumi creates the new one and deletes the old), and no \
serving object of m3 is created in this change
- **serving** `private/edge` Deployment ns/m4 (m4-deployment): serves model m4: replaced (target cluster changes \
private → edge), and no serving object of m4 is created in this change

### Stack `private`: 1 added, 5 changed, 3 replaced, 1 deleted

| Helm release | cluster | chart | change | version | values changed |
|---|---|---|---|---|---|
| rel | private | karmada | changed | 1.0 → 1.1 | values.a |
| vals | private | karmada | changed | 1 | values.a |

<details><summary>cluster <code>private</code>: 7 resources</summary>

- `-` **deleted** Deployment ns/gone (gone-deployment)
- `±` **replaced** Deployment ns/m1 (m1-deployment) — spec.selector.matchLabels.app cannot change in place \
(pulumi-kubernetes v4.32.0 provider/pkg/provider/diff.go)
{gap}
  - `spec.selector.matchLabels.app`: `a` → `b` **(forces replacement)**
- `~` **changed** Deployment ns/m2 (m2-deployment)
  - `spec.replicas`: `1` → `3`
- `±` **replaced** Deployment ns/m3 (m3-deployment) — parent changes old-parent → new-parent: the URN changes \
(no alias), so Pulumi creates the new one and deletes the old
{gap}
- `~` **changed** kubernetes:helm.sh/v3:Release (rel)
  - `version`: `1.0` → `1.1`
  - `values.a`: `1` → `2`
- `~` **changed** kubernetes:helm.sh/v3:Release (vals)
  - `values.a`: `1` → `3`
- `+` **added** Deployment ns/new (new-deployment)

</details>

<details><summary>cluster <code>(custom)</code>: 2 resources</summary>

- `~` **changed** custom:index:Thing (thing)
{unknown}
  - `size`: `1` → `2`
- `~` **changed** custom:index:Thing (wide)
{unknown}
{wide}
  - … 2 more fields

</details>

<details><summary>cluster <code>edge</code>: 1 resource</summary>

- `±` **replaced** Deployment ns/m4 (m4-deployment) — target cluster changes private → edge
{gap}

</details>

<details><summary>Platform after this change</summary>

```mermaid
flowchart LR
  subgraph stack_private["stack private"]
    subgraph private_private["cluster private"]
      private_private_components["rel 1.1<br/>vals 1<br/>same 1"]
    end
    subgraph private_edge["cluster edge"]
      private_edge_components["(no Helm releases)"]
    end
  end
```

</details>

"""
    assert code == 3


def test_the_json_report_carries_release_versions_and_every_field(tmp_path, capsys):
    before, after = report_pair()
    code, report = diff_json(capsys, tmp_path, before, after)
    assert report["releases"] == [
        {"stack": "private", "cluster": "private", "name": "rel", "action": "update", "chart": "karmada",
         "version_before": "1.0", "version_after": "1.1",
         "values": [{"path": "values.a", "before": 1, "after": 2, "forces_replacement": False}]},
        {"stack": "private", "cluster": "private", "name": "vals", "action": "update", "chart": "karmada",
         "version_before": "1", "version_after": "1",
         "values": [{"path": "values.a", "before": 1, "after": 3, "forces_replacement": False}]}]
    wide = next(c for c in report["changes"] if c["name"] == "wide")
    assert [f["path"] for f in wide["fields"]] == [f"f{i:02}" for i in range(22)]  # JSON is not cut at 20
    assert next(c for c in report["changes"] if c["name"] == "m2-deployment") == {
        "stack": "private", "cluster": "private", "key": "kubernetes:apps/v1:Deployment::m2-deployment",
        "type": "kubernetes:apps/v1:Deployment", "name": "m2-deployment", "action": "update", "kind": "Deployment",
        "object": "ns/m2", "model": "m2",
        "fields": [{"path": "spec.replicas", "before": 1, "after": 3, "forces_replacement": False}],
        "reasons": [], "notes": []}
    assert code == 3


def test_every_stateful_and_protected_finding_as_reviewed(tmp_path, capsys):
    """What holds state or is protected, each deleted or replaced once: the findings and notes are the PR check's
    verdict, compared in full (tests/golden/messages.json); an ordinary Helm release deleted is no finding."""
    def res(type_, name, inputs, **extra):
        return {"type": type_, "name": name, "parent": None, "cluster": None, "depends_on": [], "secrets": [],
                "inputs": inputs, **extra}

    def obj(kind, name, api="v1", **extra):
        return k8s(f"kubernetes:core/v1:{kind}", f"{name}-{kind.lower()}", {
            "apiVersion": api, "kind": kind, "metadata": {"name": name, **({} if kind == "Namespace" else
                                                                           {"namespace": "ns"})}}, **extra)

    eks = {"name": "c", "roleArn": "arn:aws:iam::1:role/r"}
    key = {"algorithm": "ECDSA", "ecdsaCurve": "P256"}
    before = [obj("Namespace", "models"), obj("PersistentVolumeClaim", "store"),
              res("aws:eks/cluster:Cluster", "eks", eks), res("tls:index/privateKey:PrivateKey", "ca-key", key),
              dict(release("1", {}, name="karmada"), parent="platform:karmada:KarmadaControlPlane::karmada"),
              release("1", {}, name="kserve-crd"), release("1", {}, name="plain"),
              deployment(name="kept", model="kept", options={"protect": True}),
              deployment(name="left", model="left", options={"retain_on_delete": True})]
    after = [res("aws:eks/cluster:Cluster", "eks", dict(eks, roleArn="arn:aws:iam::1:role/other")),
             res("tls:index/privateKey:PrivateKey", "ca-key", dict(key, ecdsaCurve="P384"))]
    code, report = diff_json(capsys, tmp_path, before, after)
    for f in report["findings"]:
        exactly(f"{f['category']} {f['stack']}/{f['cluster']} {f['label']}: {f['message']}")
    for c in report["changes"]:
        exactly(f"{c['action']} {c['key']}: reasons {c['reasons']}; notes {c['notes']}")
    assert code == 3


def test_model_facts_of_the_example_private_render(private_render):
    """What the PR report's model table compares, read from the render (Pulumi.private.yaml and the catalog: one model
    per phase 1 Deployment, A/B, mirror and canary rollouts, a Standard model across clouds, batch on public Spot)."""
    from stacks.diff_render import from_document, model_facts

    facts = model_facts(from_document(json.loads(documents(private_render)["resources.json"])))
    kserve = {"phase": "kserve", "mode": "Knative", "placement": "private"}
    assert facts == {
        "fx-pricer": {"phase": "torchserve", "runtime": "torchserve (Deployment)", "placement": "private",
                      "rollout": "none"},
        "fraud-scorer": {**kserve, "runtime": "platform-torchserve", "rollout": "none"},
        "churn-predictor": {**kserve, "runtime": "platform-torchserve", "rollout": "A/B 70/30"},
        "search-ranker": {**kserve, "runtime": "platform-torchserve", "rollout": "mirror 20%"},
        "digit-reader": {**kserve, "runtime": "platform-torchserve-gpu", "rollout": "canary 10%"},
        "ticket-router": {"phase": "hybrid", "runtime": "platform-torchserve-gpu", "mode": "Standard",
                          "placement": "private, aws-use1", "rollout": "none"},
        "doc-classifier-batch": {"phase": "hybrid", "runtime": "platform-triton", "mode": "Knative",
                                 "placement": "aws-use1", "rollout": "none"}}


def test_model_facts_read_both_canary_fields():
    """Knative mode splits with the predictor's canaryTrafficPercent, Standard mode with `spec.canary[]` entries
    (kserve/kserve v0.20.0 pkg/apis/serving/v1beta1/inference_service.go CanarySpec.TrafficPercent)."""
    from stacks.diff_render import from_document, model_facts

    def isvc_with(spec, mode):
        obj = {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": {
            "name": "m", "namespace": "ns", "labels": {"app.kubernetes.io/name": "m"},
            "annotations": {"serving.kserve.io/deploymentMode": mode}}, "spec": spec}
        return from_document({"stack": "private", "outputs": {"modelPhases": {"m": "kserve"}}, "resources": [
            k8s("kubernetes:serving.kserve.io/v1beta1:InferenceService", "m-isvc", obj)]})

    knative = isvc_with({"predictor": {"model": {"runtime": "rt"}, "canaryTrafficPercent": 10}}, "Knative")
    standard = isvc_with({"predictor": {"model": {"runtime": "rt"}},
                          "canary": [{"predictor": {"name": "m-candidate"}, "trafficPercent": 25}]}, "Standard")
    assert model_facts(knative) == {"m": {"phase": "kserve", "runtime": "rt", "mode": "Knative",
                                          "rollout": "canary 10%"}}
    assert model_facts(standard) == {"m": {"phase": "kserve", "runtime": "rt", "mode": "Standard",
                                           "rollout": "canary 25%"}}


def test_base_and_worktree_render_the_stacks_each_tree_has(tmp_path, monkeypatch):
    """With no --stacks, each side renders the stack files it has (a stack added in the working tree is new in the
    report, not a render failure of the base); the temporary worktree is gone afterwards; a bad ref is one line."""
    from models.errors import PlatformError
    from stacks import diff as diff_module

    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True)

    git("init", "-q")
    (repo / "Pulumi.private.yaml").write_text("config: {}\n")
    git("add", "-A")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    (repo / "Pulumi.public.yaml").write_text("config: {}\n")  # not committed: the working tree's alone
    calls = []
    monkeypatch.setattr(diff_module, "render_tree",
                        lambda tree, out, stacks, label: calls.append((tree.name, stacks, label)))
    work = tmp_path / "work"
    work.mkdir()
    before, after = diff_module.render_base_and_worktree(repo, "HEAD", work, None)
    assert (before, after) == (work / "before", work / "after")
    assert calls == [("base-tree", ["private"], "HEAD"), ("repo", ["private", "public"], "working tree")]
    assert not (work / "base-tree").exists()
    calls.clear()
    diff_module.render_base_and_worktree(repo, "HEAD", work, ["public"])
    assert calls == [("base-tree", [], "HEAD"), ("repo", ["public"], "working tree")]
    with pytest.raises(PlatformError) as raised:
        diff_module.render_base_and_worktree(repo, "no-such-ref", work, None)
    exactly(str(raised.value))


@pytest.mark.parametrize("immutable, provider_flag, action", [
    (None, None, "replace"),     # pulumi-kubernetes v4.32.0 provider/pkg/provider/diff.go: data forces a new object
    (None, "true", "update"),    # unless the provider has enableConfigMapMutable
    (True, "true", "replace"),   # an immutable ConfigMap is replaced whatever the provider says
])
def test_configmap_data_replaces_it_unless_the_provider_makes_configmaps_mutable(tmp_path, capsys, immutable,
                                                                                  provider_flag, action):
    def config_map(value):
        obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "ns"},
               "data": {"k": value}}
        if immutable is not None:
            obj["immutable"] = immutable
        return k8s("kubernetes:core/v1:ConfigMap", "cm", obj)

    provider = {"type": "pulumi:providers:kubernetes", "name": "private", "parent": None, "cluster": None,
                "depends_on": [], "secrets": [],
                "inputs": {"context": "c", **({"enableConfigMapMutable": provider_flag} if provider_flag else {})}}
    code, report = diff_json(capsys, tmp_path, [provider, config_map("a")], [provider, config_map("b")])
    (change,) = report["changes"]
    assert (change["key"], change["action"]) == ("kubernetes:core/v1:ConfigMap::cm", action)
    assert change["fields"] == [{"path": "data.k", "before": "a", "after": "b",
                                 "forces_replacement": action == "replace"}]
