"""The policy documents and standards the rules cite, each written once.

A rule's ``reference`` names the document and the clause, e.g.
``f"{SICHUAN_2017} 二(六) 确保拆旧图斑……合法性、真实性"``. The numbers in brackets are the
seed numbers of the project's source documents (000–004), so a reviewer can find the text.
"""

from __future__ import annotations

__all__ = [
    "BAZHONG_CASE",
    "CGCS2000_NOTICE",
    "JILIN_2017",
    "LAND_LAW",
    "MONITORING_2014",
    "OGC_SFA",
    "SHANXI_2018",
    "SICHUAN_2017",
    "SOIL_WATER_LAW",
    "SURVEY_TDT1055",
]

#: seed 000
SICHUAN_2017 = "《四川省进一步深化城乡建设用地增减挂钩试点改革助推脱贫攻坚意见》（川国土资发〔2017〕48号）(000)"
#: seed 001
SHANXI_2018 = "《山西省人民政府办公厅关于进一步加快推进城乡建设用地增减挂钩促进开发区转型升级助力脱贫攻坚的通知》（晋政办发〔2018〕24号）(001)"  # noqa: E501
#: seed 002
JILIN_2017 = "《吉林省运用城乡建设用地增减挂钩政策支持脱贫攻坚实施办法》(002)"
#: seed 003 (a case study of the Bazhong practice)
BAZHONG_CASE = "《国土资源政策创新与助推脱贫攻坚的效果探析——基于四川省巴中市实践探索的思考》(003)"
#: seed 004 (the Ministry notice as forwarded by Sichuan, 川国资办发〔2014〕17号)
MONITORING_2014 = "《国土资源部办公厅关于城乡建设用地增减挂钩在线监管工作有关要求的通知》（国土资厅函〔2014〕134号）(004)"  # noqa: E501
#: national standards and laws
SURVEY_TDT1055 = "TD/T 1055-2019《第三次全国国土调查技术规程》"
CGCS2000_NOTICE = "《国土资源部关于加快使用2000国家大地坐标系的通知》（国土资发〔2017〕30号）"
OGC_SFA = "OGC 06-103r4 Simple Feature Access 1.2.1"
LAND_LAW = "《中华人民共和国土地管理法》"
SOIL_WATER_LAW = "《中华人民共和国水土保持法》"
