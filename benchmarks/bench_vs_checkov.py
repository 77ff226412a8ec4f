"""iam-preflight against checkov on the same Terraform, in fresh processes (issue 4: at least 10x faster than checkov).

A script that prints figures, not a test. Run (checkov lives in its own venv: its bc-python-hcl2 fork installs as
`hcl2` too and would shadow python-hcl2 in ours):

    python3 -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov
    .venv/bin/python benchmarks/bench_vs_checkov.py --checkov /tmp/checkov-venv/bin/checkov [--runs 3]

Inputs, built under a temporary folder (kept with `--keep DIR`):
- small: a copy of `--small` (default examples/presign-sse-kms, one 65-line main.tf with a KMS key, a bucket, a role
  and a policy document);
- corpus: `--modules` modules (default 60) made by bench_terraform.build_corpus (the fixture modules copied
  round-robin, each copy made unique), or an existing folder given with `--corpus DIR`;
- memory: `--memory-modules` modules (default 100) the same way, or `--memory-corpus DIR`.

Each case is timed over `--runs` rounds of fresh processes (median; min-max shown), the three runs of a round back
to back so that load from other jobs on a shared machine falls on all three alike:
- iam-preflight, cold: `iam-preflight check DIR --format json` with an empty IAM_PREFLIGHT_CACHE_DIR each run;
- iam-preflight, warm: the same with a cache filled by one earlier (untimed) run;
- checkov: `checkov -d DIR --framework terraform --skip-download --quiet --compact -o json`, with
  CKV_SKIP_PACKAGE_UPDATE_CHECK=true (else importing checkov asks pypi.org for a newer version) and
  BC_SKIP_MAPPING=TRUE; no API key, so nothing is uploaded. Each run is killed after `--timeout` seconds.
Before timing, each tool runs once untimed on the small module so .pyc files and python-hcl2's Lark grammar cache
exist, as they would on any second use of either tool.

Memory: "max RSS" is the largest single process of the run (ru_maxrss from wait4, what `/usr/bin/time -f %M` shows);
"tree PSS" is the peak of the summed proportional set size of the process and all its descendants, sampled every
`--sample` seconds from /proc in one extra, untimed round (both tools fork workers: checkov always, iam-preflight
for uncached .tf files).
Ratios are checkov's median over iam-preflight's median, for wall time and for CPU time (user+sys of the process and
its workers, from wait4: less sensitive than wall time to other jobs on a shared machine). Both tools print their
JSON report to stdout; it is saved and read back to show what each run found. Exit 0 or 1 (findings) is accepted,
and 2 (some input had an error) when the report is complete; anything else is a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_terraform import build_corpus  # noqa: E402  (same synthetic corpus as bench_terraform.py)
from processes import UNREADABLE, Figures, Run, interleave, timed  # noqa: E402  (the shared process timing)

CHECKOV_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "WARNING"}


def report_summary(report: Path) -> str:
    """What the run found, to show both tools really scanned the input."""
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        return UNREADABLE
    if isinstance(data, list):  # checkov: one report per framework; an empty scan prints a bare summary
        data = next((d for d in data if isinstance(d, dict) and d.get("check_type") == "terraform"), {})
    if "tool" in data:  # iam-preflight
        s = data["summary"]
        return f"{s['files_checked']} files, {s['findings']} findings, {s['errors']} errors"
    s = data.get("summary", data)
    if "resource_count" in s:
        return f"{s['resource_count']} resources, {s['failed']} failed checks, {s['parsing_errors']} parse errors"
    return "no terraform results"


def count_modules(folder: Path) -> int:
    """Folders holding .tf files (a module and the local modules it calls count separately)."""
    return len({p.parent for p in folder.rglob("*.tf")})


def count_roots(folder: Path) -> int:
    """Top-level module folders (the corpus builder's copies), or 1 for a single module."""
    if any(folder.glob("*.tf")):
        return 1
    return sum(1 for child in folder.iterdir() if child.is_dir() and any(child.rglob("*.tf")))


def count_files(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.tf"))


@dataclass
class Bench:
    """Runs both tools with a clean environment from a folder that holds no config file of either."""

    tool: str
    checkov: str | None
    work: Path
    timeout: float
    sample: float
    runs: int
    # A tree of iam-preflight to run instead of the installed packages (`make compiled`'s build/compiled): first on
    # PYTHONPATH for iam-preflight's runs only, never for a peer's (both are Python programs).
    code: Path | None = None

    def __post_init__(self) -> None:
        prefixes = ("IAM_PREFLIGHT_", "CKV_", "BC_", "PYTHONDONTWRITEBYTECODE")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
        self.ours_env = dict(self.env)
        if self.code is not None:
            self.ours_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.code), self.env.get("PYTHONPATH")]))
        self.report = self.work / "report.json"
        self.cwd = self.work / "run"
        self.cwd.mkdir(exist_ok=True)

    def ours(self, target: Path, cache: Path, sample: float = 0) -> Run:
        env = dict(self.ours_env, IAM_PREFLIGHT_CACHE_DIR=str(cache))
        command = [self.tool, "check", str(target), "--format", "json"]
        return timed(command, env, self.cwd, self.report, self.timeout, sample, report_summary)

    def theirs(self, target: Path, sample: float = 0) -> Run:
        command = [str(self.checkov), "-d", str(target), "--framework", "terraform", "--skip-download"]
        command += ["--quiet", "--compact", "-o", "json"]
        env = dict(self.env, **CHECKOV_ENV)
        return timed(command, env, self.cwd, self.report, self.timeout, sample, report_summary)

    def warm_up(self, small: Path) -> None:
        """Untimed: compile .pyc files, build python-hcl2's grammar cache, load both tools into the OS file cache."""
        self.ours(small, self.work / "cache-warmup")
        if self.checkov:
            self.theirs(small)

    def case(self, target: Path) -> dict[str, Figures]:
        """`runs` rounds of (cold, warm, checkov), interleaved so that load from other jobs hits all three alike."""
        tag = f"{target.name}-{zlib.crc32(str(target).encode()):08x}"  # two corpora may share a folder name
        cold, warm = self.work / f"cache-{tag}-cold", self.work / f"cache-{tag}-warm"
        shutil.rmtree(warm, ignore_errors=True)
        self.ours(target, warm)  # fill the warm cache (untimed)

        def ours_cold(sample: float) -> Run:
            shutil.rmtree(cold, ignore_errors=True)
            return self.ours(target, cold, sample)

        tools = {"cold": ours_cold, "warm": lambda sample: self.ours(target, warm, sample)}
        if self.checkov:
            tools["checkov"] = lambda sample: self.theirs(target, sample)
        figures = interleave(tools, self.runs, self.sample)
        figures.setdefault("checkov", Figures())
        return figures

    def versions(self) -> list[str]:
        def version(command: list[str], env: dict[str, str]) -> str:
            done = subprocess.run(command, check=False, capture_output=True, text=True, env=env)
            return done.stdout.strip()

        lines = [f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}"]
        lines.append(version([self.tool, "--version"], self.ours_env))
        if self.checkov:
            checkov_version = version([self.checkov, "--version"], dict(self.env, **CHECKOV_ENV))
            lines.append(f"checkov {checkov_version} ({self.checkov})")
        return lines


