"""Every citation of the specification, docs/iam-semantics.md, names a section, subsection and edge case it has.

A citation starts at a mention of `iam-semantics` (`docs/iam-semantics.md`, `iam-semantics.md`, `iam-semantics`) and
goes on through the `§N` that follow it, separated by spaces, commas, semicolons or "and":
`iam-semantics.md §4 error codes; §7 case 46`, `iam-semantics §1, §4`, `iam-semantics §7 cases 44-46 and 48`.
What directly follows a `§N` is either a list of cases (`case 46`, `cases 28, 29`, `cases 44-46 and 48`, with a
hyphen or an en dash) or the name of a subsection: words up to the next punctuation (not starting with "and" or "or",
which is prose), matched against the section's `###` headings and the keys in brackets after them (`§4 error codes`,
`§4 OWN`, `§4 S3-403`). `§7 case N` counts as a citation even without the mention (only the spec has numbered
cases), and so does a `test_case_N` / `test_cases_N_M` function in a test module that cites §7.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "docs" / "iam-semantics.md"
SCANNED = ("linter", "rules", "tests", "docs", "README.md", "CONTRIBUTING.md", "CHANGELOG.md")

_DASH = "[-\u2013]"  # a hyphen or an en dash
_RANGE = rf"\d+(?:\s*{_DASH}\s*\d+)?"
_NUMBERS = rf"{_RANGE}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+){_RANGE})*"
_CASES = rf"cases?\s+(?P<cases>{_NUMBERS})"
_PART = r"(?!(?:and|or)\b)(?P<part>[A-Za-z][\w-]*(?: [A-Za-z][\w-]*)*)"  # "§4 and ..." is prose
MENTION = re.compile(r"iam-semantics(?:\.md)?")
LINK = re.compile(rf"[\s,;]*(?:and\s+)?§(?P<section>\d+)(?: +(?:{_CASES}|{_PART}))?")
BARE_CASES = re.compile(rf"§(?P<section>7) +{_CASES}")
CASE_TEST = re.compile(r"def test_cases?_(?P<numbers>\d+(?:_\d+)*)_")


@dataclass(frozen=True)
class Spec:
    sections: dict[int, set[str]]  # section number: the names and bracketed keys of its subsections, lower-case
    cases: list[int]


@dataclass(frozen=True)
class Citation:
    line: int
    text: str
    section: int
    part: str | None = None
    cases: tuple[int, ...] = field(default=())


def read_spec(text: str) -> Spec:
    """Sections are `## §N title`, subsections `### Title [KEY, KEY]`, cases the numbered items of §7."""
    sections: dict[int, set[str]] = {}
    cases: list[int] = []
    current: int | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            heading = re.match(r"## §(\d+) ", line)
            current = int(heading[1]) if heading else None
            if current is not None:
                sections[current] = set()
        elif current is not None and (sub := re.match(r"### (.+?)(?: \[([^\]]+)\])?\s*$", line)):
            sections[current].add(sub[1].strip().lower())
            sections[current].update(key.strip().lower() for key in (sub[2] or "").split(",") if key.strip())
        elif current == 7 and (item := re.match(r"(\d+)\. ", line)):
            cases.append(int(item[1]))
    return Spec(sections, cases)


def case_numbers(text: str) -> tuple[int, ...]:
    """`44-46 and 48` (hyphen or en dash) -> (44, 45, 46, 48)."""
    numbers: list[int] = []
    for first, last in re.findall(rf"(\d+)(?:\s*{_DASH}\s*(\d+))?", text):
        numbers.extend(range(int(first), int(last or first) + 1))
    return tuple(numbers)


def _citation(text: str, match: re.Match[str]) -> Citation:
    line = text.count("\n", 0, match.start("section")) + 1
    cases = case_numbers(match["cases"]) if match["cases"] else ()
    return Citation(line, match.group().strip(" ,;\n"), int(match["section"]), match.groupdict().get("part"), cases)


def citations(text: str) -> list[Citation]:
    """The citations of the spec in one file's text: chains after a mention, bare `§7 case N`, case test names."""
    chained = []
    for mention in MENTION.finditer(text):
        position = mention.end()
        while link := LINK.match(text, position):
            chained.append(link)
            position = link.end()
    found = [_citation(text, link) for link in chained]
    starts = {link.start("section") for link in chained}
    found += [_citation(text, bare) for bare in BARE_CASES.finditer(text) if bare.start("section") not in starts]
    if any(link["section"] == "7" for link in chained):
        for test in CASE_TEST.finditer(text):
            numbers = tuple(int(n) for n in test["numbers"].split("_"))
            line = text.count("\n", 0, test.start()) + 1
            found.append(Citation(line, test.group().removeprefix("def "), 7, None, numbers))
    return found


