"""The scaling curve of issue 16 (point 5): time and peak RSS of whole iam-preflight processes against input size.

A script that prints figures, not a test. Run from the repository root:

    .venv/bin/python benchmarks/bench_scaling.py [--runs 3] [--max-requests 1000000] [--only policies,...] [--json F]

Series (each size a fresh process, `--runs` times, median; sizes whose first run takes over `--long` seconds run once):
- policies: `check DIR --format json` on 1, 10, 100, 1,000, 10,000 policy files of bench_cli.py (`policy(i)`).
- terraform: `check DIR --format json` on 1, 10, 100, 1,000 modules of bench_terraform.build_corpus, cold (an empty
  IAM_PREFLIGHT_CACHE_DIR each run).
- requests: `simulate --jsonl FILE -o /dev/null` (its default workers, one per processor, as a user's run has them)
  on 1,000, 10,000, 100,000, 1,000,000 lines of bench_engine.py's typical batch (`request_line(i)`: the same three
  policies, callers, keys and source IPs varying). The 1,000,000 lines make a 2 GB file and take about a minute;
  `--max-requests 100000` leaves them out.
- distinct: the same on 100, 1,000, 10,000 requests each with its own policies (bench_peers.distinct_request, row a
  of bench_peers.py), the case where the model is built for every line.
Inputs are written to files by streaming (never all in memory), the requests by a child process: this process stays
small, since its own RSS would otherwise be the floor of every peak RSS measured (see processes.timed).

For each series: a least-squares line, time = constant + per-item cost x n (and the same for peak RSS), and the
per-item cost between consecutive sizes. "Linear" is judged on the ratio of the per-item cost between the two largest
sizes to the one between the two sizes before: about 1 when the cost per item stays the same, above 1 when it grows.
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
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_cli import write_policies  # noqa: E402  (the small policies of bench_cli.py)
from bench_terraform import build_corpus  # noqa: E402  (the synthetic Terraform corpus)
from processes import Run, timed  # noqa: E402  (the shared process timing)

# Run in a child: bench_engine imports the engine, which would make this process large (see the docstring).
WRITE_REQUESTS = """
import sys
sys.path.insert(0, sys.argv[1])
kind, count, path = sys.argv[2], int(sys.argv[3]), sys.argv[4]
from bench_peers import distinct_line, write_requests
if kind == "typical":
    from bench_engine import request_line as line
else:
    line = distinct_line
