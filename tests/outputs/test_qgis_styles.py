"""The QGIS styles stored in the filing GeoPackage, as a reviewer at the city bureau sees them.

A construction plot carries a PLAN005 ``info`` polygon over the whole plot; when info polygons
were filled, a plot on basic farmland looked blue, its red PLAN001 overlap hidden under it. The
styles are parsed as XML (the QGIS 3.22 elements and attributes QGIS reads) and checked for:
info findings outline-only, symbol levels so errors draw above warnings above info, the same
order in the SLD (one FeatureTypeStyle per severity, drawn in document order), and plot labels
with an expression that finds the plot id column whatever the input called it.
"""

from __future__ import annotations

import re
import sqlite3
import xml.etree.ElementTree as ET

import pyogrio
import pytest

import landlink_gis as ll
from landlink_gis.run.runner import check
from tests.support.small_project import build_small_project

SE = {"se": "http://www.opengis.net/se", "ogc": "http://www.opengis.net/ogc"}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def styles(tmp_path_factory):
    folder = tmp_path_factory.mktemp("styles")
    out = ll.write_gpkg(check(build_small_project(folder)), folder / "out.gpkg")
    with sqlite3.connect(out) as con:
        rows = con.execute("SELECT f_table_name, styleQML, styleSLD FROM layer_styles").fetchall()
    return out, {table: (ET.fromstring(qml), ET.fromstring(sld)) for table, qml, sld in rows}


def _symbols(qml: ET.Element) -> dict[str, dict[str, str]]:
    """Category value → the properties of its symbol layer (plus its ``pass``)."""
    renderer = qml.find("renderer-v2")
    by_name = {s.get("name"): s for s in renderer.find("symbols").findall("symbol")}
    out = {}
    for cat in renderer.find("categories").findall("category"):
        layer = by_name[cat.get("symbol")].find("layer")
        props = {p.get("k"): p.get("v") for p in layer.findall("prop")}
        options = {o.get("name"): o.get("value") for o in layer.find("Option").findall("Option")}
        assert options == props  # QGIS 3.22 reads the Option map; older readers the props
        out[cat.get("value")] = {**props, "pass": layer.get("pass"), "label": cat.get("label")}
    return out


@pytest.mark.parametrize(
    "table", ["findings", "finding_points", "demolition_plots", "construction_plots"]
)
def test_symbol_levels_draw_errors_on_top(styles, table):
    qml, _ = styles[1][table]
    assert qml.tag == "qgis" and qml.get("version").startswith("3.22")
    renderer = qml.find("renderer-v2")
    assert renderer.get("symbollevels") == "1" and renderer.get("enableorderby") == "1"
    symbols = _symbols(qml)
    low = "info" if "info" in symbols else "pass"
    assert (
        int(symbols["error"]["pass"]) > int(symbols["warning"]["pass"]) > int(symbols[low]["pass"])
    )
    # the feature order agrees: ascending rank, errors (3) drawn last
    clause = renderer.find("orderby").find("orderByClause")
    assert clause.get("asc") == "1" and "THEN 3" in clause.text and "'error' THEN 3" in clause.text
    # legend labels are Chinese only
    assert all(
        CJK.search(s["label"]) and not re.search("[A-Za-z]", s["label"]) for s in symbols.values()
    )


def test_info_findings_are_outline_only(styles):
    qml, sld = styles[1]["findings"]
    symbols = _symbols(qml)
    assert symbols["info"]["style"] == "no"  # no fill: the plot under it keeps its colour
    assert symbols["info"]["outline_style"] == "dash"
    assert symbols["error"]["style"] == "solid" and symbols["error"]["color"].startswith(
        "227,26,28"
    )
    # the SLD: one FeatureTypeStyle per severity, info first and error last; info without a fill
    order = [
        fts.find("se:Rule/se:Name", SE).text for fts in sld.findall(".//se:FeatureTypeStyle", SE)
    ]
    assert order == ["info", "warning", "error"]
    fills = {
        fts.find("se:Rule/se:Name", SE).text: fts.find(".//se:PolygonSymbolizer/se:Fill", SE)
        for fts in sld.findall(".//se:FeatureTypeStyle", SE)
    }
    assert fills["info"] is None and fills["error"] is not None and fills["warning"] is not None


def test_plot_labels_pick_the_id_column(styles):
    out, by_table = styles
    qml, _ = by_table["demolition_plots"]
    assert qml.get("labelsEnabled") == "1" and "Labeling" in qml.get("styleCategories")
    labeling = qml.find("labeling")
    assert labeling.get("type") == "simple"
    text = labeling.find("settings/text-style")
    assert text.get("isExpression") == "1"
    assert (
        text.find("text-buffer").get("bufferDraw") == "1"
    )  # a white halo keeps it readable on red
    assert labeling.find("settings/rendering").get("drawLabels") == "1"
    # the writer labels each plot layer with its own id column (a plain field reference QGIS
    # evaluates)
    expression = text.get("fieldName")
    column = re.fullmatch(r'"(.+)"', expression).group(1)
    frame = pyogrio.read_dataframe(out, layer="demolition_plots")
    assert frame[column].tolist() == ["D1", "D2", "D3"]


def test_label_expression_per_layer():
    """A Chinese id column is quoted; a layer without any id column is labelled by feature
    number."""
    from landlink_gis.outputs.gpkg import _label_qml, _style_text

    qml = _style_text("plots", "qml")
    assert 'fieldName="&quot;地块编号&quot;"' in _label_qml(qml, "地块编号")
    bare = (
        ET.fromstring(_label_qml(qml, None)).find("labeling/settings/text-style").get("fieldName")
    )
    assert bare == "'#' || to_string($id)"
    odd = (
        ET.fromstring(_label_qml(qml, 'A"B&C'))
        .find("labeling/settings/text-style")
        .get("fieldName")
    )
    assert odd == '"A""B&C"'  # well-formed XML, and the QGIS expression quotes the name


@pytest.mark.parametrize("table", ["demolition_plots", "construction_plots"])
def test_plot_labels_ranked_error_warning_pass(styles, table):
    """The data-defined label priority (QGIS 0–10) ranks error over warning over pass; rendered
    by QGIS in tests/outputs/test_qgis_labels.py."""
    qml, _ = styles[1][table]
    props = qml.find("labeling/settings/dd_properties/Option/Option[@name='properties']")
    priority = props.find("Option[@name='Priority']")
    values = {o.get("name"): o.get("value") for o in priority.findall("Option")}
    assert values["active"] == "true" and values["type"] == "3"  # 3 = expression
    ranks = dict(re.findall(r"\"ll_status\" = '(\w+)' THEN (\d+)", values["expression"]))
    default = int(re.search(r"ELSE (\d+) END", values["expression"]).group(1))
    assert int(ranks["error"]) > int(ranks["warning"]) > default
    assert default == int(qml.find("labeling/settings/placement").get("priority"))
