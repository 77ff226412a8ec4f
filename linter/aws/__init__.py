"""Calls to AWS, made only behind an explicit flag (`--simulate` on presign, explain-url and check); offline stays
the default.

- `client`: the one module that touches boto3/botocore (untyped): the IAM client, its retries and timeouts, the
  paginated SimulateCustomPolicy and SimulatePrincipalPolicy calls, and AWS's faults turned into one-line
  `AwsCallError`s without secrets.
- `simulate`: a URL's pre-flight inputs as SimulateCustomPolicy requests (SimulatePrincipalPolicy for
  `--principal-arn`), `SimulationPart`, and responses read into typed results (`EvalResult`).
- `confirm`: AWS's answers set against the engine's on the same requests, and what stays local.
- `deployed`: the deployed state (IAM principals and their policies, buckets, keys, access points) read through
  clients handed in, into the same `Inventory` the Terraform produces; a refused read is an unknown with a note.
  Not wired to a command yet (`--from-aws`, issue 14).

The package imports nothing itself: boto3 loads only when a command asks AWS (tests/cli/test_startup.py).
"""
