"""Shapefile checks made before GDAL reads one: parts present, complete and agreeing; DBF encoding.

GDAL reads a shapefile whose parts disagree without a word: with fewer DBF records than shapes
it invents features with empty attributes, with fewer index entries than shapes it drops the
rest. A plot must never be dropped or invented, so :func:`check_shapefile` counts the records
of each part from the bytes and refuses the layer when the counts differ:

* ``.shx``: ``(file length − 100) / 8`` entries, the file length read from its header
  (bytes 24–27, big-endian, in 16-bit words);
* ``.dbf``: the record count in the header (bytes 4–7, little-endian);
* ``.shp``: the records found by walking the 8-byte record headers from byte 100 (record number
  and content length, big-endian), vectorised through the ``.shx`` offsets when they tile the
  file, else one header at a time.

The DBF text encoding is resolved as explicit value → ``.cpg`` → detection (UTF-8, else
GBK/GB18030). An empty, unreadable or unknown ``.cpg``, or one that contradicts the bytes, is
overruled by detection with a warning; the warning is returned as a note that the loader
records in the run information.
"""

from __future__ import annotations

import codecs
import logging
import mmap
import os
import re
from pathlib import Path

import numpy as np

from ..base.errors import DataSourceError
from .inputs import open_regular

logger = logging.getLogger(__name__)

__all__ = [
    "check_shapefile",
    "dbf_part",
    "detect_dbf_encoding",
    "record_counts",
    "shapefile_encoding",
]

_FILE_CODE = 9994


def _head(path: Path, n: int) -> bytes:
    with open_regular(path) as fh:
        return fh.read(n)


def _part(path: Path, suffix: str) -> Path | None:
    """The sidecar of ``path`` with ``suffix``, lower or upper case, or None."""
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate
    return None


def dbf_part(path: Path) -> Path | None:
    """The ``.dbf`` (or ``.DBF``) of the shapefile ``path``, or None when there is none."""
    return _part(path, ".dbf")


def _check_complete(path: Path, role: str) -> None:
    """Raise when the .shp/.shx/.dbf are not shapefiles or shorter than their headers say."""
    checks: list[tuple[Path, int | None]] = []
    for suffix in (".shp", ".shx"):
        part = path if suffix == ".shp" else _part(path, suffix)
        if part is None:
            continue
        head = _head(part, 28)
        if len(head) >= 4 and int.from_bytes(head[:4], "big") != _FILE_CODE:
            raise DataSourceError(
                f"{part}: not a shapefile (its header lacks the shapefile file code 9994) (layer "
                f"'{role}'); "
                "check that the file is really a shapefile and not renamed or corrupted"
            )
        checks.append((part, int.from_bytes(head[24:28], "big") * 2 if len(head) == 28 else None))
    dbf = _part(path, ".dbf")
    if dbf is not None:
        head = _head(dbf, 12)
        declared = None
        if len(head) == 12:
            n, header_len, rec_len = (
                int.from_bytes(head[a:b], "little") for a, b in ((4, 8), (8, 10), (10, 12))
            )
            declared = header_len + n * rec_len
        checks.append((dbf, declared))
    for part, declared in checks:
        size = part.stat().st_size
        if (
            declared is None
            or size < declared
            or (part.suffix.lower() != ".dbf" and declared < 100)
        ):
            expected = f"{declared} bytes" if declared is not None else "a complete header"
            raise DataSourceError(
                f"{part}: shapefile part is truncated or damaged ({size} bytes, its header "
                f"declares {expected}) "
                f"(layer '{role}'); copy the complete shapefile again"
            )


def _walk_shp(data: mmap.mmap, end: int) -> int:
    """Records of a ``.shp`` found by following the record headers from byte 100 to ``end``."""
    pos, n = 100, 0
    while pos + 8 <= end:
        length = int.from_bytes(data[pos + 4 : pos + 8], "big") * 2
        if pos + 8 + length > end:
            break
        pos += 8 + length
        n += 1
    return n


def _count_shp(shp: Path, shx_offsets: np.ndarray, shx_lengths: np.ndarray) -> int:
    """Number of records in a ``.shp``; vectorised when the ``.shx`` entries tile the file."""
    with open_regular(shp) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size < 100:
            return 0
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _count_mapped(data, size, shx_offsets, shx_lengths)


