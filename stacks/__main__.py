"""`python -m stacks render STACK --out DIR [--config-file PATH] [--allow-missing-crds]`: the offline render.

Runs the real stack program under the SDK's mocks (no CLI, no credentials) and writes
- `DIR/resources.json`: every registered resource in declaration order (type, name, parent, target cluster,
  depends_on, inputs as plain JSON with secrets redacted) and the stack's outputs;
- `DIR/manifests/CLUSTER.yaml`: every Kubernetes object for that cluster, applyable, in declaration order;
- `DIR/releases/CLUSTER.yaml`: the Helm releases for that cluster (chart, version, repository, values);
then prints a summary. Every object is validated first (built-in kinds: kubernetes-validate strict, Kubernetes
1.31; custom resources: their upstream CRD schema from ../shared/crds or $PLATFORM_CRDS_DIR, unknown fields
rejected). A bad stack config or declaration exits 2 naming the field; an invalid rendered object exits 1; no CRD
folder exits 2 saying how to get one (`--allow-missing-crds` renders anyway and counts the unchecked custom
resources); in every failure nothing is written.
DIR is written all or nothing: the render goes to a temporary directory beside it that then replaces it (files of an
earlier render go with it); a DIR holding anything a render does not write is refused (exit 2) and left alone.
A stack that references another (public → private) gets that stack's outputs by rendering it first.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from models.errors import ConfigError, PlatformError
from stacks.render import Render, SECRET_MARK, run_program
from stacks.resource_types import HELM_RELEASE
from stacks.validation import UNCHECKED_NO_CRDS, CRDsMissing, ValidationFailed, validate_render
from stacks.wording import count

ROOT = Path(__file__).resolve().parent.parent


class _UniqueKeyLoader(yaml.SafeLoader):
    """safe_load that refuses a key set twice in one mapping (plain YAML keeps the last one, silently)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # `<<:` merges may override: not a duplicate
                    continue
                constructed = self.construct_object(key_node, deep=True)
                if not isinstance(constructed, str):  # `1:`, `~:`, `true:` are a number, null and a boolean
                    mark = key_node.start_mark
                    raise ConfigError(f"stack config {self.name} line {mark.line + 1} column {mark.column + 1}",
                                      "key", constructed, "a string key (quote it, e.g. '\"1\"')")
                key = (type(constructed), constructed)  # 1 and true are different keys, though 1 == True
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: let SafeLoader report it
                    continue
                if first is not None:
                    raise ConfigError(f"stack config {self.name} line {key_node.start_mark.line + 1}", str(constructed),
                                      self.construct_object(value_node, deep=True),
                                      f"each key once per mapping (already set on line {first})")
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_stack_file(stack: str, config_file: Optional[Path] = None) -> dict:
    path = config_file or ROOT / f"Pulumi.{stack}.yaml"
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise PlatformError(f"stack config {path}: file not found") from None
    except IsADirectoryError:
        raise PlatformError(f"stack config {path}: is a directory, expected a stack file") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise PlatformError(f"stack config {path}: cannot read it: {reason}") from None
    try:
        loader = _UniqueKeyLoader(text)
        loader.name = str(path)
        try:
            data = loader.get_single_data() or {}
        finally:
            loader.dispose()
    except yaml.YAMLError as err:
        raise PlatformError(_yaml_error(path, err)) from None
    if not isinstance(data, dict):
        raise PlatformError(f"stack config {path}: expected a top-level 'config:' mapping")
    unknown = sorted(set(data) - set(STACK_FILE_KEYS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], STACK_FILE_KEYS, n=1)
        raise ConfigError(f"stack config {path}", "top-level key", unknown[0], "one of " + ", ".join(STACK_FILE_KEYS)
                          + (f" (did you mean {close[0]!r}?)" if close else ""))
    config = data.get("config", {})
    if not isinstance(config, dict):
        raise PlatformError(f"stack config {path}: expected a top-level 'config:' mapping")
    return config


# The keys of a Pulumi stack file (pulumi/pulumi v3.259.0, sdk/go/common/workspace/project.go, ProjectStack).
STACK_FILE_KEYS = ("config", "encryptedkey", "encryptionsalt", "environment", "secretsprovider")


