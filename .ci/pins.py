#!/usr/bin/env python3
"""Pins as a user's machine sees them: resolved from the public index alone, this machine's pip setup ignored.

    python .ci/pins.py check   # every pin resolves from PyPI; constraints are complete (exit 0, 1; 77 = no index)
    python .ci/pins.py write   # regenerate constraints.txt and constraints-checkov.txt from the requirement files

Why: a developer machine or a CI image may offer local wheels (a `+cpu` torch, a private index, a global
constraints file) that users do not have; a pin that resolves only there breaks `make render` everywhere else.
So pip runs with every package-source setting dropped: no pip configuration file (`PIP_CONFIG_FILE` set to the
null device, which makes pip skip all of them), no `PIP_*` variable except the transport ones below, and
`--index-url` set to pip's default, PyPI. Kept: `PIP_CERT` (a TLS-inspecting proxy's CA), `PIP_PROXY`, `PIP_TIMEOUT`,
`PIP_DEFAULT_TIMEOUT`, `PIP_RETRIES`: they change how pip reaches PyPI, not what it may install.

The sets (one resolution each, as they are installed):
- program + models + test tooling, one virtualenv (`make test`): requirements.txt, requirements-models.txt,
  requirements-test.txt, requirements-actionlint.txt against constraints.txt;
- checkov, its own virtualenv (it pins packaging 23.2 and networkx 2.6, which torch's set outgrows):
  requirements-checkov.txt against constraints-checkov.txt;
- the Triton server wheel, installed `--no-deps` beside the venv: requirements-triton-server.txt.

`check` fails when a pin does not resolve, when a resolved package has no pin in the set's constraints file or a
different one, or when a file would come from anywhere but PyPI's file host. The constraints are resolved for
CPython 3.11 on Linux x86_64 (what CI runs); there, a constraint the resolution does not use is an error too.
"""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pip._internal.models.index import PyPI  # pip's own default index: what a machine without pip config uses

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_INDEX = PyPI.simple_url
PUBLIC_FILES = f"https://{PyPI.file_storage_domain}/"
TRANSPORT_SETTINGS = ("PIP_CERT", "PIP_PROXY", "PIP_TIMEOUT", "PIP_DEFAULT_TIMEOUT", "PIP_RETRIES")
PINNED_FOR = ("3.11", "Linux", "x86_64")
SKIP = 77  # exit status: no index reachable, nothing checked


@dataclass(frozen=True)
class PinSet:
    requirements: tuple[str, ...]
    constraints: str | None  # None: installed --no-deps, nothing transitive to pin
    no_deps: bool = False


SETS = (
    PinSet(("requirements.txt", "requirements-models.txt", "requirements-test.txt", "requirements-actionlint.txt"),
           "constraints.txt"),
    PinSet(("requirements-checkov.txt",), "constraints-checkov.txt"),
    PinSet(("requirements-triton-server.txt",), None, no_deps=True),
)

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """`name==version` lines of a requirements or constraints file (option lines such as `-c` skipped)."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        match = _PIN.match(line)
        if not match:
            raise SystemExit(f"{path.name}: {line!r} is not pinned; expected name==version")
        found[canonical(match.group(1))] = match.group(3)
    return found


def isolated_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k in TRANSPORT_SETTINGS}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def resolve(requirement_files: list[Path], no_deps: bool = False) -> dict:
    """pip's installation report for these files, resolved from PyPI alone (nothing is installed)."""
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--dry-run", "--ignore-installed",
           "--quiet", "--report", "-", "--index-url", PUBLIC_INDEX]
    if no_deps:
        cmd.append("--no-deps")
    for path in requirement_files:
        cmd += ["-r", str(path)]
    done = subprocess.run(cmd, env=isolated_env(), capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-6:])
        raise ResolutionFailed(f"pip could not resolve {', '.join(p.name for p in requirement_files)} from "
                               f"{PUBLIC_INDEX}:\n{tail}")
    return json.loads(done.stdout)


class ResolutionFailed(Exception):
    pass


