"""Stage 6, the run: resolve the configuration, run the rules and gather one result.

``config`` (profile and TOML parameters), ``runner`` (``check``) and ``result``
(:class:`~landlink_gis.run.result.CheckResult`).
"""
