"""`python -m stacks diff`: what a change does to each stack, offline, and whether it endangers serving.

Compares two renders (resources.json per stack, as `python -m stacks render` writes them): the base revision's and
the working tree's (`--base REF`, rendered in a temporary `git worktree` with this interpreter), or two render
directories (`--from DIR --to DIR`). Per stack and per cluster it lists objects added, changed (field by field,
secrets masked), replaced (and which field forces it, by the provider's rule: stacks/diff_rules.py) and deleted;
Helm releases whose chart, version or values change; models whose phase, runtime, rollout or placement changes.

Separately it lists what endangers serving, and exits 3 if anything does:
- an object that serves a model (Deployment, Service, InferenceService, InferenceGraph, VirtualService, HTTPRoute)
  deleted or replaced while no serving object of that model is created in the same change (a secondary route or
  shadow may go while the model keeps the object that holds its hostname);
- a model move that drops requests by the pinned upstreams' behaviour (stacks/diff_handover.py): phase 1 → 2
  outside the hand-over steps, a Knative canary rolled back or created in one step, a model placed on clusters
  that share none with its old ones;
- a stateful resource replaced or deleted (EKS cluster, Karmada control-plane release, CRD-installing release,
  private keys and self-signed CAs, namespaces, volume claims, CRDs);
- a protected resource (`protect`) changed, replaced or deleted.
A resource with `retain_on_delete` that leaves the program is released, not deleted: it is listed, not flagged.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from models.errors import PlatformError
from stacks import diff_handover as hand_over
from stacks import diff_rules as rules
from stacks.diff_render import StackRender, is_kubernetes_object, load_renders, model_facts
from stacks.resource_types import HELM_RELEASE, K8S_PROVIDER, STACK_REFERENCE
from stacks.wording import count

EXIT_SAFE = 0
EXIT_INPUT_ERROR = 2
EXIT_UNSAFE = 3
SECRET = "[secret]"
# Input keys whose string values are credentials even where the program did not mark them secret.
_SENSITIVE_KEY = re.compile(r"(?i)(password|passwd|token$|privatekey|secretaccesskey|pem$|^kubeconfig$|\.key$|^key$)")


@dataclass
class FieldChange:
    path: str
    before: Any
    after: Any
    forces_replacement: bool = False


@dataclass
class Change:
    stack: str
    cluster: str
    key: str
    type: str
    name: str
    action: str  # add | update | replace | delete | release (retain_on_delete)
    kind: Optional[str] = None
    object: Optional[str] = None  # namespace/name of a Kubernetes object
    model: Optional[str] = None
    fields: list[FieldChange] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        what = f"{self.kind} {self.object}" if self.kind else self.type
        return f"{what} ({self.name})"


@dataclass
class Finding:
    category: str  # serving | stateful | protected | route-order (a route that would not take effect)
    stack: str
    cluster: str
    label: str
    message: str


@dataclass
class ReleaseChange:
    stack: str
    cluster: str
    name: str
    action: str
    chart: str
    version_before: Optional[str]
    version_after: Optional[str]
    values: list[FieldChange] = field(default_factory=list)


@dataclass
class ModelChange:
    stack: str
    model: str
    field: str
    before: Any
    after: Any


@dataclass
class DiffReport:
    before_label: str
    after_label: str
    changes: list[Change] = field(default_factory=list)
    releases: list[ReleaseChange] = field(default_factory=list)
    models: list[ModelChange] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    stacks: list[str] = field(default_factory=list)

    @property
    def unsafe(self) -> bool:
        return bool(self.findings)

    def to_json(self) -> dict:
        changes = []
        for c in self.changes:
            entry = asdict(c)
            entry["fields"] = [asdict(f) for f in c.fields]
            changes.append(entry)
        return {"before": self.before_label, "after": self.after_label, "stacks": self.stacks,
                "unsafe": self.unsafe, "exitCode": EXIT_UNSAFE if self.unsafe else EXIT_SAFE,
                "findings": [asdict(f) for f in self.findings], "changes": changes,
                "releases": [asdict(r) for r in self.releases], "models": [asdict(m) for m in self.models]}


# --- Field-level comparison ----------------------------------------------------------------------------------------


def _flatten_diff(before: Any, after: Any, path: str, out: list[tuple[str, Any, Any]]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in after:
                out.append((sub, before[key], None))
            elif key not in before:
                out.append((sub, None, after[key]))
            else:
                _flatten_diff(before[key], after[key], sub, out)
        return
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for i, (b, a) in enumerate(zip(before, after)):
            _flatten_diff(b, a, f"{path}[{i}]", out)
        return
    if before != after:
        out.append((path, before, after))


def _masked(path: str, value: Any, secret_paths: list[str], secret_kind: bool) -> bool:
    if value == SECRET:
        return True
    if any(rules.under(path, p) or rules.under(p, path) for p in secret_paths if p != "."):
        return True
    if "." in secret_paths:
        return True
    if secret_kind and (rules.under(path, "data") or rules.under(path, "stringData")):
        return True
    return any(_SENSITIVE_KEY.search(part) for part in re.split(r"[.\[\]]", path) if part) and \
        not isinstance(value, (bool, int, float))


def _show(value: Any) -> Any:
    """A value as the report shows it: secrets already replaced; long structures summarised."""
    if value is None:
        return None
    text = json.dumps(value, sort_keys=True)
    return value if len(text) <= 200 else text[:197] + "..."


def field_changes(before: dict, after: dict, *, secret_paths: list[str], secret_kind: bool,
                  force_new: tuple[str, ...], replace_on_changes: list[str],
                  ignore: list[str]) -> list[FieldChange]:
    raw: list[tuple[str, Any, Any]] = []
    _flatten_diff(before or {}, after or {}, "", raw)
    out = []
    for path, b, a in raw:
        if any(rules.under(path, p) for p in ignore):
            continue
        hidden = _masked(path, b, secret_paths, secret_kind) or _masked(path, a, secret_paths, secret_kind) or \
            _contains_secret(b) or _contains_secret(a)
        forces = any(rules.under(path, p) for p in force_new) or "*" in replace_on_changes or \
            any(rules.under(path, p) for p in replace_on_changes)
        if hidden:
            b_shown, a_shown = (SECRET if b is not None else None), (SECRET if a is not None else None)
        else:
            b_shown, a_shown = _show(b), _show(a)
        out.append(FieldChange(path=path, before=b_shown, after=a_shown, forces_replacement=forces))
    return out


def _contains_secret(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secret(v) for v in value)
    return value == SECRET


# --- Resource-level comparison -------------------------------------------------------------------------------------


def _object_name(inputs: dict) -> Optional[str]:
    meta = inputs.get("metadata") or {}
    if not meta.get("name"):
        return None
    return f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else str(meta["name"])


def _new_change(stack: str, res: dict, action: str) -> Change:
    inputs = res.get("inputs") or {}
    return Change(stack=stack, cluster=res.get("cluster") or _cloud(res["type"]), key=f"{res['type']}::{res['name']}",
                  type=res["type"], name=res["name"], action=action, kind=rules.kind_of(res["type"], inputs),
                  object=_object_name(inputs) if is_kubernetes_object(res) else None,
                  model=rules.model_of(inputs) if is_kubernetes_object(res) else None)


def _cloud(type_: str) -> str:
    """Where a resource without a Kubernetes provider lives, for grouping: its package (aws, tls, platform)."""
    return "(" + type_.split(":", 1)[0] + ")"


def _is_component(res: dict) -> bool:
    return not res.get("inputs") and res["type"].startswith("platform:")


def compare_stack(stack: str, before: Optional[StackRender], after: Optional[StackRender]) -> list[Change]:
    old = before.resources if before else {}
    new = after.resources if after else {}
    changes: list[Change] = []
    renamed: dict[str, str] = {}  # old key -> new key, through an alias on the new resource
    for key, res in new.items():
        if key in old:
            continue
        for alias in (res.get("options") or {}).get("aliases") or []:
            candidate = f"{alias.get('type', res['type'])}::{alias.get('name', res['name'])}"
            if candidate in old and candidate not in new:
                renamed[candidate] = key
    for key, res in old.items():
        if _skip(res) or key in renamed:
            continue
        if key not in new:
            options = res.get("options") or {}
            change = _new_change(stack, res, "release" if options.get("retain_on_delete") else "delete")
            if change.action == "release":
                change.notes.append("retain_on_delete: Pulumi stops managing it; the object stays where it is")
            if options.get("protect"):
                change.notes.append("protected: `pulumi up` refuses to delete it until protect is lifted")
            changes.append(change)
    for key, res in new.items():
        if _skip(res):
            continue
        old_key = next((o for o, n in renamed.items() if n == key), key)
        prev = old.get(old_key)
        if prev is None:
            changes.append(_new_change(stack, res, "add"))
            continue
        change = _compare(stack, prev, res, after or before)
        if old_key != key:
            change.notes.append(f"renamed from {old_key} through an alias: updated in place")
        if change.fields or change.reasons or old_key != key:
            changes.append(change)
    return _replaced_with_their_provider(stack, changes, old, new)


def _replaced_with_their_provider(stack: str, changes: list[Change], old: dict, new: dict) -> list[Change]:
    """A replaced Kubernetes provider replaces every resource it manages (the engine replaces dependents of a
    replaced provider: they are created on the new cluster and deleted from the old one)."""
    replaced = {c.name for c in changes if c.type == K8S_PROVIDER and c.action == "replace"}
    if not replaced:
        return changes
    by_key = {c.key: c for c in changes}
    for key, res in new.items():
        if _skip(res) or res.get("cluster") not in replaced or key not in old:
            continue
        change = by_key.get(key)
        if change is None:
            change = _new_change(stack, res, "replace")
            changes.append(change)
            by_key[key] = change
        change.action = "replace"
        change.reasons.append(f"its provider {res['cluster']} is replaced (the cluster it targets changes)")
        if (res.get("options") or {}).get("protect"):
            change.notes.append("protected: `pulumi up` refuses to replace it until protect is lifted")
    return changes


def _skip(res: dict) -> bool:
    return _is_component(res) or res["type"] == STACK_REFERENCE


def _compare(stack: str, prev: dict, res: dict, render: StackRender) -> Change:
    change = _new_change(stack, res, "update")
    options = res.get("options") or {}
    inputs, prev_inputs = res.get("inputs") or {}, prev.get("inputs") or {}
    force_new, source = rules.force_new_paths(res["type"], inputs, render.provider_inputs(res.get("cluster")))
    change.fields = field_changes(
        prev_inputs, inputs, secret_paths=sorted(set(prev.get("secrets") or []) | set(res.get("secrets") or [])),
        secret_kind=change.kind == "Secret", force_new=force_new,
        replace_on_changes=options.get("replace_on_changes") or [], ignore=options.get("ignore_changes") or [])
    forcing = [f.path for f in change.fields if f.forces_replacement]
    if forcing:
        change.reasons.append(f"{', '.join(forcing)} cannot change in place ({source})")
    if (prev.get("cluster") or None) != (res.get("cluster") or None):
        change.reasons.append(f"target cluster changes {prev.get('cluster')} → {res.get('cluster')}")
    if prev.get("parent") != res.get("parent"):
        change.reasons.append(f"parent changes {prev.get('parent')} → {res.get('parent')}: the URN changes "
                              "(no alias), so Pulumi creates the new one and deletes the old")
    if change.reasons:
        change.action = "replace"
        same_name = (prev_inputs.get("metadata") or {}).get("name") == (inputs.get("metadata") or {}).get("name") \
            and (prev_inputs.get("metadata") or {}).get("namespace") == (inputs.get("metadata") or {}).get("namespace")
        if options.get("delete_before_replace") or (is_kubernetes_object(res) and same_name and
                                                    (inputs.get("metadata") or {}).get("name")):
            # pulumi-kubernetes v4.32.0 provider/pkg/provider/provider.go `Diff`: a replaced object that keeps its
            # name and namespace is deleted before its replacement is created.
            change.notes.append("deleted before its replacement is created (same name): a gap while it is recreated")
    if change.action == "update" and source == "unknown" and change.fields:
        change.notes.append(f"no replacement rule known for {res['type']}: shown as an update")
    if (options.get("protect") or (prev.get("options") or {}).get("protect")) and change.fields:
        change.notes.append("protected")
    return change


# --- Releases and models -------------------------------------------------------------------------------------------


def release_changes(changes: list[Change], renders_before: dict, renders_after: dict) -> list[ReleaseChange]:
    out = []
    for c in changes:
        if c.type != HELM_RELEASE:
            continue
        before = (renders_before.get(c.stack).resources.get(c.key) if c.stack in renders_before else None) or {}
        after = (renders_after.get(c.stack).resources.get(c.key) if c.stack in renders_after else None) or {}
        b_in, a_in = before.get("inputs") or {}, after.get("inputs") or {}
        chart = a_in.get("chart") or b_in.get("chart") or "?"
        values = [f for f in c.fields if rules.under(f.path, "values")]
        if c.action in ("update", "replace") and not values and b_in.get("version") == a_in.get("version") and \
                b_in.get("chart") == a_in.get("chart"):
            continue
        out.append(ReleaseChange(stack=c.stack, cluster=c.cluster, name=(a_in or b_in).get("name") or c.name,
                                 action=c.action, chart=str(chart), version_before=b_in.get("version"),
                                 version_after=a_in.get("version"), values=values))
    return out


def model_changes(stack: str, before: Optional[StackRender], after: Optional[StackRender]) -> list[ModelChange]:
    old = model_facts(before) if before else {}
    new = model_facts(after) if after else {}
    out = []
    for model in list(old) + [m for m in new if m not in old]:
        if model not in new:
            out.append(ModelChange(stack, model, "model", "runs here", "removed"))
            continue
        if model not in old:
            out.append(ModelChange(stack, model, "model", None, "added"))
        for key in ("phase", "runtime", "mode", "rollout", "placement"):
            b, a = (old.get(model) or {}).get(key), new[model].get(key)
            if b != a and (model in old or a is not None):
                out.append(ModelChange(stack, model, key, b, a))
    return out


# --- What endangers serving ----------------------------------------------------------------------------------------


def findings(changes: list[Change], renders_before: dict[str, StackRender],
             renders_after: dict[str, StackRender]) -> list[Finding]:
    out: list[Finding] = []
    created_for = {c.model for c in changes if c.action == "add" and c.kind in rules.SERVING_KINDS and c.model}
    holders_after: set[str] = set()  # models whose hostname object (named after the model) survives the change
    gone = {(c.stack, c.key) for c in changes if c.action in ("delete", "replace")}
    for stack, render in renders_after.items():
        for key, res in render.resources.items():
            inputs = res.get("inputs") or {}
            model = rules.model_of(inputs) if is_kubernetes_object(res) else None
            if model and inputs.get("kind") in rules.SERVING_KINDS and \
                    (inputs.get("metadata") or {}).get("name") == model and (stack, key) not in gone:
                holders_after.add(model)
    for c in changes:
        before, after = renders_before.get(c.stack), renders_after.get(c.stack)
        moved = hand_over.judge_phase_one(c, before, after, gone) if c.kind in rules.SERVING_KINDS else None
        for message in (moved, hand_over.gateway_pointer_without_route(c, before, after),
                        hand_over.judge_canary(c, before, after)):
            if message:
                out.append(Finding("serving", c.stack, c.cluster, c.label, f"serves model {c.model}: {message}"))
        if moved is not None:
            pass  # a Phase 1 → 2 move: judged above, the successor rule below does not hold for it
        elif c.action in ("delete", "replace") and c.kind in rules.SERVING_KINDS and c.model:
            holds_name = (c.object or "").rsplit("/", 1)[-1] == c.model
            if c.model in created_for:
                pass  # its successor is created in this change (e.g. Phase 1 Deployment → InferenceService)
            elif c.action == "delete" and not holds_name and c.model in holders_after:
                pass  # a secondary route or shadow goes; the object holding the model's hostname stays
            else:
                why = f"replaced ({'; '.join(c.reasons)})" if c.action == "replace" else "deleted"
                out.append(Finding("serving", c.stack, c.cluster, c.label,
                                   f"serves model {c.model}: {why}, and no serving object of {c.model} is created "
                                   "in this change"))
        if c.action in ("delete", "replace"):
            reason = _stateful_reason(c, _parent(c, renders_before) or _parent(c, renders_after))
            if reason:
                out.append(Finding("stateful", c.stack, c.cluster, c.label,
                                   f"{c.action}d: {reason}" + (f" ({'; '.join(c.reasons)})" if c.reasons else "")))
        if "protected" in c.notes or any(n.startswith("protected:") for n in c.notes):
            out.append(Finding("protected", c.stack, c.cluster, c.label,
                               f"protected resource {c.action}d: `pulumi up` refuses until protect is lifted"))
    for stack in renders_after:
        for model, message in hand_over.disjoint_placements(stack, renders_before.get(stack), renders_after[stack]):
            out.append(Finding("serving", stack, "karmada", f"model {model}", message))
    out += _routes_behind_kserve(changes, renders_before)
    return out


def _routes_behind_kserve(changes: list[Change], renders_before: dict[str, StackRender]) -> list[Finding]:
    """A mirror or A/B route added to a model whose InferenceService already exists is newer than KServe's own
    VirtualService `<model>` for the same host and match; Istio 1.30.3 keeps the older route first on gateways and
    takes the oldest VirtualService on sidecars (pilot/pkg/model/virtualservice_controller.go, config.go sort by
    creation time), so the new route would do nothing until KServe's is recreated (README "Known limits")."""
    existed = {(stack, (res.get("inputs") or {}).get("metadata", {}).get("name"))
               for stack, render in renders_before.items() for res in render.kubernetes_objects()
               if (res.get("inputs") or {}).get("kind") == "InferenceService"}
    return [Finding("route-order", c.stack, c.cluster, c.label,
                    f"model {c.model}'s InferenceService already exists, so KServe's VirtualService {c.model} is "
                    f"older and Istio keeps its route first: this route does nothing until `kubectl -n <namespace> "
                    f"delete virtualservice {c.model}` (KServe recreates it, newer) after this update")
            for c in changes if c.action == "add" and c.kind == "VirtualService" and c.model
            and (c.stack, c.model) in existed]


