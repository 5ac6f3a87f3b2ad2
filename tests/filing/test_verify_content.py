"""``package --verify`` checks the content of a coordinate TXT (DOMAIN.md §4c).

Every known-bad file is the known-good one (``tests/data/coordtxt_real_holes.txt``, written by hand
in the Ministry format, saved under a valid 备案编号) changed in exactly one way; the expected
problem (code, severity, line, plot) was worked out by hand from the file:

- CJ001 is 100 m × 80 m less a 20 × 10 hole: 0.7800 公顷 planar; its ellipsoidal area is smaller
  by the zone's scale factor (≈ 119 km from the central meridian: 1 − 2·3.5e-4·… ≈ 0.7797 公顷),
  within the 0.5 % tolerance of the file's 0.7800; CJ002 0.2800, CJ003 0.0600.
- X = 3 524 000 … (northing, 7 digits), Y = 36 381 000 … (zone 36 prefix, 8 digits); 带号=36,
  几度分带=3: zone 36 has its central meridian at 108°E, the eastings 381 000–381 330 m lie 119 km
  west of it, i.e. about 106.75°E, 31.8°N (Bazhong).

Tolerable variants (a warning, exit 0) and errors (exit 1) are told apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from landlink_gis.cli.main import cli
from landlink_gis.filing.verify import verify, verify_txt

REAL = Path(__file__).parents[1] / "data" / "coordtxt_real_holes.txt"
GOOD_NAME = "51190220190001.txt"  # 511902 巴州区, 2019, serial 0001


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def variant(
    tmp_path: Path,
    changes: list[tuple[str, str]] = (),
    *,
    name: str = GOOD_NAME,
    encoding: str = "gbk",
    regex: bool = False,
) -> Path:
    """The known-good file with ``changes`` applied (each must match), saved as ``name``."""
    text = REAL.read_bytes().decode("gbk")
    for old, new in changes:
        if regex:
            text, n = re.subn(old, new, text, flags=re.M)
        else:
            n = text.count(old)
            text = text.replace(old, new)
        assert n, old
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


_SWAP = (r"^(J\d+,\d+),(\d+\.\d+),(\d+\.\d+)\r$", r"\1,\3,\2\r")
_COPY_CJ003 = (  # a copy of the last plot, CJ003, as CJ004
    "J4,1,3524420.00,36381300.00\r\nJ1,1,3524400.00,36381300.00\r\n",
    "J4,1,3524420.00,36381300.00\r\nJ1,1,3524400.00,36381300.00\r\n5,0.0600,CJ004,复制,面,H48G012034,拆旧,1201,@\r\n"
    "J1,1,3524400.00,36381300.00\r\nJ2,1,3524400.00,36381330.00\r\n"
    "J3,1,3524420.00,36381330.00\r\nJ4,1,3524420.00,36381300.00\r\n"
    "J1,1,3524400.00,36381300.00\r\n",
)

# id, changes (to the known-good file), regex?, expected (code, severity, line, plot)
CASES = [
    ("area_50x", [("10,0.7800,CJ001", "10,39.0000,CJ001")], False, ("area", "error", 13, "CJ001")),
    ("area_off_1pct", [("5,0.0600,CJ003", "5,0.0606,CJ003")], False, ("area", "error", 40, "CJ003")),
    ("xy_swapped", [_SWAP], True, ("axes", "error", 14, "CJ001")),
    ("prefix_on_some", [(",36381100.00\r\nJ3,1,3524080", ",381100.00\r\nJ3,1,3524080")], False,
     ("zone_prefix", "error", 15, "CJ001")),
    ("zone_37", [("带号=36", "带号=37")], False, ("zone", "error", 1, None)),
    ("six_degree", [("几度分带=3", "几度分带=6")], False, ("zone_width", "error", 1, None)),
    ("xian80", [("坐标系=2000国家大地坐标系", "坐标系=80西安坐标系")], False,
     ("datum", "error", 1, None)),
    ("easting_out_of_zone", [(",3638", ",3698")], False, ("easting", "error", 14, "CJ001")),
    ("outside_china", [(",3524", ",6524")], False, ("outside_china", "error", 14, "CJ001")),
    ("bow_tie", [("J2,1,3524000.00,36381100.00\r\nJ3,1,3524080.00,36381100.00",
                  "J2,1,3524080.00,36381100.00\r\nJ3,1,3524000.00,36381100.00")], False,
     ("ring_simple", "error", 14, "CJ001")),
    ("hole_crosses_outer", [("J7,2,3524040.00,36381060.00\r\nJ8,2,3524030.00,36381060.00",
                             "J7,2,3524040.00,36381160.00\r\nJ8,2,3524030.00,36381160.00")], False,
     ("rings", "error", 13, "CJ001")),
    ("id_twice", [(",CJ002,", ",CJ001,")], False, ("plot_id_duplicate", "error", 24, "CJ001")),
    ("overlapping_plot", [_COPY_CJ003], False, ("overlap", "error", 46, "CJ004")),
    ("point_count", [("10,0.7800,CJ001", "11,0.7800,CJ001")], False,
     ("point_count", "error", 13, "CJ001")),
    # CJ003 written with two points and its closing point (界址点数 3 counts what is written)
    ("three_points", [("J3,1,3524420.00,36381330.00\r\nJ4,1,3524420.00,36381300.00\r\n", ""),
                      ("5,0.0600,CJ003", "3,0.0600,CJ003")], False,
     ("ring", "error", 41, "CJ003")),
    # tolerable variants: warnings, exit 0
    ("ring_not_closed", [("J4,1,3524080.00,36381000.00\r\nJ1,1,3524000.00,36381000.00\r\n",
                          "J4,1,3524080.00,36381000.00\r\n"), ("10,0.7800", "9,0.7800")], False,
     ("ring_closed", "warning", 17, "CJ001")),
    ("no_prefix_with_header_zone", [(",3638", ",38")], False, ("zone_prefix", "warning", 1, None)),
    ("area_with_unit", [("10,0.7800,", "10,0.7800公顷,")], False,
     ("area_unit", "warning", 13, "CJ001")),
    ("seven_key_header", [("格式版本号=1.01\r\n数据产生单位=巴中市巴州区自然资源局\r\n"
                           "数据产生日期=2021-06-18\r\n", "")], False,
     ("header_key", "warning", None, None)),
    ("counts_without_closing", [("10,0.7800,CJ001", "8,0.7800,CJ001")], False, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "regex", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_content_check(tmp_path, changes, regex, expected):
    path = variant(tmp_path, changes, regex=regex)
    problems = verify_txt(path)
    got = [(p.code, p.severity, p.line, p.plot) for p in problems]
    if expected is None:  # a valid way to write the file: nothing at all
        assert got == []
    else:
        assert expected in got, got
        # exactly one way changed: no error besides the expected kind
        assert {c for c, s, _, _ in got if s == "error"} <= {expected[0]}, got
    res = run("package", "--verify", str(path))
    assert res.exit_code == (1 if expected and expected[1] == "error" else 0), res.output


def test_the_control_is_clean(tmp_path):
    path = variant(tmp_path)
    assert verify_txt(path) == []
    assert verify_txt(path, area_basis="planar") == []
    res = run("package", "--verify", str(path))
    assert res.exit_code == 0 and f"{path}：3 个地块，错误 0 个，警告 0 个" in res.output


def test_utf8_text_is_a_warning(tmp_path):
    path = variant(tmp_path, encoding="utf-8")
    assert [(p.code, p.severity) for p in verify_txt(path)] == [("encoding", "warning")]
    res = run("package", "--verify", str(path))
    assert res.exit_code == 0 and "1 个警告" in res.output


def test_no_prefix_and_no_header_zone_is_an_error(tmp_path):
    # from the tolerable no-prefix variant, one change more: the header no longer gives 带号
    path = variant(tmp_path, [(",3638", ",38"), ("带号=36", "带号=")])
    got = [(p.code, p.severity) for p in verify_txt(path)]
    assert ("zone_prefix", "error") in got


def test_area_basis_is_named(tmp_path):
    path = variant(tmp_path, [("10,0.7800,CJ001", "10,0.7900,CJ001")])
    (ell,) = [p for p in verify_txt(path) if p.code == "area"]
    (pla,) = [p for p in verify_txt(path, area_basis="planar") if p.code == "area"]
    assert "椭球面积 0.7797 公顷" in ell.message  # by hand, see the module docstring
    assert "平面面积 0.7800 公顷" in pla.message  # 100 × 80 − 20 × 10 = 7 800 m²


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        (GOOD_NAME, True),
        ("5119022019001.txt", False),  # 13 digits (the old docs' example)
        ("511902201900001.txt", False),  # 15 digits
        ("51190218990001.txt", False),  # year 1899
        ("5119O220190001.txt", False),  # a letter O
        ("拆旧地块.txt", False),
    ],
)
def test_file_name_is_a_filing_code(tmp_path, name, ok):
    codes = [p.code for p in verify_txt(variant(tmp_path, name=name))]
    assert codes == ([] if ok else ["file_name"])


def test_not_a_coordinate_txt_says_so_in_one_message(tmp_path):
    csv = tmp_path / "plots.txt"
    csv.write_text("\n".join(f"{i},{i * 2},x" for i in range(441)), encoding="utf-8")
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"GPKG\x00\x01" * 100)
    for path in (csv, binary):
        res = run("package", "--verify", str(path))
        assert res.exit_code == 2
        assert "不是坐标交换文件" in res.output and len(res.output.splitlines()) <= 3


def test_ids_and_overlaps_across_a_package(tmp_path):
    import json

    from landlink_gis.filing.verify import file_sha256

    folder = tmp_path / "pkg"
    for role in ("demolition", "construction"):
        (folder / "txt" / role).mkdir(parents=True)
    demolition = folder / "txt/demolition" / GOOD_NAME
    demolition.write_bytes(variant(tmp_path).read_bytes())
    construction = folder / "txt/construction" / GOOD_NAME

    def write(text: str, project_code: str = "511902-2019-001") -> list:
        construction.write_bytes(text.encode("gbk"))
        files = [
            {"path": p.relative_to(folder).as_posix(), "sha256": file_sha256(p)}
            for p in (demolition, construction)
        ]
        manifest = {"filing_code": GOOD_NAME[:-4], "project_code": project_code, "files": files}
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        return [(p.file, p.code, p.plot) for p in verify(folder).problems]

    text = REAL.read_bytes().decode("gbk").replace("拆旧", "安置")
    far = re.sub(r",3638(\d)", r",3639\1", text)  # 10 km east: no overlap
    assert write(far.replace("CJ00", "JX00")) == []  # the control
    got = write(far)  # the same ids in both files: reported in the file read second
    assert {(c, p) for _, c, p in got} == {("plot_id_duplicate", f"CJ00{i}") for i in (1, 2, 3)}
    got = write(text.replace("CJ00", "JX00"))  # the same places in both files
    assert {(c, p) for _, c, p in got} >= {("overlap", "CJ001"), ("overlap", "CJ003")}
    assert {c for _, c, _ in got} == {"overlap"}
    got = write(far.replace("CJ00", "JX00"), project_code="330782-2019-001")
    assert got == [("manifest.json", "filing_code", None)]  # county 511902 ≠ 330782


def test_a_profile_sets_its_own_pattern(monkeypatch):
    from landlink_gis.base.profiles import Profile, load_profile
    from landlink_gis.filing import codes

    assert load_profile("jilin").filing == load_profile("national").filing  # inherited
    assert codes.filing_code_problem("51190220210004", profile="jilin") is None
    own = Profile("jilin", filing={"code_pattern": r"^JL(?P<county>\d{6})-\d{4}$"})
    monkeypatch.setattr(
        codes, "load_profile", lambda name: own if name == "jilin" else load_profile(name)
    )
    assert codes.filing_code_problem("JL220102-0007", profile="jilin") is None
    assert codes.filing_code_problem("51190220210004", profile="jilin") is not None
    assert codes.filing_code_problem("51190220210004", profile="national") is None
    why = codes.filing_code_problem("JL220102-0007", profile="jilin", project_code="511902-1")
    assert why is not None and "220102" in why and "511902" in why