def unresolved(citation: Citation, spec: Spec) -> str | None:
    """Why the citation names nothing in the spec, or None."""
    if citation.section not in spec.sections:
        return f"§{citation.section} is not a section (the spec has §{min(spec.sections)}-§{max(spec.sections)})"
    if citation.part and citation.part.lower() not in spec.sections[citation.section]:
        known = ", ".join(sorted(spec.sections[citation.section]))
        return f"§{citation.section} has no subsection or key {citation.part!r} (it has: {known})"
    missing = [n for n in citation.cases if n not in spec.cases]
    if missing:
        return f"§7 has no case {', '.join(map(str, missing))} (it has cases 1-{max(spec.cases)})"
    return None


def scanned_files() -> list[Path]:
    """Tracked files under the cited trees, the spec itself (tracked or not), never this module (its examples)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", *SCANNED], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
        files = {REPO / name for name in listed.split("\0") if name}
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an unpacked sdist): walk the trees
        files = set()
        for name in SCANNED:
            root = REPO / name
            files.update(p for p in ([root] if root.is_file() else root.rglob("*")) if "__pycache__" not in p.parts)
    files.add(SPEC)
    return sorted(p for p in files if p.is_file() and p != Path(__file__).resolve())


@pytest.fixture(scope="module")
def spec() -> Spec:
    return read_spec(SPEC.read_text(encoding="utf-8"))


def test_the_spec_has_sections_1_to_7_and_cases_numbered_from_1(spec: Spec) -> None:
    assert sorted(spec.sections) == list(range(1, 8))
    assert spec.cases == list(range(1, len(spec.cases) + 1)), "§7 cases must be numbered 1, 2, 3, ... in order"
    assert len(spec.cases) >= 48
    assert {"error codes", "own", "s3-403"} <= spec.sections[4]


def test_every_citation_of_the_spec_resolves(spec: Spec) -> None:
    found = 0
    problems = []
    for path in scanned_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if "§" not in text and "iam-semantics" not in text:
            continue
        for citation in citations(text):
            found += 1
            why = unresolved(citation, spec)
            if why:
                problems.append(f"{path.relative_to(REPO)}:{citation.line}: {citation.text!r}: {why}")
    assert not problems, "citations of docs/iam-semantics.md that name nothing there:\n" + "\n".join(problems)
    assert found >= 20, f"only {found} citations found: is the parser still reading them?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(iam-semantics.md §4 error codes; §7 case 46).", [(4, "error codes", ()), (7, None, (46,))]),
        ("its ACL (iam-semantics.md §4 OWN; §7 case 48). Who", [(4, "OWN", ()), (7, None, (48,))]),
        ("troubleshoot-403-errors; iam-semantics.md §4 S3-403); older", [(4, "S3-403", ())]),
        ("(iam-semantics §1, §4).", [(1, None, ()), (4, None, ())]),
        ("iam-semantics §7 cases 44\u201346 and 48 are tests.", [(7, None, (44, 45, 46, 48))]),
        ("docs/iam-semantics.md §7, the cases about (44-46, 48)", [(7, None, ())]),
        ("(iam-semantics.md §4: expiry, the 7-day limit", [(4, None, ())]),
        ('iam-semantics §1 ("account principals delegate")', [(1, None, ())]),
        ("every cause of iam-semantics.md §4 and its fixed twin", [(4, None, ())]),
        ("the open questions of docs/iam-semantics.md. Combining", []),
        ("terraform-and-ecosystem §5: removing; SARIF 2.1.0 §3.11.6", []),
        ('], AT, ["expires"]),  # §7 case 44', [(7, None, (44,))]),
        ("docs/iam-semantics.md §7: cases\ndef test_cases_28_29_empty_set_rule(", [(7, None, ()), (7, None, (28, 29))]),
    ],
)
def test_citations_are_read_as_written(text: str, expected: list[tuple[int, str | None, tuple[int, ...]]]) -> None:
    assert [(c.section, c.part, c.cases) for c in citations(text)] == expected


def test_an_unresolved_citation_is_reported_with_its_line(spec: Spec) -> None:
    text = "first line\n# see iam-semantics.md §4 expiry; §7 case 99 and §9\n"
    reasons = [(c.line, unresolved(c, spec)) for c in citations(text)]
    assert [line for line, _ in reasons] == [2, 2, 2]
    assert all(reasons), reasons
    assert "no subsection or key 'expiry'" in str(reasons[0][1])
    assert "no case 99" in str(reasons[1][1])
    assert "§9 is not a section" in str(reasons[2][1])