def _yaml_error(path: Path, err: yaml.YAMLError) -> str:
    """One line: file, line, column and PyYAML's problem (its own message spans several lines)."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    where = f" line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
    context = getattr(err, "context", None)
    return f"stack config {path}{where}: not valid YAML: {problem}" + (f" ({context})" if context else "")


def render_stack(stack: str, config_file: Optional[Path] = None, *, first_run: bool = False) -> Render:
    """Render `stack` from its stack file; stack references are answered by rendering the referenced stack.

    The private and public stacks read each other (the contract, the member's CA and its agent's go-ahead one way,
    the mesh reader and the cluster ID the other), so the render follows the documented bring-up order to where it
    converges: the private stack's render is its second run, reading the outputs of each member rendered against
    its first run (the members not run yet: no outputs); a public stack's render is its second run, reading the
    private stack's second. `first_run`: render the private stack as its first run only."""
    return render_config(stack, load_stack_file(stack, config_file), first_run=first_run)


def render_config(stack: str, config: Mapping[str, Any], *, first_run: bool = False) -> Render:
    """`render_stack` for a stack's config map already loaded (keys as in the stack file: `platform:x`)."""
    from stacks.program import main

    references: dict = {}
    ref = config.get("platform:privateStack")
    if isinstance(ref, str) and ref:
        references[ref] = render_stack(ref.rsplit("/", 1)[-1], first_run=first_run).as_stack_reference()
    members = config.get("platform:members")
    if isinstance(members, list) and members:
        member_refs = {}
        for member in members:
            try:
                member_config = load_stack_file(member) if isinstance(member, str) else {}
            except PlatformError:
                continue  # the program names the bad entry of platform:members, in its own words
            private_ref = member_config.get("platform:privateStack")
            if isinstance(private_ref, str) and "/" in private_ref:
                member_refs[member] = (f"{private_ref.rsplit('/', 1)[0]}/{member}", member_config, private_ref)
        references.update({name: {"outputs": {}} for name, _, _ in member_refs.values()})
        if not first_run:
            first = run_program(main, stack=stack, config=config, stack_outputs=references).as_stack_reference()
            for member, (name, member_config, private_ref) in member_refs.items():
                references[name] = run_program(main, stack=member, config=member_config,
                                               stack_outputs={private_ref: first}).as_stack_reference()
    return run_program(main, stack=stack, config=config, stack_outputs=references)


def _redacted_outputs(render: Render) -> dict:
    return {k: (SECRET_MARK if k in render.secret_outputs else v) for k, v in render.outputs.items()}


_FIRST_KEYS = ("apiVersion", "kind", "metadata", "spec", "data")


class _ManifestDumper(yaml.SafeDumper):
    """Kubernetes key order first (apiVersion, kind, metadata, spec) and multi-line strings as `|` blocks."""


def _ordered(node):
    if isinstance(node, dict):
        first = [k for k in _FIRST_KEYS if k in node]
        return {k: _ordered(node[k]) for k in first + sorted(k for k in node if k not in first)}
    if isinstance(node, list):
        return [_ordered(v) for v in node]
    return node


