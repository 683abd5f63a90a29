"""Every relative link and image of the README, docs/ and the CHANGELOG points at a file of the repository
(a link written from docs/ as if from the root shows a broken image on GitHub)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_relative_links_resolve() -> None:
    pages = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = [
        f"{page.relative_to(ROOT)}: {link}"
        for page in pages
        for link in LINK.findall(page.read_text(encoding="utf-8"))
        if not link.startswith(("http://", "https://", "#", "mailto:"))
        and not (page.parent / link.split("#")[0]).exists()
    ]
    assert len(pages) > 5 and broken == []
