"""Shared reading steps for the non-identity extractors (education, certificates, employment, form).

Built on D1's extractors/base.py (DocContext label/geometry look-ups) and normalize.py. What they
do not provide lives here: labels per doc type as data (doc_fields.yaml) with every other label of
the type as a stop label (`labeled`); `Prose`, the lines joined so sentences that wrap across OCR
lines can be matched ("于…至…在本校 / 机械工程 专业学习"), skipping border/guilloche noise;
`compact` (tesseract spaces CJK characters apart); visual rows for tables (`rows_of`); and date forms
(Chinese numerals, "the fifteenth day of May, 2015", US month-first numbers for US issuers,
month-only dates for contribution months).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from extractors import normalize
from extractors.base import DocContext, Hit, Line
from pipeline.core.errors import DataFileError
from pipeline.core.models import BBox, ExtractedField

DATA_DIR = Path(__file__).parent / "data"

_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef〇"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_MULTI_SPACE = re.compile(r"[ \t]+")


def compact(text: str) -> str:
    """NFKC (full-width → ASCII punctuation), drop spaces OCR puts between CJK characters."""
    t = unicodedata.normalize("NFKC", text or "")
    t = t.replace("〔", "[").replace("〕", "]").replace("【", "[").replace("】", "]")
    t = _CJK_SPACE.sub("", t)
    t = re.sub(r"(?<=[0-9])\s+(?=[年月日号])|(?<=[年月])\s+(?=[0-9])", "", t)
    return _MULTI_SPACE.sub(" ", t).strip()


# --------------------------------------------------------------------------- data files


def load_yaml_model(name: str, model: type[BaseModel]) -> Any:
    """Load extractors/data/<name> and validate it; errors name the file and the entry."""
    path = DATA_DIR / name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError(f"数据文件无法读取：{path}", f"cannot read data file {path}: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        where = "; ".join(".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in exc.errors()[:5])
        raise DataFileError(f"数据文件校验失败：{path}（{where}）", f"invalid data file {path}: {where}") from exc


class LabelSet(BaseModel):
    """Labels of one document type: field → label spellings (Chinese and foreign)."""

    labels: dict[str, list[str]]


class FormWords(BaseModel):
    """Answer words of the application form: titles (longest first), series, ID-document names."""

    titles: list[str]
    series: list[str]
    id_types: dict[str, list[str]]


class FieldLabels(BaseModel):
    doc_types: dict[str, LabelSet]
    application_form_words: FormWords


@lru_cache(maxsize=1)
def field_labels() -> FieldLabels:
    labels: FieldLabels = load_yaml_model("doc_fields.yaml", FieldLabels)
    for dt, ls in labels.doc_types.items():
        for fname, spellings in ls.labels.items():
            if not spellings or any(not s.strip() for s in spellings):
                raise DataFileError(f"标签为空：doc_fields.yaml {dt}.{fname}",
                                    f"empty label in doc_fields.yaml entry {dt}.{fname}")
    return labels


def labels_for(doc_type: str) -> dict[str, list[str]]:
    return field_labels().doc_types[doc_type].labels


# --------------------------------------------------------------------------- prose across lines


def _noise(text: str) -> bool:
    """OCR of borders and guilloches: no word at all ('>', '|'), or one character repeated ('VVVVVVVV')."""
    t = compact(text)
    if re.search(r"(.)\1{5,}", t.replace(" ", "")) and len(set(t.replace(" ", ""))) <= 3:
        return True
    return not (re.search(rf"[{_CJK}]", t) or re.search(r"[A-Za-z0-9]{2,}", t))


@dataclass
class Prose:
    """The document's lines compacted and joined with spaces, to search sentences that wrap
    ("于二〇〇八年九月至二〇一二年六月在本校 / 机械工程 专业学习") with offsets back to lines."""

    text: str
    starts: list[int]
    lines: list[Line]

    @classmethod
    def of(cls, ctx: DocContext) -> Prose:
        parts, starts, pos = [], [], 0
        lines = [ln for ln in ctx.lines if not _noise(ln.text)]
        for ln in lines:
            t = compact(ln.text)
            starts.append(pos)
            parts.append(t)
            pos += len(t) + 1
        return cls(" ".join(parts), starts, lines)

    def hit(self, start: int, end: int, method: str, weight: float = 0.8) -> Hit:
        """Hit for text[start:end] with the lines it covers (box narrowed on a single line)."""
        idx = [i for i, s in enumerate(self.starts)
               if s < max(end, start + 1) and s + len(compact(self.lines[i].text)) >= start]
        if not idx:
            idx = [max(0, bisect_right(self.starts, start) - 1)]
        lines = [self.lines[i] for i in idx]
        if len(lines) == 1:
            ln, off = lines[0], self.starts[idx[0]]
            n = max(1, len(compact(ln.text)))
            x0, y0, x1, y1 = ln.bbox
            w = x1 - x0
            bbox = (x0 + int(w * max(0, start - off) / n), y0, x0 + int(round(w * min(n, end - off) / n)), y1)
        else:
            bbox = union_bbox(ln.bbox for ln in lines)
        return Hit(self.text[start:end].strip(), bbox, lines, method, weight)

    def search(self, pattern: str | re.Pattern[str], group: int | str = 0, method: str = "",
               flags: int = 0, weight: float = 0.8) -> Hit | None:
        rg = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        m = rg.search(self.text)
        if not m or not m.group(group) or not m.group(group).strip():
            return None
        s, e = m.span(group)
        return self.hit(s, e, method or f"prose:{rg.pattern[:30]}", weight)


def union_bbox(boxes: Iterable[BBox]) -> BBox:
    bs = list(boxes)
    if not bs:
        return (0, 0, 0, 0)
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))


def all_labels(doc_type: str) -> list[str]:
    """Every label spelling of a doc type: the stop labels that end a same-line value."""
    return [s for spellings in labels_for(doc_type).values() for s in spellings]


def _variants(labels: Iterable[str]) -> list[str]:
    """Label spellings with half- and full-width brackets/colons, longest first (the base
    matcher takes the first label that fits a line, so '国家(地区)' must be tried before '国家')."""
    out: set[str] = set()
    for lab in labels:
        out.add(lab)
        out.add(lab.replace("(", "（").replace(")", "）").replace(":", "："))
        out.add(unicodedata.normalize("NFKC", lab))
    return sorted(out, key=len, reverse=True)


def labeled(ctx: DocContext, doc_type: str, field_name: str, pattern: str | None = None,
            below: bool = True, right: bool = True, extra_stops: Sequence[str] = ()) -> Hit | None:
    """ctx.value_for with the labels of `field_name` from doc_fields.yaml, stopping at any other label."""
    labels = labels_for(doc_type).get(field_name, [])
    if not labels:
        return None
    mine = {compact(x).casefold() for x in labels}
    stops = [s for s in all_labels(doc_type) if compact(s).casefold() not in mine
             and not any(compact(s).casefold() in x for x in mine)] + list(extra_stops)
    labs, stop_labs = _variants(labels), _variants(stops)
    hit = ctx.value_for(labs, pattern=pattern, stop_labels=stop_labs, below=below, right=right)
    if hit is not None or pattern is None:
        return hit
    # tesseract spaces CJK characters apart ("泰 州 康 泰"): match the pattern on the compacted value
    plain = ctx.value_for(labs, stop_labels=stop_labs, below=below, right=right)
    if plain is None:
        return None
    m = re.search(pattern, compact(plain.text))
    if not m:
        return None
    return Hit(m.group(0), plain.bbox, plain.lines, plain.method + ":compacted", plain.weight)


def cjk_brackets(text: str) -> str:
    """Brackets around Chinese text as printed, full-width: compact() made them ASCII, but a
    name such as 中国石油大学（华东） is written (and compared) with full-width ones."""
    return re.sub(rf"\(([{_CJK}]+)\)", r"（\1）", text)


def labeled_document_number(ctx: DocContext, doc_type: str) -> ExtractedField | None:
    """The `id_number` printed beside its label when it is not a resident ID number: a
    passport or a Hong Kong/Macao/Taiwan permit number ("证件号码 H2348938038")."""
    num = labeled(ctx, doc_type, "id_number", pattern=r"[A-Z0-9][A-Z0-9 ]{5,20}[A-Z0-9]")
    return ctx.field(re.sub(r"\s", "", num.text).upper(), num) if num else None


def sub_hit(hit: Hit, start: int, end: int, method: str | None = None) -> Hit:
    """The part [start:end] of a hit's text, with the box narrowed when it is one line."""
    text = hit.text[start:end]
    bbox = hit.bbox
    if len(hit.lines) == 1:
        x0, y0, x1, y1 = hit.bbox
        n = max(1, len(hit.text))
        bbox = (x0 + int((x1 - x0) * start / n), y0, x0 + int(round((x1 - x0) * end / n)), y1)
    return Hit(text, bbox, hit.lines, method or hit.method, hit.weight)


