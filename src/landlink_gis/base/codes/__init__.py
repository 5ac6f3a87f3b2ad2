"""Land-class codes, 城镇村属性码, quality-grade scales and slope classes.

The tables are package data (``landclass.csv``, ``czcsxm.csv``); the functions are vectorised
over scalars, lists, numpy arrays and pandas Series.
"""

from landlink_gis.base.codes._grades import (
    QUALITY_SCALES,
    SLOPE_CLASS_BOUNDS,
    slope_class,
    valid_quality,
    valid_slope_class,
)
from landlink_gis.base.codes._tables import (
    RURAL_CZCSXM,
    class_name,
    czcsxm_classes,
    is_construction,
    is_cultivated,
    is_known,
    is_paddy,
    is_rural_construction,
    is_rural_construction_land,
    land_classes,
    normalise_code,
    normalise_czcsxm,
)

__all__ = [
    "QUALITY_SCALES",
    "RURAL_CZCSXM",
    "SLOPE_CLASS_BOUNDS",
    "class_name",
    "czcsxm_classes",
    "is_construction",
    "is_cultivated",
    "is_known",
    "is_paddy",
    "is_rural_construction",
    "is_rural_construction_land",
    "land_classes",
    "normalise_code",
    "normalise_czcsxm",
    "slope_class",
    "valid_quality",
    "valid_slope_class",
]
