from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules._shared.statements import full_admin_elements


class FullAdmin(Rule):
    """Reports an identity policy statement that allows every action on every resource.

    ## What it does
    Finds `Allow` statements with `Action: "*"` (or `*:*`) and `Resource: "*"` that no condition narrows. A
    condition on the transport, the Region, the user agent, MFA or the time does not count: it says how the
    caller connects, not who the caller is or what it reaches.

    Service control policies and resource control policies are not checked: `Allow * on *` there is AWS's own
    `FullAWSAccess` / `RCPFullAWSAccess` policy, the default that every other guardrail subtracts from.

    ## Why it matters
    The holder of this policy can do anything the account can, including granting itself and others any other
    permission, deleting audit trails and reading every secret. One leaked credential is a full account compromise.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    ```

    ## Instead
    Grant the actions the workload calls, on its resources:
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": "arn:aws:s3:::presign-demo/uploads/*"}]}
    ```
    For people who truly administer the account, use the AWS managed `AdministratorAccess` policy on a role that
    requires MFA to assume, so the grant is visible and deliberate.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_strategies.html
    """

    id = "IPP001"
    name = "full-admin"
    severity = Severity.ERROR
    summary = "Allow statement grants every action on every resource"
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    tags = ("least-privilege", "wildcard")
    kinds = frozenset({PolicyKind.IDENTITY})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            admin = full_admin_elements(statement)
            if admin is None:
                continue
            action, resource = admin
            yield self.finding(
                action.loc,
                f"{statement.label} allows every action ({action.value!r}) on every resource "
                f"({resource.value!r}) with no narrowing condition: this is full administrator access. "
                "Grant the actions the workload calls on its own resource ARNs.",
                subject=f"{action.value} on {resource.value}",
            )