def _parent(c: Change, renders: dict[str, StackRender]) -> Optional[str]:
    render = renders.get(c.stack)
    res = render.resources.get(c.key) if render else None
    return (res or {}).get("parent")


def _stateful_reason(c: Change, parent: Optional[str]) -> Optional[str]:
    if c.kind in rules.STATEFUL_KINDS:
        return f"a {c.kind} holds state (its contents go with it)"
    if c.type == rules.EKS_CLUSTER:
        return "the EKS cluster and everything running in it"
    if c.type in rules.TLS_KEY_MATERIAL:
        return "key material: every certificate issued with it must be reissued and redistributed"
    if c.type == HELM_RELEASE:
        if str(parent or "").startswith(rules.KARMADA_CONTROL_PLANE + "::"):
            return "the Karmada control plane (its etcd holds every policy and propagated object)"
        if "crd" in c.name.lower():
            return "installs CRDs: deleting them deletes every custom resource of those kinds"
    return None


def build_report(before: dict[str, StackRender], after: dict[str, StackRender], *, before_label: str,
                 after_label: str) -> DiffReport:
    stacks = [s for s in ("private", "public") if s in before or s in after]
    stacks += sorted(s for s in set(before) | set(after) if s not in stacks)
    report = DiffReport(before_label=before_label, after_label=after_label, stacks=stacks)
    for stack in stacks:
        report.changes += compare_stack(stack, before.get(stack), after.get(stack))
        report.models += model_changes(stack, before.get(stack), after.get(stack))
    report.releases = release_changes(report.changes, before, after)
    report.findings = findings(report.changes, before, after)
    return report


