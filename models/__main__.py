"""Model tools: `python -m models package NAME --out DIR [--runtime torchserve|triton]` and
`python -m models smoke URL MODEL`.

User mistakes (an unknown model, a bad declaration, a failed archive) print one line to stderr and exit 2,
without a stack trace.
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from models.errors import PlatformError


def _parser() -> argparse.ArgumentParser:
    from models.packaging import RUNTIMES

    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "smoke":
        from models.smoke import run as run_smoke
        return run_smoke(args)  # prints its own one-line PASS/FAIL; exit 0 or 1
    try:
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
