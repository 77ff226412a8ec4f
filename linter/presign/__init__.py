"""Pre-signed URL pre-flight: will a URL work, for its whole life, for the person who opens it?

- `declared`: expectations (config `[[presign]]` or CLI flags) resolved into checks; verdicts cached per run.
- `preflight`: the verdict for one expectation: opens the doors in order, under each reading of written ids.
- `doors/`: one module per cause of a failing URL (lifetime, names, region, access point network, the object
  permission and the doors built on it, VPC endpoint, KMS, ACL, Object Ownership, a signer of another account).
- `causes`: the closed set of cause kinds (`CauseKind`) and the statuses each comes with; `levels`: the engine's
  policy-type labels read once; `problem`: a cause with its words; `wording`: the one module that words causes.
- `inference`: signers whose URLs would all fail (IPS004).
- `request`, `lifetime`, `subject`, `readings`, `resolve`: the request a URL makes, how long it can live, the policies
  in play, written account ids, and finding signer, bucket, access point, key and endpoint in an inventory.

The package imports nothing itself: IPS004 runs on every Terraform inventory and needs only part of it.
"""
