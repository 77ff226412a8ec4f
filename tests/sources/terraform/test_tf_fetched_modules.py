"""Module calls `terraform init` fetched (.terraform/modules/modules.json) are followed as Terraform finds them;
data sources computable offline are computed."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from linter.sources.confine import checking
from linter.sources.terraform import load_module
from linter.sources.terraform.evaluate import Evaluator, Instance, root_inputs
from linter.sources.terraform.values import Scalar, Unknown, Val

CHILD = 'variable "name" {\n  type = string\n}\n\noutput "arn" {\n  value = "arn:aws:s3:::${var.name}"\n}\n'


def _root(folder: Path, calls: str, manifest: list[dict[str, str]] | None) -> None:
    (folder / "main.tf").write_text(calls + "locals {\n  x = module.m.arn\n}\n")
    if manifest is not None:
        (folder / ".terraform" / "modules").mkdir(parents=True)
        (folder / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": manifest}))


def _x(folder: Path) -> Val:
    with checking([folder]):  # as a run does: reads stay in the checked tree
        ev = Evaluator()
        module = ev.module(folder)
        return Instance(ev, module, "", root_inputs(ev, module, [])).local("x")


REGISTRY_CALL = 'module "m" {\n  source  = "acme/bucket/aws"\n  version = "1.0.0"\n  name    = "logs"\n}\n'
ROOT_ENTRY = {"Key": "", "Source": "", "Dir": "."}


def _fetch(folder: Path, key: str, directory: str, body: str = CHILD) -> None:
    (folder / directory).mkdir(parents=True)
    (folder / directory / "main.tf").write_text(body)


def test_a_registry_call_resolves_to_its_fetched_folder(tmp_path: Path) -> None:
    entry = {
        "Key": "m",
        "Source": "registry.terraform.io/acme/bucket/aws",
        "Version": "1.0.0",
        "Dir": ".terraform/modules/m",
    }
    _root(tmp_path, REGISTRY_CALL, [ROOT_ENTRY, entry])
    _fetch(tmp_path, "m", ".terraform/modules/m")
    result = _x(tmp_path)
    assert isinstance(result, Scalar) and result.value == "arn:aws:s3:::logs"


def test_nested_calls_are_keyed_by_their_call_names(tmp_path: Path) -> None:
    # module "m" (git) calls module "inner" (registry): modules.json keys them "m" and "m.inner"
    git = "git::https://example.com/acme/wrapper.git?ref=v2"
    wrapper = (
        'variable "name" {\n  type = string\n}\n'
        'module "inner" {\n  source = "acme/bucket/aws"\n  name   = "${var.name}-inner"\n}\n'
        'output "arn" {\n  value = module.inner.arn\n}\n'
    )
    entries = [
        ROOT_ENTRY,
        {"Key": "m", "Source": git, "Dir": ".terraform/modules/m"},
        {"Key": "m.inner", "Source": "registry.terraform.io/acme/bucket/aws", "Dir": ".terraform/modules/m.inner"},
    ]
    _root(tmp_path, f'module "m" {{\n  source = "{git}"\n  name   = "logs"\n}}\n', entries)
    _fetch(tmp_path, "m", ".terraform/modules/m", wrapper)
    _fetch(tmp_path, "m.inner", ".terraform/modules/m.inner")
    result = _x(tmp_path)
    assert isinstance(result, Scalar) and result.value == "arn:aws:s3:::logs-inner"


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        (None, "module source 'acme/bucket/aws' is not a local path; it is not followed"),
        ([ROOT_ENTRY], "module source 'acme/bucket/aws' is not a local path; it is not followed"),
        (
            [ROOT_ENTRY, {"Key": "m", "Source": "registry.terraform.io/acme/other/aws", "Dir": ".terraform/modules/m"}],
            "module source 'acme/bucket/aws' was fetched as 'registry.terraform.io/acme/other/aws': run terraform init"
            " again; it is not followed",
        ),
        (
            [ROOT_ENTRY, {"Key": "m", "Source": "registry.terraform.io/acme/bucket/aws", "Dir": "/etc"}],
            "module source 'acme/bucket/aws' was fetched to '/etc', outside the checked tree; it is not read",
        ),
    ],
)
def test_calls_not_fetched_or_not_usable_stay_unknown_with_a_reason(
    tmp_path: Path, manifest: list[dict[str, str]] | None, reason: str
) -> None:
    _root(tmp_path, REGISTRY_CALL, manifest)
    result = _x(tmp_path)
    assert isinstance(result, Unknown) and not result.error
    assert result.reason == reason


def test_one_note_per_call_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tf: SimpleNamespace) -> None:
    monkeypatch.chdir(tmp_path)
    _root(tmp_path, REGISTRY_CALL, None)
    loaded = load_module(tmp_path)
    assert tf.unresolved(loaded) == [
        (
            "module.m",
            "main.tf:1:1",
            "module.m",
            "module source 'acme/bucket/aws' is not a local path; it is not followed",
        )
    ]


DATA = """
provider "aws" {
  region = "eu-west-3"
}
data "aws_partition" "p" {}
data "aws_region" "r" {}
data "aws_caller_identity" "me" {}
data "aws_arn" "log_group" {
  arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*"
}
data "aws_arn" "bad" {
  arn = "not-an-arn"
}
variable "unset" {
  type = string
}
data "aws_arn" "unknown" {
  arn = var.unset
}
"""


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("data.aws_partition.p.partition", "aws"),
        ("data.aws_partition.p.dns_suffix", "amazonaws.com"),
        ("data.aws_region.r.name", "eu-west-3"),
        ("data.aws_caller_identity.me.account_id", "000000000000"),  # the account stand-in (attributes.py)
        ("data.aws_caller_identity.me.id", "000000000000"),  # the provider sets id to the account id
        ("data.aws_arn.log_group.partition", "aws"),
        ("data.aws_arn.log_group.service", "logs"),
        ("data.aws_arn.log_group.region", "us-east-1"),
        ("data.aws_arn.log_group.account", "123456789012"),
        ("data.aws_arn.log_group.resource", "log-group:/aws/lambda/fn:*"),  # the rest, colons included
    ],
)
def test_data_sources_computed_offline(tmp_path: Path, expr: str, expected: str) -> None:
    (tmp_path / "main.tf").write_text(f"locals {{\n  x = {expr}\n}}\n{DATA}")
    result = _x(tmp_path)
    assert isinstance(result, Scalar) and (result.value, result.unresolved) == (expected, None)


def test_an_arn_data_source_over_a_malformed_or_unknown_arn(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(f"locals {{\n  x = data.aws_arn.bad.account\n}}\n{DATA}")
    bad = _x(tmp_path)
    assert isinstance(bad, Unknown) and bad.error
    (tmp_path / "main.tf").write_text(f"locals {{\n  x = data.aws_arn.unknown.account\n}}\n{DATA}")
    unknown = _x(tmp_path)
    assert isinstance(unknown, Unknown) and not unknown.error
    assert unknown.reason == "the ARN depends on var.unset"


def test_a_fetched_folder_linked_out_of_the_tree_is_not_read(tmp_path: Path) -> None:
    # `.terraform/modules/m` is a symbolic link to a folder outside the checked tree: refused as that folder
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "main.tf").write_text(CHILD)
    root = tmp_path / "root"
    root.mkdir()
    entry = {"Key": "m", "Source": "registry.terraform.io/acme/bucket/aws", "Dir": ".terraform/modules/m"}
    _root(root, REGISTRY_CALL, [ROOT_ENTRY, entry])
    (root / ".terraform" / "modules" / "m").symlink_to(outside, target_is_directory=True)
    result = _x(root)
    assert isinstance(result, Unknown)
    assert result.reason == (
        "module source 'acme/bucket/aws' was fetched to '.terraform/modules/m', outside the checked tree;"
        " it is not read"
    )
