"""The HTML report printed by Chromium (``--print-to-pdf``), read back from the PDF's text boxes.

A4 pages; no heading (h1–h3, a rule's summary line) is the last line of a page; no map is split
across pages: the text of a map — from its heading or caption at the top down to its legend at
the bottom — lies on one page. Printing the same report without its print rules (the control)
strands or splits something, so the checks can fail.
"""

from __future__ import annotations

import re
import subprocess
from html import unescape
from pathlib import Path

import pytest

from landlink_gis.outputs.html import write_html
from landlink_gis.run.runner import check
from tests.outputs.test_report_html import FLAGS, chromium
from tests.support.pdf import Page, pdf_pages
from tests.support.small_project import build_small_project

LEGEND_END = "问题范围"  # the last entry of every map legend that shows problems


def print_pdf(page: Path, folder: Path) -> list[Page]:
    """``page`` printed to PDF by headless Chromium, as pages of words."""
    pdf = folder / (page.stem + ".pdf")
    proc = subprocess.run(
        [
            chromium(),
            *FLAGS,
            f"--user-data-dir={folder / ('profile-' + page.stem)}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0 and pdf.exists(), proc.stderr[-2000:]
    return pdf_pages(pdf)


def lines(pages: list[Page]) -> list[tuple[int, str]]:
    """(page number, text) of every printed line, in reading order."""
    out = []
    for number, page in enumerate(pages):
        rows: list[list] = []
        for word, box in sorted(page.words, key=lambda w: (round(w[1][1]), w[1][0])):
            if rows and abs(rows[-1][0] - box[1]) < 2.5:
                rows[-1][1].append((box[0], word))
            else:
                rows.append([box[1], [(box[0], word)]])
        out += [(number, "".join(w for _, w in sorted(ws))) for _, ws in rows]
    return out


def headings(html: str) -> set[str]:
    found = re.findall(r"<(h[1-3]|summary)[^>]*>(.*?)</\1>", html, re.S)
    return {re.sub(r"\s+", "", unescape(re.sub(r"<[^>]+>", "", t))) for _, t in found}


#: the overview's plot marks, the last entries of its legend (they may wrap onto a line of their own)
MARK_WORDS = ("有错误的地块", "有警告的地块", "通过的地块")


def _legend_only(text: str) -> bool:
    """A printed line made of legend entries only (a wrapped legend's last line)."""
    for word in (*MARK_WORDS, "错误问题范围", "警告问题范围"):
        text = text.replace(word, "")
    return text.strip() == ""


def map_chunks(printed: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """The printed lines of each map: from the overview heading to its legend, then from each
    zoomed map's caption to its legend."""
    start = next(i for i, (_, t) in enumerate(printed) if t == "项目区总览")
    chunks, current = [], []
    for line in printed[start:]:
        if line[1] == "错误与警告问题详图":
            continue
        if not current and chunks and _legend_only(line[1]):
            chunks[-1].append(line)  # the legend wrapped onto one more line: still that map
            continue
        current.append(line)
        if LEGEND_END in line[1]:
            chunks.append(current)
            current = []
    return chunks


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("print")
    result = check(build_small_project(folder / "project"), lang="zh")
    return write_html(result, folder / "report.html")


def _check(pages, html):
    printed = lines(pages)
    heads = headings(html)
    stranded = [
        printed[i][1]
        for i in range(len(printed) - 1)
        if printed[i + 1][0] != printed[i][0] and printed[i][1] in heads
    ]
    split = [c[0][1] for c in map_chunks(printed) if len({n for n, _ in c}) > 1]
    return stranded, split, map_chunks(printed)


def _spaced(html: str, px: int) -> str:
    """The report with ``px`` more above its maps (as a project with more findings has), so the
    maps meet the page ends at other places."""
    return html.replace(
        "<section id='maps'>", f"<div style='height:{px}px'></div><section id='maps'>"
    )


@pytest.mark.parametrize("px", [0, 150, 300, 450])
def test_report_prints_on_a4_without_stranded_headings_or_split_maps(report, tmp_path, px):
    html = report.read_text(encoding="utf-8")
    page = tmp_path / "spaced.html"
    page.write_text(_spaced(html, px), encoding="utf-8")
    pages = print_pdf(page, tmp_path)
    assert len(pages) >= 3
    assert all((round(p.width), round(p.height)) == (595, 842) for p in pages)  # A4 portrait
    stranded, split, chunks = _check(pages, html)
    n_zoom = html.count("class='zoom-map")
    assert len(chunks) == 1 + n_zoom and n_zoom >= 3  # the overview and every zoomed map found
    assert stranded == [] and split == []
    for page in pages:  # nothing printed beyond the paper
        assert all(b[2] <= page.width + 0.5 for _, b in page.words)


def test_control_without_print_rules_strands_or_splits(report, tmp_path):
    html = report.read_text(encoding="utf-8")
    bare = re.sub(
        r"h1,h2,h3,summary\{break-after.*?\n@page\{size:A4[^}]*\}\n", "", html, flags=re.S
    )
    bare = re.sub(r"@media print\{.*?\}\}\n", "", bare, flags=re.S)
    assert bare != html and "@media print" not in bare
    # the same report on A4 paper with a little more above the maps, as a longer project has
    bare = bare.replace("<style>", "<style>@page{size:A4}", 1)
    found = []
    for extra in range(0, 400, 40):
        page = tmp_path / f"bare{extra}.html"
        page.write_text(_spaced(bare, extra), encoding="utf-8")
        stranded, split, _ = _check(print_pdf(page, tmp_path), bare)
        found += stranded + split
        if found:
            break
    assert found