# --- Output -----------------------------------------------------------------------------------------------------

FIELDS_SHOWN = 20  # per changed resource, in the text and Markdown reports; JSON carries every field
_SIGN = {"add": "+", "update": "~", "replace": "±", "delete": "-", "release": "→"}
_WORD = {"add": "added", "update": "changed", "replace": "replaced", "delete": "deleted",
         "release": "released (retained)"}


def _fmt(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value) if not isinstance(value, str) else value


def _clusters(report: DiffReport, stack: str) -> list[str]:
    seen: list[str] = []
    for c in report.changes:
        if c.stack == stack and c.cluster not in seen:
            seen.append(c.cluster)
    return seen


def format_text(report: DiffReport) -> str:
    lines = [f"stacks diff: {report.before_label} → {report.after_label}"]
    if report.findings:
        lines.append(f"UNSAFE — endangers serving ({len(report.findings)}), exit {EXIT_UNSAFE}:")
        for f in report.findings:
            lines.append(f"  ! [{f.category}] {f.stack}/{f.cluster}: {f.label}: {f.message}")
    else:
        lines.append("nothing endangers serving")
    for stack in report.stacks:
        changes = [c for c in report.changes if c.stack == stack]
        models = [m for m in report.models if m.stack == stack]
        releases = [r for r in report.releases if r.stack == stack]
        if not (changes or models):
            lines.append(f"stack {stack}: no changes")
            continue
        lines.append(f"stack {stack}:")
        for cluster in _clusters(report, stack):
            here = [c for c in changes if c.cluster == cluster]
            counts = _counts(here)
            lines.append(f"  cluster {cluster}: {counts}")
            for c in here:
                lines.append(f"    {_SIGN[c.action]} {c.label}" + (f" — {'; '.join(c.reasons)}" if c.reasons else ""))
                for note in c.notes:
                    lines.append(f"        note: {note}")
                for f in c.fields[:FIELDS_SHOWN]:
                    mark = " (forces replacement)" if f.forces_replacement else ""
                    lines.append(f"        {f.path}: {_fmt(f.before)} → {_fmt(f.after)}{mark}")
                if len(c.fields) > FIELDS_SHOWN:
                    lines.append(f"        … {len(c.fields) - FIELDS_SHOWN} more fields")
        for r in releases:
            lines.append(f"  helm release {r.name} ({r.cluster}, {r.chart}): {_WORD[r.action]}, version "
                         f"{_version_change(r, _fmt)}"
                         + (f", values: {', '.join(v.path for v in r.values)}" if r.values else ""))
        for m in models:
            lines.append(f"  model {m.model}: {m.field} {_fmt(m.before)} → {_fmt(m.after)}")
    return "\n".join(lines)