def _tiles(data: mmap.mmap, end: int, offsets: np.ndarray, lengths: np.ndarray) -> bool:
    """Whether the ``.shx`` entries (byte offsets, content lengths) match the ``.shp`` record
    headers end to end."""
    if not len(offsets) or offsets[0] != 100 or not ((offsets >= 100) & (offsets + 8 <= end)).all():
        return False
    buf = np.frombuffer(data, dtype=np.uint8, count=end)
    idx = offsets[:, None] + np.arange(4, 8)
    found = 2 * (
        buf[idx].astype(np.int64) @ np.array([1 << 24, 1 << 16, 1 << 8, 1], dtype=np.int64)
    )
    stops = offsets + 8 + found
    return bool(
        np.array_equal(found, lengths)
        and np.array_equal(stops[:-1], offsets[1:])
        and stops[-1] == end
    )


def _count_mapped(
    data: mmap.mmap, size: int, shx_offsets: np.ndarray, shx_lengths: np.ndarray
) -> int:
    end = min(size, int.from_bytes(data[24:28], "big") * 2)
    if end <= 100:
        return 0
    if _tiles(data, end, shx_offsets.astype(np.int64), shx_lengths.astype(np.int64)):
        return len(shx_offsets)
    return _walk_shp(data, end)


def record_counts(path: str | Path) -> tuple[int, int, int]:
    """Records in the ``.shp``, ``.shx`` and ``.dbf`` of a shapefile (see the module notes).

    Parameters
    ----------
    path
        The ``.shp`` file; its ``.shx`` and ``.dbf`` must exist and be complete.

    Returns
    -------
    (int, int, int)
        Record counts of the ``.shp``, ``.shx`` and ``.dbf``.
    """
    shp = Path(path)
    shx, dbf = _part(shp, ".shx"), _part(shp, ".dbf")
    assert shx is not None and dbf is not None
    with open_regular(shx) as fh:
        index = fh.read()
    declared = int.from_bytes(index[24:28], "big") * 2
    n_shx = max(declared - 100, 0) // 8
    entries = (
        np.frombuffer(index, dtype=">i4", count=2 * n_shx, offset=100).reshape(-1, 2)
        if n_shx
        else np.zeros((0, 2), int)
    )
    n_dbf = int.from_bytes(_head(dbf, 8)[4:8], "little")
    n_shp = _count_shp(shp, entries[:, 0].astype(np.int64) * 2, entries[:, 1].astype(np.int64) * 2)
    return n_shp, n_shx, n_dbf


def check_shapefile(path: Path, role: str) -> None:
    """Refuse a shapefile that is incomplete, truncated, not a shapefile, or whose parts disagree.

    Raises
    ------
    DataSourceError
        A part is missing (.shx, .dbf), truncated, not a shapefile, or the .shp, .shx and .dbf
        hold different numbers of records; the message names the file, the counts and the fix.
    """
    missing = [s for s in (".shx", ".dbf") if _part(path, s) is None]
    if missing:
        raise DataSourceError(
            f"{path}: shapefile is missing its {' and '.join(missing)} file(s) (layer '{role}'); "
            "copy every part of the shapefile (.shp, .shx, .dbf, .prj, .cpg) together"
        )
    _check_complete(path, role)
    n_shp, n_shx, n_dbf = record_counts(path)
    if not n_shp == n_shx == n_dbf:
        raise DataSourceError(
            f"{path}: the shapefile parts disagree on the number of records (.shp {n_shp}, .shx "
            f"{n_shx}, "
            f".dbf {n_dbf}) (layer '{role}'); plots would be dropped or invented: export the layer "
            "again "
            "from the GIS and copy all its parts together"
        )


# ----------------------------------------------------------------------------- DBF encoding
def _dbf_text(dbf: Path, limit: int = 4 << 20) -> bytes:
    """The record bytes of a DBF file (header skipped), up to ``limit`` bytes."""
    with open_regular(dbf) as fh:
        head = fh.read(32)
        if len(head) < 32:
            return b""
        fh.seek(int.from_bytes(head[8:10], "little"))
        return fh.read(limit)


