"""Every hostile input of the "safe on untrusted pull requests" issue, run through the real CLI on one core.

Run: `.venv/bin/python benchmarks/bench_hostile.py [--only NAME] [--keep DIR]`. Each case is written to a fresh
folder (a git work tree, beside an `outside/` folder holding a planted secret), run as a whole `iam-preflight`
process pinned to CPU 0 (where `os.sched_setaffinity` exists), and measured: wall time, peak RSS of the process and
its helpers, exit code. A case fails when it takes 10 s or more, peaks at 500 MB or more, exits outside 0/1/2,
prints "internal error" or a traceback, or prints the planted secret or a forged workflow command. Exit 1 if any
case fails. Not a test: the suite keeps no timed test; this is where the time limits are measured.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SECRET = "AKIAHOSTILESECRET0001"
LIMIT_SECONDS = 10.0
LIMIT_MB = 500.0
# A line a GitHub or Azure runner would read as a command, when the tool did not write it.
FORGED = re.compile(r"^\s*(::(?!(error|warning|notice) file=)|##\[|##vso\[)", re.MULTILINE)
WIDE_OPEN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass
class Case:
    name: str
    build: Callable[[Path], list[str]]  # writes the inputs under the repo folder, returns the CLI arguments
    stdin: bytes = b""
    close_stdout: bool = False
    expect: str = ""  # text the output must hold (the finding a hostile input must not hide)
    env: dict[str, str] = field(default_factory=dict)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _policy_tf(expression: str, extra: str = "") -> str:
    return f'{extra}\nresource "aws_iam_policy" "p" {{\n  policy = {expression}\n}}\n'


def _statement_tf(resource: str, extra: str = "") -> str:
    return _policy_tf(
        'jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", '
        f"Resource = {resource} }}] }})",
        extra,
    )


def file_etc_passwd(repo: Path) -> list[str]:
    _write(repo / "m" / "main.tf", _policy_tf('file("/etc/passwd")'))
    return ["check", "m", "--format", "github"]


def proc_environ(repo: Path) -> list[str]:
    _write(repo / "m" / "main.tf", _statement_tf('split("\\u0000", file("/proc/self/environ"))'))
    return ["check", "m", "--format", "github"]


def credentials_outside(repo: Path) -> list[str]:
    _write(repo / "m" / "main.tf", _policy_tf(f'file("{repo.parent / "outside" / "credentials"}")'))
    return ["check", "m", "--format", "json"]


def forged_workflow_command(repo: Path) -> list[str]:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*\n::error::forged"}],
    }
    _write(repo / "p.json", json.dumps(policy))
    return ["check", "p.json"]


def forged_in_junit(repo: Path) -> list[str]:
    forged_workflow_command(repo)
    return ["check", "p.json", "--format", "junit"]


def escape_in_file_name(repo: Path) -> list[str]:
    _write(repo / "\x1b[31mred\x1b[0m.json", json.dumps(WIDE_OPEN))
    _write(repo / "::error::x.json", json.dumps(WIDE_OPEN))
    return ["check", ".", "--format", "github"]


def re2_replace(repo: Path) -> list[str]:
    resource = 'replace("' + "a" * 40 + '!", "/(a+)+$/", "x")'
    _write(repo / "m" / "main.tf", _statement_tf(resource))
    return ["check", "m"]


def iam_glob(repo: Path) -> list[str]:
    request = {
        "PolicyInputList": [
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + "*a" * 30 + "*b"},
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": "*",
                            "Condition": {"StringLike": {"aws:UserAgent": "*a" * 30 + "*b"}},
                        },
                    ],
                }
            )
        ],
        "ActionNames": ["s3:GetObject"],
        "ResourceArns": ["arn:aws:s3:::" + "a" * 2000],
        "ContextEntries": [
            {"ContextKeyName": "aws:UserAgent", "ContextKeyType": "string", "ContextKeyValues": ["a" * 5000]}
        ],
    }
    _write(repo / "request.json", json.dumps(request))
    return ["simulate", "request.json"]


def concat_doubling(repo: Path) -> list[str]:
    lines = ['  l0 = ["a", "a"]'] + [f"  l{i} = concat(local.l{i - 1}, local.l{i - 1})" for i in range(1, 64)]
    _write(repo / "m" / "main.tf", _statement_tf("local.l63", "locals {\n" + "\n".join(lines) + "\n}"))
    return ["check", "m"]


def nested_for(repo: Path) -> list[str]:
    expression = 'flatten([for i in range(1024) : [for j in range(1024) : [for k in range(1024) : "*"]]])'
    _write(repo / "m" / "main.tf", _statement_tf(expression))
    return ["check", "m"]


def file_dev_zero(repo: Path) -> list[str]:
    _write(repo / "m" / "main.tf", _policy_tf('file("/dev/zero")'))
    return ["check", "m"]


def baseline_dev_zero(repo: Path) -> list[str]:
    _write(repo / ".iam-preflight.toml", 'baseline = "/dev/zero"\n')
    _write(repo / "p.json", json.dumps(WIDE_OPEN))
    return ["check", "p.json"]


def empty_statements(repo: Path) -> list[str]:
    _write(repo / "big.json", '{"Version": "2012-10-17", "Statement": [' + ",".join(["{}"] * 300_000) + "]}")
    return ["check", "big.json"]


def misspelt_names(repo: Path) -> list[str]:
    """Names AWS does not know, each of which a rule could suggest the closest real one for (~0.5 ms a name): only
    the findings listed may pay for it."""
    names = 60_000
    statement = {
        "Effect": "Allow",
        "Action": [f"svc{n}:Get{n}" for n in range(names)] + [f"s3:GetObjectX{n}" for n in range(names)],
        "Resource": "*",
        "Condition": {f"StringEquals{n}": {"aws:SourceVpc": "v"} for n in range(names // 3)},
    }
    _write(repo / "p.json", json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    return ["check", "p.json"]


def many_resources(repo: Path) -> list[str]:
    """20,000 ARNs against the resource types of eight whole services: each pair would be judged (3.4 million)."""
    actions = ["s3:Get*", "ec2:*", "iam:*", "dynamodb:*", "lambda:*", "sqs:*", "sns:*", "kms:*"]
    statement = {"Effect": "Allow", "Action": actions, "Resource": [f"arn:aws:s3:::b{n}/k{n}" for n in range(20_000)]}
    _write(repo / "p.json", json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    return ["check", "p.json"]


def huge_integer(repo: Path) -> list[str]:
    digits = "9" * 5000
    _write(
        repo / "p.json",
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", '
        f'"Condition": {{"NumericLessThan": {{"s3:max-keys": {digits}}}}}}}]}}',
    )
    _write(repo / "ok.json", json.dumps(WIDE_OPEN))
    return ["check", "."]


def symlink_loop(repo: Path) -> list[str]:
    (repo / "a.json").symlink_to("b.json")
    (repo / "b.json").symlink_to("a.json")
    _write(repo / "ok.json", json.dumps(WIDE_OPEN))
    return ["check", "."]


def write_baseline_after_failure(repo: Path) -> list[str]:
    _write(repo / "ok.json", json.dumps(WIDE_OPEN))
    _write(repo / "broken.json", '{"Version": "2012-10-17", "Statement": [')  # a policy cut short
    _write(repo / "baseline.json", '{"version": 1, "findings": []}\n')
    return ["check", ".", "--write-baseline", "baseline.json"]


def planted_cache_entry(repo: Path) -> list[str]:
    # A well-formed entry under the key a real run would use, written by someone without the cache's secret.
    _write(repo / "m" / "main.tf", _policy_tf("jsonencode(" + json.dumps(WIDE_OPEN).replace(":", " =") + ")"))
    return ["check", "m"]


def closed_stdout(repo: Path) -> list[str]:
    _write(repo / "p.json", json.dumps(WIDE_OPEN))
    return ["check", "p.json"]


def huge_expires(repo: Path) -> list[str]:
    url = (
        "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261207"
        "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T000000Z&X-Amz-Expires="
        + "1"
        + "0" * 23
        + "&X-Amz-SignedHeaders=host&X-Amz-Signature="
        + "0" * 64
    )
    return ["explain-url", url]


def _users_beside_buckets(repo: Path, count: int, statement: Callable[[int], str]) -> list[str]:
    """`count` IAM users, user n with one inline statement (`statement(n)`, HCL), beside `count` buckets."""
    blocks = [
        f'resource "aws_iam_user" "u{n}" {{\n  name = "u{n}"\n}}\n'
        f'resource "aws_iam_user_policy" "u{n}" {{\n  user = aws_iam_user.u{n}.name\n'
        f'  policy = jsonencode({{ Version = "2012-10-17", Statement = [{statement(n)}] }})\n}}\n'
        f'resource "aws_s3_bucket" "b{n}" {{\n  bucket = "b{n}"\n}}\n'
        for n in range(count)
    ]
    _write(repo / "main.tf", "".join(blocks))
    return ["check", "."]


def signers_beside_buckets(repo: Path) -> list[str]:
    """600 users beside 600 buckets, each user granted its own bucket: 360,000 (signer, bucket) pairs to look at."""
    return _users_beside_buckets(
        repo, 600, lambda n: f'{{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::b{n}/*" }}'
    )


def signers_listing_every_bucket(repo: Path) -> list[str]:
    """200 users who may each list every bucket and read none, beside 200 buckets: 40,000 pairs, each a finding."""
    listing = '{ Effect = "Allow", Action = ["s3:ListBucket"], Resource = "*" }'
    return _users_beside_buckets(repo, 200, lambda n: listing)


def many_declared_urls(repo: Path) -> list[str]:
    """2,000 pre-signed URLs declared in the repository's config for one module of 50 users and 50 buckets."""
    args = _users_beside_buckets(
        repo, 50, lambda n: f'{{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::b{n}/*" }}'
    )
    declared = (
        f'[[presign]]\nsigner = "aws_iam_user.u{n % 50}"\nbucket = "aws_s3_bucket.b{n * 7 % 50}"\nkey = "k{n}/*"\n'
        for n in range(2000)
    )
    _write(repo / ".iam-preflight.toml", "\n".join(declared))
    return args