def _counts(changes: list) -> str:
    """'2 added, 1 changed' for a list of changes, in the order of `_SIGN`."""
    return ", ".join(f"{sum(1 for c in changes if c.action == a)} {_WORD[a]}" for a in _SIGN
                     if any(c.action == a for c in changes))


def _version_change(r: ReleaseChange, shown) -> str:
    """'1.0 → 1.1', or the one version when only the values change."""
    if r.version_before == r.version_after:
        return shown(r.version_after)
    return f"{shown(r.version_before)} → {shown(r.version_after)}"


def _md_escape(text: Any) -> str:
    return _fmt(text).replace("|", "\\|").replace("\n", " ")


def format_markdown(report: DiffReport, diagram: Optional[str] = None) -> str:
    out = [f"## `stacks diff`: {report.before_label} → {report.after_label}", ""]
    if report.findings:
        out.append(f"### :warning: Endangers serving ({len(report.findings)})")
        out.append("")
        for f in report.findings:
            out.append(f"- **{f.category}** `{f.stack}/{f.cluster}` {f.label}: {f.message}")
    else:
        out.append("**Nothing endangers serving.**")
    out.append("")
    for stack in report.stacks:
        changes = [c for c in report.changes if c.stack == stack]
        counts = _counts(changes) or "no changes"
        out.append(f"### Stack `{stack}`: {counts}")
        out.append("")
        models = [m for m in report.models if m.stack == stack]
        if models:
            out += ["| model | what | before | after |", "|---|---|---|---|"]
            out += [f"| {m.model} | {m.field} | {_md_escape(m.before)} | {_md_escape(m.after)} |" for m in models]
            out.append("")
        releases = [r for r in report.releases if r.stack == stack]
        if releases:
            out += ["| Helm release | cluster | chart | change | version | values changed |", "|---|---|---|---|---|---|"]
            out += [f"| {r.name} | {r.cluster} | {r.chart} | {_WORD[r.action]} | {_version_change(r, _md_escape)} | "
                    f"{', '.join(v.path for v in r.values) or '-'} |" for r in releases]
            out.append("")
        for cluster in _clusters(report, stack):
            here = [c for c in changes if c.cluster == cluster]
            out.append(f"<details><summary>cluster <code>{cluster}</code>: {count(len(here), 'resource')}</summary>")
            out.append("")
            for c in here:
                out.append(f"- `{_SIGN[c.action]}` **{_WORD[c.action]}** {c.label}"
                           + (f" — {'; '.join(c.reasons)}" if c.reasons else ""))
                for note in c.notes:
                    out.append(f"  - note: {note}")
                for f in c.fields[:FIELDS_SHOWN]:
                    mark = " **(forces replacement)**" if f.forces_replacement else ""
                    out.append(f"  - `{f.path}`: `{_md_escape(f.before)}` → `{_md_escape(f.after)}`{mark}")
                if len(c.fields) > FIELDS_SHOWN:
                    out.append(f"  - … {len(c.fields) - FIELDS_SHOWN} more fields")
            out += ["", "</details>", ""]
    if diagram:
        out += ["<details><summary>Platform after this change</summary>", "", "```mermaid", diagram.rstrip(), "```",
                "", "</details>", ""]
    return "\n".join(out)


