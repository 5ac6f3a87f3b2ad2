"""Reports read a :class:`~landlink_gis.run.result.CheckResult` only."""