# --------------------------------------------------------------------------- fields


def clean_name(text: str) -> str:
    """A name as printed: Chinese names lose OCR spaces and trailing punctuation."""
    t = compact(text).strip(" ,，.。:：;；|()（）")
    if re.fullmatch(rf"[{_CJK}·•\s]+", t):
        return re.sub(r"\s+", "", t).replace("•", "·")
    t = re.sub(r"[^A-Za-zÀ-ÿ .'\-,·]", "", t)
    return re.sub(r"\s+", " ", t).strip(" ,.-")


# --------------------------------------------------------------------------- dates

_MONTHS = {
    "jan": 1, "january": 1, "januar": 1, "jänner": 1, "feb": 2, "february": 2, "februar": 2,
    "mar": 3, "march": 3, "märz": 3, "maerz": 3, "marz": 3, "apr": 4, "april": 4, "may": 5, "mai": 5,
    "jun": 6, "june": 6, "juni": 6, "jul": 7, "july": 7, "juli": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "okt": 10, "oktober": 10,
    "nov": 11, "november": 11, "dec": 12, "december": 12, "dez": 12, "dezember": 12,
}
_MONTH_RE = r"(?:" + "|".join(sorted((re.escape(k) for k in _MONTHS), key=len, reverse=True)) + r")\.?"

