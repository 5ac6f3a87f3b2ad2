"""Stage 2, the engine: ellipsoidal area, the overlap kernel and the overlay that uses it.

``area`` (ellipsoidal and planar area), ``geomops`` (vectorised geometry helpers), ``tm_numba``
and ``kernel`` (the compiled Gauss-Krüger overlap kernel), ``overlay`` (pairs of overlapping
features with their areas) and ``dask_engine`` (the same overlay partitioned over dask workers).
"""
