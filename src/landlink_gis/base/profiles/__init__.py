"""Provincial profiles as package data: which rules are on, their severities and parameters."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..errors import ProjectFileError

__all__ = ["PROFILE_LABELS", "PROFILE_NAMES", "Profile", "load_profile"]

PROFILE_NAMES: tuple[str, ...] = ("national", "sichuan", "shanxi", "jilin")
#: Profile name → how a report names it, per language (``PROFILE_LABELS["zh"]["sichuan"]`` is
#: 四川省)
PROFILE_LABELS: dict[str, dict[str, str]] = {
    "zh": {"national": "全国通用", "sichuan": "四川省", "shanxi": "山西省", "jilin": "吉林省"},
    "en": {"national": "national", "sichuan": "Sichuan", "shanxi": "Shanxi", "jilin": "Jilin"},
}


@dataclass(frozen=True)
class Profile:
    """A provincial profile: disabled rules, severity overrides, parameter values and what it adds
    to the checks filing requires."""

    name: str
    title: str = ""
    disable: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    #: what this profile adds to the checks filing requires (``[filing] requires``: texts such as
    #: ``"raster:quality"``, ``"layer:illegal_land"``, ``"fact:filing_code"``); never fewer
    filing_requires: tuple[str, ...] = ()
    #: ``[filing]`` settings (``code_pattern``: the 备案编号 as a regular expression with the
    #: named group ``county``); a profile without its own takes the national ones
    filing: dict[str, Any] = field(default_factory=dict)


@cache
def load_profile(name: str) -> Profile:
    """The profile ``name`` (one of :data:`PROFILE_NAMES`)."""
    if name not in PROFILE_NAMES:
        raise ProjectFileError(f"unknown profile {name!r}; use one of {', '.join(PROFILE_NAMES)}")
    text = resources.files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    doc = tomllib.loads(text)
    return Profile(
        name=name,
        title=doc.get("profile", {}).get("title", ""),
        disable=tuple(doc.get("rules", {}).get("disable", [])),
        severity=dict(doc.get("severity", {})),
        params=dict(doc.get("params", {})),
        filing_requires=tuple(doc.get("filing", {}).get("requires", [])),
        filing={
            **(load_profile("national").filing if name != "national" else {}),
            **doc.get("filing", {}),
        },
    )
