"""Instructions per request of `simulate --jsonl` on row a's input (issue 16), counted by callgrind.

A script that prints figures, not a test. Run from the repository root:

    .venv/bin/python benchmarks/bench_instructions.py [--requests 600] [--stages] [--code DIR ...]

On a shared machine wall and CPU time move by ±15% from run to run, with the same code; the instructions a
request costs move by less than 0.5%. So a change to the engine is measured here first, and by bench_peers.py after.

It writes the first `--requests` requests of row a (bench_peers.distinct_request: three policies of its own per
request) to a temporary file, and counts the instructions of one Python process answering none of them and all of
them (`simulate_jsonl`, in-process, the collector on as in a stream): the difference over the count is the cost of a
request. With `--stages`, the collector off, the cost is split cumulatively into the steps of a request: its line's
JSON; reading and checking its three policies; compiling them into a policy set; the decision; the response.

`--code DIR` measures the code of another checkout (a `git worktree add DIR REV`) beside this one: each DIR goes
first on PYTHONPATH. Needs valgrind (`apt-get install valgrind`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_peers import distinct_line, write_requests  # noqa: E402 - the benchmarks folder is not a package

# What one process runs: `stage` 0 counts the start-up alone (read the file, import the engine); the others stop after
# that step of each request (6: the whole stream, as `simulate --jsonl` answers it).
_PROGRAM = r"""
import gc, io, sys
stage, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
import linter.engine.simulate as sim
from linter.model import PolicyKind
lines = open(path, encoding="utf-8").read().splitlines()[:count]
if stage == 6:
    out = io.StringIO()
    for response in sim.simulate_jsonl(lines if count else []):
        out.write(response)
    raise SystemExit(0)
gc.disable()
last = sim._LastLine()
for line in lines if stage else ():
    request = sim._read_line(line)
    if stage == 1:
        continue
    if stage == 2:
        inputs = sim._policy_inputs(request)
        sim._named(inputs.identity, "PolicyInputList", PolicyKind.IDENTITY)
        if inputs.resource is not None:
            sim._parse_policy(inputs.resource, "ResourcePolicy", PolicyKind.RESOURCE)
        sim._levels_of(inputs.scps, sim._SCP_LEVELS, PolicyKind.SCP)
        continue
    if stage == 3:
        sim._policy_set(sim._policy_inputs(request))
        continue
    parsed = sim._parse(request, last)
    if stage == 4:
        for action in parsed.actions:
            for resource in parsed.resources:
                sim.decide(parsed.caller, action, resource, parsed.owner, parsed.context, parsed.policies, None)
        continue
    sim._response(request, None, last)
"""

_STAGES = {
    1: "the line's own JSON",
    2: "reading and checking its three policies",
    3: "compiling them into a policy set",
    4: "the decision",
    5: "the response (positions included)",
}


def instructions(code: Path, stage: int, requests: Path, count: int) -> int:
    """Instructions callgrind counts for one process of `_PROGRAM`."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(code), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    program = [sys.executable, "-c", _PROGRAM, str(stage), str(requests), str(count)]
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *program],
        cwd=requests.parent,  # not the repository root: `-c` puts the working folder first on sys.path
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"callgrind failed ({done.returncode}): {done.stderr[-2000:]}")
    return int(found.group(1))


def per_request(code: Path, requests: Path, count: int, stage: int = 6) -> float:
    return (instructions(code, stage, requests, count) - instructions(code, stage, requests, 0)) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="requests of row a to answer (default 600)")
    parser.add_argument("--stages", action="store_true", help="also split the cost into the steps of a request")
    parser.add_argument("--code", type=Path, action="append", default=[], help="another checkout to measure too")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing to count", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        requests = Path(folder) / "row-a.jsonl"
        write_requests(requests, args.requests, distinct_line)
        for code in [ROOT, *args.code]:
            total = per_request(code, requests, args.requests)
            print(f"{code}: {total / 1e6:.4f} M instructions a request ({args.requests:,} requests of row a)")
            if args.stages:
                before = 0.0
                for stage, name in _STAGES.items():
                    reached = per_request(code, requests, args.requests, stage)
                    print(f"  + {name:42s} {(reached - before) / 1e6:.4f} M  (so far {reached / 1e6:.4f} M)")
                    before = reached
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
