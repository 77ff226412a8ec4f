"""KMS key and alias stand-ins and the provider region: the real region when known, else the this-region stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.model import THIS_ACCOUNT, Inventory, KmsKey, Text
from linter.presign.resolve import find_key
from linter.sources import Loaded
from linter.sources.terraform import load_module
from linter.sources.terraform.plan import PlanView
from linter.sources.terraform.values import ObjVal, Scalar, TfSpan

ACCOUNT = THIS_ACCOUNT
UNKNOWN = "${data.aws_region.current.name}"  # data.aws_region without a provider region: unresolved
THIS_REGION = "this-region"  # KmsKey.THIS_REGION: key and alias ARNs without a provider region, known
PROVIDER = 'provider "aws" {\n  region = "eu-west-1"\n}\n'
NO_REGION = (
    "no provider configuration sets the region: it comes from the environment Terraform runs in (set `region` in the "
    'provider "aws" block)'
)


def _load(folder: Path, source: str, files: dict[str, str] | None = None) -> Loaded:
    (folder / "main.tf").write_text(source)
    for name, text in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    loaded = load_module(folder)
    assert loaded.errors == [], [e.render() for e in loaded.errors]
    return loaded


def _inventory(loaded: Loaded) -> Inventory:
    assert loaded.inventory is not None
    return loaded.inventory


def _resources(loaded: Loaded, policy: str) -> list[tuple[str, str | None]]:
    """(value, unresolved) of every Resource of a policy's statements."""
    [found] = [p for p in loaded.policies if p.name == policy]
    return [(t.value, t.unresolved) for s in found.statements for t in s.resource or []]


def _notes(loaded: Loaded) -> list[tuple[str, str]]:
    return sorted((u.expression, u.reason) for u in _inventory(loaded).unresolved)


def _keys(loaded: Loaded) -> list[tuple[str, str | None, list[str], str]]:
    return [(k.address, k.region, k.aliases, k.arn) for k in _inventory(loaded).keys]


POLICY = """
resource "aws_kms_key" "k" {}

resource "aws_iam_policy" "p" {
  name = "use-key"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "kms:Decrypt"
      Resource = [aws_kms_key.k.arn, "${aws_kms_key.k.arn}", aws_kms_key.k.key_id, aws_kms_key.k.id]
    }]
  })
}
"""


def test_key_arn_is_the_inventory_key_arn_when_the_provider_sets_the_region(tmp_path: Path) -> None:
    loaded = _load(tmp_path, PROVIDER + POLICY)
    arn = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/aws_kms_key.k"
    assert _resources(loaded, "aws_iam_policy.p.policy") == [
        (arn, None),
        (arn, None),
        ("aws_kms_key.k", None),
        ("aws_kms_key.k", None),
    ]
    assert _keys(loaded) == [("aws_kms_key.k", "eu-west-1", [], arn)]
    assert _notes(loaded) == []


def test_the_region_stand_in_is_kms_key_this_region() -> None:
    assert KmsKey.THIS_REGION == THIS_REGION
    assert KmsKey.stand_in_arn("key/aws_kms_key.k", None) == f"arn:aws:kms:{THIS_REGION}:{ACCOUNT}:key/aws_kms_key.k"


def test_key_arn_reads_this_region_without_a_provider_region(tmp_path: Path) -> None:
    loaded = _load(tmp_path, POLICY)
    arn = f"arn:aws:kms:{THIS_REGION}:{ACCOUNT}:key/aws_kms_key.k"
    assert _resources(loaded, "aws_iam_policy.p.policy") == [
        (arn, None),
        (arn, None),
        ("aws_kms_key.k", None),  # the id part is the address either way
        ("aws_kms_key.k", None),
    ]
    # KmsKey.arn reads the same stand-in: like the account, the region is the one Terraform runs in, so the policy's
    # ARN is exactly the key's, known, and no note is produced.
    assert _keys(loaded) == [("aws_kms_key.k", None, [], arn)]
    assert _notes(loaded) == []


