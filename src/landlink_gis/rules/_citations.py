"""The policy documents and standards the rules cite, each written once, and which province each
binds.

A rule's ``reference`` names documents and clauses, e.g.
``f"{SICHUAN_2017} 二(六) 确保拆旧图斑……合法性、真实性; {PILOT_2008} 建新地块总面积必须小于拆旧地块总面积"``:
parts separated by ``"; "``, each starting with a document title. A provincial document binds its own
province only, so the reference a check prints depends on its profile (:func:`resolve`): a Sichuan
project reads the Sichuan document and the national rules, never Jilin's or Shanxi's; the
``national`` profile reads national rules only (DOMAIN.md §5). A part that names no known document
(a national standard, a law) is national.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "BAZHONG_CASE",
    "CGCS2000_NOTICE",
    "CONTROL_LINES_2019",
    "DOCUMENTS",
    "FARMLAND_2017",
    "JILIN_2017",
    "LAND_LAW",
    "MONITORING_2014",
    "OGC_SFA",
    "PILOT_2008",
    "POVERTY_2016",
    "SHANXI_2018",
    "SICHUAN_2017",
    "SOIL_WATER_LAW",
    "SURVEY_TDT1055",
    "Cite",
    "parse_reference",
    "resolve",
]

#: 川国土资发〔2017〕48号 (Sichuan)
SICHUAN_2017 = (
    "《四川省进一步深化城乡建设用地增减挂钩试点改革助推脱贫攻坚意见》（川国土资发〔2017〕48号）"
)
#: 晋政办发〔2018〕24号 (Shanxi)
SHANXI_2018 = "《山西省人民政府办公厅关于进一步加快推进城乡建设用地增减挂钩促进开发区转型升级助力脱贫攻坚的通知》（晋政办发〔2018〕24号）"  # noqa: E501
#: the Jilin implementing measures
JILIN_2017 = "《吉林省运用城乡建设用地增减挂钩政策支持脱贫攻坚实施办法》"
#: a study of the Bazhong (Sichuan) practice: cited for Sichuan projects only
BAZHONG_CASE = "《国土资源政策创新与助推脱贫攻坚的效果探析——基于四川省巴中市实践探索的思考》"
#: the Ministry notice on online monitoring (national; Sichuan forwarded it as 川国资办发〔2014〕17号)
MONITORING_2014 = "《国土资源部办公厅关于城乡建设用地增减挂钩在线监管工作有关要求的通知》（国土资厅函〔2014〕134号）"  # noqa: E501
#: the national pilot measures of the linkage policy
PILOT_2008 = "《城乡建设用地增减挂钩试点管理办法》（国土资发〔2008〕138号）"
#: the national opinion on farmland protection and the balance of occupation and compensation
FARMLAND_2017 = "《中共中央 国务院关于加强耕地保护和改进占补平衡的意见》（中发〔2017〕4号）"
#: the Ministry notice that lets surplus quota be used across a province (national)
POVERTY_2016 = "《国土资源部关于用好用活增减挂钩政策积极支持扶贫开发及易地扶贫搬迁工作的通知》（国土资规〔2016〕2号）"  # noqa: E501
#: the national guidance on the three control lines
CONTROL_LINES_2019 = (
    "《关于在国土空间规划中统筹划定落实三条控制线的指导意见》（中办发〔2019〕48号）"
)
#: national standards and laws
SURVEY_TDT1055 = "TD/T 1055-2019《第三次全国国土调查技术规程》"
CGCS2000_NOTICE = "《国土资源部关于加快使用2000国家大地坐标系的通知》（国土资发〔2017〕30号）"
OGC_SFA = "OGC 06-103r4 Simple Feature Access 1.2.1"
LAND_LAW = "《中华人民共和国土地管理法》"
SOIL_WATER_LAW = "《中华人民共和国水土保持法》"

#: document title → the profile (province) it binds; absent: national
DOCUMENTS: dict[str, str] = {
    SICHUAN_2017: "sichuan",
    BAZHONG_CASE: "sichuan",
    SHANXI_2018: "shanxi",
    JILIN_2017: "jilin",
}
#: internal source tags such as 「(002)」 that must never reach a reader
_SOURCE_TAG = re.compile(r"[（(]00\d[)）]")


@dataclass(frozen=True)
class Cite:
    """One part of a reference: its text and the province it binds (``None``: national)."""

    text: str
    province: str | None = None


def parse_reference(reference: str) -> tuple[Cite, ...]:
    """The parts of a reference text (separated by ``"; "``), each with the province it binds.

    Raises
    ------
    ValueError
        The text is empty or carries an internal source tag such as ``(002)``.
    """
    if not reference or not reference.strip():
        raise ValueError("empty reference")
    if _SOURCE_TAG.search(reference):
        raise ValueError(f"reference carries an internal source tag: {reference!r}")
    out = []
    for part in (p.strip() for p in reference.split("; ")):
        if not part:
            continue
        province = next((prov for doc, prov in DOCUMENTS.items() if part.startswith(doc)), None)
        out.append(Cite(part, province))
    return tuple(out)


def resolve(cites: tuple[Cite, ...], profile: str) -> str:
    """The reference a project under ``profile`` reads: national parts and its own province's.

    A rule that cites only another province's document (a provincial rule run outside its
    province on request) keeps its own text, so that it never reads as unsourced.
    """
    mine = [c.text for c in cites if c.province is None or c.province == profile]
    return "; ".join(mine) if mine else "; ".join(c.text for c in cites)
