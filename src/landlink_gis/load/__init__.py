"""Stage 4, loading: read every input of a project once and hand on one frozen context.

``pipeline`` reads the layers and rasters, ``normalise`` maps fields and computes areas,
``ledger`` reads the ledger inputs, ``rasters`` opens the rasters, and ``context`` is the frozen
:class:`~landlink_gis.load.context.CheckContext` that the rules read.
"""