# --- Rendering a git revision -----------------------------------------------------------------------------------


class RenderFailed(Exception):
    """A stack did not render (bad config at that revision, or a platform bug); the message is one line."""


def stacks_in(tree: Path) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in tree.glob("Pulumi.*.yaml"))


def render_tree(tree: Path, out: Path, stacks: list[str], label: str) -> None:
    """Render `stacks` of the checkout `tree` into out/<stack>/ with this interpreter, all in parallel."""
    from stacks.crd_schema import ENV_VAR, find_crds_dir

    env = {**os.environ, "PYTHONPATH": str(tree)}
    crds = find_crds_dir()
    if crds is not None and ENV_VAR not in os.environ:
        env[ENV_VAR] = str(crds)  # the temporary worktree has no ../shared beside it
    procs = [(stack, subprocess.Popen([sys.executable, "-m", "stacks", "render", stack, "--out", str(out / stack)],
                                      cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
             for stack in stacks]
    failures = []
    for stack, proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            last = next((line for line in reversed(err.strip().splitlines()) if line.strip()), "no message")
            failures.append(f"{stack} at {label} did not render (exit {proc.returncode}): {last.strip()}")
    if failures:
        raise RenderFailed("; ".join(failures))


def render_base_and_worktree(repo: Path, ref: str, work: Path, stacks: Optional[list[str]]) -> tuple[Path, Path]:
    """Render `ref` (in a temporary detached `git worktree`) and the working tree `repo` under `work`."""
    rev = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                         capture_output=True, text=True)
    if rev.returncode != 0:
        raise PlatformError(f"--base {ref}: not a commit in {repo}; expected a branch, tag or commit")
    base_tree = work / "base-tree"
    added = subprocess.run(["git", "-C", str(repo), "worktree", "add", "--detach", "--quiet", str(base_tree),
                            rev.stdout.strip()], capture_output=True, text=True)
    if added.returncode != 0:
        raise PlatformError(f"--base {ref}: git worktree add failed: {added.stderr.strip().splitlines()[-1:]}")
    try:
        base_stacks = stacks or stacks_in(base_tree)
        head_stacks = stacks or stacks_in(repo)
        before, after = work / "before", work / "after"
        render_tree(base_tree, before, [s for s in base_stacks if (base_tree / f"Pulumi.{s}.yaml").exists()], ref)
        render_tree(repo, after, [s for s in head_stacks if (repo / f"Pulumi.{s}.yaml").exists()], "working tree")
        return before, after
    finally:
        subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(base_tree)],
                       capture_output=True, text=True)