ROWS = (("cold", "iam-preflight cold"), ("warm", "iam-preflight warm"), ("checkov", "checkov"))


def table(results: list[tuple[str, Path, dict[str, Figures]]], runs: int) -> None:
    print(f"median of {runs} fresh processes (min-max); CPU = user+sys of the process tree; memory in MiB")
    print("case: module folders / folders with .tf (nested modules included) / .tf files\n")
    header = f"{'case':33} {'tool':19} {'median s':>8} {'min-max s':>12} {'ratio':>6} {'CPU s':>6} {'ratio':>6}"
    header += f" {'max RSS':>7} {'tree PSS':>8}"
    print(header)
    print("-" * len(header))
    for name, target, figures in results:
        label = f"{name}: {count_roots(target)}/{count_modules(target)}/{count_files(target)}"
        theirs = figures["checkov"] if figures["checkov"].runs else None
        for key, tool in ROWS:
            f = figures[key]
            if not f.runs:
                if f.error is not None:
                    print(f"{label:33} {tool:19} failed: {f.error}")
                continue
            ratio = f"{theirs.median / f.median:5.1f}x" if theirs and key != "checkov" else ""
            cpu_ratio = f"{theirs.cpu / f.cpu:5.1f}x" if theirs and key != "checkov" else ""
            span = f"{f.low:.2f}-{f.high:.2f}"
            print(
                f"{label:33} {tool:19} {f.median:8.2f} {span:>12} {ratio:>6} {f.cpu:6.2f} {cpu_ratio:>6}"
                f" {f.max_rss:7.0f} {f.tree_pss:8.0f}"
            )
            label = ""
        for key, tool in ROWS:
            if figures[key].runs:
                print(f"{'':33} {tool + ' found:':19} {figures[key].runs[-1].summary}")
    ratios = [
        (figures["checkov"].median / figures[key].median, name, key)
        for name, _, figures in results
        if figures["checkov"].runs
        for key in ("cold", "warm")
    ]
    if ratios:
        lowest, name, key = min(ratios)
        verdict = "meets" if lowest >= 10 else "MISSES"
        print(f"\nlowest ratio checkov/iam-preflight: {lowest:.1f}x ({name}, {key} cache): {verdict} the 10x target")


