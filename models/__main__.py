"""Model tools: `python -m models list`, `python -m models package NAME --out DIR [--runtime torchserve|triton]`
and `python -m models smoke URL MODEL`.

User mistakes (an unknown model, a bad declaration or stack file, a failed archive) print one line to stderr and
exit 2, without a stack trace.
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from models.errors import PlatformError


def _parser() -> argparse.ArgumentParser:
    from models.packaging import RUNTIMES

    parser = argparse.ArgumentParser(prog="python -m models", description=DESCRIPTION, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every catalog model: class, GPU, and its phase and runtime in each stack")
    pkg = commands.add_parser("package", help="build a catalog model's serving artifact tree")
    pkg.add_argument("name", help="catalog model name, e.g. fraud-scorer")
    pkg.add_argument("--out", required=True, help="output directory (config/ and model-store/ go under it)")
    pkg.add_argument("--runtime", choices=sorted(RUNTIMES), default="torchserve",
                     help="serving runtime to package for (default: torchserve)")
    from models.smoke import add_arguments as smoke_arguments
    smoke_arguments(commands.add_parser("smoke", help="check a deployed model over the v2 protocol (PASS/FAIL)"))
    from models.tune import add_arguments as tune_arguments
    tune_arguments(commands.add_parser("tune", help="choose batching and workers by measuring a real server"))
    return parser


DESCRIPTION = """\
Tools for the models of the catalog (models/catalog/, one declaration per file).

list                  every model: workload class, GPU, and in each private stack file (Pulumi.*.yaml) the phase
                      and runtime it runs at there ("-": not deployed by that stack)
package NAME --out D  build the model's serving artifacts: for TorchServe a .mar (handler, weights) and
                      config.properties under D/model-store and D/config; for Triton a model repository
                      (D/NAME/config.pbtxt, D/NAME/1/model.pt). Needs the model tooling (make package).
smoke URL MODEL       send the model's sample input to a deployed server over the v2 protocol and compare the
                      outputs with the catalog module's own; prints PASS or FAIL, exits 0 or 1

Exit codes: 0 done; 1 smoke check failed; 2 a user mistake (one line on stderr)."""

EXAMPLES = """\
example:
  python -m models list
  python -m models package fraud-scorer --out build/models/fraud-scorer --runtime triton
  python -m models smoke http://127.0.0.1:8000 fraud-scorer"""


def model_table() -> list[list[str]]:
    """Header and one row per catalog model: name, class, GPU, then `phase/runtime` per private stack file."""
    from models.registry import load_catalog
    from stacks.__main__ import ROOT, load_stack_file
    from stacks.private_config import read_private_config
    from stacks.program import NAMESPACE, stack_role

    catalog = load_catalog()
    stacks = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))
    deployed = {}
    for stack in stacks:
        if stack_role(stack) != "private":  # a public stack runs what Karmada places there; it declares no models
            continue
        values = {key.split(":", 1)[1]: value for key, value in load_stack_file(stack).items()
                  if key.startswith(f"{NAMESPACE}:")}
        deployed[stack] = {d.name: d for d in read_private_config(values, catalog).models}
    rows = [["MODEL", "CLASS", "GPU", *deployed]]
    for name, model in catalog.items():
        gpu = f"{model.resources.gpu_count}x {model.resources.gpu_type.value}" if model.resources.gpu_count else "-"
        cells = [f"{d.phase.value}/{d.runtime.value}" if (d := by_name.get(name)) else "-"
                 for by_name in deployed.values()]
        rows.append([name, model.workload_class.value, gpu, *cells])
    return rows


def _print_table(rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "smoke":
        from models.smoke import run as run_smoke
        return run_smoke(args)  # prints its own one-line PASS/FAIL; exit 0 or 1
    try:
        if args.command == "list":
            _print_table(model_table())
        if args.command == "package":
            from models.packaging import package

            artifact = package(args.name, args.out, runtime=args.runtime)
            for path in artifact.files:
                print(path)
        elif args.command == "tune":
            from models.tune import run as run_tune

            return run_tune(args)  # 0 with a pick, 1 when no point meets the objective
    except PlatformError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
