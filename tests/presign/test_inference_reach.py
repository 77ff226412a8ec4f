"""Finding the signers whose URLs all fail asks the engine about every (signer, bucket) pair; a pair that none of the
signer's identity statements can reach, and whose bucket has no policy, is let go without asking (`_reach_grants`).
It must let go only pairs the engine would have let go: the signers found are the same with and without it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.presign import inference, subject
from linter.sources.terraform import load_module

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(
    {path.parent for path in (REPO / "rules" / "presign" / "fixtures").rglob("main.tf")}
    | {path.parent for path in (REPO / "examples").rglob("main.tf")}
)


def _found(folder: Path) -> list[tuple[str, str, str]]:
    inventory = load_module(folder).inventory
    assert inventory is not None
    return [(u.signer.address, u.bucket.address, u.reach) for u in inference.unusable_signers(inventory, set())]


def _every_pair_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inference, "_reach_grants", lambda signer: None)


@pytest.mark.parametrize("folder", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_fixture_modules_find_the_same_signers(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = _found(folder)
    _every_pair_asked(monkeypatch)
    assert _found(folder) == found


# Identity statements of every shape the filter must read as "may reach": wildcards, NotResource, NotAction, policy
# variables, conditions, an unresolved value; and some that reach nothing (another bucket, another service).
STATEMENTS = [
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b0"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b1"},
    {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b2*"},
    {"Effect": "Allow", "Action": "s3:DeleteObject", "NotResource": "arn:aws:s3:::b3/*"},
    {"Effect": "Allow", "NotAction": "s3:GetObject", "Resource": "arn:aws:s3:::b4/*"},
    {"Effect": "Allow", "Action": "s3:List*", "Resource": "arn:aws:s3:::${aws:username}"},
    {
        "Effect": "Allow",
        "Action": "s3:PutObjectTagging",
        "Resource": "arn:aws:s3:::b5/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}},
    },
    {"Effect": "Allow", "Action": "s3:GetObjectAttributes", "Resource": "arn:aws:s3:::${var.bucket}/*"},
    {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
    {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b1"},
]


def _hcl_string(document: dict[str, object], *references: str) -> str:
    """The document as an HCL string: IAM's `${...}` escaped, the Terraform references named kept as references."""
    text = json.dumps(json.dumps(document)).replace("${", "$${")
    for reference in references:
        text = text.replace("$${" + reference + "}", "${" + reference + "}")
    return text


def _module(folder: Path) -> None:
    lines = ['variable "bucket" {\n  type = string\n}\n']
    for index, statement in enumerate(STATEMENTS):
        document = _hcl_string({"Version": "2012-10-17", "Statement": [statement]}, "var.bucket")
        lines.append(
            f'resource "aws_iam_user" "u{index}" {{\n  name = "b{index}"\n}}\n'
            f'resource "aws_iam_user_policy" "u{index}" {{\n  user   = aws_iam_user.u{index}.name\n'
            f"  policy = {document}\n}}\n"
        )
    for index in range(6):
        lines.append(f'resource "aws_s3_bucket" "b{index}" {{\n  bucket = "b{index}"\n}}\n')
    # One bucket whose policy grants the first user: the filter never lets a bucket with a policy go.
    grant = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "${aws_iam_user.u8.arn}"},
                "Action": "s3:ListBucket",
                "Resource": "${aws_s3_bucket.b5.arn}",
            }
        ],
    }
    lines.append(
        'resource "aws_s3_bucket_policy" "b5" {\n  bucket = aws_s3_bucket.b5.id\n'
        f"  policy = {_hcl_string(grant, 'aws_iam_user.u8.arn', 'aws_s3_bucket.b5.arn')}\n}}\n"
    )
    folder.mkdir()
    (folder / "main.tf").write_text("".join(lines))