def test_replica_key_arn_reads_this_region_without_a_provider_region(tmp_path: Path) -> None:
    source = """
resource "aws_kms_key" "k" {}
resource "aws_kms_replica_key" "r" {
  primary_key_arn = aws_kms_key.k.arn
}
resource "aws_iam_policy" "p" {
  name   = "replica"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "kms:Decrypt",
    Resource = [aws_kms_replica_key.r.arn] }] })
}
"""
    loaded = _load(tmp_path, source)
    replica = f"arn:aws:kms:{THIS_REGION}:{ACCOUNT}:key/aws_kms_replica_key.r"
    assert _resources(loaded, "aws_iam_policy.p.policy") == [(replica, None)]
    assert _keys(loaded) == [
        ("aws_kms_key.k", None, [], f"arn:aws:kms:{THIS_REGION}:{ACCOUNT}:key/aws_kms_key.k"),
        ("aws_kms_replica_key.r", None, [], replica),
    ]
    assert _notes(loaded) == []


def test_the_environment_region_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    loaded = _load(tmp_path, POLICY)
    assert _keys(loaded)[0][1] is None
    assert _resources(loaded, "aws_iam_policy.p.policy")[0] == (
        f"arn:aws:kms:{THIS_REGION}:{ACCOUNT}:key/aws_kms_key.k",
        None,
    )
    assert _notes(loaded) == []


@pytest.mark.parametrize(
    ("provider", "tfvars", "region"),
    [
        (
            'provider "aws" {\n  region = var.region\n}\nvariable "region" {\n  default = "eu-central-1"\n}\n',
            None,
            "eu-central-1",
        ),
        ('provider "aws" {\n  region = var.region\n}\nvariable "region" {}\n', 'region = "us-west-2"\n', "us-west-2"),
        (
            'provider "aws" {\n  region = local.region\n}\nlocals {\n  region = "ca-central-1"\n}\n',
            None,
            "ca-central-1",
        ),
        # an aliased configuration is not the default one
        ('provider "aws" {\n  alias  = "west"\n  region = "us-west-2"\n}\n', None, None),
        ('provider "aws" {\n  alias  = "west"\n  region = "us-west-2"\n}\n' + PROVIDER, None, "eu-west-1"),
        ('provider "aws" {\n  profile = "prod"\n}\n', None, None),  # no region: the environment's
    ],
)
def test_provider_region_from_literals_variables_and_locals(
    tmp_path: Path, provider: str, tfvars: str | None, region: str | None
) -> None:
    loaded = _load(tmp_path, provider + POLICY, {"terraform.tfvars": tfvars} if tfvars else None)
    assert _keys(loaded)[0][1] == region
    value, unresolved = _resources(loaded, "aws_iam_policy.p.policy")[0]
    assert value == f"arn:aws:kms:{region or THIS_REGION}:{ACCOUNT}:key/aws_kms_key.k"
    assert unresolved is None
    assert _notes(loaded) == []


REGION_POLICY = """
data "aws_region" "current" {}
resource "aws_iam_policy" "q" {
  name   = "regions"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "kms:Decrypt",
    Resource = "arn:aws:kms:${data.aws_region.current.name}:111122223333:key/*" }] })
}
"""


def test_provider_region_from_a_variable_without_a_value_leaves_only_data_aws_region_unresolved(
    tmp_path: Path,
) -> None:
    source = 'provider "aws" {\n  region = var.region\n}\nvariable "region" {}\n' + POLICY + REGION_POLICY
    loaded = _load(tmp_path, source)
    assert _keys(loaded)[0][1] is None
    # The key's ARN reads the this-region stand-in, known; data.aws_region names the variable it waits for.
    assert _resources(loaded, "aws_iam_policy.p.policy")[0] == (
        f"arn:aws:kms:{THIS_REGION}:{ACCOUNT}:key/aws_kms_key.k",
        None,
    )
    assert _resources(loaded, "aws_iam_policy.q.policy") == [
        (f"arn:aws:kms:{UNKNOWN}:111122223333:key/*", "data.aws_region.current.name")
    ]
    assert _notes(loaded) == [("data.aws_region.current.name", "the region depends on var.region")]


