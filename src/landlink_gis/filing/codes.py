"""The 备案编号 (filing code) against the profile's pattern and the project's county code.

The pattern is the profile's ``[filing] code_pattern`` (``base/profiles/*.toml``); by default 14
digits: the county's 6-digit code, the year 20yy, a 4-digit serial (``51190220210004``). Its named
group ``county`` must equal the county part of the project code (``511902-2021-004`` → ``511902``)
when the project code starts with six digits.
"""

from __future__ import annotations

import re

from ..base.profiles import PROFILE_NAMES, load_profile

__all__ = ["county_of_project_code", "filing_code_problem", "filing_code_regex"]


def filing_code_regex(profile: str | None = None) -> re.Pattern[str]:
    """The 备案编号 pattern of ``profile`` (national when ``None`` or unknown)."""
    name = profile if profile in PROFILE_NAMES else "national"
    return re.compile(str(load_profile(name).filing["code_pattern"]))


def county_of_project_code(project_code: str | None) -> str | None:
    """The 6-digit county code a project code starts with (``511902-2021-004`` → ``511902``)."""
    m = re.match(r"\s*(\d{6})(?!\d)", project_code or "")
    return m.group(1) if m else None


def filing_code_problem(
    code: str, *, profile: str | None = None, project_code: str | None = None
) -> str | None:
    """Why ``code`` is not a 备案编号 of the profile (in Chinese), or ``None`` when it is one.

    Parameters
    ----------
    code
        The 备案编号 (from the project facts, a file name, the manifest or the summary).
    profile
        The profile whose pattern applies (national when ``None``).
    project_code
        The project's code (项目区编号); its county part must agree with the code's.
    """
    name = profile if profile in PROFILE_NAMES else "national"
    filing = load_profile(name).filing
    m = filing_code_regex(name).fullmatch(code or "")
    if m is None:
        what = filing.get("code_description") or f"格式 {filing['code_pattern']}"
        example = filing.get("code_example")
        return f"备案编号 {code!r} 不符合规定格式（{what}" + (
            f"，如 {example}）" if example else "）"
        )
    county = m.groupdict().get("county")
    expected = county_of_project_code(project_code)
    if county and expected and county != expected:
        return f"备案编号 {code} 的县级代码 {county} 与项目区编号 {project_code} 的 {expected} 不符"
    return None