def run(args) -> int:
    """The `diff` subcommand: 0 nothing unsafe, 3 unsafe, 2 usage/input error (one line on stderr)."""
    from stacks.diagram import mermaid

    work: Optional[Path] = None
    try:
        if args.base and (args.from_dir or args.to_dir):
            raise PlatformError("diff: give --base REF, or --from DIR --to DIR, not both")
        if args.base:
            repo = Path(args.repo).resolve()
            work = Path(tempfile.mkdtemp(prefix="stacks-diff-"))
            before_dir, after_dir = render_base_and_worktree(repo, args.base, work, args.stack or None)
            before_label, after_label = args.base, "working tree"
        elif args.from_dir and args.to_dir:
            before_dir, after_dir = Path(args.from_dir), Path(args.to_dir)
            before_label, after_label = str(before_dir), str(after_dir)
        else:
            raise PlatformError("diff: give --base REF (e.g. origin/main), or --from DIR --to DIR")
        before = _empty_ok(before_dir) if args.base else load_renders(before_dir)
        after = load_renders(after_dir)
        if args.stack:
            before = {k: v for k, v in before.items() if k in args.stack}
            after = {k: v for k, v in after.items() if k in args.stack}
        report = build_report(before, after, before_label=before_label, after_label=after_label)
    except (PlatformError, RenderFailed) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    elif args.format == "markdown":
        print(format_markdown(report, mermaid(list(after.values()))))
    else:
        print(format_text(report))
    return EXIT_UNSAFE if report.unsafe else EXIT_SAFE


def _empty_ok(directory: Path) -> dict[str, StackRender]:
    """The base may have rendered no stack at all (a revision before the stacks existed): that is an empty base."""
    if not Path(directory).exists() or (Path(directory).is_dir() and not any(Path(directory).iterdir())):
        return {}
    return load_renders(directory)
