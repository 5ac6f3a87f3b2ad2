"""PDF pages as the real clients print them: LibreOffice (headless) for workbooks, and the text
boxes of any PDF read back with poppler's ``pdftotext -bbox``.

A printed word is a box (left, top, right, bottom in points, origin at the top left of its page).
Two words of different lines overprint when their boxes overlap by more than a third of the
smaller height; the lines of one wrapped cell (or paragraph) touch by a point at most.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


@dataclass
class Page:
    """One printed page: its size and its words (text, box)."""

    width: float
    height: float
    words: list[tuple[str, tuple[float, float, float, float]]]

    @property
    def text(self) -> str:
        return " ".join(w for w, _ in self.words)


def program(name: str, package: str) -> str:
    """The path of a system program, or a failure naming the Debian package to install."""
    exe = shutil.which(name)
    if exe is None:
        pytest.fail(f"{name} is not installed: run scripts/ci/system-deps.sh ({package})")
    return exe


def soffice_pdf(document: Path, folder: Path) -> Path:
    """``document`` printed to PDF by LibreOffice headless (its own throw-away profile)."""
    soffice = program("soffice", "libreoffice-calc-nogui")
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(folder / 'lo-profile').resolve().as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(document),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    pdf = folder / (document.stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists(), proc.stderr[-2000:]
    return pdf


def pdf_pages(pdf: Path) -> list[Page]:
    """The pages of ``pdf`` with their word boxes (``pdftotext -bbox``)."""
    exe = program("pdftotext", "poppler-utils")
    out = subprocess.run(
        [exe, "-bbox", str(pdf), "-"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    pages = []
    for w, h, body in _PAGE.findall(out):
        words = [
            (html.unescape(t), (float(a), float(b), float(c), float(d)))
            for a, b, c, d, t in _WORD.findall(body)
        ]
        pages.append(Page(float(w), float(h), words))
    return pages


def overprinted(page: Page) -> list[tuple[str, str]]:
    """Pairs of words of ``page`` printed over each other (boxes overlapping by more than a
    third of the smaller height and half a point across)."""
    if len(page.words) < 2:
        return []
    box = np.array([b for _, b in page.words])
    ox = np.minimum(box[:, None, 2], box[None, :, 2]) - np.maximum(box[:, None, 0], box[None, :, 0])
    oy = np.minimum(box[:, None, 3], box[None, :, 3]) - np.maximum(box[:, None, 1], box[None, :, 1])
    h = box[:, 3] - box[:, 1]
    hit = (ox > 0.5) & (oy > np.minimum(h[:, None], h[None, :]) / 3)
    i, j = np.nonzero(np.triu(hit, 1))
    return [(page.words[a][0], page.words[b][0]) for a, b in zip(i, j, strict=True)]
