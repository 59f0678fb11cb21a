"""The batch index: every applicant of an ingest run on one page, sortable."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from pipeline.core.flags import flag_specs
from pipeline.core.models import CaseFile, FlagCategory, Severity
from pipeline.report.html import bi, esc, page


class IndexRow(BaseModel):
    """One applicant on the batch index page (pipeline.batch builds these)."""

    case_id: str
    source: str = ""
    applicant: str | None = None
    recommendation: str
    flag_counts: dict[str, int] = Field(default_factory=dict)  # by category
    critical: int = 0
    errors: int = 0
    html: str | None = None  # link to the case report, relative to the index page

    @classmethod
    def from_case(cls, case: CaseFile, html_href: str | None = None) -> IndexRow:
        counts = Counter(str(f.category) for f in case.flags)
        return cls(case_id=case.case_id, source=case.source,
                   applicant=case.applicant.name or case.applicant.name_latin,
                   recommendation=str(case.recommendation), flag_counts=dict(counts),
                   critical=sum(1 for f in case.flags if f.severity == Severity.CRITICAL),
                   errors=len(case.errors), html=html_href)


    @classmethod
    def from_record(cls, rec: Any, cases_dir: Path | None = None) -> IndexRow:
        """From the run store's record (pipeline.store.CaseRecord: case_id, source, status,
        recommendation, flag_codes, n_errors); the link points into `cases_dir`, which sits
        beside the index page."""
        specs = flag_specs()
        codes = list(getattr(rec, "flag_codes", []) or [])
        counts = Counter(str(specs[c].category) for c in codes if c in specs)
        critical = sum(1 for c in codes if c in specs and specs[c].severity == Severity.CRITICAL)
        rec_value = getattr(rec, "recommendation", None) or ("failed" if getattr(rec, "status", "") != "done"
                                                             else "")
        href = None
        failed_with_case = cases_dir is not None and (Path(cases_dir) / f"{rec.case_id}.html").exists()
        if getattr(rec, "status", "done") == "done" or failed_with_case:
            href = f"{Path(cases_dir).name if cases_dir else 'cases'}/{rec.case_id}.html"
        return cls(case_id=rec.case_id, source=getattr(rec, "source", ""), recommendation=rec_value,
                   flag_counts=dict(counts), critical=critical, errors=int(getattr(rec, "n_errors", 0) or 0),
                   html=href)


def render_index_html(rows: list[IndexRow]) -> str:
    cats = [c.value for c in FlagCategory]
    totals = Counter(r.recommendation for r in rows)
    summary = " · ".join(f"{bi('recommendation', k)}: {v}" for k, v in sorted(totals.items()))
    head = "".join(f"<th>{bi('category', c)}</th>" for c in cats)
    body = []
    for r in rows:
        link = f'<a href="{esc(r.html)}">{esc(r.case_id)}</a>' if r.html else esc(r.case_id)
        counts = "".join(f"<td>{r.flag_counts.get(c, 0) or ''}</td>" for c in cats)
        body.append(f'<tr><td>{link}</td><td>{esc(r.applicant)}</td>'
                    f'<td class="rec-{esc(r.recommendation)}">{bi("recommendation", r.recommendation)}</td>'
                    f"{counts}<td>{r.critical or ''}</td><td>{r.errors or ''}</td></tr>")
    table = (f'<table class="sortable"><thead><tr><th>案卷 case</th><th>申请人 applicant</th>'
             f"<th>建议 recommendation</th>{head}<th>严重 critical</th><th>错误 errors</th></tr></thead>"
             f"<tbody>{''.join(body)}</tbody></table>")
    hint = '<p class="en">点击列标题排序 / click a column heading to sort</p>'
    return page("credcase — 批次索引 / batch index",
                 f"<h1>批次预审索引 <span class=\"en\">Batch index</span> ({len(rows)})</h1><p>{summary}</p>"
                 f"{hint}{table}<script>{_SORT_JS}</script>")


# click a heading to sort the batch index (numbers numerically, text by Chinese collation)
_SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.style.cursor = 'pointer';
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0], asc = th.dataset.dir !== 'asc';
    th.dataset.dir = asc ? 'asc' : 'desc';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent.trim(), y = b.cells[col].textContent.trim();
      var nx = parseFloat(x || '0'), ny = parseFloat(y || '0');
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, 'zh');
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""
