"""Resource URNs of a render, built the way the Pulumi engine builds them, and the golden list that guards them.

A URN is a resource's identity in the Pulumi state. Renaming a resource, changing its type or moving it to another
parent changes its URN, and `pulumi up` then deletes the old resource and creates a new one: for a namespace, a
Karmada release or an EKS cluster that is an outage, for a CA a new trust root. `tests/golden/urns.json` holds the
URNs of both example stacks; `tests/test_urns.py` fails when one disappears unless a resource declares an alias
that maps it to its new identity (then the engine moves the state instead of replacing). Regenerate the list on
purpose, so the change shows in the diff: `make urns` (= `python -m stacks urns --write`).

The format (pulumi/pulumi v3.259.0, sdk/go/common/resource/urn/urn.go `New`, and pkg/resource/deploy/deployment.go
`generateURN`; the newest tag in the mirror read here, the installed SDK is 3.272.0):
`urn:pulumi:<stack>::<project>::<qualified type>::<name>`, where the qualified type is the parent's qualified type,
`$`, the resource's type — except that the root stack (`pulumi:pulumi:Stack`) is never part of it, so a resource
parented by the stack has just its own type. The mocks' own URNs do not follow this (pulumi 3.272.0
runtime/mocks.py `make_urn` keeps only the parent's last type and includes the root stack's), so they are rebuilt
here from the recorded type, name and parent chain.

Aliases are expanded as the engine does (pkg/resource/deploy/step_generator.go `collapseAliasToUrn`,
`inheritedChildAlias`, `generateAliases`): an alias's missing name, type, parent, stack or project default to the
resource's own; and when a parent was aliased, each child also answers to the parent's old qualified type and, if
the child's name starts with the parent's name, to the name with the parent's old name as prefix.

Not listed: default providers (`pulumi:providers:<pkg>::default_<version>`), which the mocks do not register and
whose URN follows the provider's version by design.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Mapping, Optional

import yaml

from stacks.render import Registered, Render

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "urns.json"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
STACKS = ("private", "public")


def project_name() -> str:
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"]


def make_urn(stack: str, project: str, parent_type: Optional[str], type_: str, name: str) -> str:
    """The engine's `urn.New`: the parent's qualified type is dropped when it is the root stack's."""
    qualified = type_ if not parent_type or parent_type == ROOT_STACK_TYPE else f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def qualified_type(urn: str) -> str:
    return urn.split("::", 3)[2]


def urn_name(urn: str) -> str:
    return urn.split("::", 3)[3]


def stack_urn(stack: str, project: str) -> str:
    # The Python SDK names the root stack `<project>-<stack>` (pulumi 3.272.0 runtime/stack.py, class Stack).
    return make_urn(stack, project, None, ROOT_STACK_TYPE, f"{project}-{stack}")


class _Urns:
    """Current and possible previous URNs of every resource of one render."""

    def __init__(self, render: Render, project: str):
        self.render, self.project = render, project
        self.by_key: dict[str, Registered] = {r.key: r for r in render.resources}
        self._urn: dict[str, str] = {}
        self._olds: dict[str, set[str]] = {}

    def urn(self, key: str) -> str:
        if key not in self._urn:
            res = self.by_key[key]
            parent = qualified_type(self.urn(res.parent)) if res.parent else None
            self._urn[key] = make_urn(self.render.stack, self.project, parent, res.type, res.name)
        return self._urn[key]

    def _collapse(self, res: Registered, alias: Mapping) -> set[str]:
        """collapseAliasToUrn for one recorded alias; a parent given as a resource answers with each of its olds."""
        if "urn" in alias:
            return {alias["urn"]}
        name, type_ = alias.get("name", res.name), alias.get("type", res.type)
        stack, project = alias.get("stack", self.render.stack), alias.get("project", self.project)
        if alias.get("noParent"):
            parents: Iterable[Optional[str]] = [None]
        elif "parentUrn" in alias:
            parents = [alias["parentUrn"]]
        elif "parent" in alias:
            parents = self.olds(alias["parent"])
        else:
            parents = [self.urn(res.parent)] if res.parent else [None]
        return {make_urn(stack, project, qualified_type(p) if p else None, type_, name) for p in parents}

    def olds(self, key: str) -> set[str]:
        """Every URN the engine would look this resource up by: its own, its aliases, and those its parent's
        aliases give it."""
        if key in self._olds:
            return self._olds[key]
        res = self.by_key[key]
        own = self.urn(key)
        aliases: set[str] = set()
        for alias in res.options.get("aliases", []):
            aliases |= self._collapse(res, alias)
        found = {own} | aliases
        if res.parent:
            parent_urn = self.urn(res.parent)
            parent_name = urn_name(parent_urn)
            for parent_old in self.olds(res.parent) - {parent_urn}:
                for child in {own} | aliases:
                    child_name = urn_name(child)
                    if child_name.startswith(parent_name):
                        child_name = urn_name(parent_old) + child_name[len(parent_name):]
                    found.add(make_urn(self.render.stack, self.project, qualified_type(parent_old),
                                       qualified_type(child).rsplit("$", 1)[-1], child_name))
        self._olds[key] = found
        return found


def render_urns(render: Render, project: Optional[str] = None) -> list[str]:
    """Every URN of the render (the root stack's first), sorted; one per resource."""
    project = project or project_name()
    urns = _Urns(render, project)
    return [stack_urn(render.stack, project)] + sorted(urns.urn(r.key) for r in render.resources)


def golden_problems(golden: Iterable[str], render: Render, project: Optional[str] = None) -> list[str]:
    """One line per URN that changed against `golden`: a golden URN no resource answers to any more (the engine
    would delete it and create its successor), and a URN the golden list lacks that is no alias-covered rename."""
    project = project or project_name()
    golden = set(golden)
    urns = _Urns(render, project)
    current = {stack_urn(render.stack, project): {stack_urn(render.stack, project)}}
    for r in render.resources:
        current[urns.urn(r.key)] = urns.olds(r.key)
    answered = set().union(*current.values())
    problems = [f"{u}: gone, and no resource has an alias for it (pulumi up would delete it and create its "
                "successor); add an alias, or update the golden list on purpose" for u in sorted(golden - answered)]
    problems += [f"{u}: not in the golden list (a new resource, or a rename without an alias); update the golden "
                 "list on purpose" for u, olds in sorted(current.items()) if u not in golden and not olds & golden]
    return problems


def load_golden(path: Path = GOLDEN) -> dict[str, list[str]]:
    return json.loads(path.read_text())


def golden_text(urns_by_stack: Mapping[str, list[str]]) -> str:
    """One URN a line, sorted, so a change reads as a line-level diff."""
    return json.dumps({stack: list(urns) for stack, urns in urns_by_stack.items()}, indent=2) + "\n"