def test_data_aws_region_resolves_to_the_provider_region(tmp_path: Path) -> None:
    source = """
provider "aws" {
  region = "eu-west-1"
}
provider "aws" {
  alias  = "use1"
  region = "us-east-1"
}
data "aws_region" "current" {}
data "aws_region" "use1" {
  provider = aws.use1
}
data "aws_region" "named" {
  name = "ap-southeast-2"
}
resource "aws_iam_policy" "p" {
  name = "regions"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = "kms:Decrypt"
      Resource = [
        "arn:aws:kms:${data.aws_region.current.name}:111122223333:key/*",
        "arn:aws:kms:${data.aws_region.current.id}:111122223333:key/*",
        "arn:aws:kms:${data.aws_region.current.region}:111122223333:key/*",
        "arn:aws:kms:${data.aws_region.use1.name}:111122223333:key/*",
        "arn:aws:kms:${data.aws_region.named.name}:111122223333:key/*",
      ]
    }]
  })
}
"""
    loaded = _load(tmp_path, source)
    assert _resources(loaded, "aws_iam_policy.p.policy") == [
        ("arn:aws:kms:eu-west-1:111122223333:key/*", None),
        ("arn:aws:kms:eu-west-1:111122223333:key/*", None),
        ("arn:aws:kms:eu-west-1:111122223333:key/*", None),
        ("arn:aws:kms:us-east-1:111122223333:key/*", None),
        ("arn:aws:kms:ap-southeast-2:111122223333:key/*", None),
    ]
    assert _notes(loaded) == []


def test_data_aws_region_without_a_provider_region_stays_unresolved(tmp_path: Path) -> None:
    source = """
data "aws_region" "current" {}
resource "aws_iam_policy" "p" {
  name   = "regions"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "kms:Decrypt",
    Resource = "arn:aws:kms:${data.aws_region.current.name}:111122223333:key/*" }] })
}
"""
    loaded = _load(tmp_path, source)
    assert _resources(loaded, "aws_iam_policy.p.policy") == [
        (f"arn:aws:kms:{UNKNOWN}:111122223333:key/*", "data.aws_region.current.name")
    ]
    assert _notes(loaded) == [("data.aws_region.current.name", NO_REGION)]


