"""JSON files a repository holds beside its policies: editor settings with comments, empty files and policy templates
whose placeholders stand outside strings (Terraform `templatefile`) are no policy as written. A directory walk skips
them with the reason, and `--skip-non-policy` (a hook naming files) the templates; named on the command line they
are the input error they always were (exit 2). A template that is JSON is checked with its placeholders unknown;
policies with IAM's own variables, and broken policies, are checked as ever."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from linter.cli import main

FULL_ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
DEVCONTAINER = '{\n  // the editor\'s own comments\n  "workspaceFolder": "${containerWorkspaceFolder}"\n}\n'
UNQUOTED_TEMPLATE = (
    '{"Version": "2012-10-17", "Statement": [\n'
    '  {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": ${queue_arns}}\n]}\n'
)
QUOTED_TEMPLATE = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "${kms_key_arn}"}]}
)
TEMPLATE_FILE_MODULE = """
locals {
  queues = ["arn:aws:sqs:us-east-1:111111111111:q"]
}
resource "aws_iam_role_policy" "send" {
  role   = "app"
  policy = templatefile("${path.module}/policies/send.json", { queue_arns = jsonencode(local.queues) })
}
"""
NO_STATEMENT = 'not JSON and without a "Statement" element, not an IAM policy'


def _template(placeholder: str) -> str:
    return (
        f"a template: '{placeholder}' stands where JSON needs a value (Terraform templatefile), checked where a module"
        " renders it"
    )


def _report(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["check", *args, "--format", "json", "--no-cache"])
    return code, json.loads(capsys.readouterr().out)


def _repository(root: Path) -> None:
    (root / ".devcontainer").mkdir()
    (root / ".devcontainer" / "devcontainer.json").write_text(DEVCONTAINER)
    (root / "response.json").write_text("")
    (root / "policies").mkdir()
    (root / "policies" / "send.json").write_text(UNQUOTED_TEMPLATE)
    (root / "policies" / "decrypt.json").write_text(QUOTED_TEMPLATE)
    (root / "main.tf").write_text(TEMPLATE_FILE_MODULE)
    (root / "admin.json").write_text(json.dumps(FULL_ADMIN))


def test_a_walk_skips_what_is_no_policy_and_checks_the_rest(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _repository(in_tmp)
    code, report = _report(["."], capsys)
    assert code == 1
    assert report["errors"] == []
    assert [(f["rule_id"], f["location"]["file"]) for f in report["findings"]] == [("IPP001", "admin.json")]
    assert [(entry["file"], entry["reason"]) for entry in report["skipped"]] == [
        (".devcontainer/devcontainer.json", NO_STATEMENT),
        ("policies/send.json", _template("${queue_arns}")),
        ("response.json", "an empty file"),
    ]
    assert report["summary"]["files_checked"] == 4  # admin.json, policies/decrypt.json, main.tf and what it renders


def test_named_alone_they_are_input_errors_unless_skipped(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _repository(in_tmp)
    names = [".devcontainer/devcontainer.json", "policies/send.json", "response.json"]
    code, report = _report(names, capsys)
    assert code == 2
    assert [(e["location"]["file"], e["location"]["line"], e["message"]) for e in report["errors"]] == [
        (".devcontainer/devcontainer.json", 2, "invalid JSON: expected a quoted key, found '/'"),
        ("policies/send.json", 2, "invalid JSON: unexpected character '$': expected a value"),
        ("response.json", 1, "empty file: expected an IAM policy document"),
    ]
    code, report = _report(["--skip-non-policy", *names, "admin.json"], capsys)
    assert code == 2  # a hook still reports what may be a policy someone broke or emptied; a template it skips
    assert [e["location"]["file"] for e in report["errors"]] == [".devcontainer/devcontainer.json", "response.json"]
    assert [entry["file"] for entry in report["skipped"]] == ["policies/send.json"]


def test_a_template_that_is_json_is_checked_with_its_placeholders_unknown(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "${kms_key_arn}"},  # unknown: no IPA003
            {"Effect": "Allow", "Action": "s3:GetObjects", "Resource": "arn:aws:s3:::${bucket}/*"},  # IPA001 still
        ],
    }
    (in_tmp / "decrypt.json").write_text(json.dumps(template, indent=2))
    code, report = _report(["decrypt.json"], capsys)
    assert code == 1
    assert [(f["rule_id"], f["location"]["line"]) for f in report["findings"]] == [("IPA001", 11)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # IAM's own variables hold a colon; `$${` is a template's escape: a policy, checked.
        (
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${aws:username}/$${x}"},
                    ],
                }
            ),
            None,
        ),
        # A policy broken without any placeholder stays the input error it is, in a walk too.
        ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}', "invalid JSON"),
    ],
)
def test_policies_are_still_policies(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], text: str, message: str | None
) -> None:
    (in_tmp / "p.json").write_text(text)
    code, report = _report(["."], capsys)
    if message is None:
        assert (code, report["errors"], report["skipped"], report["summary"]["files_checked"]) == (0, [], [], 1)
    else:
        assert code == 2
        assert [e["message"].split(":")[0] for e in report["errors"]] == [message]


def test_a_placeholder_is_a_name_of_bounded_length() -> None:
    """The placeholder is shown in the skip reason and kept as the unknown value's source: a name of any length (a
    hostile file's megabyte) is no placeholder."""
    from linter.sources.json_file import _template_placeholder_in

    assert _template_placeholder_in("arn:aws:s3:::${ bucket_name }/*") == "${ bucket_name }"
    assert _template_placeholder_in("${" + "a" * 128 + "}") == "${" + "a" * 128 + "}"
    assert _template_placeholder_in("${" + "a" * 129 + "}") is None
    assert _template_placeholder_in("${aws:username}/$${kept}") is None  # IAM's variable; a template's escape


@pytest.mark.parametrize(
    ("text", "policies"),
    [
        (QUOTED_TEMPLATE, 1),  # a template that is JSON: read once, checked
        # JSON that names a Statement and holds a placeholder but is no policy document: read once, then told apart
        (json.dumps({"Description": "${name}", "Resources": {"Statement": []}}), 0),
    ],
)
def test_a_file_with_a_placeholder_is_parsed_once(text: str, policies: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from linter.sources import json_file, policy_document

    parsed: list[str] = []
    parse_lazily = json_file.parse_lazily

    def counted(source: str) -> object:
        parsed.append(source)
        return parse_lazily(source)

    monkeypatch.setattr(json_file, "parse_lazily", counted)
    monkeypatch.setattr(policy_document, "decode", lambda _text: pytest.fail("read again to model it plainly"))
    loaded = json_file.load_json_bytes(text.encode(), "t.json", "t.json")
    assert (len(parsed), len(loaded.policies), loaded.errors) == (1, policies, [])