_ORD_UNITS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}
_ORD_WORD = r"(?:(?:twenty|thirty)[\s-]?)?(?:" + "|".join(sorted(_ORD_UNITS, key=len, reverse=True)) + r")"
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "o": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CN = "〇零○Oo一二三四五六七八九十"


def ordinal_word_value(word: str) -> int | None:
    w = word.lower().replace("-", " ").split()
    if not w:
        return None
    if len(w) == 1:
        if w[0] in _ORD_UNITS:
            return _ORD_UNITS[w[0]]
        if w[0].startswith("twenty") and w[0][6:] in _ORD_UNITS:
            return 20 + _ORD_UNITS[w[0][6:]]
        if w[0].startswith("thirty") and w[0][6:] in _ORD_UNITS:
            return 30 + _ORD_UNITS[w[0][6:]]
        return None
    tens = {"twenty": 20, "thirty": 30}.get(w[0])
    unit = _ORD_UNITS.get(w[1])
    return tens + unit if tens and unit and unit < 10 else None


def cn_number(text: str) -> int | None:
    """'二〇一五' → 2015 (digit by digit), '十二' → 12, '三十' → 30, '二十一' → 21."""
    t = text.strip()
    if not t or any(c not in _CN_DIGITS for c in t):
        return None
    if "十" not in t:
        return int("".join(str(_CN_DIGITS[c]) for c in t))
    a, _, b = t.partition("十")
    tens = _CN_DIGITS[a] if a else 1
    units = _CN_DIGITS[b] if b else 0
    return tens * 10 + units


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


@dataclass
class DateHit:
    iso: str
    start: int
    end: int
    precision: str = "day"  # "day" | "month"


# Forms normalize.find_dates (D1) does not read: dates in Chinese numerals (diplomas), ordinal
# words ("the fifteenth day of May, 2015"), and US month-first numeric dates for US issuers.
_EXTRA_PATTERNS: list[tuple[str, str]] = [
    # the closing 日 is sometimes lost under a seal or at the line's end ("二〇〇七年六月三十")
    ("cnnum", rf"(?P<y>[{_CN}]{{4}})\s*年\s*(?P<m>[{_CN}]{{1,2}})\s*月\s*(?P<d>[{_CN}]{{1,3}})(?:\s*日|(?![{_CN}]))"),
    ("ordword", rf"(?:the\s+|this\s+)?(?P<dw>{_ORD_WORD})\s+day\s+of\s+(?P<mn>{_MONTH_RE})\s*,?\s*"
                rf"(?:in\s+the\s+year\s+)?(?P<y>\d{{4}})"),
    ("mdy", r"(?<![\d.])(?P<a>\d{1,2})\s*(?P<sep>[/-])\s*(?P<b>\d{1,2})\s*(?P=sep)\s*(?P<y>(?:19|20)\d{2})(?!\d)"),
]
_EXTRA_RES = [(k, re.compile(p, re.IGNORECASE)) for k, p in _EXTRA_PATTERNS]
_MONTH_PATTERNS = [
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d{1,2}\s*日)"),
    re.compile(rf"(?P<y>[{_CN}]{{4}})\s*年\s*(?P<m>[{_CN}]{{1,2}})\s*月(?!\s*[{_CN}]+\s*日)"),
    re.compile(rf"(?<![\d.])(?P<mn>{_MONTH_RE})\s*,?\s*(?P<y>\d{{4}})", re.IGNORECASE),
    re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d{2})\s*[-./]\s*(?P<m>\d{1,2})(?![\d./-])"),
    re.compile(r"(?<![\d./])(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?!\d)"),
    re.compile(r"(?<![\d./])(?P<m>\d{1,2})\s*/\s*(?P<y>(?:19|20)\d{2})(?![\d/])"),
]


