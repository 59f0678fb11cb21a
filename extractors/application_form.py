"""泰州市国际职业资格比照认定专业技术资格申报表 (the policy's Appendix 2): the applicant's own
statement of who they are, which catalogue entry they claim, which title and series they ask
for — and whether the employer sealed the 单位意见 box (MISSING_UNIT_SEAL otherwise).

The form is a ruled table; tesseract reads a row as one line, RapidOCR each cell as a box, so
values are read right of their label up to the next label (every label of the form ends a
value). The seal test is geometric: the 单位意见 cell runs from its label to the
行政主管部门意见 label on the same row, and from the row above (申请认定…) to the row below
(市(区)职称部门…); a red seal (page.cues.red_seals, found by the classifier) whose box lies
at least 30 % inside that cell counts as the unit's seal — on a grey photocopy, a seal-sized
dark ring (page.cues.grey_seals) does.
"""

from __future__ import annotations

import re

from extractors import register
from extractors._shared.context import DocContext, Hit, Line, sub_hit
from extractors._shared.employer import employer_pattern
from extractors._shared.idnumber import find_id_number, id_number_fields
from extractors._shared.labels import form_words, labeled, labeled_document_number, labels_for, pattern_for
from extractors._shared.sex import parse_sex
from extractors._shared.text import clean_name, compact
from pipeline.core.dates import find_dates
from pipeline.core.models import BBox, DocType, Evidence, ExtractedField

DT = "application_form"
SEAL_INSIDE = 0.3  # share of a seal's box that must lie in the 单位意见 cell
CATALOG_NO = re.compile(r"(?:目录)?\s*序号\s*[:：]?\s*(?P<n>\d{1,3})|[(（]\s*(?P<m>\d{1,3})\s*[)）]|(?<![\d.\-/年月])(?P<k>\d{1,2})\s*$")


def _text(h: Hit | None) -> str:
    return compact(h.text) if h else ""


def parse_catalog_value(text: str) -> tuple[str, int | None]:
    """'注册焊接检验师（目录序号31）' → ('注册焊接检验师', 31); '31' → ('', 31)."""
    t = compact(text)
    m = CATALOG_NO.search(t)
    if not m:
        return t, None
    n = int(m.group("n") or m.group("m") or m.group("k"))
    name = (t[:m.start()] + t[m.end():]).strip(" ,，;；/()（）")
    name = re.sub(r"[(（]\s*[)）]", "", name).strip()
    return name, n


def parse_requested(text: str) -> tuple[str | None, str | None]:
    """'工程师 机械工程' / '工程师（机械工程系列）' → ('工程师', '机械工程')."""
    words = form_words()
    t = compact(text)
    title = next((w for w in words.titles if w in t), None)
    rest = t.replace(title, "", 1) if title else t
    series = next((s for s in words.series if s in rest), None)
    if series is None:
        rest = re.sub(r"系列|专业|[()（）/、,，:：\s]", "", rest)
        series = rest or None
    return title, series


def id_doc_type(text: str) -> str | None:
    for dt, names in form_words().id_types.items():
        if any(n.lower() in text.lower() for n in names):
            return dt
    return None


def _box_area(b: BBox) -> float:
    return max(0, b[2] - b[0]) * max(0, b[3] - b[1])


def _inter(a: BBox, b: BBox) -> float:
    return _box_area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def unit_opinion_cell(ctx: DocContext) -> tuple[Line, BBox] | None:
    """The 单位意见 cell in corrected-image pixels, located from the OCR boxes of the labels."""
    found = ctx.find_label(labels_for(DT)["unit_opinion"])
    if not found:
        return None
    lab = found[0]
    same_page = [ln for ln in ctx.lines if ln.page_index == lab.page_index]
    page = ctx.pages[lab.page_index]
    h = lab.height
    # right edge: the 行政主管部门意见 label on the same row band, else ~55 % of the page
    auth = [ln for ln in same_page if ln.bbox[0] > lab.bbox[2]
            and any(re.search(p, compact(ln.text)) for p in ("行政主管", "部门意见"))
            and abs(ln.cy - lab.cy) < 4 * h]
    x1 = min(ln.bbox[0] for ln in auth) if auth else int((page.width or lab.bbox[2] * 2) * 0.55)
    # top: the bottom of the 申请认定 row above, else three lines above the label
    above = [ln for ln in same_page if ln.bbox[3] <= lab.bbox[1] and "申请认定" in compact(ln.text)]
    if above:
        row = above[-1]
        y0 = max(ln.bbox[3] for ln in same_page if abs(ln.cy - row.cy) < 0.6 * row.height)
    else:
        y0 = lab.bbox[1] - 3 * h
    # bottom: the 市(区)职称部门 row below, else five lines below the label
    below = [ln for ln in same_page if ln.bbox[1] >= lab.bbox[3]
             and any(k in compact(ln.text) for k in ("职称部门", "市直部门", "市(区)"))]
    y1 = min(ln.bbox[1] for ln in below) if below else lab.bbox[3] + 5 * h
    x0 = max(0, lab.bbox[0] - h)
    return lab, (int(x0), int(max(0, y0)), int(x1), int(y1))