print(write_requests(__import__("pathlib").Path(path), count, line))
"""

SIZES = {
    "policies": [1, 10, 100, 1_000, 10_000],
    "terraform": [1, 10, 100, 1_000],
    "requests": [1_000, 10_000, 100_000, 1_000_000],
    "distinct": [100, 1_000, 10_000],
}
TITLES = {
    "policies": "check, JSON policy files (bench_cli.policy)",
    "terraform": "check, Terraform modules (bench_terraform.build_corpus), cold cache",
    "requests": "simulate --jsonl, typical batch (bench_engine.request_line)",
    "distinct": "simulate --jsonl, each request its own policies (bench_peers.distinct_request)",
}
UNITS = {"policies": ("policy", "policies"), "terraform": ("module", "modules"), "requests": ("request", "requests")}
UNITS["distinct"] = UNITS["requests"]


def fit(sizes: list[float], values: list[float]) -> tuple[float, float]:
    """Least-squares line through (size, value): (constant, per-item cost)."""
    count = len(sizes)
    if count == 1:
        return values[0], 0.0
    mean_x, mean_y = sum(sizes) / count, sum(values) / count
    spread = sum((x - mean_x) ** 2 for x in sizes)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(sizes, values, strict=True)) / spread
    return mean_y - slope * mean_x, slope


def marginal_costs(sizes: list[float], values: list[float]) -> list[float]:
    """The per-item cost between each size and the next."""
    return [(values[i + 1] - values[i]) / (sizes[i + 1] - sizes[i]) for i in range(len(sizes) - 1)]


def linearity(sizes: list[float], values: list[float]) -> float | None:
    """Per-item cost between the two largest sizes over the one between the two sizes before them (None with fewer
    than three sizes, or when the earlier cost is not positive)."""
    costs = marginal_costs(sizes, values)
    if len(costs) < 2 or costs[-2] <= 0:
        return None
    return costs[-1] / costs[-2]


def verdict(ratio: float | None) -> str:
    if ratio is None:
        return "too few sizes to tell"
    return "linear" if 0.67 <= ratio <= 1.5 else "NOT linear" if ratio > 1.5 else "sublinear (start-up dominated)"


@dataclass
class Point:
    size: int
    runs: list[Run] = field(default_factory=list)
    input_bytes: int = 0

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def rss(self) -> float:
        return max(r.max_rss_mb for r in self.runs)


class Scaling:
    def __init__(self, tool: str, work: Path, runs: int, long: float, timeout: float) -> None:
        self.tool, self.work, self.runs, self.long, self.timeout = tool, work, runs, long, timeout
        prefixes = ("IAM_PREFLIGHT_", "PYTHONDONTWRITEBYTECODE")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
        self.cwd = work / "run"
        self.cwd.mkdir(parents=True, exist_ok=True)

    def point(self, size: int, command: list[str], cache: Path) -> Point:
        point = Point(size)
        env = dict(self.env, IAM_PREFLIGHT_CACHE_DIR=str(cache))
        for attempt in range(self.runs):
            shutil.rmtree(cache, ignore_errors=True)
            point.runs.append(timed(command, env, self.cwd, self.work / "output", self.timeout))
            if attempt == 0 and point.runs[0].seconds > self.long:
                break
        return point

    def build(self, series: str, size: int) -> tuple[Path, list[str]]:
        """The input of one size (written afresh, the previous size's removed) and the command to time."""
        target = self.work / "input"
        shutil.rmtree(target, ignore_errors=True)
        target.unlink(missing_ok=True)
        if series == "policies":
            write_policies(target, size)
        elif series == "terraform":
            target.mkdir()
            build_corpus(target, size)
        else:
            kind = "typical" if series == "requests" else "distinct"
            command = [sys.executable, "-c", WRITE_REQUESTS, str(HERE), kind, str(size), str(target)]
            subprocess.run(command, check=True, capture_output=True)
            return target, [self.tool, "simulate", "--jsonl", str(target), "-o", os.devnull]
        return target, [self.tool, "check", str(target), "--format", "json"]

    def series(self, name: str, sizes: list[int]) -> list[Point]:
        points = []
        for size in sizes:
            target, command = self.build(name, size)
            input_bytes = sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) if target.is_dir() else 0
            input_bytes = input_bytes or target.stat().st_size
            point = self.point(size, command, self.work / "cache")
            point.input_bytes = input_bytes
            points.append(point)
            print(f"... {name} {size:,}: {point.seconds:.2f} s, {point.rss:.0f} MiB", file=sys.stderr, flush=True)
        shutil.rmtree(self.work / "input", ignore_errors=True)
        (self.work / "input").unlink(missing_ok=True)
        return points


