"""The workbook printed by LibreOffice (headless), read back from the PDF's text boxes.

The small project's findings carry long 说明/依据 texts (several lines once wrapped) and its
balance sheet long Chinese labels. Printed with the stored row heights, no word of one row may be
printed over a word of another (:func:`tests.support.pdf.overprinted`: the control below shows
that rows without heights do overprint), every sheet fits its pages' width and the text stays
large enough to read.
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from landlink_gis.outputs.xlsx import SHEET_NAMES, text_width, wrapped_lines, write_xlsx
from landlink_gis.run.runner import check
from tests.support.pdf import overprinted, pdf_pages, soffice_pdf
from tests.support.small_project import build_small_project


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xlsx-pdf")
    result = check(build_small_project(folder / "project"), lang="zh")
    book = write_xlsx(result, folder / "summary.xlsx")
    return book, pdf_pages(soffice_pdf(book, folder / "pdf"))


def test_no_row_prints_over_another_in_libreoffice(printed):
    _, pages = printed
    assert len(pages) >= 5  # every sheet printed
    for number, page in enumerate(pages, start=1):
        assert page.words, number
        assert overprinted(page) == [], f"page {number}: {overprinted(page)[:5]}"


def test_every_sheet_prints_on_a4_landscape_within_the_page(printed):
    book, pages = printed
    wb = load_workbook(book)
    text = " ".join(p.text for p in pages)
    for ws in wb.worksheets:  # the running header names each sheet
        assert ws.title in text
    for page in pages:
        assert (round(page.width), round(page.height)) == (842, 595)  # A4 landscape, points
        for word, (left, top, right, bottom) in page.words:
            assert 0 <= left and right <= page.width and 0 <= top and bottom <= page.height, word
        heights = sorted(b[3] - b[1] for _, b in page.words)
        assert heights[len(heights) // 2] >= 6.5  # fit to width did not shrink it past reading


def test_balance_labels_each_on_their_own_lines(printed):
    _, pages = printed
    balance = next(p for p in pages if SHEET_NAMES["balance"][0] in p.text)
    labels = [b for w, b in balance.words if w.startswith("建新占用耕地加权质量等别")]
    assert labels and overprinted(balance) == []


def test_control_rows_without_heights_overprint(printed, tmp_path):
    """The check can fail: the same workbook with its row heights removed overprints."""
    book, _ = printed
    wb = load_workbook(book)
    for ws in wb.worksheets:
        for dim in ws.row_dimensions.values():
            dim.height = None
    control = tmp_path / "control.xlsx"
    wb.save(control)
    pages = pdf_pages(soffice_pdf(control, tmp_path / "pdf"))
    assert any(overprinted(p) for p in pages)


def test_wrapped_lines_count_cjk_double():
    assert text_width("中文ab") == 6
    assert wrapped_lines("中" * 30, 21) == 3  # 60 widths over 20 usable
    assert wrapped_lines("a" * 20, 21) == 1
    assert wrapped_lines("第一行\n第二行", 30) == 2
    assert wrapped_lines("", 10) == 1
