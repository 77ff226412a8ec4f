"""One .tf file -> IR: structure, positions, heredoc bodies, suppression comments, one-line syntax errors."""

from __future__ import annotations

import pytest

from linter.sources.terraform.hcl import HclSyntaxError, parse_text, template_parts, unescape

SOURCE = """# iam-preflight:ignore IPP001 reason here
resource "aws_iam_policy" "p" {
  name = "x-${var.env}" // iam-preflight:ignore IPG001
  policy = <<-EOT
    {"Resource": "${aws_s3_bucket.b.arn}/*"}
  EOT
  count = var.on ? 1 : 0
}
"""


def test_blocks_attributes_and_positions() -> None:
    ir = parse_text(SOURCE)
    [block] = ir["blocks"]
    assert (block["type"], block["labels"], block["span"]) == ("resource", ["aws_iam_policy", "p"], [2, 1, 8, 2])
    name, policy, count = block["attrs"]
    assert name["name"] == "name" and name["span"] == [3, 3, 3, 24]
    assert name["expr"]["kind"] == "tpl" and name["expr"]["parts"][0] == "x-"
    assert name["expr"]["parts"][1]["text"] == "var.env" and name["expr"]["parts"][1]["span"] == [3, 15, 3, 22]
    # A heredoc ends on its closing marker line; its interpolations are positioned inside the file.
    assert policy["span"] == [4, 3, 6, 6]
    heredoc = policy["expr"]
    assert (heredoc["kind"], heredoc["body_line"], heredoc["indent"]) == ("heredoc", 5, 4)
    literal, reference, rest = heredoc["parts"]
    assert literal == '    {"Resource": "'
    assert (reference["text"], reference["span"], reference["width"]) == ("aws_s3_bucket.b.arn", [5, 21, 5, 40], 22)
    assert rest == '/*"}\n'
    assert count["expr"]["kind"] == "cond" and count["expr"]["text"] == "var.on ? 1 : 0"


def test_suppressions_above_and_trailing() -> None:
    assert parse_text(SOURCE)["suppressions"] == [
        [1, 1, "IPP001", "reason here", 2, 8],
        [3, 25, "IPG001", "", 3, 3],
    ]


def test_expression_kinds() -> None:
    ir = parse_text(
        'a = foo.bar[0].baz[*].q\nb = {(var.k) = 1, "s" = 2, t: 3}\nc = f(x, y...)\nd = -1\ne = [for k, v in m : v]\n'
    )
    a, b, c, d, e = (attr["expr"] for attr in ir["attrs"])
    assert a["kind"] == "trav" and [op[0] for op in a["steps"]] == ["attr", "index", "attr", "splat", "attr"]
    assert [item[0]["kind"] for item in b["items"]] == ["trav", "lit", "lit"]
    assert (c["name"], c["expand"], len(c["args"])) == ("f", True, 2)
    assert d["kind"] == "un" and d["operator"] == "-"
    assert (e["kind"], e["key_var"], e["value_var"], e["is_object"]) == ("for", "k", "v", False)


@pytest.mark.parametrize(
    ("source", "line", "column", "message"),
    [
        ("a = = 1", 1, 5, "syntax error: unexpected '='"),
        ('resource "x" "y" {\n  a = 1 2\n}', 2, 9, "syntax error: unexpected '2'"),
        ("a = {\n  b = [1,\n}", 3, 1, "syntax error: unexpected '}'"),
        ("x = <<EOF\nabc\n", 1, 5, "syntax error: heredoc <<EOF is not closed"),
        ('resource "x" "y" {\n  a = 1\n', 3, 1, "syntax error: unexpected end of file (unclosed block or bracket?)"),
    ],
)
def test_syntax_errors_are_one_line_with_position(source: str, line: int, column: int, message: str) -> None:
    with pytest.raises(HclSyntaxError) as caught:
        parse_text(source)
    assert (caught.value.line, caught.value.column, caught.value.message) == (line, column, message)
    assert "\n" not in caught.value.message


def test_unescape_and_template_escapes() -> None:
    assert unescape(r"a\"b\\c\n\u0041 $${x} %%{y}") == 'a"b\\c\nA ${x} %{y}'
    parts = template_parts('{"a": "$${literal}", "b": "${var.x}"}', 10, 1)
    assert parts[0] == '{"a": "${literal}", "b": "'
    assert parts[1]["text"] == "var.x" and parts[1]["span"][:2] == [10, 30]
    assert template_parts("%{ if x }y%{ endif }", 1, 1)[0]["kind"] == "directive"
