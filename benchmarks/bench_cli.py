"""Start-up and throughput of `iam-preflight check` on policy JSON (issue: foundation, point 11).

Run: `make bench` or `.venv/bin/python benchmarks/bench_cli.py [--runs N]`. Prints medians; targets are a cold
single-policy check ≤ 0.5 s and 1,000 policy files ≤ 5 s on a 2-core machine. Not a test: timings vary by machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from processes import timed as timed_process  # the shared process timing

ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "kms:Decrypt",
    "iam:PassRole",
    "ec2:RunInstances",
    "sts:AssumeRole",
]


def policy(i: int) -> dict[str, object]:
    """A realistic, varied policy: a few statements, ARNs, a condition, now and then a mistake to report."""
    bucket = f"bucket-{i % 37}"
    statements: list[dict[str, object]] = [
        {
            "Sid": f"Read{i}",
            "Effect": "Allow",
            "Action": [ACTIONS[i % len(ACTIONS)], "s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}"],
            "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
        },
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]
    if i % 5 == 0:
        statements.append({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


def write_policies(folder: Path, count: int) -> None:
    """`count` policy files, policy-0000.json and on (also the corpus of bench_peers.py and bench_scaling.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(count - 1)))
    for i in range(count):
        (folder / f"policy-{i:0{width}d}.json").write_text(json.dumps(policy(i), indent=2))


def timed(command: list[str], cwd: Path) -> float:
    """Wall seconds of one fresh process, from start to exit."""
    return timed_process(command, dict(os.environ), cwd, cwd / "output.txt", timeout=600).seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    exe = [sys.executable, "-m", "linter"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "one.json").write_text(json.dumps(policy(1), indent=2))
        write_policies(root / "corpus", args.files)
        timed([*exe, "--version"], root)  # warm the OS file cache, as a second pre-commit run would be
        noop = [timed([sys.executable, "-c", "pass"], root) for _ in range(args.runs)]
        one = [timed([*exe, "check", "one.json"], root) for _ in range(args.runs)]
        many = [timed([*exe, "check", "corpus"], root) for _ in range(max(3, args.runs // 2))]
    print(f"python -c pass                 median {statistics.median(noop):.3f} s")
    print(f"check one policy (cold)        median {statistics.median(one):.3f} s   (target <= 0.5 s)")
    print(f"check {args.files} policy files       median {statistics.median(many):.3f} s   (target <= 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
