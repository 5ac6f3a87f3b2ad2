"""Give the memory a check has freed back to the operating system.

glibc's allocator keeps freed memory in its arenas (one per thread that allocated) and hands it
out again only to allocations of the same arena and size class. A check frees large amounts
while loading (the GEOS geometries of each big reference layer, once packed as WKB, and the
columns a layer's normalising replaced) and after each rule (its pieces of findings, spooled).
Without a trim, that memory stays in the process and the next stage, whose worker threads
allocate in other arenas, adds to it: about 1.3 GiB at 1M plots. ``malloc_trim`` returns the
free pages; elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import cache

logger = logging.getLogger(__name__)

__all__ = ["release_freed_memory"]


@cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return None


def release_freed_memory() -> bool:
    """Return the C heap's free pages to the operating system (glibc ``malloc_trim``).

    Returns
    -------
    bool
        Whether the allocator released any memory (False where there is no ``malloc_trim``).
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    released = bool(trim(0))
    logger.debug("malloc_trim released memory: %s", released)
    return released
