"""Mutation score of models/, components/ and stacks/ from a uniform random sample of mutmut's mutants.

Why a sample: mutmut 3.8.1 generates about 28,000 mutants in the three packages, and on a small machine running
them all takes a day. A seeded uniform sample of n of them estimates the kill rate of the whole population with a
stated error (Wilson 95 % interval), so the score can be measured on every release and reproduced exactly.

What runs is mutmut's own machinery (pinned in requirements-test.txt; this script drives 3.8.1's internals, and a
mutmut upgrade must re-check the three calls marked `mutmut internals`): generation of every mutant, the stats run
that records which tests call which function, then `mutmut run` on the sampled mutants only. A sampled mutant in a
function no test calls is not run: it counts as not killed ("no tests"), as in mutmut's own score.

Usage (from the repository root; `make mutation-sample` sets the reference-data paths):
    python .ci/mutation_sample.py [--size 300] [--seed 1] [--jobs 2]
Writes mutants/sample-report.json and prints a Markdown table per package.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
from collections import Counter
from pathlib import Path

PACKAGES = ("models", "components", "stacks")
# mutmut 3.8.1 mutmut/stats.py status_by_exit_code, read back from the .meta files (exit code per mutant). mutmut counts
# a timeout and a death by signal ("segfault": -9 or -11, e.g. SIGKILL when out of memory) as killed; the report
# shows both apart, so a rate carried by them can be seen.
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def wilson(killed: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion (sound at rates near 0 or 1, unlike the normal one)."""
    if n == 0:
        return 0.0, 1.0
    p = killed / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def draw(population: list[str], size: int, seed: int) -> list[str]:
    """The first `size` of a seeded random order of `population`, sorted: a uniform sample, and a smaller size
    is part of a larger one (a run can be extended, and a short one is the start of a long one)."""
    return sorted(random.Random(seed).sample(sorted(population), len(population))[:size])


def all_mutants() -> dict[str, Path]:
    """Every generated mutant's name -> its .meta file (mutants/<source path>.meta, key exit_code_by_key)."""
    names = {}
    for package in PACKAGES:
        for meta in sorted(Path("mutants", package).rglob("*.py.meta")):
            for name in json.loads(meta.read_text())["exit_code_by_key"]:
                names[name] = meta
    return names


def generate_and_collect_stats(jobs: int) -> None:
    """What `mutmut run` does before it runs mutants: copy, generate, run the suite once recording which test calls
    which function (or load that record if the sources did not change)."""
    import mutmut.__main__ as mm  # mutmut internals (3.8.1 __main__._run, first half)
    from mutmut.workers.isolation import get_mutant_runner

    mm.set_mutant_under_test("mutant_generation")
    os.makedirs("mutants", exist_ok=True)
    mm.copy_src_dir()
    mm.copy_also_copy_files()
    mm.setup_source_paths()
    mm.store_lines_covered_by_tests()
    mm.create_mutants(jobs)
    mm.collect_or_load_stats(get_mutant_runner(jobs), mutants_caught_by_type_checker={},
                             apply_config_invalidation=True)


def tested_functions() -> dict[str, list[str]]:
    """Mangled function name -> the tests that called it in the stats run (mutants/mutmut-stats.json)."""
    return json.loads(Path("mutants/mutmut-stats.json").read_text())["tests_by_mangled_function_name"]


def statuses(sample: list[str], metas: dict[str, Path]) -> dict[str, str]:
    from mutmut.stats import status_by_exit_code  # mutmut internals (3.8.1 mutmut/stats.py)

    out = {}
    for name in sample:
        code = json.loads(metas[name].read_text())["exit_code_by_key"][name]
        out[name] = status_by_exit_code[code]
    return out


