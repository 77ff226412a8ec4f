from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind
from linter.rule import Rule, RuleContext
from rules._shared.principals import unrestricted_public
from rules._shared.statements import listing, resources_text


class PublicPrincipal(Rule):
    """Reports an Allow to `Principal: "*"` that no condition restricts: anyone, anonymous callers included.

    ## What it does
    Finds `Allow` statements in resource, key and trust policies whose principal is `"*"` or `{"AWS": "*"}` and
    that have no positive condition pinning the caller: `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`,
    `aws:PrincipalAccount`, `aws:PrincipalArn` (with a fixed account), `aws:PrincipalIsAWSService` (`true`: AWS's
    service principals only), `aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceIp` (a /8 or narrower range),
    `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID`, `aws:SourceOwner`, `aws:userid`, `aws:username`,
    `kms:CallerAccount` or `s3:DataAccessPointAccount`.

    Negated operators (`StringNotEquals`, `NotIpAddress`), `...IfExists` and `ForAllValues:` are all true when the
    key is missing — and anonymous requests carry no principal keys — so alone they restrict nothing in an Allow.
    `Deny` statements with `Principal: "*"` are the normal way to write guardrails and are never reported.

    ## Why it matters
    `Principal: "*"` is every AWS account and every unauthenticated caller on the internet. A bucket policy like
    this publishes the data; a trust policy like this lets anyone assume the role; a key policy like this lets
    anyone use the key.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*"}]}
    ```

    ## Instead
    Name the principals, or pin `*` to your organization:
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::presign-demo/*",
      "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    ```

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    """

    id = "IPR001"
    name = "public-principal"
    severity = Severity.ERROR
    summary = 'Allow to Principal "*" without a condition that pins the caller: public access'
    doc_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
    tags = ("public", "principal")
    kinds = frozenset({PolicyKind.RESOURCE, PolicyKind.KEY, PolicyKind.TRUST})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            everyone = unrestricted_public(statement)
            # Reported even when no action is one the AWS data knows: the data may lag a new action, and a public
            # grant must not go unreported on that guess (IPA001 says the actions are unknown).
            if everyone is None:
                continue
            actions = listing(t.value for t in statement.actions_or_not())
            if statement.action is None:
                actions = f"every action except {actions}"
            yield self.finding(
                everyone.value.loc,
                f"{statement.label} allows {actions} on {resources_text(statement, policy.kind)} to everyone "
                "(Principal '*'), anonymous callers included. Name the principals, or add a condition such as "
                "StringEquals aws:PrincipalOrgID, aws:SourceVpce or aws:SourceArn.",
                subject=f"* {','.join(sorted(t.value.lower() for t in statement.actions_or_not()))}",
            )