def test_resources_use_their_provider_configuration_or_their_own_region(tmp_path: Path) -> None:
    source = """
provider "aws" {
  region = "eu-west-1"
}
provider "aws" {
  alias  = "use1"
  region = "us-east-1"
}
resource "aws_kms_key" "default" {}
resource "aws_kms_key" "aliased" {
  provider = aws.use1
}
resource "aws_kms_key" "own" {
  region = "sa-east-1" # AWS provider 6: a resource's own region argument
}
resource "aws_kms_replica_key" "replica" {
  provider        = aws.use1
  primary_key_arn = aws_kms_key.default.arn
}
"""
    loaded = _load(tmp_path, source)
    assert [(address, region, arn) for address, region, _, arn in _keys(loaded)] == [
        ("aws_kms_key.default", "eu-west-1", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/aws_kms_key.default"),
        ("aws_kms_key.aliased", "us-east-1", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/aws_kms_key.aliased"),
        ("aws_kms_key.own", "sa-east-1", f"arn:aws:kms:sa-east-1:{ACCOUNT}:key/aws_kms_key.own"),
        (
            "aws_kms_replica_key.replica",
            "us-east-1",
            f"arn:aws:kms:us-east-1:{ACCOUNT}:key/aws_kms_replica_key.replica",
        ),
    ]


CHILD = """
resource "aws_kms_key" "k" {}

data "aws_region" "current" {}

output "arn" {
  value = aws_kms_key.k.arn
}

output "region" {
  value = data.aws_region.current.name
}
"""


def test_child_modules_inherit_the_default_provider_or_get_the_one_passed(tmp_path: Path) -> None:
    source = """
provider "aws" {
  region = "eu-west-1"
}
provider "aws" {
  alias  = "use1"
  region = "us-east-1"
}
module "inherits" {
  source = "./child"
}
module "passed" {
  source    = "./child"
  providers = { aws = aws.use1 }
}
resource "aws_iam_policy" "p" {
  name = "children"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "kms:Decrypt"
      Resource = [module.inherits.arn, module.passed.arn, "arn:aws:kms:${module.passed.region}:111122223333:key/*"]
    }]
  })
}
"""
    loaded = _load(tmp_path, source, {"child/main.tf": CHILD})
    inherits = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/module.inherits.aws_kms_key.k"
    passed = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/module.passed.aws_kms_key.k"
    assert _keys(loaded) == [
        ("module.inherits.aws_kms_key.k", "eu-west-1", [], inherits),
        ("module.passed.aws_kms_key.k", "us-east-1", [], passed),
    ]
    assert _resources(loaded, "aws_iam_policy.p.policy") == [
        (inherits, None),
        (passed, None),
        ("arn:aws:kms:us-east-1:111122223333:key/*", None),
    ]


def test_child_modules_without_a_root_provider_region_read_this_region(tmp_path: Path) -> None:
    source = """
module "inherits" {
  source = "./child"
}
resource "aws_iam_policy" "p" {
  name = "children"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "kms:Decrypt"
      Resource = [module.inherits.arn, "arn:aws:kms:${module.inherits.region}:111122223333:key/*"]
    }]
  })
}
"""
    loaded = _load(tmp_path, source, {"child/main.tf": CHILD})
    arn = f"arn:aws:kms:{THIS_REGION}:{ACCOUNT}:key/module.inherits.aws_kms_key.k"
    assert _keys(loaded) == [("module.inherits.aws_kms_key.k", None, [], arn)]
    # The key's ARN is the known stand-in; the child's data.aws_region stays unresolved.
    assert _resources(loaded, "aws_iam_policy.p.policy") == [
        (arn, None),
        (f"arn:aws:kms:{UNKNOWN}:111122223333:key/*", "data.aws_region.current.name"),
    ]
    assert _notes(loaded) == [("data.aws_region.current.name", NO_REGION)]


# --- aliases: a bucket encrypted "with an alias" links to the alias's key -----------------------------------------

ALIASED = """
resource "aws_kms_key" "k" {}

resource "aws_kms_alias" "a" {
  name          = "alias/reports"
  target_key_id = TARGET
}

resource "aws_s3_bucket" "b" {
  bucket = "acme-reports"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
  bucket = aws_s3_bucket.b.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = WRITTEN
    }
  }
}

resource "aws_iam_policy" "p" {
  name = "alias"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "kms:Decrypt"
      Resource = [aws_kms_alias.a.arn, aws_kms_alias.a.target_key_arn, aws_kms_alias.a.name]
    }]
  })
}
"""


def _bucket_key(loaded: Loaded) -> tuple[Text, KmsKey | None]:
    inventory = _inventory(loaded)
    [bucket] = inventory.buckets
    assert bucket.encryption is not None and bucket.encryption.kms_key is not None
    return bucket.encryption.kms_key, find_key(inventory, bucket.encryption.kms_key)


@pytest.mark.parametrize("target", ["aws_kms_key.k.key_id", "aws_kms_key.k.arn", "aws_kms_key.k.id"])
@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("aws_kms_alias.a.arn", "aws_kms_key.k"),
        ("aws_kms_alias.a.name", "aws_kms_key.k"),
        ("aws_kms_alias.a.id", "aws_kms_key.k"),
        ("aws_kms_alias.a.target_key_arn", "aws_kms_key.k"),
        ("aws_kms_alias.a.target_key_id", "aws_kms_key.k"),
        ('"alias/reports"', "alias/reports"),
        (f'"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/reports"', f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/reports"),
        ("aws_kms_key.k.arn", "aws_kms_key.k"),
    ],
)
@pytest.mark.parametrize("provider", [PROVIDER, ""], ids=["region", "no-region"])
def test_buckets_encrypted_through_an_alias_link_to_its_key(
    tmp_path: Path, provider: str, target: str, written: str, value: str
) -> None:
    loaded = _load(tmp_path, provider + ALIASED.replace("TARGET", target).replace("WRITTEN", written))
    text, key = _bucket_key(loaded)
    assert (text.value, text.unresolved) == (value, None)
    assert key is not None and key.address == "aws_kms_key.k"
    assert key.aliases == ["alias/reports"]
    assert not any(
        u.loc.address == "aws_s3_bucket_server_side_encryption_configuration.b" for u in _inventory(loaded).unresolved
    )


def test_alias_arns_use_the_key_stand_in_and_the_region(tmp_path: Path) -> None:
    source = PROVIDER + ALIASED.replace("TARGET", "aws_kms_key.k.key_id").replace("WRITTEN", "aws_kms_alias.a.arn")
    loaded = _load(tmp_path, source)
    assert _resources(loaded, "aws_iam_policy.p.policy") == [
        (f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/reports", None),
        (f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/aws_kms_key.k", None),  # target_key_arn: exactly KmsKey.arn
        ("alias/reports", None),
    ]
    [key] = _inventory(loaded).keys
    assert key.arn == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/aws_kms_key.k"
    assert KmsKey.stand_in_arn("alias/reports", key.region) == f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/reports"


def test_alias_arns_without_a_region_read_this_region(tmp_path: Path) -> None:
    source = ALIASED.replace("TARGET", "aws_kms_key.k.key_id").replace("WRITTEN", "aws_kms_alias.a.arn")
    loaded = _load(tmp_path, source)
    assert _resources(loaded, "aws_iam_policy.p.policy") == [
        (f"arn:aws:kms:{THIS_REGION}:{ACCOUNT}:alias/reports", None),
        (f"arn:aws:kms:{THIS_REGION}:{ACCOUNT}:key/aws_kms_key.k", None),  # target_key_arn: exactly KmsKey.arn
        ("alias/reports", None),
    ]
    [key] = _inventory(loaded).keys
    assert key.arn == f"arn:aws:kms:{THIS_REGION}:{ACCOUNT}:key/aws_kms_key.k"
    assert _notes(loaded) == []


def test_an_alias_of_a_key_defined_elsewhere_reads_as_its_name(tmp_path: Path) -> None:
    source = ALIASED.replace("TARGET", '"1234abcd-12ab-34cd-56ef-1234567890ab"').replace(
        "WRITTEN", "aws_kms_alias.a.arn"
    )
    loaded = _load(tmp_path, PROVIDER + source)
    text, key = _bucket_key(loaded)
    assert (text.value, text.unresolved, key) == ("alias/reports", None, None)
    assert _keys(loaded) == [("aws_kms_key.k", "eu-west-1", [], f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/aws_kms_key.k")]


def test_plan_views_read_the_planned_region_then_the_configuration() -> None:
    span = TfSpan(1, 1, 1, 1, "plan.json")
    values = ObjVal(span, members={"region": (span, Scalar(span, value="eu-north-1"))})
    assert PlanView("aws_kms_key.k", "aws_kms_key", values, {}).region() == "eu-north-1"
    assert PlanView("aws_kms_key.k", "aws_kms_key", values, {"region": True}).region() is None
    assert PlanView("aws_kms_key.k", "aws_kms_key", ObjVal(span), {}).region() is None