def detect_dbf_encoding(dbf: str | Path) -> str | None:
    """Guess the text encoding of a DBF file: ``None`` (ASCII only), ``UTF-8``, ``GBK`` or
    ``GB18030``."""
    data = _dbf_text(Path(dbf))
    if not data or data.isascii():
        return None
    try:
        data.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the read limit is still UTF-8
        if exc.start >= len(data) - 3 and len(data) >= (4 << 20):
            return "UTF-8"
    for enc in ("gbk", "gb18030"):
        try:
            data.decode(enc)
            return enc.upper()
        except UnicodeDecodeError:
            continue
    return "GB18030"


_CPG_ALIASES = {
    "88591": "latin-1",
    "1252": "cp1252",
    "936": "gbk",
    "CP936": "gbk",
    "65001": "utf-8",
    "UTF8": "utf-8",
}
_SINGLE_BYTE = {"iso8859-1", "cp1252", "latin-1"}
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_CPG_NAME = re.compile(r"[A-Za-z0-9 _.:-]{1,40}")


def _cpg_codec(text: str) -> str | None:
    """Python codec named by a ``.cpg`` file (``UTF-8``, ``1252``, ``ANSI 936`` …), None if
    unknown."""
    name = text.strip().upper().replace("ANSI ", "")
    if not _CPG_NAME.fullmatch(name):
        return None
    try:
        return codecs.lookup(_CPG_ALIASES.get(name, name)).name
    except LookupError:
        return None


def _mostly_cjk(data: bytes) -> bool:
    """Whether ``data`` decodes strictly as GBK and its non-ASCII text is Chinese characters."""
    try:
        text = data.decode("gbk")
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 127]
    return bool(wide) and sum(bool(_CJK.match(c)) for c in wide) >= 0.9 * len(wide)


def _read_cpg(cpg: Path) -> str:
    """The first line of a ``.cpg`` (at most 64 bytes), undecodable bytes replaced."""
    with open_regular(cpg) as fh:
        raw = fh.read(64)
    return (
        raw.decode("ascii", errors="replace").strip().splitlines()[0].strip() if raw.strip() else ""
    )


def shapefile_encoding(path: Path, explicit: str | None) -> tuple[str | None, str | None]:
    """DBF encoding to read with (None: let GDAL decide) and a note when the ``.cpg`` was overruled.

    Order: explicit value → ``.cpg`` → detection. A ``.cpg`` that is empty or names no known
    code page, or that contradicts the bytes (it says UTF-8 but the text does not decode as
    UTF-8; it names a single-byte code page but the text is GBK Chinese, which would come out as
    mojibake), is overruled by detection, with a warning.

    Returns
    -------
    (str or None, str or None)
        The encoding for GDAL and a note for the run information (None when nothing was overruled).
    """
    if explicit:
        return explicit, None
    dbf = _part(path, ".dbf")
    if dbf is None:
        return None, None
    cpg = _part(path, ".cpg")
    if cpg is None:
        enc = detect_dbf_encoding(dbf)
        if enc:
            logger.info("%s: no .cpg file; detected DBF encoding %s", path.name, enc)
        return enc, None
    declared = _read_cpg(cpg)
    codec = _cpg_codec(declared)
    data = _dbf_text(dbf)
    ascii_only = not data or data.isascii()
    if codec is None:
        enc = detect_dbf_encoding(dbf)
        shown = "is empty" if not declared else f"names no known code page ({declared[:40]!r})"
        read_as = (
            f"read as {enc}, detected from the text" if enc else "the text is ASCII, read as is"
        )
        note = f"{cpg.name} {shown}; {read_as} (write the right code page, e.g. UTF-8 or 936, into the .cpg file)"
        logger.warning("%s: %s", path, note)
        # an ASCII-only DBF is read the same in any encoding: UTF-8 keeps GDAL from guessing
        return enc or "UTF-8", note
    if ascii_only:
        return None, None  # GDAL honours the .cpg itself
    if codec == "utf-8":
        detected = detect_dbf_encoding(dbf)
        enc = detected if detected not in (None, "UTF-8") else None
    else:
        enc = "GBK" if codec in _SINGLE_BYTE and _mostly_cjk(data) else None
    if enc is None:
        return None, None
    note = f"{cpg.name} says {declared!r} but the DBF text is {enc}; read as {enc} (fix or delete the .cpg file)"
    logger.warning("%s: %s", path, note)
    return enc, note
