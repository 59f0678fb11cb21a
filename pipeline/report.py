"""The reviewers' HTML report: one self-contained page per applicant, and the batch index.

A clerk reads it top to bottom: the recommendation, then each flag (Chinese first) with a
thumbnail of its evidence boxed in red, then what each document says beside what the form
claims, the materials checklist, the catalogue match, Appendix 2 filled from the documents,
errors and versions. Everything is inline (CSS, base64 PNG thumbnails): the file can be
mailed or archived on its own. The report is for reviewers on premises, so it shows ID
numbers in full; logs never do.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import mimetypes
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, ImageDraw
from pydantic import BaseModel, Field

from pipeline.models import (
    CaseFile,
    DocType,
    Document,
    Evidence,
    FlagCategory,
    LoadedFile,
    Severity,
    SourceFile,
)
from pipeline.rules_consistency import normalize_employer
from pipeline.rules_document import normalize_id
from pipeline.rules_policy import load_policy

log = logging.getLogger(__name__)

_SEV_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
THUMB_WIDTH = 420
THUMB_HEIGHT = 320
PAGE_THUMB_WIDTH = 260
PNG_COLOURS = 96  # palette PNGs keep a report with many thumbnails small enough to mail


@cache
def labels() -> dict[str, dict[str, dict[str, str]]]:
    text = resources.files("pipeline").joinpath("templates/labels.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def _css() -> str:
    return resources.files("pipeline").joinpath("templates/report.css").read_text(encoding="utf-8")


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v))


def _bi(group: str, key: str) -> str:
    lab = labels().get(group, {}).get(str(key))
    if not lab:
        return _e(key)
    return f'{_e(lab["zh"])} <span class="en">{_e(lab["en"])}</span>'


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_css()}</style></head><body>\n{body}\n</body></html>\n")


# --------------------------------------------------------------------------- source pages → thumbnails


class _Sources:
    """Re-opens the applicant's files to draw evidence thumbnails (zip members are extracted
    to a private temporary folder that is removed afterwards)."""

    def __init__(self, sources: list[Path] | None, case: CaseFile) -> None:
        self.sources = [Path(s) for s in (sources or [])]
        self.files = {f.path: f for f in case.input_files}
        self.ocr = {(p.file, p.page): p for p in case.pages}
        self._tmp: Path | None = None
        self._cache: dict[tuple[str, int], PageView | None] = {}

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _tmpdir(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="credcase-report-"))
        return self._tmp

    def local_path(self, rel: str) -> Path | None:
        parts = Path(rel).parts
        for src in self.sources:
            if src.is_dir():
                cand = src / rel
                if cand.is_file():
                    return cand
                # folder given as the applicant: relative paths may or may not start with its name
                if parts and parts[0] == src.name and (src / Path(*parts[1:])).is_file():
                    return src / Path(*parts[1:])
                # a zip inside the folder ("bundle.zip/inner/x.jpg")
                for i, p in enumerate(parts[:-1]):
                    if p.lower().endswith(".zip") and (src / Path(*parts[: i + 1])).is_file():
                        got = self._from_zip(src / Path(*parts[: i + 1]), "/".join(parts[i + 1:]))
                        if got:
                            return got
            elif src.is_file():
                if src.suffix.lower() == ".zip":
                    inner = "/".join(parts[1:]) if parts and parts[0] == src.name else rel
                    got = self._from_zip(src, inner)
                    if got:
                        return got
                elif src.name == Path(rel).name:
                    return src
        return None

    def _from_zip(self, zpath: Path, member: str) -> Path | None:
        try:
            with zipfile.ZipFile(zpath) as zf:
                names = [n for n in zf.namelist() if not n.endswith("/")]
                pick = next((n for n in names if n == member), None) or next(
                    (n for n in names if n.endswith("/" + member)), None)
                if pick is None:
                    return None
                out = self._tmpdir() / f"{len(list(self._tmpdir().iterdir()))}{Path(pick).suffix}"
                with zf.open(pick) as fin, open(out, "wb") as fout:
                    shutil.copyfileobj(fin, fout, length=1 << 20)
                return out
        except (OSError, zipfile.BadZipFile, RuntimeError):
            return None

    def page_image(self, rel: str, page: int) -> PageView | None:
        key = (rel, page)
        if key not in self._cache:
            img = None
            try:
                img = self._load(rel, page)
            except Exception as exc:  # noqa: BLE001 - a bad source costs a thumbnail, never the report
                log.debug("no thumbnail for %s p%d: %s", rel, page, type(exc).__name__)
            self._cache[key] = img
        return self._cache[key]

    def _load(self, rel: str, page: int) -> PageView | None:
        local = self.local_path(rel)
        if local is None:
            return None
        img = _open_page(local, self.files.get(rel), rel, page)
        if img is None:
            return None
        img = img.convert("RGB")
        info = self.ocr.get((rel, page))
        ocr = info.ocr if info is not None else None
        if ocr is None:
            return PageView(img, 0.0)
        if ocr.rotation:
            from pipeline.ocr.preprocess import rotate_clockwise

            img = rotate_clockwise(img, ocr.rotation)
        if ocr.width and ocr.height and img.size != (ocr.width, ocr.height):
            img = img.resize((ocr.width, ocr.height))
        return PageView(img, ocr.skew)


class PageView:
    """A page as its OCR boxes see it (upright, deskewed), drawn on demand: the upright page and
    the deskew angle, so that a thumbnail deskews only the region it shows."""

    def __init__(self, upright: Image.Image, skew: float) -> None:
        self.upright, self.skew = upright, skew
        self.width, self.height = upright.size

    def crop(self, box: tuple[int, int, int, int]) -> Image.Image:
        from pipeline.ocr.preprocess import corrected_region

        return corrected_region(self.upright, self.skew, box)

    def small(self, max_side: int) -> Image.Image:
        from pipeline.ocr.preprocess import corrected_copy

        return corrected_copy(self.upright, 0, self.skew, max_side)[0]


def _open_page(local: Path, source: SourceFile | None, rel: str, page: int) -> Image.Image | None:
    """The page as the pipeline saw it, via pipeline.pages (engineer C); plain images fall back
    to Pillow so a report never needs more than the file."""
    media = source.media_type if source is not None and source.media_type else (
        mimetypes.guess_type(local.name)[0] or "")
    src = (source.model_copy(update={"media_type": media}) if source is not None
           else SourceFile(path=rel, sha256="", size=local.stat().st_size, media_type=media))
    try:
        from pipeline import pages as pages_mod

        img = pages_mod.page_image(LoadedFile(source=src, local_path=local), page)
        if img is not None:
            return img
    except Exception as exc:  # noqa: BLE001 - fall back to Pillow below
        log.debug("pipeline.pages could not reopen %s: %s", rel, type(exc).__name__)
    if media == "application/pdf":
        return None
    with Image.open(local) as im:
        im.seek(page - 1)
        im.load()
        return im.copy()


def _png_uri(img: Image.Image) -> str:
    buf = io.BytesIO()
    img.convert("RGB").quantize(colors=PNG_COLOURS).save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def evidence_thumbnail(img: PageView, bbox: tuple[int, int, int, int] | None) -> Image.Image:
    """A crop around the evidence box with the box drawn in red (the whole page when no box)."""
    if bbox is None:
        thumb = img.small(2 * PAGE_THUMB_WIDTH * 2)
        thumb.thumbnail((PAGE_THUMB_WIDTH, PAGE_THUMB_WIDTH * 2))
        return thumb
    x0, y0, x1, y1 = bbox
    w, h = max(1, x1 - x0), max(1, y1 - y0)
    mx, my = max(60, min(w // 2, 240)), max(60, min(h * 2, 160))
    cx0, cy0 = max(0, x0 - mx), max(0, y0 - my)
    cx1, cy1 = min(img.width, x1 + mx), min(img.height, y1 + my)
    crop = img.crop((cx0, cy0, cx1, cy1)).convert("RGB")
    draw = ImageDraw.Draw(crop)
    lw = max(2, min(crop.size) // 80)
    draw.rectangle((x0 - cx0 - lw, y0 - cy0 - lw, x1 - cx0 + lw, y1 - cy0 + lw), outline=(220, 0, 0), width=lw)
    crop.thumbnail((THUMB_WIDTH, THUMB_HEIGHT))
    return crop


def _thumb_html(src: _Sources, ev: Evidence) -> str:
    img = src.page_image(ev.file, ev.page)
    if img is None:
        return ""
    bbox = ev.bbox
    if bbox is not None:
        bbox = (max(0, bbox[0]), max(0, bbox[1]), min(img.width, bbox[2]), min(img.height, bbox[3]))
        if bbox[2] <= bbox[0] or bbox[3] <= bbox[1]:
            bbox = None
    cls = "boxed" if bbox is not None else "page"
    return (f'<img class="thumb {cls}" alt="{_e(ev.file)} p{ev.page}" '
            f'src="{_png_uri(evidence_thumbnail(img, bbox))}">')


# --------------------------------------------------------------------------- sections


def _recommendation(case: CaseFile) -> str:
    rec = str(case.recommendation)
    return f'<div class="rec rec-{_e(rec)}">建议 / Recommendation: {_bi("recommendation", rec)}</div>'


def _flags(case: CaseFile, src: _Sources) -> str:
    if not case.flags:
        return "<p>未发现问题 / No findings.</p>"
    rows = []
    flags = sorted(case.flags, key=lambda f: (_SEV_ORDER[Severity(f.severity)], str(f.category)))
    for f in flags:
        ev_txt = "；".join(f"{_e(e.file)} 第{e.page}页" for e in f.evidence[:4])
        thumbs = ""
        boxed = [e for e in f.evidence if e.bbox is not None][:1] or f.evidence[:1]
        for e in boxed:
            thumbs += _thumb_html(src, e)
        sev, cat = str(f.severity), str(f.category)
        rows.append(
            f'<div class="flag sev-{_e(sev)}" id="flag-{_e(f.code)}"><div class="txt">'
            f"<b>{_e(f.message_zh)}</b><br><span class=\"en\">{_e(f.message_en)}</span><br>"
            f'<span class="small">{_bi("severity", sev)} · {_bi("category", cat)} · '
            f'<span class="code">{_e(f.code)}</span>'
            + (f" · 依据材料 / evidence: {ev_txt}" if ev_txt else "")
            + f"</span></div>{thumbs}</div>")
    return "\n".join(rows)


_COMPARE_FIELDS = ["name", "name_latin", "sex", "birth_date", "id_number", "nationality", "employer", "valid_until"]
_COMPARE_COLUMNS: list[DocType] = [DocType.APPLICATION_FORM, DocType.RESIDENT_ID_CARD, DocType.PASSPORT,
                                   DocType.HK_MACAO_PERMIT, DocType.TAIWAN_PERMIT,
                                   DocType.SOCIAL_INSURANCE_RECORD, DocType.LABOR_CONTRACT, DocType.WORK_PERMIT,
                                   DocType.QUALIFICATION_CERTIFICATE, DocType.DIPLOMA, DocType.DEGREE_CERTIFICATE,
                                   DocType.OVERSEAS_DEGREE_CERTIFICATION]
_ALIASES = {"name": ("name", "holder_name"), "id_number": ("id_number",)}


def _cell_value(doc: Document, field: str) -> tuple[str | None, float]:
    for name in _ALIASES.get(field, (field,)):
        f = doc.fields.get(name)
        if f is not None and f.value not in (None, ""):
            return str(f.value), f.confidence
    return None, 0.0


def _same(field: str, a: str, b: str) -> bool:
    from pipeline.names import same_name

    if field in ("name", "name_latin"):
        return same_name(a, b) is not False
    if field == "id_number":
        return normalize_id(a) == normalize_id(b)
    if field == "employer":
        policy = load_policy()
        return normalize_employer(a, policy) == normalize_employer(b, policy)
    return a.strip().upper() == b.strip().upper()


def _comparison(case: CaseFile) -> str:
    policy = load_policy()
    docs = [d for t in _COMPARE_COLUMNS for d in case.documents if d.doc_type == t]
    if not docs:
        return "<p>无可比较的材料 / nothing to compare.</p>"
    head = "".join(f"<th>{_e(policy.label(d.doc_type).zh)}<br><span class=\"en\">"
                   f"{_e(policy.label(d.doc_type).en)} {_e(d.doc_id)}</span></th>" for d in docs)
    rows = []
    for field in _COMPARE_FIELDS:
        values = [_cell_value(d, field) for d in docs]
        if not any(v for v, _ in values):
            continue
        ref = next((v for v, _ in values if v), None)
        cells = []
        for v, conf in values:
            if v is None:
                cells.append("<td></td>")
                continue
            cls = "ok" if ref is None or _same(field, ref, v) else "bad"
            cells.append(f'<td class="{cls}" title="置信度 / confidence {conf:.2f}">{_e(v)}</td>')
        rows.append(f"<tr><th>{_bi('fields', field)}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"


def _materials(case: CaseFile) -> str:
    rows = []
    for key, status in case.materials.model_dump(mode="json").items():
        rows.append(f"<tr><td>{_bi('materials', key)}</td>"
                    f'<td class="st-{_e(status)}">{_bi("material_status", status)}</td></tr>')
    return f"<table><tr><th>第五条材料 / Art. 5 item</th><th>状态 / status</th></tr>{''.join(rows)}</table>"


def _catalog_entry(batch_file: Any = None, cid: int | None = None) -> Any:
    if cid is None:
        return None
    try:
        import catalog

        return catalog.load_catalog(batch_file).entry(cid)
    except Exception:  # noqa: BLE001 - the report still renders without the catalogue text
        return None


def _qualification(case: CaseFile) -> str:
    q = case.qualification
    entry = _catalog_entry(None, q.catalog_id)
    rows = [
        ("证书所载名称 / title as printed", q.title_as_printed),
        ("颁证单位 / issuer as printed", q.issuer_as_printed),
        ("匹配结果 / status", f"{q.status} ({q.score:.0f})"),
        ("目录序号 / catalogue no.", q.catalog_id),
        ("目录名称 / catalogue name", f"{entry.name_en} · {entry.name_zh}" if entry is not None else None),
        ("可认定资格 / title granted", q.recognized_title),
        ("所属系列 / series", q.series),
        ("目录批次 / catalogue batch", q.catalog_version),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{_e(v)}</td></tr>" for k, v in rows if v not in (None, ""))
    cands = "".join(f"<tr><td>{c.catalog_id}</td><td>{_e(c.name)}</td><td>{c.score:.1f}</td><td>{_e(c.reason)}</td></tr>"
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
    levels: list[list[str]] = labels().get("education_levels", [])  # type: ignore[assignment]

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
    id_type = load_policy().label(id_doc.doc_type).zh if id_doc is not None else _first_value(case, form, "id_type")
    q = case.qualification
    entry = _catalog_entry(None, q.catalog_id)
    qual = f"{entry.name_zh}（目录序号{q.catalog_id}）" if entry is not None else _first_value(
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
    body = "".join("<tr>" + "".join(f"<th>{_e(k)}</th><td>{_e(v)}</td>" for k, v in row) + "</tr>" for row in rows)
    return ("<p class=\"small\">按材料识别结果预填（供核对，非申请人原表）/ pre-filled from the documents "
            f"(for checking; not the applicant's own form)</p><table>{body}</table>")


def _documents(case: CaseFile) -> str:
    policy = load_policy()
    parts = []
    for d in case.documents:
        files = "；".join(f"{_e(f.path)} p{','.join(map(str, f.pages))}" for f in d.files)
        rows = "".join(
            f"<tr><td>{_e(n)}</td><td>{_e(f.value)}</td><td>{f.confidence:.2f}</td>"
            f"<td class=\"small\">{_e('; '.join(f'{e.file} p{e.page}' for e in f.evidence[:2]))}</td></tr>"
            for n, f in d.fields.items() if n != "full_text")
        lab = policy.label(d.doc_type)
        parts.append(f"<details><summary>{_e(d.doc_id)} {_e(lab.zh)} <span class=\"en\">{_e(lab.en)}</span> "
                     f"— {files} ({d.classification_confidence:.2f})</summary>"
                     f"<table><tr><th>字段 field</th><th>值 value</th><th>置信度 conf.</th><th>来源 evidence</th></tr>"
                     f"{rows}</table></details>")
    return "\n".join(parts) or "<p>无 / none</p>"


def _errors(case: CaseFile) -> str:
    if not case.errors:
        return "<p>无 / none</p>"
    rows = "".join(f"<tr><td>{_e(e.file)}</td><td class=\"code\">{_e(e.code)}</td><td>{_e(e.message_zh)}<br>"
                   f"<span class=\"en\">{_e(e.message_en)}</span></td></tr>" for e in case.errors)
    return f"<table><tr><th>文件 file</th><th>代码 code</th><th>说明 message</th></tr>{rows}</table>"


def _versions(case: CaseFile) -> str:
    v = case.versions
    items = [("credcase", v.credcase if v else None), ("tesseract", v.tesseract if v else None),
             ("RapidOCR", v.rapidocr if v else None), ("目录批次 catalogue", v.catalog_batch if v else None),
             ("处理时间 processed", case.processed_at.isoformat()),
             ("申请日期 application date", case.eligibility.application_date)]
    return "<p class=\"small\">" + " · ".join(f"{k}: {_e(val)}" for k, val in items if val) + "</p>"


def render_case_html(case: CaseFile, sources: list[Path] | None) -> str:
    """The whole report as one self-contained HTML string."""
    src = _Sources(sources, case)
    try:
        who = case.applicant.name or case.applicant.name_latin or case.case_id
        head = (f"<h1>比照认定材料预审报告 <span class=\"en\">Pre-screening report</span> — {_e(who)}</h1>"
                f"<p class=\"small\">案卷 case {_e(case.case_id)} · 来源 source {_e(case.source)}</p>")
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
        return _page(f"{who} — credcase", "\n".join(sections))
    finally:
        src.close()


# --------------------------------------------------------------------------- batch index


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
        from pipeline.flags import flag_specs

        specs = flag_specs()
        codes = list(getattr(rec, "flag_codes", []) or [])
        counts = Counter(str(specs[c].category) for c in codes if c in specs)
        critical = sum(1 for c in codes if c in specs and specs[c].severity == Severity.CRITICAL)
        rec_value = getattr(rec, "recommendation", None) or ("failed" if getattr(rec, "status", "") != "done"
                                                             else "")
        href = None
        if getattr(rec, "status", "done") == "done":
            href = f"{Path(cases_dir).name if cases_dir else 'cases'}/{rec.case_id}.html"
        return cls(case_id=rec.case_id, source=getattr(rec, "source", ""), recommendation=rec_value,
                   flag_counts=dict(counts), critical=critical, errors=int(getattr(rec, "n_errors", 0) or 0),
                   html=href)


def render_index_html(rows: list[IndexRow]) -> str:
    cats = [c.value for c in FlagCategory]
    totals = Counter(r.recommendation for r in rows)
    summary = " · ".join(f"{_bi('recommendation', k)}: {v}" for k, v in sorted(totals.items()))
    head = "".join(f"<th>{_bi('category', c)}</th>" for c in cats)
    body = []
    for r in rows:
        link = f'<a href="{_e(r.html)}">{_e(r.case_id)}</a>' if r.html else _e(r.case_id)
        counts = "".join(f"<td>{r.flag_counts.get(c, 0) or ''}</td>" for c in cats)
        body.append(f'<tr><td>{link}</td><td>{_e(r.applicant)}</td>'
                    f'<td class="rec-{_e(r.recommendation)}">{_bi("recommendation", r.recommendation)}</td>'
                    f"{counts}<td>{r.critical or ''}</td><td>{r.errors or ''}</td></tr>")
    table = (f'<table class="sortable"><thead><tr><th>案卷 case</th><th>申请人 applicant</th>'
             f"<th>建议 recommendation</th>{head}<th>严重 critical</th><th>错误 errors</th></tr></thead>"
             f"<tbody>{''.join(body)}</tbody></table>")
    hint = '<p class="en">点击列标题排序 / click a column heading to sort</p>'
    return _page("credcase — 批次索引 / batch index",
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