def seal_field(ctx: DocContext) -> ExtractedField:
    cell = unit_opinion_cell(ctx)
    if cell is None:
        return ExtractedField(value=None, confidence=0.0, method="seal:no_unit_opinion_label")
    lab, box = cell
    page = ctx.pages[lab.page_index]
    seals = page.cues.red_seals
    if seals is None:
        return ExtractedField(value=None, confidence=0.0, method="seal:no_layout_cue",
                              evidence=[Evidence(file=lab.file, page=lab.page, bbox=box)])
    # a grey photocopy keeps the seal only as a dark ring (classifier's grey_seals)
    found = [(s, "red_seal", 0.9) for s in seals] + [(s, "grey_ring", 0.7) for s in page.cues.grey_seals]
    for s, kind, weight in found:
        sb: BBox = (int(s[0]), int(s[1]), int(s[2]), int(s[3]))
        area = _box_area(sb)
        if area > 0 and _inter(sb, box) / area >= SEAL_INSIDE:
            return ExtractedField(value=True, raw=str(list(sb)), confidence=round(weight * lab.conf + 0.1, 3),
                                  evidence=[Evidence(file=lab.file, page=lab.page, bbox=sb)],
                                  method=f"seal:{kind}_in_unit_opinion_cell")
    return ExtractedField(value=False, raw=f"{len(seals)} seal(s) elsewhere" if seals else "no seal",
                          confidence=round(0.8 * lab.conf, 3), evidence=[Evidence(file=lab.file, page=lab.page, bbox=box)],
                          method="seal:none_in_unit_opinion_cell")


@register(DocType.APPLICATION_FORM)
def extract_application_form(ctx: DocContext) -> dict[str, ExtractedField]:
    out: dict[str, ExtractedField] = {}
    name = labeled(ctx, DT, "name", pattern=pattern_for(DT, "name"))
    if name:
        out["name"] = ctx.field(clean_name(name.text), name)
    sex = labeled(ctx, DT, "sex")
    if sex and parse_sex(compact(sex.text)):
        out["sex"] = ctx.field(parse_sex(compact(sex.text)), sex)
    phone = labeled(ctx, DT, "phone", pattern=pattern_for(DT, "phone"))
    if phone:
        out["phone"] = ctx.field(re.sub(r"\s", "", phone.text), phone)
    idt = labeled(ctx, DT, "id_type")
    kind = id_doc_type(_text(idt)) if idt else None
    if idt:
        out["id_type"] = ctx.field(_text(idt), idt)
        if kind:
            out["id_doc_type"] = ctx.derived(kind, out["id_type"], "map:id_types")
    if kind in (None, "resident_id_card"):
        out.update(id_number_fields(ctx, find_id_number(ctx, labels_for(DT)["id_number"])))
    if "id_number" not in out and (other := labeled_document_number(ctx, DT)):
        out["id_number"] = other

    emp = labeled(ctx, DT, "employer")
    if emp:
        t = _text(emp)
        m = employer_pattern(DT).search(t)
        if m:
            out["employer"] = ctx.field(m.group(0), emp)
            pos = (t[:m.start()] + " " + t[m.end():]).strip(" ,，/、;；")
            if pos:
                out["position"] = ctx.field(pos, emp)
        else:
            out["employer"] = ctx.field(t, emp, confidence=emp.conf * 0.7)
    edu = labeled(ctx, DT, "education")
    if edu:
        out["education"] = ctx.field(_text(edu), edu)

    q = labeled(ctx, DT, "qualification")
    if q:
        qname, qn = parse_catalog_value(q.text)
        if qname:
            out["qualification_name"] = ctx.field(qname, q)
        if qn is not None:
            out["catalog_number"] = ctx.field(qn, q)
    acq = labeled(ctx, DT, "acquired_date")
    ds = find_dates(acq.text, month_ok=True) if acq else []
    if acq and ds:
        out["acquired_date"] = ctx.field(ds[0].iso, sub_hit(acq, ds[0].start, ds[0].end),
                                         confidence=acq.conf * (0.85 if ds[0].precision == "month" else 1.0))
    req = labeled(ctx, DT, "requested")
    if req:
        title, series = parse_requested(req.text)
        if title:
            out["requested_title"] = ctx.field(title, req)
        if series:
            out["requested_series"] = ctx.field(series, req)
    out["unit_seal_present"] = seal_field(ctx)
    return out