def _per_item(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms" if seconds >= 1e-4 else f"{seconds * 1e6:.1f} us"


def report(name: str, points: list[Point], runs: int) -> dict[str, object]:
    """Prints one series' table and fits; returns them for --json."""
    unit, units = UNITS[name]
    sizes = [float(p.size) for p in points]
    seconds, rss = [p.seconds for p in points], [p.rss for p in points]
    print(f"\n{TITLES[name]} (median of up to {runs} fresh processes)")
    print(
        f"{'n':>10} {'input MB':>9} {'median s':>9} {'min-max s':>13} {'CPU s':>8} {'peak RSS MiB':>13}"
        f" {'per-item since last':>20}"
    )
    costs = [0.0, *marginal_costs(sizes, seconds)]
    for index, point in enumerate(points):
        span = f"{min(r.seconds for r in point.runs):.2f}-{max(r.seconds for r in point.runs):.2f}"
        since = _per_item(costs[index]) if index else ""
        print(
            f"{point.size:>10,} {point.input_bytes / 1e6:9.1f} {point.seconds:9.3f} {span:>13} {point.cpu:8.3f}"
            f" {point.rss:13.0f}"
            f" {since:>20}"
        )
    constant, slope = fit(sizes, seconds)
    rss_constant, rss_slope = fit(sizes, rss)
    ratio = linearity(sizes, seconds)
    cpu_ratio = linearity(sizes, [p.cpu for p in points])
    rss_ratio = linearity(sizes, rss)
    print(
        f"fit: time = {constant:.3f} s + {_per_item(slope)} per {unit} (measured at n={points[0].size:,}:"
        f" {points[0].seconds:.3f} s); throughput at n={points[-1].size:,}: {points[-1].size / seconds[-1]:,.0f}"
        f" {units}/s"
    )
    cpu_constant, cpu_slope = fit(sizes, [p.cpu for p in points])
    print(
        f"     on CPU time (less sensitive to other jobs): {cpu_constant:.3f} s + {_per_item(cpu_slope)} per {unit}"
        f" (measured at n={points[0].size:,}: {points[0].cpu:.3f} s)"
    )
    shown = "-" if ratio is None else f"{ratio:.2f}"
    cpu_shown = "-" if cpu_ratio is None else f"{cpu_ratio:.2f}"
    print(
        f"     per-item cost, two largest sizes / the two before: {shown} -> {verdict(ratio)}"
        f" (on CPU time: {cpu_shown} -> {verdict(cpu_ratio)})"
    )
    rss_shown = "-" if rss_ratio is None else f"{rss_ratio:.2f}"
    if rss_ratio is None and abs(rss_slope) * 1024 < 1:
        rss_shown = "flat"
    print(
        f"     peak RSS = {rss_constant:.0f} MiB + {rss_slope * 1024:.2f} KiB per {unit};"
        f" growth ratio {rss_shown} (two largest sizes / the two before)"
    )
    return {
        "title": TITLES[name],
        "points": [{"size": p.size, "input_bytes": p.input_bytes, "runs": [asdict(r) for r in p.runs]} for p in points],
        "fit_seconds": {"constant": constant, "per_item": slope, "linearity": ratio},
        "fit_cpu_seconds": {"constant": cpu_constant, "per_item": cpu_slope, "linearity": cpu_ratio},
        "fit_rss_mb": {"constant": rss_constant, "per_item": rss_slope, "linearity": rss_ratio},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per size (median)")
    parser.add_argument("--only", default=",".join(SIZES), help=f"series, comma-separated: {', '.join(SIZES)}")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="leave out larger simulate sizes")
    parser.add_argument("--long", type=float, default=30, help="a size whose first run takes longer runs once")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed")
    parser.add_argument("--iam-preflight", dest="tool", help="iam-preflight executable (default: next to python)")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (the last inputs are removed)")
    args = parser.parse_args()
    tool = args.tool or shutil.which("iam-preflight", path=str(Path(sys.executable).parent)) or "iam-preflight"
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(wanted) - set(SIZES)
    if unknown:
        parser.error(f"unknown series: {', '.join(sorted(unknown))}")
    work = (args.keep or Path(tempfile.mkdtemp(prefix="bench-scaling-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {}
    try:
        scaling = Scaling(tool, work, args.runs, args.long, args.timeout)
        scaling.point(1, [tool, "--version"], work / "cache")  # untimed: .pyc files and the OS file cache
        collected: dict[str, list[Point]] = {}
        for name in wanted:
            sizes = [s for s in SIZES[name] if name not in ("requests", "distinct") or s <= args.max_requests]
            collected[name] = scaling.series(name, sizes)
        version = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout.strip()
        print(f"\n{time.strftime('%Y-%m-%d %H:%M %Z')}; {os.cpu_count()} CPUs; {version}")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for name, points in collected.items():
            results[name] = report(name, points, args.runs)
        if args.json:
            args.json.write_text(json.dumps({"version": version, "series": results}, indent=2) + "\n")
            print(f"\nraw figures: {args.json}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