def module_cycle(repo: Path) -> list[str]:
    _write(repo / "a" / "main.tf", 'module "b" {\n  source = "../b"\n}\n')
    _write(repo / "b" / "main.tf", 'module "a" {\n  source = "../a"\n}\n')
    return ["check", "a"]


CASES = [
    Case("file(/etc/passwd)", file_etc_passwd),
    Case("split(file(/proc/self/environ))", proc_environ, env={"HOSTILE_TOKEN": SECRET}),
    Case("file(credentials outside)", credentials_outside),
    Case("Resource forging ::error (text)", forged_workflow_command),
    Case("Resource forging ::error (junit)", forged_in_junit),
    Case("ESC and :: in file names (github)", escape_in_file_name),
    Case("replace /(a+)+$/ (RE2)", re2_replace),
    Case("IAM glob *a*a…*b on long ARN", iam_glob),
    Case("concat doubled 63 times", concat_doubling),
    Case("for range(1024)^3", nested_for),
    Case("file(/dev/zero)", file_dev_zero),
    Case("baseline = /dev/zero in config", baseline_dev_zero),
    Case("300,000 empty statements (2 MB)", empty_statements),
    Case("120,000 unknown actions, 20,000 unknown operators", misspelt_names),
    Case("20,000 ARNs x 8 whole services", many_resources),
    Case("5,000-digit integer", huge_integer, expect="IPP001"),
    Case("symlink loop", symlink_loop, expect="IPP001"),
    Case("--write-baseline after a failed input", write_baseline_after_failure),
    Case("planted cache entry", planted_cache_entry, expect="IPP001"),
    Case("closed stdout", closed_stdout, close_stdout=True),
    Case("X-Amz-Expires=10^23", huge_expires),
    Case("600 users beside 600 buckets", signers_beside_buckets),
    Case("200 users listing 200 buckets", signers_listing_every_bucket),
    Case("2,000 declared URLs", many_declared_urls),
    Case("modules calling each other", module_cycle),
]


