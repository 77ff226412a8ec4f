"""The tags of users and roles (`PrincipalResource.tags`): `tags` merged over the provider's default_tags, as the
AWS provider's `tags_all` holds them.

HashiCorp, "Default Tags in the Terraform AWS Provider": "Any tags set here will also be inherited by dependent
Terraform modules. Setting default tags at the provider level will not supersede tags set on individual resources
as resource tags take precedence."
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.model import PrincipalResource
from linter.sources.json_file import load_json_file
from linter.sources.terraform import load_module

DEFAULTS = """
provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { team = "platform", env = "prod" }
  }
}
"""


def _principals(folder: Path, source: str, files: dict[str, str] | None = None) -> dict[str, PrincipalResource]:
    (folder / "main.tf").write_text(source)
    for name, text in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    loaded = load_module(folder)
    assert loaded.errors == [], [e.render() for e in loaded.errors]
    assert loaded.inventory is not None
    return {p.address: p for p in loaded.inventory.principals}


def _tags(principal: PrincipalResource) -> dict[str, tuple[str, str | None]] | None:
    if principal.tags is None:
        return None
    return {key: (text.value, text.unresolved) for key, text in principal.tags.items()}


def test_resource_tags_win_over_default_tags(tmp_path: Path) -> None:
    found = _principals(
        tmp_path,
        DEFAULTS
        + """
resource "aws_iam_user" "reader" {
  name = "reader"
  tags = { team = "media" }
}
resource "aws_iam_role" "plain" {
  name               = "plain"
  assume_role_policy = "{}"
}
resource "aws_iam_group" "g" {
  name = "g"
}
""",
    )
    assert _tags(found["aws_iam_user.reader"]) == {"team": ("media", None), "env": ("prod", None)}
    assert _tags(found["aws_iam_role.plain"]) == {"team": ("platform", None), "env": ("prod", None)}
    assert found["aws_iam_group.g"].tags is None  # groups have no tags and sign nothing


def test_without_any_tags_the_principal_has_none(tmp_path: Path) -> None:
    found = _principals(tmp_path, 'resource "aws_iam_user" "u" {\n  name = "u"\n}\n')
    assert _tags(found["aws_iam_user.u"]) == {}


def test_a_null_tag_is_left_out(tmp_path: Path) -> None:
    found = _principals(tmp_path, 'resource "aws_iam_user" "u" {\n  name = "u"\n  tags = { a = null, b = "1" }\n}\n')
    assert _tags(found["aws_iam_user.u"]) == {"b": ("1", None)}


def test_an_unresolved_value_is_unknown_and_the_others_known(tmp_path: Path) -> None:
    found = _principals(
        tmp_path,
        'variable "owner" {}\n'
        'resource "aws_iam_user" "u" {\n  name = "u"\n  tags = { team = "media", owner = var.owner }\n}\n',
    )
    assert _tags(found["aws_iam_user.u"]) == {"team": ("media", None), "owner": ("${var.owner}", "var.owner")}


def test_an_unresolved_map_leaves_the_tags_unknown(tmp_path: Path) -> None:
    found = _principals(
        tmp_path, 'variable "tags" {}\nresource "aws_iam_user" "u" {\n  name = "u"\n  tags = var.tags\n}\n'
    )
    assert found["aws_iam_user.u"].tags is None


def test_child_modules_inherit_default_tags_and_an_aliased_provider_passes_its_own(tmp_path: Path) -> None:
    child = 'resource "aws_iam_user" "c" {\n  name = "c"\n  tags = { own = "yes" }\n}\n'
    found = _principals(
        tmp_path,
        DEFAULTS
        + """
provider "aws" {
  alias  = "bare"
  region = "eu-west-1"
}
module "inherits" {
  source = "./child"
}
module "passed" {
  source    = "./child"
  providers = { aws = aws.bare }
}
resource "aws_iam_user" "on_bare" {
  provider = aws.bare
  name     = "on-bare"
}
""",
        {"child/main.tf": child},
    )
    assert _tags(found["module.inherits.aws_iam_user.c"]) == {
        "team": ("platform", None),
        "env": ("prod", None),
        "own": ("yes", None),
    }
    assert _tags(found["module.passed.aws_iam_user.c"]) == {"own": ("yes", None)}
    assert _tags(found["aws_iam_user.on_bare"]) == {}


def test_tags_all_reads_as_the_merged_map(tmp_path: Path) -> None:
    found = _principals(
        tmp_path,
        DEFAULTS
        + """
resource "aws_iam_user" "reader" {
  name = "reader"
  tags = { team = "media" }
}
resource "aws_iam_user" "twin" {
  name = "twin"
  tags = aws_iam_user.reader.tags_all
}
""",
    )
    assert _tags(found["aws_iam_user.twin"]) == {"team": ("media", None), "env": ("prod", None)}


def test_a_plan_gives_the_providers_own_tags_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_user.u",
                        "mode": "managed",
                        "type": "aws_iam_user",
                        "name": "u",
                        "provider_name": "registry.terraform.io/hashicorp/aws",
                        "values": {
                            "name": "u",
                            "tags": {"team": "media"},
                            "tags_all": {"team": "media", "env": "prod"},
                        },
                    }
                ]
            }
        },
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    monkeypatch.chdir(tmp_path)
    loaded = load_json_file("plan.json", "plan.json")
    assert loaded.errors == [] and loaded.inventory is not None
    [user] = loaded.inventory.principals
    assert _tags(user) == {"team": ("media", None), "env": ("prod", None)}
