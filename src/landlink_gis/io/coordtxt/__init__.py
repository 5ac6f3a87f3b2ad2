"""The Ministry's coordinate exchange TXT (坐标交换格式), read and written.

A file has a ``[属性描述]`` section of ``key=value`` lines (格式版本号, 数据产生单位, 数据产生日期,
坐标系, 几度分带, 投影类型, 计量单位, 带号, 精度, 转换参数; values may be empty) and a
``[地块坐标]`` section. Each plot starts with an attribute line::

    界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@

(the 占补平衡 variant adds columns before ``@``) followed by ``点号,圈号,X,Y`` lines, X being the
northing and Y the easting, usually with the zone number in front (36 512 345.678). 地块面积 is in
公顷. 圈号 1 is the outer ring; higher numbers are holes or further parts, decided here by
containment. Files are GBK text as a rule; UTF-8 (with or without BOM) is detected.

Column names of the result follow the common filing field names: ``JZDS`` 界址点数, ``MJ_HA``
地块面积 (公顷), ``DKBH`` 地块编号, ``DKMC`` 地块名称, ``TXSX`` 图形属性, ``TFH`` 图幅号, ``DKYT``
地块用途, ``DLBM`` 地类编码, then ``EXTRA_1``, ``EXTRA_2``, … for the variant's extra columns.

What the reader noticed
-----------------------
:func:`read_coordtxt_notes` returns the frame and a :class:`~landlink_gis.io.notes.ReadNotes`
(the typed record every reader of the reader table returns; :func:`read_coordtxt` is the frame
alone). Nothing is put on ``frame.attrs``.

``notes.read_problems``
    A tuple of dicts, empty when the file is consistent. The reader never drops or silently
    repairs a plot whose declaration disagrees with its lines; it keeps the plot as read and
    records one entry per disagreement::

        {"position": 0,          # 0-based row of the plot in the frame
         "code": "point_count",  # 界址点数 differs from the coordinate lines that follow
         "declared": 7,          # the 界址点数 written on the plot line
         "found": 10,            # coordinate lines the plot has
         "line": 13}             # 1-based line of the plot line in the file

    界址点数 agrees when it equals the number of coordinate lines, or that number less the
    closing points (files count both ways). Code ``"zone"`` (position 0, line None): the
    header's 带号 contradicts the zone prefix of Y.
``notes.area_units``
    ``{"MJ_HA": "hm2"}``: 地块面积 is in 公顷 (1 hm² = 10 000 m²); a loader converts before
    comparing with computed areas.
``notes.header``
    The ``[属性描述]`` header, ``dict[str, str]``.
``notes.details``
    What was detected: ``path``, ``encoding``, ``swapped_xy``, ``zone_prefix``, ``datum``,
    ``zone``, ``zone_width``, ``epsg``, ``extra_columns`` and ``unclosed_rings`` (positions of
    plots with a ring the file did not close; the reader closes it).

Zone → EPSG codes come from :mod:`landlink_gis.base.crs`, the one home of that logic. Malformed
input ends in a :class:`~landlink_gis.base.errors.DataSourceError` naming the file, the line and
what to fix, in time linear in the file size.

Modules: :mod:`.format` (header keys, plot-line fields, shared constants, field validation),
:mod:`.parse` (decoding, line parsing), :mod:`.read` (CRS, polygons, frame), :mod:`.write`.
"""

from __future__ import annotations

from .format import AREA_COLUMN, AREA_UNIT, ATTRIBUTE_COLUMNS, HEADER_KEYS
from .read import read_coordtxt, read_coordtxt_notes
from .write import write_coordtxt

__all__ = [
    "AREA_COLUMN",
    "AREA_UNIT",
    "ATTRIBUTE_COLUMNS",
    "HEADER_KEYS",
    "read_coordtxt",
    "read_coordtxt_notes",
    "write_coordtxt",
]
