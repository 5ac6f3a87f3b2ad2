"""``landlink export-txt CHECKED.gpkg -o OUT.txt``: plots of a checked project as a coordinate TXT.

Writes the Ministry coordinate exchange format (坐标交换格式, GBK, X = northing, the zone number
in front of Y, rings numbered by 圈号 and closed) from a filing GeoPackage written by
``landlink check``. 地块面积 is written in 公顷: the ellipsoidal area (``ll_area_m2``) by
default, the planar area, or the file's own ``MJ_HA`` when the plots came from a coordinate TXT.

Plots without geometry (null or empty) cannot be written: they are listed on stderr and skipped,
or, with ``--strict``, the command refuses (exit 2). The output never replaces the input: paths are
compared resolved and by device/inode (symbolic and hard links), and the TXT is written atomically.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ..base.contract import PLOT_LAYER_NAMES
from ..base.errors import LandlinkError
from ..base.fields import DEFAULT_FIELD_NAMES, find_field
from ..io.atomic import refuse_protected
from ..io.coordtxt import write_coordtxt
from ..io.formats import read_vector
from .errors import user_errors
from .options import configure_logging, verbosity

logger = logging.getLogger(__name__)

_LAYERS = PLOT_LAYER_NAMES
_ID = DEFAULT_FIELD_NAMES["plot_id"]
_NAME, _USE, _CLASS, _SHEET = ("DKMC",), ("DKYT",), ("DLBM",), ("TFH",)


_LIST_AT_MOST = 20


@click.command("export-txt")
@click.argument("checked_gpkg", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="Coordinate TXT to write.",
)
@click.option(
    "--layer",
    type=click.Choice(sorted(_LAYERS)),
    default="demolition",
    show_default=True,
    help="Which plots to write.",
)
@click.option(
    "--area",
    type=click.Choice(["ellipsoidal", "planar", "file"]),
    default="ellipsoidal",
    show_default=True,
    help="地块面积: ellipsoidal (official) or planar area of the check, or the MJ_HA column read from a coordinate TXT.",  # noqa: E501
)
@click.option("--id-field", help="Column written as 地块编号 (default: DKBH, BSM, TBBH or id).")
@click.option("--encoding", default="gbk", show_default=True, help="Text encoding of the TXT.")
@click.option("--no-zone-prefix", is_flag=True, help="Write Y without the zone number in front.")
@click.option(
    "--precision",
    type=click.IntRange(0, 6),
    default=3,
    show_default=True,
    help="Decimals of the coordinates.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse (exit 2) when a plot has no geometry instead of skipping it with a warning.",
)
@verbosity
def export_txt_cmd(
    checked_gpkg: Path,
    output: Path,
    layer,
    area,
    id_field,
    encoding,
    no_zone_prefix,
    precision,
    strict,
    verbose,
    quiet,
) -> None:
    """Write the plots of a checked project (its filing GeoPackage) as a coordinate exchange TXT."""
    configure_logging(verbose, quiet)
    with user_errors(f"exporting {checked_gpkg}"):
        refuse_protected(output, {checked_gpkg})
        plots = read_vector(role=layer, path=checked_gpkg, layer=_LAYERS[layer])
        columns = [c for c in plots.columns if c != plots.geometry.name]
        id_col = id_field or find_field(columns, _ID)
        if id_col is None or id_col not in columns:
            raise LandlinkError(
                f"{checked_gpkg}: layer {_LAYERS[layer]} has no plot id column "
                f"({id_field or '/'.join(_ID)}); name it with --id-field"
            )
        plots, skipped = _drop_without_geometry(plots, id_col, checked_gpkg, _LAYERS[layer], strict)
        try:
            if area == "file":
                if "MJ_HA" not in columns:
                    raise LandlinkError(
                        f"{checked_gpkg}: layer {_LAYERS[layer]} has no MJ_HA column (it was not "
                        "read from a coordinate TXT); use --area ellipsoidal"
                    )
                plots["_area_ha"] = plots["MJ_HA"].astype(float)
            else:
                source = "ll_area_m2" if area == "ellipsoidal" else "ll_area_planar_m2"
                if source not in columns:
                    raise LandlinkError(
                        f"{checked_gpkg}: layer {_LAYERS[layer]} has no {source}; is this a "
                        "GeoPackage written by landlink check?"
                    )
                plots["_area_ha"] = plots[source].astype(float) / 10_000.0
        except (TypeError, ValueError) as exc:
            raise LandlinkError(
                f"{checked_gpkg}: layer {_LAYERS[layer]}: the area column is not numeric ({exc})"
            ) from None
        extras = sorted(
            (c for c in columns if c.startswith("EXTRA_")),
            key=lambda c: int(c.split("_")[1]) if c.split("_")[1].isdigit() else 0,
        )
        write_coordtxt(
            plots,
            output,
            id_field=id_col,
            name_field=find_field(columns, _NAME),
            use_field=find_field(columns, _USE),
            class_field=find_field(columns, _CLASS),
            sheet_field=find_field(columns, _SHEET),
            area_field_ha="_area_ha",
            extra_fields=extras,
            zone_prefix=not no_zone_prefix,
            precision=precision,
            encoding=encoding,
            protected={checked_gpkg.resolve()},
        )
    if not quiet:
        note = f" ({skipped} without geometry skipped)" if skipped else ""
        click.echo(f"{len(plots)} plots → {output}{note}")
    sys.exit(0)


def _drop_without_geometry(plots, id_col: str, source: Path, layer: str, strict: bool):
    """``plots`` without its null/empty geometries, and how many were dropped.

    The dropped plots are listed on stderr (a warning, printed even with ``--quiet``: data is left
    out). With ``strict`` any such plot is an error instead.

    Raises
    ------
    LandlinkError
        ``strict`` and a plot has no geometry, or no plot has one.
    """
    geoms = plots.geometry
    missing = (geoms.isna() | geoms.is_empty).to_numpy()
    if not missing.any():
        return plots, 0
    ids = [str(v) for v in plots[id_col].to_numpy()[missing]]
    listed = ", ".join(ids[:_LIST_AT_MOST]) + (
        f", … ({len(ids) - _LIST_AT_MOST} more)" if len(ids) > _LIST_AT_MOST else ""
    )
    what = f"{len(ids)} plot(s) of layer {layer} in {source} have no geometry: {listed}"
    if strict:
        raise LandlinkError(f"{what}; --strict refuses to export them (drop --strict to skip them)")
    if missing.all():
        raise LandlinkError(f"{what}; no plot with geometry is left to write")
    click.echo(f"landlink: warning: {what}; skipped, not written to the TXT", err=True)
    return plots.loc[~missing].copy(), int(missing.sum())
