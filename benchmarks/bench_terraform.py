"""Speed and memory of `iam-preflight check` on Terraform (issue 4, point 9). A script that prints figures, not a test.

Run: `.venv/bin/python benchmarks/bench_terraform.py [--modules 60] [--memory-modules 100] [--runs 3] [--keep DIR]`.

It builds a synthetic corpus from tests/fixtures/terraform (each copy made unique, so the content-hash cache cannot
share entries between copies) and times, in fresh processes:
- one small module (the `signer` fixture), cold parse cache and warm;
- the whole corpus (`check CORPUS`, every folder with .tf files is a module), cold and warm;
- the corpus of `--memory-modules` modules for peak RSS (target <= 200 MB);
- parsing alone, with the cache off, for files per second.
"Cold" means an empty iam-preflight cache; python-hcl2's Lark grammar cache is built once beforehand, as any
second run of the tool would find it. With `--keep DIR` the corpus stays there, to time checkov on the same files:
`checkov -d DIR/corpus --framework terraform --quiet` (the target is at least 10 times slower than this tool).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "terraform"
TEMPLATES = ["signer", "nested-modules", "templates", "dynamic-documents", "inventory", "plan", "suppressions"]

# Runs inside a fresh interpreter: wall time and peak RSS of itself and of any parse workers it forked.
CHILD = """
import json, os, resource, sys, time
start = time.perf_counter()
mode, target = sys.argv[1], sys.argv[2]
if mode == "check":
    from linter.cli import main
    main(["check", target, "--format", "json", "--output", os.devnull])
    files = None
else:
    from pathlib import Path
    from linter.sources.terraform import load_modules, walk_modules
    loaded = load_modules(walk_modules(Path(target)))
    files = len({f for one in loaded for f in one.files if f.endswith(".tf")})
seconds = time.perf_counter() - start
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": seconds, "rss_mb": rss / 1024, "files": files}))
"""


def build_corpus(target: Path, modules: int) -> int:
    """Copy the fixture modules round-robin; returns the number of .tf files."""
    count = 0
    for index in range(modules):
        template = FIXTURES / TEMPLATES[index % len(TEMPLATES)]
        destination = target / f"module-{index:03d}-{template.name}"
        shutil.copytree(template, destination, ignore=shutil.ignore_patterns("plan.json"))
        for path in destination.rglob("*.tf"):
            path.write_text(path.read_text() + f"\n# corpus copy {index}\n")
            count += 1
    return count


def run(mode: str, target: Path, cache: Path | None, cwd: Path) -> dict[str, float]:
    env = dict(os.environ)
    env.pop("IAM_PREFLIGHT_NO_CACHE", None)
    if cache is None:
        env["IAM_PREFLIGHT_NO_CACHE"] = "1"
    else:
        env["IAM_PREFLIGHT_CACHE_DIR"] = str(cache)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(target)], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(mode: str, target: Path, work: Path, runs: int, warm: bool) -> dict[str, float]:
    """Median over `runs` fresh processes; cold runs each start from an empty cache folder."""
    results = []
    for attempt in range(runs):
        cache = work / f"cache-{mode}-{target.name}-{'warm' if warm else attempt}"
        if warm and attempt == 0:
            run(mode, target, cache, work)  # fill the cache once
        elif not warm:
            shutil.rmtree(cache, ignore_errors=True)
        results.append(run(mode, target, cache, work))
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "rss_mb": max(r["rss_mb"] for r in results),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=60)
    parser.add_argument("--memory-modules", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the corpus here and keep it (for checkov)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-terraform-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        small = work / "small"
        shutil.rmtree(small, ignore_errors=True)
        shutil.copytree(FIXTURES / "signer", small)
        corpus, big = work / "corpus", work / "corpus-memory"
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(big, ignore_errors=True)
        files = build_corpus(corpus, args.modules)
        big_files = build_corpus(big, args.memory_modules)
        run("check", small, work / "cache-grammar", work)  # python-hcl2 builds its Lark grammar cache once
        rows = [
            ("small module (signer, 3 files), cold cache", measure("check", small, work, args.runs, warm=False), 3),
            ("small module, warm cache", measure("check", small, work, args.runs, warm=True), 3),
            (f"corpus, {args.modules} modules, cold cache", measure("check", corpus, work, args.runs, False), files),
            (f"corpus, {args.modules} modules, warm cache", measure("check", corpus, work, args.runs, True), files),
            (f"corpus, {args.memory_modules} modules, cold", measure("check", big, work, 1, warm=False), big_files),
            (f"corpus, {args.memory_modules} modules, warm", measure("check", big, work, 1, warm=True), big_files),
        ]
        parse_only = run("load", corpus, None, work)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; medians of {args.runs} fresh processes")
        print(f"{'scenario':48} {'seconds':>8} {'.tf files/s':>12} {'peak RSS MB':>12}")
        for name, figures, count in rows:
            rate = count / figures["seconds"]
            print(f"{name:48} {figures['seconds']:8.2f} {rate:12.0f} {figures['rss_mb']:12.0f}")
        rate = files / parse_only["seconds"]
        print(
            f"{'load only, cache off (' + str(files) + ' files)':48} {parse_only['seconds']:8.2f} {rate:12.0f}", end=""
        )
        print(f" {parse_only['rss_mb']:12.0f}")
        if args.keep:
            print(f"\ncorpus kept: checkov -d {corpus} --framework terraform --quiet")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
