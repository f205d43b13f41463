"""Every design document the code cites is in the repository, at the path the code gives.

The code, tests, benchmarks and notebooks cite ``docs/architecture.md``, the design documents
``POLIS_MATH.md``, ``METHODS.md`` and ``VOILA_NOTES.md`` (kept in ``docs/design/``), and
sections of ``METHODS.md`` ("METHODS.md section 6", "METHODS.md §4"). A citation with a path
(``docs/...md``) must name an existing file; a bare name (``METHODS.md``) must be a file in
``docs/`` or ``docs/design/``; a cited section number must be a heading of that document; and
nothing may point at ``../shared/docs`` (outside the repository, absent from an installed
copy or a fresh clone).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

#: Where citations are looked for: the code and everything around it (not the docs themselves).
SCANNED = ("coprod_analytics", "widgets", "voila_apps", "tests", "benchmarks", "scripts")
NOTEBOOK_DIRS = ("notebooks", "voila_apps")

# ``docs/design/METHODS.md``, ``../shared/docs/POLIS_MATH.md``, ``VOILA_NOTES.md``
CITATION = re.compile(r"(?P<path>(?:\.\./)*(?:[\w.-]+/)*)(?P<name>[A-Za-z][\w-]*\.md)\b")
# "METHODS.md section 6", "METHODS.md sections 2–4", "METHODS.md §4", "METHODS.md, §6"
SECTION = re.compile(
    r"(?P<name>[A-Z][\w-]*\.md),?(?:\s|#)+(?:sections?(?:\s|#)+|§\s?)"
    r"(?P<nums>\d+(?:\s*[–-]\s*\d+)?)"
)

# A README is not a design document (this file's own examples are not scanned).
IGNORED_NAMES = {"README.md"}


def scanned_files() -> list[Path]:
    files = [p for d in SCANNED for p in (ROOT / d).rglob("*.py")]
    files += [p for d in NOTEBOOK_DIRS for p in (ROOT / d).glob("*.ipynb")]
    me = Path(__file__).resolve()
    return sorted(p for p in files if p.resolve() != me and ".ipynb_checkpoints" not in p.parts)


def citations() -> list[tuple[str, int, str, str]]:
    """(file, line, path part, name) of every ``*.md`` citation in the scanned files."""
    out = []
    for path in scanned_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            for m in CITATION.finditer(line):
                if m["name"] in IGNORED_NAMES:
                    continue
                out.append((str(path.relative_to(ROOT)), lineno, m["path"], m["name"]))
    return out


def resolve(path_part: str, name: str) -> Path | None:
    """The file a citation points at, or None when it does not resolve in the repository."""
    if "shared/" in path_part:
        return None
    if path_part:
        target = ROOT / path_part / name
        return target if target.is_file() else None
    for folder in (DOCS, DOCS / "design"):
        if (folder / name).is_file():
            return folder / name
    return None


def headings(doc: Path) -> set[int]:
    """Section numbers of a document's ``## N. Title`` headings."""
    found = re.findall(r"^#{1,3}\s+(\d+)\.", doc.read_text(encoding="utf-8"), re.MULTILINE)
    return {int(n) for n in found}


def test_the_design_documents_are_in_the_repository() -> None:
    for name in ("POLIS_MATH.md", "METHODS.md", "VOILA_NOTES.md"):
        assert (DOCS / "design" / name).is_file(), name
    assert (DOCS / "architecture.md").is_file()


def test_every_cited_document_resolves() -> None:
    found = citations()
    assert any(name == "METHODS.md" for *_, name in found), "the scan found no citation at all"
    broken = [
        f"{file}:{line}: {path}{name}"
        + (
            f" -> cite docs/design/{name}"
            if (DOCS / "design" / name).is_file()
            else " (no such document in docs/)"
        )
        for file, line, path, name in found
        if resolve(path, name) is None
    ]
    assert not broken, "citations that do not resolve in the repository:\n" + "\n".join(broken)


def test_every_cited_section_exists() -> None:
    missing = []
    for path in scanned_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in SECTION.finditer(text):  # across lines: "See METHODS.md\n    section 6"
            doc = resolve("", m["name"])
            if doc is None:
                continue  # reported by test_every_cited_document_resolves
            bounds = [int(n) for n in re.findall(r"\d+", m["nums"])]
            absent = set(range(bounds[0], bounds[-1] + 1)) - headings(doc)
            if absent:
                lineno = text.count("\n", 0, m.start()) + 1
                missing.append(
                    f"{path.relative_to(ROOT)}:{lineno}: {m['name']} section(s) "
                    f"{sorted(absent)} not found"
                )
    assert not missing, "\n".join(missing)


def test_section_citations_are_found_across_lines() -> None:
    text = "See METHODS.md\n    sections 2–4. And METHODS.md §4; POLIS_MATH.md, section 9"
    found = [(m["name"], m["nums"]) for m in SECTION.finditer(text)]
    assert found == [("METHODS.md", "2–4"), ("METHODS.md", "4"), ("POLIS_MATH.md", "9")]
    assert 9 not in headings(DOCS / "design" / "POLIS_MATH.md")


@pytest.mark.parametrize(
    ("line", "ok"),
    [
        ("specification in ``docs/design/POLIS_MATH.md``", True),
        ("specification in ``docs/POLIS_MATH.md``", False),
        ("see ../shared/docs/METHODS.md", False),
        ("See METHODS.md section 6.", True),
        ("See NOWHERE.md.", False),
    ],
)
def test_the_checker_can_fail(line: str, ok: bool) -> None:
    m = CITATION.search(line)
    assert m is not None
    assert (resolve(m["path"], m["name"]) is not None) is ok
