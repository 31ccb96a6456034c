"""A small HTML5 well-formedness check built on html.parser: a doctype first, one
html/head/body, and every non-void element closed in order."""
from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype: str | None = None
        self.seen_tag_before_doctype = False
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.counts: dict[str, int] = {}

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs) -> None:
        if self.doctype is None:
            self.seen_tag_before_doctype = True
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1  # <polygon .../> inside svg

    def handle_endtag(self, tag) -> None:
        if tag in VOID:
            self.problems.append(f"end tag for void element </{tag}>")
        elif not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


def html5_problems(document: str) -> list[str]:
    """Everything wrong with ``document`` by the rules above (empty when fine)."""
    checker = _Checker()
    checker.feed(document)
    checker.close()
    problems = list(checker.problems)
    if (checker.doctype or "").lower() != "doctype html" or checker.seen_tag_before_doctype:
        problems.append(f"doctype is {checker.doctype!r}, expected <!DOCTYPE html> first")
    for tag in ("html", "head", "body", "title"):
        if checker.counts.get(tag) != 1:
            problems.append(f"{checker.counts.get(tag, 0)} <{tag}> elements")
    if checker.stack:
        problems.append(f"unclosed: {checker.stack}")
    return problems
