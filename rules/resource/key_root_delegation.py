from collections.abc import Iterator

from linter.findings import Finding, Severity
from linter.model import Policy, PolicyKind, account_label
from linter.rule import Rule, RuleContext
from rules._shared.principals import refs_of_type
from rules._shared.statements import (
    account_of,
    any_resource_element,
    grants_action,
    is_allow,
    is_delegation,
    known,
    service_wildcard,
)


class KeyRootDelegation(Rule):
    """Notes the standard KMS key policy statement that hands control of the key to the account's IAM policies.

    ## What it does
    Recognises the statement AWS writes into every default key policy — `Principal` the account root,
    `Action: "kms:*"`, `Resource: "*"`, no condition — and reports it at info level, naming the account whose IAM
    policies now decide who may use and administer the key.

    It is information, not a problem: an account principal delegates, it grants nothing by itself
    (iam-semantics §1), and in a key policy `Resource: "*"` means this key. No least-privilege rule reports this
    statement (checkov's CKV_AWS_109/111/356 do, and that is the false positive this rule replaces). Removing it
    can make the key unmanageable.

    ## Why it matters
    With the delegation in place, any identity policy in that account that allows `kms:Decrypt` on `*` can
    decrypt with this key; without it, only principals named in the key policy can. When a pre-signed download of
    an SSE-KMS object fails, this is the statement that says where to look: the signer's identity policy.

    ## Example
    ```json
    {"Version": "2012-10-17", "Statement": [{"Sid": "EnableIAMUserPermissions", "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}
    ```

    ## Instead
    Keep the statement, and grant key use in the identity policies of the principals that need it (or name them
    in the key policy):
    ```json
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt",
      "Resource": "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}
    ```

    ## References
    - https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """

    id = "IPR004"
    name = "key-root-delegation"
    severity = Severity.INFO
    summary = "Key policy delegates the key to the account's IAM policies (the default key policy statement)"
    doc_url = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"
    tags = ("kms", "delegation")
    kinds = frozenset({PolicyKind.KEY})

    def check_policy(self, policy: Policy, context: RuleContext) -> Iterator[Finding]:
        for statement in policy.statements:
            if not is_allow(statement) or statement.conditions or not is_delegation(statement):
                continue
            whole_service = any(service_wildcard(t.value) == "kms" for t in known(statement.action))
            if not whole_service or grants_action(statement, "kms:Decrypt") is None:
                continue
            if any_resource_element(statement) is None:
                continue
            for ref in refs_of_type(statement, "AWS"):
                account = account_of(ref.value.value)
                who = account_label(account) if account else "the account"
                yield self.finding(
                    ref.value.loc,
                    f"{statement.label} delegates this key to {who}'s IAM policies: any principal "
                    "there whose identity policies allow a kms: action on the key may perform it. This is the "
                    "default key policy statement; grant key use in those identity policies.",
                    subject=f"delegate {account}",
                )