def _str_presenter(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_ManifestDumper.add_representer(str, _str_presenter)


def dump_yaml(docs: list) -> str:
    return yaml.dump_all([_ordered(d) for d in docs], Dumper=_ManifestDumper, sort_keys=False, width=120)


def documents(render: Render) -> dict[str, str]:
    """Relative path → file text for everything the render writes."""
    files = {"resources.json": json.dumps({
        "stack": render.stack,
        "resources": [r.to_json() for r in render.resources],
        "outputs": _redacted_outputs(render),
    }, indent=2, sort_keys=False) + "\n"}
    for cluster in render.clusters():
        objects = render.objects(cluster)
        if objects:
            files[f"manifests/{cluster}.yaml"] = dump_yaml(objects)
        releases = [{"name": r.name, **{k: r.inputs.get(k) for k in ("chart", "version", "namespace",
                                                                       "repositoryOpts", "values")}}
                    for r in render.resources if r.type == HELM_RELEASE and r.cluster == cluster]
        if releases:
            files[f"releases/{cluster}.yaml"] = dump_yaml(releases)
    return files


def summary(render: Render) -> str:
    lines = [f"stack {render.stack}: {count(len(render.resources), 'resource')}"]
    phases = render.outputs.get("modelPhases") or {}
    if phases:
        by_phase = Counter(phases.values())
        lines.append("  models: " + ", ".join(f"{n} at {p}" for p, n in sorted(by_phase.items())) +
                     f" ({', '.join(f'{m}={p}' for m, p in sorted(phases.items()))})")
    for cluster in render.clusters():
        kinds = Counter(o["kind"] for o in render.objects(cluster))
        releases = sum(1 for r in render.resources if r.type == HELM_RELEASE and r.cluster == cluster)
        detail = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        lines.append(f"  cluster {cluster}: {count(sum(kinds.values()), 'object')}, {count(releases, 'helm release')}"
                     + (f" ({detail})" if detail else ""))
    clouds = Counter(r.type.split(":")[0] for r in render.resources if r.type.startswith(("aws:", "tls:")))
    if clouds:
        lines.append("  cloud resources: " + ", ".join(f"{n} {k}" for k, n in sorted(clouds.items())))
    return "\n".join(lines)


def platform_error_in(err: BaseException) -> Optional[PlatformError]:
    """The user mistake behind `err`: a PlatformError raised inside an apply reaches the caller wrapped in the
    SDK's own exception or in the RunError `stacks.run_errors.reported` made of it (whose cause the SDK may
    overwrite with the RunError itself), so search causes and contexts (which can loop) breadth first."""
    seen: set[int] = set()
    todo: list[Optional[BaseException]] = [err]
    while todo:
        node = todo.pop(0)
        if node is None or id(node) in seen:
            continue
        if isinstance(node, PlatformError):
            return node
        seen.add(id(node))
        todo += [getattr(node, "platform_error", None), node.__cause__, node.__context__]
    return None


OUTPUT_ENTRIES = ("resources.json", "manifests", "releases")


class OutputRefused(Exception):
    """`--out` names something the render must not replace."""


def write_output(out: Path, files: dict[str, str]) -> None:
    """Write `files` (relative path → text) as the directory `out`, all or nothing.

    Everything goes into a fresh temporary directory beside `out` first, which then takes `out`'s place: a
    failure part-way leaves `out` as it was, and files of an earlier render the new one does not produce (a
    cluster that left the stack) disappear. An existing `out` is replaced only if it is empty or holds nothing
    but what a render writes, so a mistyped `--out` never deletes unrelated files."""
    out = Path(os.path.abspath(out))
    if out.exists() or out.is_symlink():
        if out.is_symlink() or not out.is_dir():
            raise OutputRefused("exists and is not a directory; expected a new or earlier render's directory")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in OUTPUT_ENTRIES)
        if foreign:
            raise OutputRefused(f"holds {', '.join(foreign[:5])}{' …' if len(foreign) > 5 else ''}, which a "
                                "render does not write; expected a new, empty or earlier render's directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".rendering", dir=out.parent))
    old: Optional[Path] = None
    try:
        for rel, text in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it 0700; a render directory is an ordinary one
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".previous", dir=out.parent))
            os.rename(out, old / "out")
        try:
            os.rename(staging, out)
        except OSError:
            if old is not None:
                os.rename(old / "out", out)  # put the earlier render back
            raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and not (old / "out").exists():
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Reported(Exception):
    """A user mistake already printed as one line: the command exits 2."""


def _render_or_report(stack: str, config_file: Optional[Path] = None) -> Render:
    """`render_stack`, with a user mistake printed as one line (then `_Reported`); a platform bug keeps its
    traceback."""
    try:
        return render_stack(stack, config_file)
    except Exception as err:  # noqa: BLE001 - re-raised unless it is a user mistake
        mistake = platform_error_in(err)
        if mistake is None:
            raise
        print(f"error: {mistake}", file=sys.stderr)
        raise _Reported from None


def cmd_render(args: argparse.Namespace) -> int:
    try:
        render = _render_or_report(args.stack, args.config_file)
    except _Reported:
        return 2
    try:
        report = validate_render(render, allow_missing_crds=args.allow_missing_crds)
    except CRDsMissing as err:
        print(f"error: {err}; nothing written", file=sys.stderr)
        return 2
    except ValidationFailed as err:
        print(f"error: rendered objects are invalid (a platform bug):\n{err}", file=sys.stderr)
        return 1
    unchecked = sum(int(n) for n in re.findall(rf"(\d+) (?:unchecked |{re.escape(UNCHECKED_NO_CRDS)})", report))
    if unchecked:
        print(f"warning: {unchecked} custom resources went unchecked: no CRD for them (--allow-missing-crds)",
              file=sys.stderr)
    try:
        write_output(args.out, documents(render))
    except (OSError, OutputRefused) as err:
        print(f"error: --out {args.out}: {getattr(err, 'strerror', None) or err}; nothing written", file=sys.stderr)
        return 2
    print(summary(render))
    print(f"  validated: {report}")
    print(f"  written to {args.out}")
    return 0


def cmd_urns(args: argparse.Namespace) -> int:
    """Check both example stacks' URNs against the golden list (exit 1 on a change), or rewrite it (`--write`)."""
    from stacks.urns import GOLDEN, STACKS, golden_problems, golden_text, load_golden, render_urns

    try:
        renders = {stack: _render_or_report(stack) for stack in STACKS}
    except _Reported:
        return 2
    shown = GOLDEN.relative_to(ROOT) if GOLDEN.is_relative_to(ROOT) else GOLDEN
    if args.write:
        urns = {stack: render_urns(render) for stack, render in renders.items()}
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(golden_text(urns))
        print(f"wrote {sum(map(len, urns.values()))} URNs of {', '.join(urns)} to {shown}")
        return 0
    golden = load_golden(GOLDEN)
    problems = [line for stack, render in renders.items() for line in golden_problems(golden.get(stack, []), render)]
    for line in problems:
        print(line)
    print(f"{len(problems)} URN change(s) against {shown}" if problems else
          f"URNs of {', '.join(renders)} match {shown}")
    return 1 if problems else 0