def test_statements_of_every_shape_find_the_same_signers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "shapes"
    _module(folder)
    asked: list[tuple[str, str]] = []
    decide = subject.decide

    def counted(who: subject.Subject, action: str, *args: object, **kwargs: object) -> object:
        asked.append((who.signer.address, who.bucket.address))
        return decide(who, action, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(inference, "decide", counted)
    found = _found(folder)
    filtered = set(asked)
    asked.clear()
    _every_pair_asked(monkeypatch)
    assert _found(folder) == found
    assert found  # user two's shape is among them: list-only on b0 and b1
    # 10 users x 6 buckets: the filter lets go of the pairs no statement reaches.
    assert len(set(asked)) == 60
    assert len(filtered) < 40


def _listing_everything(folder: Path, count: int) -> None:
    """`count` users who may list every bucket and read none, beside `count` buckets: every pair is a finding."""
    lines = []
    for n in range(count):
        statement = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}
        lines.append(
            f'resource "aws_iam_user" "u{n}" {{\n  name = "u{n}"\n}}\n'
            f'resource "aws_iam_user_policy" "u{n}" {{\n  user   = aws_iam_user.u{n}.name\n'
            f"  policy = {_hcl_string({'Version': '2012-10-17', 'Statement': [statement]})}\n}}\n"
            f'resource "aws_s3_bucket" "b{n}" {{\n  bucket = "b{n}"\n}}\n'
        )
    folder.mkdir()
    (folder / "main.tf").write_text("".join(lines))


def _inventory_texts_read(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The inventories whose text is read for the ids its policies write, from here on (none remembered before)."""
    from linter.presign import readings

    texts: list[object] = []
    json_text = readings._json_text

    def counted(found: object) -> str:
        texts.append(found)
        return json_text(found)

    monkeypatch.setattr(readings, "_json_text", counted)
    monkeypatch.setattr(readings, "_LAST_READ", [])
    return texts


def test_the_inventory_is_read_for_written_ids_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each finding is checked against the account ids and regions the policies write; the inventory's text is read
    for them once, not once per pair (200 users beside 200 buckets took 8 minutes)."""
    _listing_everything(tmp_path / "m", 6)
    texts = _inventory_texts_read(monkeypatch)
    assert len(_found(tmp_path / "m")) == 36
    assert len(texts) == 1


def test_inference_examines_at_most_its_budget_of_pairs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _listing_everything(tmp_path / "m", 6)
    monkeypatch.setattr(inference, "PAIRS_EXAMINED", 10)
    assert len(_found(tmp_path / "m")) == 10


def test_declared_urls_read_the_inventory_for_written_ids_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every declared URL is decided under each reading of the ids its module's policies write; the module's text is
    read for them once, not once per URL (2,000 declarations took 9 s)."""
    from linter.cli import main

    folder = tmp_path / "m"
    _listing_everything(folder, 4)
    declarations = [
        f'[[presign]]\nsigner = "aws_iam_user.u{n % 4}"\nbucket = "aws_s3_bucket.b{n % 3}"\nkey = "k{n}/*"\n'
        for n in range(12)
    ]
    (folder / ".iam-preflight.toml").write_text("\n".join(declarations))
    texts = _inventory_texts_read(monkeypatch)
    monkeypatch.chdir(folder)
    assert main(["check", ".", "--format", "json", "--no-cache"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert sum(1 for f in report["findings"] if f["rule_id"] == "IPS001") == 12
    assert len(texts) == 1


def test_each_access_point_of_a_bucket_counts_against_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pair is asked about again through each access point of its bucket: those questions count too."""
    folder = tmp_path / "m"
    _listing_everything(folder, 2)
    points = "".join(
        f'resource "aws_s3_access_point" "a{b}_{n}" {{\n  bucket = aws_s3_bucket.b{b}.id\n  name   = "ap{b}-{n}"\n}}\n'
        for b in range(2)
        for n in range(3)
    )
    (folder / "points.tf").write_text(points)
    assert len(_found(folder)) == 4
    monkeypatch.setattr(inference, "PAIRS_EXAMINED", 4)
    assert len(_found(folder)) == 1  # the first pair and its bucket's three access points