def index_reachable() -> str | None:
    """None when PyPI answers; else why not."""
    try:
        with urllib.request.urlopen(f"{PUBLIC_INDEX}/pip/", timeout=15) as response:
            response.read(1)
        return None
    except (urllib.error.URLError, OSError) as err:
        return str(getattr(err, "reason", err))


def resolved(report: dict) -> dict[str, tuple[str, str]]:
    return {canonical(i["metadata"]["name"]): (i["metadata"]["version"], i["download_info"]["url"])
            for i in report["install"]}


def problems(pin_set: PinSet, report: dict, on_pinned_platform: bool) -> list[str]:
    got = resolved(report)
    out = []
    for name in pin_set.requirements:
        for package, version in pins(ROOT / name).items():
            if package not in got:
                out.append(f"{name}: {package}=={version} is not in the resolution")
            elif got[package][0] != version:
                out.append(f"{name}: {package}=={version} resolved to {got[package][0]}")
    for package, (version, url) in sorted(got.items()):
        if not url.startswith(PUBLIC_FILES):
            out.append(f"{package} {version} would come from {url}, not from PyPI")
    if pin_set.constraints:
        constraints = pins(ROOT / pin_set.constraints)
        for package, (version, _url) in sorted(got.items()):
            if constraints.get(package) != version:
                out.append(f"{pin_set.constraints}: {package} resolves to {version} but is pinned "
                           f"{'to ' + constraints[package] if package in constraints else 'nowhere'}")
        if on_pinned_platform:
            out += [f"{pin_set.constraints}: {package}=={version} is not part of the resolution (stale pin)"
                    for package, version in sorted(constraints.items()) if package not in got]
    return out


def on_pinned_platform() -> bool:
    return (f"{sys.version_info.major}.{sys.version_info.minor}", platform.system(), platform.machine()) == PINNED_FOR


def check() -> int:
    why = index_reachable()
    if why is not None:
        print(f"SKIP: {PUBLIC_INDEX} unreachable ({why}); pins not checked against the public index")
        return SKIP
    with ThreadPoolExecutor(len(SETS)) as pool:
        futures = {s: pool.submit(resolve, [ROOT / r for r in s.requirements], s.no_deps) for s in SETS}
    failed = 0
    for pin_set, future in futures.items():
        label = " + ".join(pin_set.requirements)
        try:
            report = future.result()
        except ResolutionFailed as err:
            print(f"FAIL {label}: {err}")
            failed += 1
            continue
        found = problems(pin_set, report, on_pinned_platform())
        if found:
            failed += 1
            print(f"FAIL {label}:")
            print("\n".join(f"  {p}" for p in found))
        else:
            print(f"ok   {label}: {len(report['install'])} packages, all pinned, all from PyPI")
    return 1 if failed else 0


def write() -> int:
    if not on_pinned_platform():
        print(f"refusing: constraints are resolved for CPython {PINNED_FOR[0]} on {PINNED_FOR[1]} {PINNED_FOR[2]}",
              file=sys.stderr)
        return 2
    for pin_set in SETS:
        if pin_set.constraints is None:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            copies = []
            for name in pin_set.requirements:  # without their `-c` line: resolve afresh, not from the old pins
                text = "".join(line for line in (ROOT / name).read_text().splitlines(keepends=True)
                               if not line.lstrip().startswith("-c"))
                copy = Path(tmp) / name
                copy.write_text(text)
                copies.append(copy)
            report = resolve(copies)
        lines = sorted(f"{i['metadata']['name']}=={i['metadata']['version']}" for i in report["install"])
        header = (f"# Every package of {' + '.join(pin_set.requirements)}, pinned:\n"
                  f"# pip's resolution from PyPI alone for CPython {PINNED_FOR[0]} on {PINNED_FOR[1]} {PINNED_FOR[2]}.\n"
                  "# Regenerate with `make constraints` (python .ci/pins.py write); `make test` checks it.\n")
        (ROOT / pin_set.constraints).write_text(header + "\n".join(sorted(lines, key=str.lower)) + "\n")
        print(f"{pin_set.constraints}: {len(lines)} pins")
    return 0


if __name__ == "__main__":
    commands = {"check": check, "write": write}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        sys.exit(2)
    sys.exit(commands[sys.argv[1]]())
