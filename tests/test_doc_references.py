"""Every reference to a document can be followed inside a clone of the repository.

Code and docs cite the repository's own documents as ``docs/<name>.md#<anchor>`` (a
Markdown file links its neighbours relatively). Each cited file must exist and each
anchor must be one of its headings, as GitHub turns headings into anchors. Nothing may
cite notes that live outside the repository: a reader of the clone could not open them.
"""
from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
THIS_FILE = Path(__file__).resolve().relative_to(REPO).as_posix()

# A relative path to a Markdown file, optionally with a heading anchor.
CITATION = re.compile(r"(?<![\w/.:-])((?:[\w-]+/)+[\w.-]+\.md)(?:#([\w-]+))?")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:")

# Notes that were never part of the repository, and the numbered sections they had.
OUTSIDE_NOTES = ("upstream-bookinfo", "istio-tasks.md", "tutorial-coverage.md",
                 "shared/contract", "../shared", "ENVIRONMENT.md", "DESIGN.md", "§")


def _repository_files() -> list[str]:
    """Tracked and new (not ignored) files: what a clone holds, or will once committed."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, check=True, capture_output=True).stdout.decode()
    return sorted(name for name in set(listed.split("\0")) if name and (REPO / name).is_file())


@cache
def _texts() -> dict[str, str]:
    texts = {}
    for name in _repository_files():
        try:
            texts[name] = (REPO / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and other binary files cite nothing
    return texts


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


@cache
def _anchors(markdown: Path) -> frozenset[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    in_fence = False
    for line in markdown.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else HEADING.match(line)
        if match:
            slug = _slug(match.group(1))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else f"{slug}-{count}")
    return frozenset(anchors)


def _problem(source: str, target: Path, anchor: str | None, cited: str) -> str | None:
    target = target.resolve()
    if not (target.is_relative_to(REPO) and target.is_file()):
        return f"{source}: {cited}: no such file in the repository"
    if anchor and anchor not in _anchors(target):
        return f"{source}: {cited}: {target.relative_to(REPO)} has no heading with that anchor"
    return None


def _citations() -> Iterator[tuple[str, Path, str | None, str]]:
    """``docs/<name>.md#<anchor>`` and the like, in any file: paths from the repository root."""
    for name, text in _texts().items():
        for match in CITATION.finditer(text):
            path, anchor = match.groups()
            # Paths into other projects (say, upstream's samples/...) are not ours to check,
            # unless they name a heading: that is a citation of one of our documents.
            if anchor or (REPO / path.split("/")[0]).is_dir():
                yield name, REPO / path, anchor, match.group(0)


def _markdown_links() -> Iterator[tuple[str, Path, str | None, str]]:
    """Relative links of the Markdown files: paths from the linking file's folder."""
    for name, text in _texts().items():
        if not name.endswith(".md"):
            continue
        for link in MARKDOWN_LINK.findall(text):
            if URL_SCHEME.match(link):
                continue
            path, _, anchor = link.partition("#")
            target = (REPO / name).parent / path if path else REPO / name
            if target.suffix == ".md" or not target.exists():
                yield name, target, anchor or None, link


def test_every_cited_document_and_heading_exists():
    problems = [problem for reference in _citations() if (problem := _problem(*reference))]
    assert not problems, "\n".join(problems)


def test_every_relative_markdown_link_resolves():
    problems = [problem for reference in _markdown_links() if (problem := _problem(*reference))]
    assert not problems, "\n".join(problems)


def test_no_file_cites_notes_outside_the_repository():
    cited = [f"{name}:{number}: {line.strip()}"
             for name, text in _texts().items() if name != THIS_FILE
             for number, line in enumerate(text.splitlines(), 1)
             if any(note in line for note in OUTSIDE_NOTES)]
    assert not cited, "\n".join(cited)


def test_the_checks_see_the_documents_they_check():
    """Guards the checks above against passing by finding nothing."""
    texts = _texts()
    assert "docs/upstream-behaviour.md" in texts and THIS_FILE in texts
    assert "productpage-json-api" in _anchors(REPO / "docs" / "upstream-behaviour.md")
    assert any(CITATION.search(text) for name, text in texts.items() if name.endswith(".py"))
