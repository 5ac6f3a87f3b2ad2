"""Exceptions of landlink-gis.

Data problems inside readable inputs are *findings*, not exceptions. Exceptions are for
inputs that cannot be checked at all (an unreadable file, a bad project file); the CLI turns
them into a clear message and exit code 2. Each class also inherits the matching built-in so
callers can catch what they already know (``ValueError``, ``OSError``).
"""

from __future__ import annotations


class LandlinkError(Exception):
    """Base class of every error raised by landlink-gis."""


class InputError(LandlinkError, ValueError):
    """User input that cannot be checked; the message names the file, layer or feature and the
    fix."""


class DataSourceError(InputError):
    """A data source (file, layer, database table) cannot be opened or read."""


class ProjectFileError(InputError):
    """The project TOML is malformed or refers to something that does not exist."""


class OutputError(LandlinkError, OSError):
    """An output cannot be written (for example it would overwrite an input)."""