def find_checkov(args: argparse.Namespace) -> str | None:
    if args.skip_checkov:
        return None
    checkov: str | None = args.checkov or shutil.which("checkov")
    if checkov is None:
        print(
            "checkov not on PATH: timing iam-preflight only. Install it in its own venv and pass --checkov:\n"
            "  python3 -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov",
            file=sys.stderr,
        )
    elif not shutil.which(checkov):
        print(f"checkov not found at {checkov}: timing iam-preflight only", file=sys.stderr)
        checkov = None
    return checkov


def inputs(args: argparse.Namespace, work: Path) -> list[tuple[str, Path]]:
    small = work / "small"
    shutil.rmtree(small, ignore_errors=True)
    shutil.copytree(args.small, small)
    corpus, memory = args.corpus, args.memory_corpus
    if corpus is None:
        corpus = work / "corpus"
        shutil.rmtree(corpus, ignore_errors=True)
        build_corpus(corpus, args.modules)
    if memory is None:
        memory = work / "corpus-memory"
        shutil.rmtree(memory, ignore_errors=True)
        build_corpus(memory, args.memory_modules)
    if count_roots(corpus) < 60:
        print(f"warning: {corpus} has {count_roots(corpus)} modules; the issue asks for 60+", file=sys.stderr)
    return [(f"small ({args.small.name})", small), ("corpus", corpus.resolve()), ("memory", memory.resolve())]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", maxsplit=1)[0])
    parser.add_argument("--checkov", help="checkov executable (default: `checkov` on PATH; skipped when missing)")
    parser.add_argument("--iam-preflight", dest="tool", help="iam-preflight executable (default: next to python)")
    parser.add_argument("--small", type=Path, default=ROOT / "examples" / "presign-sse-kms", help="small module")
    parser.add_argument("--corpus", type=Path, help="existing folder of 60+ modules (default: generate --modules)")
    parser.add_argument("--memory-corpus", type=Path, help="existing folder for the memory case")
    parser.add_argument("--modules", type=int, default=60)
    parser.add_argument("--memory-modules", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per measurement (median)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a run is killed")
    parser.add_argument("--sample", type=float, default=0.05, help="seconds between memory samples (0: off)")
    parser.add_argument("--keep", type=Path, help="build the inputs here and keep them")
    parser.add_argument("--skip-checkov", action="store_true", help="time iam-preflight only")
    args = parser.parse_args()
    tool = args.tool or shutil.which("iam-preflight", path=str(Path(sys.executable).parent)) or "iam-preflight"
    checkov = find_checkov(args)
    work = (args.keep or Path(tempfile.mkdtemp(prefix="bench-vs-checkov-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        cases = inputs(args, work)
        bench = Bench(tool, checkov, work, args.timeout, args.sample, args.runs)
        bench.warm_up(cases[0][1])
        results = []
        for name, target in cases:
            results.append((name, target, bench.case(target)))
            print(f"... {name} done", file=sys.stderr, flush=True)
        print("\n".join(bench.versions()))
        table(results, args.runs)
        if args.keep:
            print(f"\ninputs kept in {work}: small/, corpus/, corpus-memory/")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