def _pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _pin_and_close_stdout() -> None:
    _pin_to_one_core()
    os.close(1)  # `iam-preflight check x >&-`


def run_case(case: Case, folder: Path, exe: list[str], cache: Path) -> dict[str, object]:
    repo = folder / "repo"
    (repo / ".git").mkdir(parents=True)
    (folder / "outside").mkdir()
    (folder / "outside" / "credentials").write_text(f"aws_access_key_id = {SECRET}\n")
    args = case.build(repo)
    if case.name == "planted cache entry":
        _plant(repo, exe, cache)
    env = {**os.environ, "IAM_PREFLIGHT_CACHE_DIR": str(cache), **case.env}
    env.pop("IAM_PREFLIGHT_DEBUG", None)
    before = (repo / "baseline.json").read_bytes() if (repo / "baseline.json").exists() else None
    start = time.perf_counter()
    process = subprocess.Popen(
        [*exe, *args],
        cwd=repo,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL if case.close_stdout else subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_pin_and_close_stdout if case.close_stdout else _pin_to_one_core,  # noqa: PLW1509 (no threads)
    )
    try:
        out, err = process.communicate(case.stdin, timeout=60)
        timed_out = False
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        timed_out = True
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    text = (out or b"").decode("utf-8", "replace") + (err or b"").decode("utf-8", "replace")
    problems = []
    if timed_out or seconds >= LIMIT_SECONDS:
        problems.append(f"{seconds:.1f} s")
    if peak_mb >= LIMIT_MB:
        problems.append(f"{peak_mb:.0f} MB")
    if process.returncode not in (0, 1, 2):
        problems.append(f"exit {process.returncode}")
    if "internal error" in text or "Traceback" in text:
        problems.append("internal error")
    if SECRET in text or "root:x:0:0" in text:
        problems.append("leaked a secret")
    if FORGED.search(text):
        problems.append("forged workflow command")
    if case.expect and case.expect not in text:
        problems.append(f"{case.expect} missing from the output")
    if before is not None and (repo / "baseline.json").read_bytes() != before:
        problems.append("baseline replaced after a failed input")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return {
        "case": case.name,
        "seconds": round(seconds, 2),
        "peak_mb": round(peak_mb, 1),
        "exit": process.returncode,
        "ok": not problems,
        "problems": problems,
        "first_line": first_line[:110],
    }


