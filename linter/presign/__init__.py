"""Pre-signed URL pre-flight: will a URL work, for its whole life, for the person who opens it?

- `declared`: expectations (config `[[presign]]` or CLI flags) resolved into checks; verdicts cached per run.
- `preflight`: the verdict for one expectation; `inference`: signers whose URLs would all fail (IPS004).
- `request`, `lifetime`, `subject`, `readings`, `resolve`: the request a URL makes, how long it can live, the policies
  in play, written account ids, and finding signer, bucket, access point, key and endpoint in an inventory.
- `problem`, `messages`: what a verdict tells a person.

The package imports nothing itself: IPS004 runs on every Terraform inventory and needs only part of it.
"""