def forget(names: list[str], metas: dict[str, Path]) -> None:
    """Clear the verdicts of `names` in their .meta files (mutmut 3.8.1 reads a null exit code as not checked)."""
    for meta in sorted({metas[n] for n in names}):
        data = json.loads(meta.read_text())
        for n in names:
            if metas[n] == meta:
                data["exit_code_by_key"][n] = None
        meta.write_text(json.dumps(data, indent=4))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300, help="mutants in the sample (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the sample (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--clean-run-passed", action="store_true",
                        help="skip mutmut's run of the unmutated tests (it passed on this checkout already: resuming "
                        "an interrupted run)")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: report the verdicts recorded so far (mutants not run yet are counted "
                        "apart and left out of the rate)")
    parser.add_argument("--recheck-survivors", action="store_true",
                        help="run the sample's survivors again (after tests were added; killed ones stay killed)")
    parser.add_argument("--survivors-only", action="store_true",
                        help="with --recheck-survivors: run only the survivors, not the sampled mutants not run yet "
                        "(they stay out of the rate, counted as not run)")
    args = parser.parse_args(argv)

    # The tests run from mutants/, where the repository's .venv/opt/pytriton is not: name the Triton build by path.
    triton = Path(".venv/opt/pytriton/pytriton/tritonserver").resolve()
    if triton.is_dir():
        os.environ.setdefault("TRITONSERVER_DIST", str(triton))
    generate_and_collect_stats(args.jobs)
    metas = all_mutants()
    population = sorted(metas)
    sample = draw(population, args.size, args.seed)
    tests = tested_functions()
    covered = [m for m in sample if tests.get(m.replace("__init__.", "").partition("__mutmut_")[0])]
    # Mutants with a verdict from an earlier run keep it (mutmut resets the verdicts a changed config could change:
    # the timeouts, when the time limit changes), so an interrupted or re-timed run continues where it stopped.
    survivors = [m for m, state in statuses(covered, metas).items() if state == "survived"]
    if args.recheck_survivors and not args.report_only:
        forget(survivors, metas)
    pending = [] if args.report_only else [m for m, state in statuses(covered, metas).items()
                                           if state == "not checked"]
    if args.recheck_survivors and args.survivors_only:
        pending = [m for m in pending if m in survivors]
    if pending:
        import mutmut.__main__ as mm  # mutmut internals (3.8.1 __main__._run: re-runs named mutants)
        if args.clean_run_passed:
            from mutmut.workers import isolation  # mutmut internals (3.8.1 ForkServerRunner.run_clean_tests)
            isolation.ForkServerRunner.run_clean_tests = lambda self, tests: 0
        try:
            mm._run(pending, args.jobs)
        except SystemExit as stop:  # mutmut exits on a failed clean run; the report below would be meaningless
            if stop.code:
                raise
    status = statuses(sample, metas)
    status.update({m: "no tests" for m in sample if m not in covered})  # never run: no test calls its function

    by_package: dict[str, Counter] = {p: Counter() for p in PACKAGES}
    for name, state in status.items():
        by_package[name.split(".", 1)[0]][state] += 1
    rows = []
    for package, counts in [*by_package.items(), ("all", sum(by_package.values(), Counter()))]:
        run = {s: c for s, c in counts.items() if s != "not checked"}
        n = sum(run.values())
        killed = sum(c for s, c in run.items() if s in KILLED)
        low, high = wilson(killed, n)
        rows.append({"package": package, "sampled": n, "killed": killed,
                     "timeout": counts.get("timeout", 0), "signal": counts.get("segfault", 0),
                     "survived": counts.get("survived", 0),
                     "no_tests": counts.get("no tests", 0), "not_run": counts.get("not checked", 0),
                     "rate": killed / n if n else None,
                     "ci95": [low, high]})
    report = {"population": len(population), "by_package": {p: sum(1 for m in population if m.startswith(p + "."))
                                                            for p in PACKAGES},
              "size": len(sample), "seed": args.seed, "rows": rows,
              "not_killed": sorted(m for m, s in status.items() if s not in KILLED)}
    Path("mutants/sample-report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{len(population)} mutants; sample of {len(sample)} (seed {args.seed})\n")
    print("| package | run | killed (of which timeout, signal) | survived | no tests | not run yet | kill rate | "
          "95 % interval |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        rate = "-" if r["rate"] is None else f"{100 * r['rate']:.1f} %"
        print(f"| {r['package']} | {r['sampled']} | {r['killed']} ({r['timeout']}, {r['signal']}) | {r['survived']} | "
              f"{r['no_tests']} | {r['not_run']} | {rate} | {100 * r['ci95'][0]:.1f}–{100 * r['ci95'][1]:.1f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
