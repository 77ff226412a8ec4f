from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules._shared.statements import is_allow, is_delegation, listing, resources_text


class AllowNotAction(Rule):
    """Reports `NotAction` in an Allow statement: it grants every action except the listed ones.

    ## What it does
    Finds `Allow` statements that use `NotAction`. `Deny` with `NotAction` is the normal way to write "deny
    everything except" and is never reported; nor are SCPs and RCPs, which are guardrails, nor statements whose
    principals are whole accounts (they delegate to that account's IAM).

    ## Why it matters
    `Allow` + `NotAction` grants every action of every service that is not listed, including actions AWS adds
    after the policy was written. A policy meant to exclude `iam:*` still grants `organizations:*`, `sts:*` and
    every data action; a condition does not change which actions are covered.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    ```

    ## Instead
    List what is granted, and deny the exceptions explicitly if they must never be granted:
    ```json
    {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::presign-demo/*"},
      {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    """

    id = "IPP005"
    name = "allow-not-action"
    severity = Severity.WARNING
    summary = "Allow statement uses NotAction and so grants every action not listed, future ones included"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html"
    tags = ("least-privilege", "not-action")
    kinds = frozenset({PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.KEY, PolicyKind.TRUST})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not is_allow(statement) or not statement.not_action or is_delegation(statement):
                continue
            excluded = [t.value for t in statement.not_action]
            reach = (
                "every action of every other service" if policy.kind is PolicyKind.IDENTITY else "every other action"
            )
            yield self.finding(
                statement.not_action[0].loc,
                f"{statement.label} allows every action except {listing(excluded)} on "
                f"{resources_text(statement, policy.kind)}: that includes {reach}, and those AWS adds later. "
                "List the granted actions in Action, and Deny what must never be granted.",
                subject=",".join(sorted(v.lower() for v in excluded)),
            )