def _extra_date(kind: str, g: dict[str, str]) -> str | None:
    if kind == "cnnum":
        y, mo, d = cn_number(g["y"]), cn_number(g["m"]), cn_number(g["d"])
        return _iso(y, mo, d) if y and mo and d else None
    if kind == "ordword":
        d = ordinal_word_value(g["dw"])
        return _iso(int(g["y"]), _MONTHS[g["mn"].lower().rstrip(".")], d) if d else None
    a, b = int(g["a"]), int(g["b"])
    mm, dd = (b, a) if a > 12 >= b else (a, b)
    return _iso(int(g["y"]), mm, dd)


def find_dates(text: str, order: str = "DMY", month_ok: bool = False) -> list[DateHit]:
    """All dates in `text`, left to right. `order` "MDY" reads 03/01/2026 month first (US issuers);
    otherwise normalize.find_dates decides (day first unless impossible).

    With `month_ok`, month-only dates ('2016年5月', 'May 2015', '202101') are found too, as the
    first day of the month with precision "month"."""
    t = text or ""
    hits: list[DateHit] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    def add(iso: str | None, s: int, e: int, precision: str = "day") -> None:
        if iso and free(s, e):
            hits.append(DateHit(iso, s, e, precision))
            taken.append((s, e))

    for kind, rg in _EXTRA_RES:
        if kind == "mdy" and order != "MDY":
            continue
        for m in rg.finditer(t):
            add(_extra_date(kind, m.groupdict()), m.start(), m.end())
    for dt, (s, e), _kind in normalize.find_dates(t):
        add(dt.isoformat(), s, e)
    if month_ok:
        for rg in _MONTH_PATTERNS:
            for m in rg.finditer(t):
                g = m.groupdict()
                y = int(g["y"]) if g["y"].isdigit() else cn_number(g["y"])
                if g.get("mn"):
                    mo: int | None = _MONTHS[g["mn"].lower().rstrip(".")]
                else:
                    mo = int(g["m"]) if g["m"].isdigit() else cn_number(g["m"])
                add(_iso(y, mo, 1) if y and mo else None, m.start(), m.end(), "month")
    hits.sort(key=lambda h: h.start)
    return hits


def month_end(iso_first_day: str) -> str:
    y, m = int(iso_first_day[:4]), int(iso_first_day[5:7])
    return date(y, m, calendar.monthrange(y, m)[1]).isoformat()


def digits_only(text: str) -> str:
    """Digits of a number printed with OCR noise (normalize.repair_digits: only where a digit must stand)."""
    return re.sub(r"\D", "", normalize.repair_digits(text))


def rows_of(ctx: DocContext) -> list[list[Line]]:
    """The document's lines grouped into visual rows (the base already orders them row by row):
    one table row is one group whether tesseract read it as one line or RapidOCR as cells."""
    rows: list[list[Line]] = []
    for ln in ctx.lines:
        if rows:
            last = rows[-1]
            ref = last[0]
            if ln.page_index == ref.page_index and abs(ln.cy - ref.cy) <= 0.5 * min(ln.height, ref.height) \
                    and ln.bbox[0] >= last[-1].bbox[0]:
                last.append(ln)
                continue
        rows.append([ln])
    return rows


def row_text(row: Sequence[Line]) -> str:
    return " ".join(compact(ln.text) for ln in row)


def row_hit(row: Sequence[Line], method: str, text: str | None = None, weight: float = 0.9) -> Hit:
    return Hit(text if text is not None else row_text(row), union_bbox(ln.bbox for ln in row), list(row), method, weight)
