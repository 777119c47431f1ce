"""Golden snapshot of both example renders: what `python -m stacks render` writes, normalised, under tests/golden/render.

A change to any manifest, Helm release or resource (inputs, options, parents, secrets' paths) shows up as a diff
of these files in review, not only where a test happens to look. The render's mapping key order varies from run
to run (the mocks echo inputs through protobuf structs), so each file is stored re-serialised with sorted keys,
and each resource's list of secret paths sorted (it follows that order too); other lists keep their order. Regenerate on purpose and commit the diff:

    make golden            # = python -m stacks.golden --write
    python -m stacks.golden  # check only: exit 1 naming each file and object that differs
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Mapping, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "tests" / "golden" / "render"
STACKS = ("private", "public")
REGENERATE = "regenerate on purpose with `make golden` (python -m stacks.golden --write) and review the diff"


def normalise(rel: str, text: str) -> str:
    """One rendered file with its mapping keys sorted: JSON stays JSON, YAML stays YAML (multi-document)."""
    if rel.endswith(".json"):
        data = json.loads(text)
        for resource in data.get("resources", []):
            # The secret paths are listed in the order the mocks hand the inputs back, which varies run to run.
            resource["secrets"] = sorted(resource.get("secrets", []))
        return json.dumps(data, indent=1, sort_keys=True) + "\n"
    docs = list(yaml.safe_load_all(text))
    return yaml.safe_dump_all(docs, sort_keys=True, width=120, default_flow_style=False)


def snapshot(stacks: tuple[str, ...] = STACKS) -> dict[str, str]:
    """`<stack>/<file>` → normalised text, for every file the render of each stack writes."""
    from stacks.__main__ import documents, render_stack

    files: dict[str, str] = {}
    for stack in stacks:
        for rel, text in sorted(documents(render_stack(stack)).items()):
            files[f"{stack}/{rel}"] = normalise(rel, text)
    return files


def _objects(rel: str, text: str) -> dict[str, object]:
    """Named objects of one file, to say which one differs: resources by type::name, manifests by kind/ns/name."""
    if rel.endswith(".json"):
        data = json.loads(text)
        out: dict[str, object] = {f"{r['type']}::{r['name']}": r for r in data.get("resources", [])}
        out["outputs"] = data.get("outputs")
        return out
    out = {}
    for i, doc in enumerate(yaml.safe_load_all(text)):
        if isinstance(doc, dict) and "kind" in doc:
            meta = doc.get("metadata") or {}
            out[f"{doc['kind']} {meta.get('namespace', '')}/{meta.get('name')}"] = doc
        elif isinstance(doc, list):  # releases: one document, a list of releases
            for rel_ in doc:
                out[f"release {rel_.get('name')}"] = rel_
        else:
            out[f"document {i}"] = doc
    return out


def problems(golden: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """One line per difference: a file added or gone, and per changed file each object added, gone or changed."""
    lines = []
    for rel in sorted(set(golden) | set(current)):
        if rel not in current:
            lines.append(f"tests/golden/render/{rel}: the render no longer writes this file")
        elif rel not in golden:
            lines.append(f"tests/golden/render/{rel}: a new file the golden snapshot lacks")
        elif golden[rel] != current[rel]:
            before, after = _objects(rel, golden[rel]), _objects(rel, current[rel])
            changed = [k for k in before if k in after and before[k] != after[k]]
            details = ([f"changed {k}" for k in changed] + [f"gone {k}" for k in before if k not in after]
                       + [f"new {k}" for k in after if k not in before]) or ["order of objects changed"]
            lines.append(f"tests/golden/render/{rel}: " + "; ".join(details[:12])
                         + (f"; … {len(details) - 12} more" if len(details) > 12 else ""))
    return lines


def load(directory: Path = GOLDEN_DIR) -> dict[str, str]:
    if not directory.is_dir():
        return {}
    return {p.relative_to(directory).as_posix(): p.read_text() for p in sorted(directory.rglob("*")) if p.is_file()}


def write(files: Mapping[str, str], directory: Path = GOLDEN_DIR) -> None:
    """Replace the snapshot with `files` (files the render no longer writes are removed)."""
    for old in load(directory):
        if old not in files:
            (directory / old).unlink()
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks.golden",
                                     description="Check both example renders against tests/golden/render (exit 1 on "
                                                 "a difference), or rewrite the snapshot on purpose (--write).")
    parser.add_argument("--write", action="store_true", help="rewrite tests/golden/render from the current render")
    args = parser.parse_args(argv)
    current = snapshot()
    directory = GOLDEN_DIR  # read now, not at import: tests point it elsewhere
    shown = directory.relative_to(ROOT) if directory.is_relative_to(ROOT) else directory
    if args.write:
        write(current, directory)
        print(f"wrote {len(current)} files of {', '.join(STACKS)} to {shown}")
        return 0
    found = problems(load(directory), current)
    for line in found:
        print(line)
    print(f"{len(found)} file(s) differ; {REGENERATE}" if found else
          f"renders of {', '.join(STACKS)} match {shown}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