def _plant(repo: Path, exe: list[str], cache: Path) -> None:
    """Fill the cache with a real run, then rewrite every entry's payload as an empty module, keeping its header and
    signature line (an earlier job can write the cache folder, but does not hold the key kept outside it)."""
    env = {**os.environ, "IAM_PREFLIGHT_CACHE_DIR": str(cache)}
    subprocess.run([*exe, "check", "m"], cwd=repo, env=env, capture_output=True, check=False)
    for entry in (cache / "hcl").rglob("*.json"):
        signature, header, _ = entry.read_bytes().split(b"\n", 2)
        entry.write_bytes(signature + b"\n" + header + b"\n" + b'{"ir": {"blocks": [], "attrs": []}}')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument("--keep", type=Path, help="keep each case's folder under DIR")
    parser.add_argument("--iam-preflight", help="the executable (default: .venv/bin/iam-preflight)")
    args = parser.parse_args()
    exe = [args.iam_preflight or str(Path(sys.executable).with_name("iam-preflight"))]
    results = []
    for index, case in enumerate(c for c in CASES if not args.only or args.only in c.name):
        # Each case in a process of its own so RUSAGE_CHILDREN's peak is that case's alone.
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / f"case{index}"
            folder.mkdir()
            reply = subprocess.run(
                [sys.executable, __file__, "--one", case.name, str(folder), json.dumps(exe)],
                capture_output=True,
                text=True,
                check=False,
            )
            if args.keep:
                shutil.copytree(folder, args.keep / f"case{index}", symlinks=True, dirs_exist_ok=True)
        try:
            results.append(json.loads(reply.stdout))
        except ValueError:
            results.append({"case": case.name, "ok": False, "problems": [reply.stderr.strip()[-200:]]})
    width = max(len(str(r["case"])) for r in results)
    print(f"{'case':<{width}}  {'seconds':>7}  {'peak MB':>7}  exit  verdict")
    for r in results:
        verdict = "ok" if r["ok"] else "FAIL: " + ", ".join(map(str, r["problems"]))
        print(
            f"{r['case']:<{width}}  {r.get('seconds', '-'):>7}  {r.get('peak_mb', '-'):>7}  {r.get('exit', '-'):>4}  "
            f"{verdict}"
        )
    print(f"limits: {LIMIT_SECONDS:.0f} s, {LIMIT_MB:.0f} MB, one core; {sum(not r['ok'] for r in results)} failing")
    return 0 if all(r["ok"] for r in results) else 1


def _one(name: str, folder: str, exe: str) -> int:
    case = next(c for c in CASES if c.name == name)
    cache = Path(folder) / "cache"
    print(json.dumps(run_case(case, Path(folder), json.loads(exe), cache)))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        sys.exit(_one(*sys.argv[2:5]))
    sys.exit(main())
