"""Reports read a :class:`~landlink_gis.result.CheckResult` only."""
