"""The coordinate TXT reader on pathological input: a clear error or a read problem, in bounded
time.

Inputs are generated (seeded) from the known-good sample of test_coordtxt; every failure must be a
DataSourceError naming the file, the line (where there is one) and what to fix; never a hang, never
another exception.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

from landlink_gis.base.errors import DataSourceError
from landlink_gis.io.coordtxt import read_coordtxt_notes
from landlink_gis.io.coordtxt.read import MAX_RINGS_PER_PLOT
from tests.io.test_coordtxt import HEADER, PLOTS, SAMPLE, write_text

# generous for two shared CPU cores; each input below reads in well under a second
SECONDS = 10.0
# messages without a line number: they concern the whole file
_WHOLE_FILE = ("no [地块坐标] section found", "holds no plot")


def read_bounded_notes(path: Path):
    """read_coordtxt_notes(path), asserting it ends in time."""
    start = time.perf_counter()
    try:
        return read_coordtxt_notes(path)
    finally:
        assert time.perf_counter() - start < SECONDS


def read_bounded(path: Path):
    """The frame of read_bounded_notes(path)."""
    return read_bounded_notes(path)[0]


def assert_clear(error: DataSourceError, path: Path) -> None:
    """The message names the file, a line (unless about the whole file) and a fix sentence."""
    text = str(error)
    assert text.startswith(str(path)), text
    if not any(m in text for m in _WHOLE_FILE):
        assert re.match(re.escape(str(path)) + r", line \d+: ", text), text
    assert re.search(r"\. [A-Z][^.]+", text), f"no fix in: {text}"
    assert len(text) < 400, text  # garbage is quoted short


def test_huge_declared_point_count_is_a_read_problem(tmp_path):
    text = SAMPLE.replace("4,0.2000,CJ-002", f"{10**15},0.2000,CJ-002")
    gdf, notes = read_bounded_notes(write_text(tmp_path, text))
    assert list(notes.read_problems) == [
        {"position": 1, "code": "point_count", "declared": 10**15, "found": 4, "line": 24}
    ]
    assert gdf.geometry.iloc[1].area == pytest.approx(2000.0)  # 50 m × 40 m, kept as read


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            str(10**30),
            "JZDS (界址点数) value '1000000000000000000000000000000' is not a plausible count",
        ),
        ("9" * 5000, "JZDS (界址点数) value '99999999"),  # longer than int() parses: not a number
        ("nan", "JZDS value 'nan' is not a number"),
        ("-3", None),  # parses: a read problem
    ],
)
def test_implausible_point_counts(tmp_path, value, message):
    path = write_text(tmp_path, SAMPLE.replace("4,0.2000,CJ-002", f"{value},0.2000,CJ-002"))
    if message is None:
        problems = list(read_bounded_notes(path)[1].read_problems)
        assert problems == [
            {"position": 1, "code": "point_count", "declared": -3, "found": 4, "line": 24}
        ]
        return
    with pytest.raises(DataSourceError) as info:
        read_bounded(path)
    assert_clear(info.value, path)
    assert "line 24:" in str(info.value)
    if value.startswith("9999"):
        assert "JZDS value '9999" in str(info.value) and "is not a number" in str(info.value)
    else:
        assert message in str(info.value)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_non_finite_area_is_refused(tmp_path, value):
    path = write_text(tmp_path, SAMPLE.replace("4,0.2000,CJ-002", f"4,{value},CJ-002"))
    with pytest.raises(
        DataSourceError,
        match=r"line 24: MJ_HA \(地块面积\) value .* is not a finite number\. Write",
    ):
        read_bounded(path)


def test_random_non_numeric_coordinates(tmp_path):
    rng = np.random.default_rng(20240601)
    coord_lines = [i for i, line in enumerate(SAMPLE.split("\n"), start=1) if line.startswith("J")]
    alphabet = list("abcxyzXY#$%-+e. ") + ["一", "二", "点"]
    for k in range(25):
        lineno = int(rng.choice(coord_lines))
        token = "".join(rng.choice(alphabet, size=int(rng.integers(1, 12)))).strip(" .+-e") or "x"
        lines = SAMPLE.split("\n")
        parts = lines[lineno - 1].split(",")
        parts[int(rng.integers(2, 4))] = token
        lines[lineno - 1] = ",".join(parts)
        path = write_text(tmp_path, "\n".join(lines), name=f"bad{k}.txt")
        with pytest.raises(DataSourceError) as info:
            read_bounded(path)
        assert_clear(info.value, path)
        assert f"line {lineno}: X/Y" in str(info.value) and "are not numbers" in str(info.value)
        assert "Write the coordinates as decimal numbers in metres" in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER, "no [地块坐标] section found"),
        ("", "no [地块坐标] section found"),
        (HEADER + "[地块坐标]\n", "the [地块坐标] section holds no plot"),
        (
            "[属性描述]\n带号=36\n" + PLOTS.replace("[地块坐标]\n", ""),
            "no [地块坐标] section found",
        ),
        (
            PLOTS.replace("[地块坐标]", "[地块坐标"),
            "line 1: text before the [属性描述]/[地块坐标] sections",
        ),
    ],
)
def test_missing_sections(tmp_path, text, message):
    path = write_text(tmp_path, text)
    with pytest.raises(DataSourceError) as info:
        read_bounded(path)
    assert_clear(info.value, path)
    assert message in str(info.value)


def test_truncated_files_fail_clearly_or_read(tmp_path):
    data = SAMPLE.replace("\n", "\r\n").encode("gbk")
    rng = np.random.default_rng(7)
    cuts = sorted({int(c) for c in rng.integers(1, len(data), size=60)} | {len(data) - 3})
    outcomes = {"read": 0, "error": 0}
    for cut in cuts:
        path = tmp_path / f"cut{cut}.txt"
        path.write_bytes(data[:cut])
        try:
            gdf, notes = read_bounded_notes(path)
        except DataSourceError as exc:
            assert_clear(exc, path)
            outcomes["error"] += 1
            continue
        outcomes["read"] += 1
        # what was read is a prefix of the sample: its plots, maybe fewer points (then recorded)
        assert gdf["DKBH"].tolist() == ["CJ-001", "CJ-002"][: len(gdf)]
        for p in notes.read_problems:
            assert p["code"] == "point_count" and p["found"] < p["declared"]
    assert outcomes["error"] > 10 and outcomes["read"] > 0, outcomes


def test_truncated_after_a_ring_keeps_the_plot_and_records_it(tmp_path):
    # the file ends after 4 of plot 1's 10 lines: the outer ring is read (and closed), 界址点数
    # disagrees
    text = SAMPLE[: SAMPLE.index("J1,1,3530000.000,36500000.000", SAMPLE.index("J4,1"))]
    gdf, notes = read_bounded_notes(write_text(tmp_path, text))
    assert list(notes.read_problems) == [
        {"position": 0, "code": "point_count", "declared": 10, "found": 4, "line": 13}
    ]
    assert gdf.geometry.iloc[0].area == pytest.approx(100 * 100)
    assert notes.details["unclosed_rings"] == [0]


@pytest.mark.parametrize("seed", range(6))
def test_binary_garbage(tmp_path, seed):
    rng = np.random.default_rng(seed)
    size = int(rng.choice([1, 100, 10_000, 1_000_000]))
    path = tmp_path / "garbage.txt"
    data = rng.bytes(size)
    if seed % 2:  # garbage after a valid start
        data = SAMPLE.encode("gbk")[:200] + data
    path.write_bytes(data)
    with pytest.raises(DataSourceError) as info:
        read_bounded(path)
    assert_clear(info.value, path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "[" + " " * 50_000 + "x",
            "line 1: text before",
        ),  # cubic regex backtracking in old readers
        ("[地块坐标]\n" + "," * 1_000_000, "line 2: line has 1000001 comma-separated fields"),
        ("[地块坐标]\n" + ",".join(["1"] * 70) + ",@", "line 2: plot line has more than 64 fields"),
        (
            "[地块坐标]\n4,0.1,A,,面,,,0702,@\nJ1,1," + "9" * 200_000 + ",1",
            "line 3: X/Y '9999",
        ),  # overflows to inf
        (
            "[地块坐标]\n4,0.1,A,,面,,,0702,@\nJ1,1,nan,1",
            "line 3: X/Y 'nan', '1' are not finite numbers",
        ),
    ],
)
def test_long_lines(tmp_path, line, message):
    path = write_text(tmp_path, line)
    with pytest.raises(DataSourceError) as info:
        read_bounded(path)
    assert_clear(info.value, path)
    assert message in str(info.value)


def test_oversized_header_number_is_ignored(tmp_path):
    text = SAMPLE.replace("带号=36", "带号=" + "9" * 10_000)
    assert read_bounded(write_text(tmp_path, text)).crs.to_epsg() == 4524  # the Y prefix decides


def test_cr_only_line_endings(tmp_path):
    path = tmp_path / "mac.txt"
    path.write_bytes(SAMPLE.replace("\n", "\r").encode("gbk"))
    gdf = read_bounded(path)
    assert gdf["DKBH"].tolist() == ["CJ-001", "CJ-002"] and gdf.crs.to_epsg() == 4524


def nested_squares(n: int, points_per_side: int = 1) -> str:
    """One plot of ``n`` concentric squares, half-sizes 10, 20, … m, innermost first."""
    lines = ["[地块坐标]", f"{4 * n * points_per_side},1,N1,,面,,,0702,@"]
    k = 1
    for r in range(n):
        h = 10 * (r + 1)
        corners = [(-h, -h), (-h, h), (h, h), (h, -h), (-h, -h)]
        for (x0, y0), (x1, y1) in zip(corners[:-1], corners[1:], strict=True):
            for t in np.arange(points_per_side) / points_per_side:
                lines.append(
                    f"J{k},{r + 1},{3530000 + x0 + t * (x1 - x0)},{36500000 + y0 + t * (y1 - y0)}"
                )
                k += 1
    return "\n".join(lines)


def test_deeply_nested_rings_alternate_parts_and_holes(tmp_path):
    n = 400
    geom = read_bounded(write_text(tmp_path, nested_squares(n))).geometry.iloc[0]
    # outermost is a part, the next a hole, …: 200 annuli of side 20(2m) and 20(2m − 1) m
    assert geom.geom_type == "MultiPolygon" and len(geom.geoms) == n // 2
    assert all(len(p.interiors) == 1 for p in geom.geoms)
    expected = sum(400 * ((2 * m) ** 2 - (2 * m - 1) ** 2) for m in range(1, n // 2 + 1))
    assert geom.area == pytest.approx(expected) and expected == 400 * 80_200


def test_too_many_rings_or_point_tests_are_refused(tmp_path):
    path = write_text(tmp_path, nested_squares(MAX_RINGS_PER_PLOT + 1), name="many.txt")
    with pytest.raises(DataSourceError) as info:
        read_bounded(path)
    assert_clear(info.value, path)
    assert (
        f"line 2: plot has {MAX_RINGS_PER_PLOT + 1} rings (圈号), more than {MAX_RINGS_PER_PLOT}"
        in str(info.value)
    )
    path = write_text(tmp_path, nested_squares(1500, points_per_side=10), name="deep.txt")
    with pytest.raises(DataSourceError) as info:
        read_bounded(path)
    assert_clear(info.value, path)
    assert "line 2: plot has 1500 rings nested too deeply" in str(info.value)
    assert "Split the plot into several plots" in str(info.value)


def mutate(rng: np.random.Generator, lines: list[str]) -> list[str]:
    """One random edit of the sample: drop, repeat or swap lines, or change characters of one."""
    lines = list(lines)
    i = int(rng.integers(0, len(lines)))
    kind = int(rng.integers(0, 5))
    if kind == 0:
        del lines[i]
    elif kind == 1:
        lines.insert(i, lines[int(rng.integers(0, len(lines)))])
    elif kind == 2:
        j = int(rng.integers(0, len(lines)))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        chars = list(lines[i]) or [""]
        for _ in range(int(rng.integers(1, 4))):
            k = int(rng.integers(0, len(chars)))
            chars[k] = str(rng.choice(list(",@[]=0123456789.-eJ 点\t")))
        lines[i] = "".join(chars)
    return lines


def test_random_edits_end_in_a_frame_or_a_clear_error(tmp_path):
    rng = np.random.default_rng(12345)
    base = SAMPLE.split("\n")
    outcomes = {"read": 0, "error": 0}
    for k in range(300):
        lines = base
        for _ in range(int(rng.integers(1, 4))):
            lines = mutate(rng, lines)
        path = write_text(tmp_path, "\n".join(lines), encoding="utf-8", name=f"m{k}.txt")
        try:
            gdf, notes = read_bounded_notes(path)
        except DataSourceError as exc:
            assert_clear(exc, path)
            outcomes["error"] += 1
            continue
        outcomes["read"] += 1
        assert len(gdf) >= 1 and gdf.geometry.notna().all()
        assert isinstance(notes.read_problems, tuple)
        for p in notes.read_problems:
            assert set(p) == {"position", "code", "declared", "found", "line"} and 0 <= p[
                "position"
            ] < len(gdf)
    assert outcomes["read"] > 30 and outcomes["error"] > 30, outcomes