DESCRIPTION = """\
Offline tools over the platform's Pulumi stacks: no Pulumi CLI, no cluster, no cloud credentials.

render STACK --out DIR  runs the real stack program (Pulumi.STACK.yaml) under the Pulumi SDK's mocks, validates
                        every Kubernetes object it would create (built-in kinds against Kubernetes 1.31's strict
                        schema, custom resources against their upstream CRDs from ../shared/crds or
                        $PLATFORM_CRDS_DIR) and writes DIR/resources.json, DIR/manifests/CLUSTER.yaml and
                        DIR/releases/CLUSTER.yaml, all or nothing.

Exit codes: 0 done; 1 a rendered object is invalid (a platform bug); 2 a mistake in a stack file or declaration
(one line naming the field), no CRD folder, or an --out that is not a render directory."""

EXAMPLES = """\
example:
  python -m stacks render private --out build/render/private
  python -m stacks render public --out build/render/public --config-file my-public.yaml"""


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks", description=DESCRIPTION, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    render = sub.add_parser("render", help="render a stack offline under the SDK's mocks")
    render.add_argument("stack", help="stack name, e.g. private or public")
    render.add_argument("--out", type=Path, required=True, help="output directory")
    render.add_argument("--config-file", type=Path, help="stack file to use instead of Pulumi.STACK.yaml")
    render.add_argument("--allow-missing-crds", action="store_true",
                        help="without a CRD folder, render anyway and report how many custom resources went "
                             "unchecked (default: exit 2 saying how to get the CRDs)")
    diff = sub.add_parser(
        "diff", help="what a change does to each stack, offline; exit 3 if it endangers serving",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Render the base revision and the working tree (or read two render directories) and list, per "
                    "stack and cluster, objects added, changed (secrets masked), replaced (and why) and deleted; Helm "
                    "releases and models that change; and, separately, what endangers serving.",
        epilog="exit codes: 0 nothing endangers serving; 3 something does (see the 'UNSAFE' section); "
               "2 usage or input error (one line on stderr)\n"
               "examples:\n  python -m stacks diff --base origin/main --format markdown\n"
               "  python -m stacks diff --from /tmp/before --to build/render")
    diff.add_argument("--base", metavar="REF", help="git revision to compare the working tree against")
    diff.add_argument("--from", dest="from_dir", type=Path, metavar="DIR", help="render directory (before)")
    diff.add_argument("--to", dest="to_dir", type=Path, metavar="DIR", help="render directory (after)")
    diff.add_argument("--stack", action="append", help="only this stack (repeatable); default: every stack")
    diff.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                      help="text for the terminal (default), markdown for a PR comment, json for machines")
    diff.add_argument("--repo", default=str(ROOT), help=argparse.SUPPRESS)
    diagram = sub.add_parser(
        "diagram", help="the platform as a Mermaid flowchart, drawn from the render",
        description="Clusters, platform components (Helm releases) per cluster, models with phase/runtime/placement "
                    "and the cross-cluster links (Karmada Push/Pull, StackReference), as Mermaid.",
        epilog="example: python -m stacks diagram --update-readme README.md")
    diagram.add_argument("--render", type=Path, action="append", metavar="DIR",
                         help="render directory (repeatable); default: render both stacks now")
    diagram.add_argument("--update-readme", type=Path, metavar="README",
                         help="replace the generated block in README instead of printing")
    urns = sub.add_parser(
        "urns", help="check both stacks' resource URNs against tests/golden/urns.json (exit 1 on a change)",
        description="A changed URN makes `pulumi up` delete and recreate the resource unless an alias maps the old "
                    "URN; this compares both example stacks' URNs with the golden list, or rewrites it on purpose.")
    urns.add_argument("--write", action="store_true", help="rewrite the golden list from the current render")
    args = parser.parse_args(argv)
    if args.command == "urns":
        return cmd_urns(args)
    if args.command == "diff":
        from stacks.diff import run as run_diff

        return run_diff(args)
    if args.command == "diagram":
        from stacks.diagram import cmd_diagram

        return cmd_diagram(args)
    return cmd_render(args)


if __name__ == "__main__":
    sys.exit(main())
