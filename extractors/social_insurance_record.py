"""社会保险参保缴费证明 (social-insurance contribution record): whose record, the employer paying,
where the person is insured (参保地 — the checks use it for "works in Taizhou"), and the months paid.

`months_paid` counts the distinct months of the table rows that show a payment (a month in the
first cell and an amount or 已缴/已实缴 in the row; rows marked 欠缴/未缴/暂停 do not count).
`period_start`/`period_end` are ISO dates: the first day of the first month and the last day of
the last month (a record "2021-01 … 2023-02" → 2021-01-01 … 2023-02-28); a printed 缴费起止年月
is used when there are no table rows.
"""

from __future__ import annotations

import re

from extractors import register
from extractors._shared.context import DocContext, Line, union_bbox
from extractors._shared.employer import employer_pattern
from extractors._shared.idnumber import find_id_number, id_number_fields
from extractors._shared.labels import labeled, labeled_document_number, labels_for, pattern_for
from extractors._shared.rows import row_hit, row_text, rows_of
from extractors._shared.text import clean_name, compact
from pipeline.core.dates import find_dates, month_end
from pipeline.core.models import DocType, Evidence, ExtractedField

DT = "social_insurance_record"
MONTH_CELL = re.compile(r"^\s*(?:\d{1,3}\s*[|｜]?\s+)?(?P<y>(?:19|20)\d{2})\s*(?:[-./年]\s*)?(?P<m>0?[1-9]|1[0-2])\s*月?(?![\d])")
PAID = re.compile(r"\d+\.\d{2}|\d{3,}|已\s*实?\s*缴|已到账|足额|正常")
UNPAID = re.compile(r"欠\s*缴|未\s*缴|暂\s*停|中\s*断|补\s*缴\s*中")


def _table_months(ctx: DocContext) -> tuple[list[tuple[str, list[Line]]], list[str]]:
    """[(YYYY-MM, row lines)] of the paid rows, and the companies named in the rows."""
    months: dict[str, list[Line]] = {}
    companies: list[str] = []
    for row in rows_of(ctx):
        text = row_text(row)
        m = MONTH_CELL.match(text)
        if not m or re.match(r"^\s*(?:19|20)\d{2}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}", text[m.start("y"):]):
            continue  # not a month row (or a full date: the print date)
        rest = text[m.end():]
        if UNPAID.search(rest) or not PAID.search(rest):
            continue
        key = f"{int(m['y']):04d}-{int(m['m']):02d}"
        months.setdefault(key, row)
        c = employer_pattern(DT).search(rest)
        if c:
            companies.append(c.group(0))
    return sorted(months.items()), companies


@register(DocType.SOCIAL_INSURANCE_RECORD)
def extract_social_insurance_record(ctx: DocContext) -> dict[str, ExtractedField]:
    out: dict[str, ExtractedField] = {}
    name = labeled(ctx, DT, "name", pattern=pattern_for(DT, "name"))
    if name:
        out["name"] = ctx.field(clean_name(name.text), name)
    out.update(id_number_fields(ctx, find_id_number(ctx, labels_for(DT)["id_number"])))
    if "id_number" not in out and (other := labeled_document_number(ctx, DT)):
        out["id_number"] = other  # foreign nationals and HK/Macao/Taiwan residents are insured too

    emp = labeled(ctx, DT, "employer", pattern=employer_pattern(DT).pattern)
    months, companies = _table_months(ctx)
    if emp:
        out["employer"] = ctx.field(compact(emp.text), emp)
    elif companies:
        most = max(set(companies), key=companies.count)
        rows = [r for _, r in months if most in row_text(r)]
        out["employer"] = ctx.field(most, row_hit(rows[-1], "table:most_frequent_employer", most, 0.8))
    place = labeled(ctx, DT, "insured_place", pattern=pattern_for(DT, "insured_place"))
    if place:
        out["insured_place"] = ctx.field(compact(place.text), place)

    if months:
        first_row, last_row = months[0][1], months[-1][1]
        out["period_start"] = ctx.field(months[0][0] + "-01", row_hit(first_row, "table:first_month"),
                                        raw=months[0][0], confidence=min(ln.conf for ln in first_row) * 0.9)
        out["period_end"] = ctx.field(month_end(months[-1][0] + "-01"), row_hit(last_row, "table:last_month"),
                                      raw=months[-1][0], confidence=min(ln.conf for ln in last_row) * 0.9)
        ev = [Evidence(file=r[0].file, page=r[0].page, bbox=union_bbox(ln.bbox for ln in r)) for _, r in months]
        pages = {(e.file, e.page) for e in ev}
        per_page = [Evidence(file=f, page=p, bbox=union_bbox(e.bbox for e in ev if (e.file, e.page) == (f, p)
                                                             and e.bbox)) for f, p in sorted(pages)]
        conf = min(min(ln.conf for ln in r) for _, r in months) * 0.9
        out["months_paid"] = ExtractedField(value=len(months), raw=f"{months[0][0]}..{months[-1][0]}",
                                            confidence=round(conf, 3), evidence=per_page, method="table:paid_rows")
    else:
        per = labeled(ctx, DT, "period")
        ds = find_dates(per.text, month_ok=True) if per else []
        if per and ds:
            out["period_start"] = ctx.field(ds[0].iso, per, confidence=per.conf * 0.9)
            if len(ds) > 1:
                end = ds[1].iso if ds[1].precision == "day" else month_end(ds[1].iso)
                out["period_end"] = ctx.field(end, per, confidence=per.conf * 0.9)
    printed = labeled(ctx, DT, "months_paid", pattern=pattern_for(DT, "months_paid"))
    if printed:
        out["months_paid_printed"] = ctx.field(int(printed.text), printed)
        if "months_paid" not in out:
            out["months_paid"] = ctx.field(int(printed.text), printed, method=printed.method + ":printed_total")
    pd = labeled(ctx, DT, "print_date")
    pds = find_dates(pd.text) if pd else []
    if pd and pds:
        out["print_date"] = ctx.field(pds[0].iso, pd)
    return out
