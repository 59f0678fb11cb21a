"""The reviewers' report of one case: a self-contained HTML page rendered from the case file
alone (and the source files, for thumbnails).

A clerk reads it top to bottom: the recommendation, then each flag (Chinese first) with a
thumbnail of its evidence boxed in red, then what each document says beside what the form
claims, the materials checklist, the catalogue match, Appendix 2 filled from the documents,
errors and versions. Everything is inline (CSS, base64 PNG thumbnails): the file can be
mailed or archived on its own. The report is for reviewers on premises, so it shows ID
numbers in full; logs never do.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipeline.core.labels import doc_label, labels
from pipeline.core.models import CaseFile, DocType, Document, Severity
from pipeline.report.html import bi, esc, page
from pipeline.report.sources import Sources, thumb_html

_SEV_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _recommendation(case: CaseFile) -> str:
    rec = str(case.recommendation)
    return f'<div class="rec rec-{esc(rec)}">建议 / Recommendation: {bi("recommendation", rec)}</div>'


def _flags(case: CaseFile, src: Sources) -> str:
    if not case.flags:
        return "<p>未发现问题 / No findings.</p>"
    rows = []
    flags = sorted(case.flags, key=lambda f: (_SEV_ORDER[Severity(f.severity)], str(f.category)))
    for f in flags:
        ev_txt = "；".join(f"{esc(e.file)} 第{e.page}页" for e in f.evidence[:4])
        thumbs = ""
        boxed = [e for e in f.evidence if e.bbox is not None][:1] or f.evidence[:1]
        for ev in boxed:
            thumbs += thumb_html(src, ev)
        sev, cat = str(f.severity), str(f.category)
        rows.append(
            f'<div class="flag sev-{esc(sev)}" id="flag-{esc(f.code)}"><div class="txt">'
            f"<b>{esc(f.message_zh)}</b><br><span class=\"en\">{esc(f.message_en)}</span><br>"
            f'<span class="small">{bi("severity", sev)} · {bi("category", cat)} · '
            f'<span class="code">{esc(f.code)}</span>'
            + (f" · 依据材料 / evidence: {ev_txt}" if ev_txt else "")
            + f"</span></div>{thumbs}</div>")
    return "\n".join(rows)


def _comparison(case: CaseFile) -> str:
    """The comparison table the checks built (case.comparison): nothing is compared here."""
    table = case.comparison
    docs = {d.doc_id: d for d in case.documents}
    columns = [docs[i] for i in (table.documents if table is not None else []) if i in docs]
    if table is None or not columns:
        return "<p>无可比较的材料 / nothing to compare.</p>"
    head = "".join(f"<th>{esc(doc_label(d.doc_type).zh)}<br><span class=\"en\">"
                   f"{esc(doc_label(d.doc_type).en)} {esc(d.doc_id)}</span></th>" for d in columns)
    rows = []
    for row in table.rows:
        by_doc = {v.doc_id: v for v in row.values}
        cells = []
        for d in columns:
            v = by_doc.get(d.doc_id)
            if v is None:
                cells.append("<td></td>")
                continue
            cls = "ok" if v.agrees else "bad"
            cells.append(f'<td class="{cls}" title="置信度 / confidence {v.confidence:.2f}">{esc(v.value)}</td>')
        rows.append(f"<tr><th>{bi('fields', row.field)}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"


def _materials(case: CaseFile) -> str:
    rows = []
    for key, status in case.materials.model_dump(mode="json").items():
        rows.append(f"<tr><td>{bi('materials', key)}</td>"
                    f'<td class="st-{esc(status)}">{bi("material_status", status)}</td></tr>')
    return f"<table><tr><th>第五条材料 / Art. 5 item</th><th>状态 / status</th></tr>{''.join(rows)}</table>"


def _qualification(case: CaseFile) -> str:
    q = case.qualification
    rows = [
        ("证书所载名称 / title as printed", q.title_as_printed),
        ("颁证单位 / issuer as printed", q.issuer_as_printed),
        ("匹配结果 / status", f"{q.status} ({q.score:.0f})"),
        ("目录序号 / catalogue no.", q.catalog_id),
        ("目录名称 / catalogue name", " · ".join(n for n in (q.catalog_name_en, q.catalog_name_zh) if n) or None),
        ("可认定资格 / title granted", q.recognized_title),
        ("所属系列 / series", q.series),
        ("目录批次 / catalogue batch", q.catalog_version),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{esc(v)}</td></tr>" for k, v in rows if v not in (None, ""))
    cands = "".join(f"<tr><td>{c.catalog_id}</td><td>{esc(c.name)}</td><td>{c.score:.1f}</td><td>{esc(c.reason)}</td></tr>"
                    for c in q.candidates[:5])
    out = f"<table>{body}</table>"
    if cands:
        out += ("<p>候选条目 / candidates:</p><table><tr><th>序号 No.</th><th>名称 name</th><th>分数 score</th>"
                f"<th>依据 reason</th></tr>{cands}</table>")
    return out


def _first_value(case: CaseFile, types: Iterable[DocType], *names: str) -> str | None:
    for t in types:
        for d in case.documents:
            if d.doc_type != t:
                continue
            for n in names:
                f = d.fields.get(n)
                if f is not None and f.value not in (None, ""):
                    return str(f.value)
    return None


def _highest_education(case: CaseFile) -> Document | None:
    docs = [d for d in case.documents if d.doc_type in (DocType.DEGREE_CERTIFICATE, DocType.DIPLOMA,
                                                        DocType.OVERSEAS_DEGREE_CERTIFICATION)]
    levels = labels().education_levels

    def rank(d: Document) -> int:
        f = d.fields.get("level")
        text = str(f.value) if f is not None and f.value else ""
        return next((i for i, words in enumerate(levels) if any(w.lower() in text.lower() for w in words)),
                    len(levels))

    return min(docs, key=rank) if docs else None


def _appendix2(case: CaseFile) -> str:
    """Appendix 2 of the measures, filled from the documents (the form's own values last)."""
    ident = [DocType.RESIDENT_ID_CARD, DocType.PASSPORT, DocType.HK_MACAO_PERMIT, DocType.TAIWAN_PERMIT]
    form = [DocType.APPLICATION_FORM]
    work = [DocType.SOCIAL_INSURANCE_RECORD, DocType.LABOR_CONTRACT, DocType.WORK_PERMIT]
    sex = _first_value(case, ident + form, "sex")
    sex_zh = {"M": "男", "F": "女"}.get(sex or "", sex)
    id_doc = next((d for t in ident for d in case.documents if d.doc_type == t), None)
    id_type = doc_label(id_doc.doc_type).zh if id_doc is not None else _first_value(case, form, "id_type")
    q = case.qualification
    qual = f"{q.catalog_name_zh}（目录序号{q.catalog_id}）" if q.catalog_name_zh else _first_value(
        case, form, "qualification_name", "catalog_number")
    top = _highest_education(case)

    def edu_value(name: str) -> str | None:
        f = top.fields.get(name) if top is not None else None
        return str(f.value) if f is not None and f.value not in (None, "") else None

    school = " ".join(v for v in (edu_value("institution"), edu_value("major"), edu_value("graduation_date")) if v)
    employer = _first_value(case, form + work, "employer")
    position = _first_value(case, form, "position")
    requested = _first_value(case, form, "requested_title")
    series = _first_value(case, form, "requested_series")
    rows: list[list[tuple[str, str | None]]] = [
        [("姓 名", _first_value(case, ident + form, "name")), ("性 别", sex_zh),
         ("联系电话", _first_value(case, form, "phone"))],
        [("证件类型", id_type), ("证件号码", _first_value(case, ident + form, "id_number"))],
        [("现工作单位及职务", " ".join(v for v in (employer, position) if v))],
        [("参加工作时间", _first_value(case, form, "work_start_date", "start_date")),
         ("现从事专业及工作年限", _first_value(case, form, "profession"))],
        [("最高学历", edu_value("level") or _first_value(case, form, "education")), ("毕业院校、专业及时间", school)],
        [("职业资格译名及目录序号", qual),
         ("取得时间", _first_value(case, [DocType.QUALIFICATION_CERTIFICATE], "issue_date")
          or _first_value(case, form, "acquired_date"))],
        [("申请认定专业技术资格名称及所属系列（专业）",
          " ".join(v for v in (requested, series) if v) or " ".join(
              v for v in (q.recognized_title, q.series) if v))],
    ]
    body = "".join("<tr>" + "".join(f"<th>{esc(k)}</th><td>{esc(v)}</td>" for k, v in row) + "</tr>" for row in rows)
    return ("<p class=\"small\">按材料识别结果预填（供核对，非申请人原表）/ pre-filled from the documents "
            f"(for checking; not the applicant's own form)</p><table>{body}</table>")


def _documents(case: CaseFile) -> str:
    parts = []
    for d in case.documents:
        files = "；".join(f"{esc(f.path)} p{','.join(map(str, f.pages))}" for f in d.files)
        rows = "".join(
            f"<tr><td>{esc(n)}</td><td>{esc(f.value)}</td><td>{f.confidence:.2f}</td>"
            f"<td class=\"small\">{esc('; '.join(f'{e.file} p{e.page}' for e in f.evidence[:2]))}</td></tr>"
            for n, f in d.fields.items() if n != "full_text")
        lab = doc_label(d.doc_type)
        parts.append(f"<details><summary>{esc(d.doc_id)} {esc(lab.zh)} <span class=\"en\">{esc(lab.en)}</span> "
                     f"— {files} ({d.classification_confidence:.2f})</summary>"
                     f"<table><tr><th>字段 field</th><th>值 value</th><th>置信度 conf.</th><th>来源 evidence</th></tr>"
                     f"{rows}</table></details>")
    return "\n".join(parts) or "<p>无 / none</p>"


def _errors(case: CaseFile) -> str:
    if not case.errors:
        return "<p>无 / none</p>"
    rows = "".join(f"<tr><td>{esc(e.file)}</td><td class=\"code\">{esc(e.code)}</td><td>{esc(e.message_zh)}<br>"
                   f"<span class=\"en\">{esc(e.message_en)}</span></td></tr>" for e in case.errors)
    return f"<table><tr><th>文件 file</th><th>代码 code</th><th>说明 message</th></tr>{rows}</table>"


def _versions(case: CaseFile) -> str:
    v = case.versions
    items = [("credcase", v.credcase if v else None), ("tesseract", v.tesseract if v else None),
             ("RapidOCR", v.rapidocr if v else None), ("目录批次 catalogue", v.catalog_batch if v else None),
             ("处理时间 processed", case.processed_at.isoformat()),
             ("申请日期 application date", case.eligibility.application_date)]
    return "<p class=\"small\">" + " · ".join(f"{k}: {esc(val)}" for k, val in items if val) + "</p>"


def render_case_html(case: CaseFile, sources: list[Path] | None) -> str:
    """The whole report as one self-contained HTML string."""
    src = Sources(sources, case)
    try:
        who = case.applicant.name or case.applicant.name_latin or case.case_id
        head = (f"<h1>比照认定材料预审报告 <span class=\"en\">Pre-screening report</span> — {esc(who)}</h1>"
                f"<p class=\"small\">案卷 case {esc(case.case_id)} · 来源 source {esc(case.source)}</p>")
        sections = [
            head, _recommendation(case),
            f"<h2>问题清单 <span class=\"en\">Findings ({len(case.flags)})</span></h2>", _flags(case, src),
            "<h2>各材料信息对照 <span class=\"en\">What each document says</span></h2>", _comparison(case),
            "<h2>材料清单（第五条）<span class=\"en\">Materials checklist (Art. 5)</span></h2>", _materials(case),
            "<h2>目录匹配 <span class=\"en\">Catalogue match</span></h2>", _qualification(case),
            "<h2>申报表（附件2）预填 <span class=\"en\">Application form (Appendix 2), pre-filled</span></h2>",
            _appendix2(case),
            "<h2>识别的材料 <span class=\"en\">Documents and extracted fields</span></h2>", _documents(case),
            "<h2>无法读取的文件 <span class=\"en\">Files that could not be read</span></h2>", _errors(case),
            "<h2>版本 <span class=\"en\">Versions</span></h2>", _versions(case),
        ]
        return page(f"{who} — credcase", "\n".join(sections))
    finally:
        src.close()
