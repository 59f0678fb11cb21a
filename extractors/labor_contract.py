"""劳动合同 (labour contract, several pages): employer (甲方), employee (乙方), the employee's
ID number if printed, where the work is done (工作地点 — the checks use it for "works in
Taizhou") and the contract term.

The term is read from the clause "合同期限自2021年3月1日起至2024年2月29日止"; an open-ended
contract (无固定期限 / "至法定…条件出现时止", or only "合同期限自2024年7月15日起") gives
`term_end` = null with raw "无固定期限".
"""

from __future__ import annotations

import re

from extractors import register
from extractors._shared.context import DocContext
from extractors._shared.employer import employer_pattern
from extractors._shared.idnumber import find_id_number, id_number_fields
from extractors._shared.labels import labeled, labels_for, pattern_for
from extractors._shared.prose import Prose
from extractors._shared.text import clean_name, compact
from pipeline.core.dates import find_dates
from pipeline.core.models import DocType, ExtractedField

DT = "labor_contract"
OPEN_ENDED = re.compile(r"无\s*固\s*定\s*期\s*限|法定\s*(?:的)?\s*(?:解除|终止)\s*(?:或终止)?\s*条件出现")
TERM = re.compile(r"(?:期限|自)\s*:?\s*(?:自\s*)?(?P<a>[^,，。;；至到]{6,24}?)\s*(?:起)?\s*(?:至|到|-|—|~)\s*"
                  r"(?P<b>[^,，。;；]{4,30}?)\s*(?:止|为止|[,，。;；]|$)")
# an open-ended contract often names only its start: "合同期限自2024年07月15日起。"
TERM_START_ONLY = re.compile(r"期限\s*:?\s*自\s*(?P<a>[^,，。;；至到]{6,24}?)\s*起\s*(?=[,，。;；]|$)")
TERM_METHODS = {TERM: "prose:期限自…至…", TERM_START_ONLY: "prose:期限自…起"}


@register(DocType.LABOR_CONTRACT)
def extract_labor_contract(ctx: DocContext) -> dict[str, ExtractedField]:
    prose = Prose.of(ctx)
    t = prose.text
    out: dict[str, ExtractedField] = {}

    emp = labeled(ctx, DT, "employer", pattern=employer_pattern(DT).pattern) or labeled(ctx, DT, "employer")
    if emp:
        out["employer"] = ctx.field(compact(emp.text).strip("()"), emp)
    name = labeled(ctx, DT, "name", pattern=pattern_for(DT, "name"))
    if name:
        out["name"] = ctx.field(clean_name(name.text), name)
    out.update(id_number_fields(ctx, find_id_number(ctx, labels_for(DT)["id_number"])))

    loc = prose.search(r"工作地点\s*(?:为|是|在|:|设在|位于)\s*:?\s*(?P<w>[^,，。;；]{2,60}?)\s*"
                       r"(?:[,，。;；]|$|\s(?=第\s*[一二三四五六七八九十百\d]+\s*条))", "w",
                       "prose:工作地点为")
    if loc:
        out["work_location"] = ctx.field(compact(loc.text), loc)

    # the full "自…起至…止" clause first, else a start alone
    for m in (*TERM.finditer(t), *TERM_START_ONLY.finditer(t)):
        a = find_dates(m.group("a"))
        if not a:
            continue
        hit = prose.hit(m.start(), m.end(), TERM_METHODS[m.re], 0.85)
        out["term_start"] = ctx.field(a[0].iso, hit, raw=m.group("a"))
        b = find_dates(m.groupdict().get("b") or "")
        if b:
            out["term_end"] = ctx.field(b[0].iso, hit, raw=m.group("b"))
        elif OPEN_ENDED.search(t):
            out["term_end"] = ctx.field(None, hit, raw="无固定期限", method="prose:open_ended")
        break
    out["contract_type"] = ExtractedField(
        value="open_ended" if OPEN_ENDED.search(t) else ("fixed_term" if "term_end" in out else None),
        confidence=0.8, method="prose:contract_type",
        evidence=out["term_start"].evidence if "term_start" in out else [])
    return out
