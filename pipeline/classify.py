"""Which document each page is, and which pages make one document.

Keywords, patterns and layout cues per doc type are data (pipeline/data/doc_types.yaml);
this module scores a page against every type and takes the best only when it is clear: a page
that fits nothing stays `unknown` (the checks raise UNCLASSIFIED_PAGE), never forced into a type.

Layout cues come from the corrected image (card-sized aspect, ruled table, red seal) and the
OCR lines (MRZ). `layout["red_seals"]` lists seal boxes in corrected-image coordinates for
every page: the application-form extractor uses them to see whether the 单位意见 box is sealed.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from importlib import resources
from typing import Any

import yaml
from PIL import Image
from pydantic import BaseModel, Field, ValidationError, field_validator

from pipeline.errors import DataFileError
from pipeline.models import DocType, Document, DocumentFile, Page, PageInfo
from pipeline.ocr.preprocess import corrected_copy, deskew_array, turn_array, turned_size

log = logging.getLogger(__name__)

_DATA_FILE = "data/doc_types.yaml"


# --------------------------------------------------------------------------- data


class Grouping(BaseModel):
    multi_page: bool = False
    sides: bool = False
    back_keywords: list[str] = Field(default_factory=list)


class TypeSpec(BaseModel):
    min_score: float
    keywords: dict[str, float]
    patterns: dict[str, float] = Field(default_factory=dict)
    layout: dict[str, float] = Field(default_factory=dict)
    grouping: Grouping = Field(default_factory=Grouping)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, v: dict[str, float]) -> dict[str, float]:
        for pat in v:
            try:
                re.compile(pat)
            except re.error as exc:
                raise ValueError(f"pattern {pat!r} does not compile: {exc}") from exc
        return v

    @field_validator("layout")
    @classmethod
    def _known_cues(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = set(v) - LAYOUT_CUES
        if unknown:
            raise ValueError(f"unknown layout cue(s) {sorted(unknown)}; valid: {sorted(LAYOUT_CUES)}")
        return v


class Settings(BaseModel):
    """Classifier thresholds; every value is set in doc_types.yaml (its comments say why)."""

    fuzzy_min_length: int
    fuzzy_threshold: float
    fuzzy_weight: float
    margin: float
    strong_score: float
    card_aspect: float
    card_aspect_tolerance: float
    grey_page_max_colour: float
    cues_max_side: int
    grey_seal_max_side: int
    grey_seal_radius: tuple[float, float]
    grey_seal_min_ring: float
    grey_seal_dark_delta: float
    grey_seal_dot_max_area: int
    grey_seal_dot_window: float
    grey_seal_dot_min_density: float
    grey_seal_bilevel_min_share: float


class DocTypeData(BaseModel):
    settings: Settings
    types: dict[DocType, TypeSpec]

    @field_validator("types")
    @classmethod
    def _no_unknown(cls, v: dict[DocType, TypeSpec]) -> dict[DocType, TypeSpec]:
        if DocType.UNKNOWN in v:
            raise ValueError("'unknown' is what fits nothing; it takes no keywords")
        return v


LAYOUT_CUES = {"card_sized", "has_mrz", "mrz_passport", "ruled_table", "red_seal"}


@cache
def doc_type_data() -> DocTypeData:
    text = resources.files("pipeline").joinpath(_DATA_FILE).read_text(encoding="utf-8")
    try:
        return DocTypeData.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise DataFileError(f"pipeline/{_DATA_FILE} 格式错误", f"pipeline/{_DATA_FILE} is invalid: {exc}") from exc


# --------------------------------------------------------------------------- layout cues


def _is_mrz_line(text: str) -> bool:
    t = re.sub(r"\s+", "", text).upper().replace("«", "<<")
    return len(t) >= 25 and t.count("<") >= 3 and bool(re.fullmatch(r"[A-Z0-9<]+", t))


def mrz_cues(info: PageInfo) -> dict[str, Any]:
    lines = [ln.text for ln in info.ocr.lines] if info.ocr else []
    if info.ocr and not lines:
        lines = info.ocr.text.splitlines()
    mrz = [re.sub(r"\s+", "", t).upper() for t in lines if _is_mrz_line(t)]
    return {"has_mrz": bool(mrz), "mrz_type": mrz[0][:1] if mrz else None}


def card_cue(width: int, height: int, s: Settings) -> dict[str, Any]:
    if not width or not height:
        return {"card_sized": False, "aspect": None}
    aspect = max(width, height) / min(width, height)
    return {"card_sized": abs(aspect - s.card_aspect) <= s.card_aspect_tolerance, "aspect": round(aspect, 3)}


def image_cues(img: Image.Image | None, rotate: int = 0, skew: float = 0.0) -> dict[str, Any]:
    """Ruled table and seals of the corrected page — `img` turned `rotate` clockwise and
    deskewed by `skew` — found on small copies; boxes in the full corrected page's pixels."""
    if img is None:
        return {"ruled_table": False, "table_lines": {"h": 0, "v": 0}, "red_seal": False, "red_seals": []}
    import cv2
    import numpy as np

    s = doc_type_data().settings
    small, f = corrected_copy(img.convert("RGB") if img.mode not in ("RGB", "L") else img, rotate, skew,
                              s.cues_max_side)
    arr = np.asarray(small.convert("RGB"))
    h_lines, v_lines = _table_lines(arr, cv2, np)
    seals = [tuple(int(round(c * f)) for c in box) for box in _red_seals(arr, cv2, np)]
    cues: dict[str, Any] = {"ruled_table": h_lines >= 4 and v_lines >= 2, "table_lines": {"h": h_lines, "v": v_lines},
                            "red_seal": bool(seals), "red_seals": [list(b) for b in seals]}
    cues["grey_page"] = _colour_fraction(arr, cv2, np) < s.grey_page_max_colour
    if cues["grey_page"]:  # a grey photocopy: a seal survives only as a dark ring
        cues["grey_seals"] = [list(b) for b in _grey_seal_rings(img, small, f, rotate, skew, s, cv2, np)]
    return cues


def _colour_fraction(arr: Any, cv2: Any, np: Any) -> float:
    hsv = cv2.cvtColor(arr, cv2.COLOR_RGB2HSV)
    return float(np.count_nonzero((hsv[..., 1] > 70) & (hsv[..., 2] > 60))) / max(1, hsv[..., 1].size)


def _grey_seal_rings(img: Image.Image, small: Image.Image, f: float, rotate: int, skew: float, s: Settings,
                     cv2: Any, np: Any) -> list[tuple[int, int, int, int]]:
    """Seal-sized circles whose circumference is dark almost all the way round. Measured on the
    eval corpus's grey photocopied forms: the seal's ring scores 1.0, text and table corners at
    most 0.95. A ring filter per radius (dark mask convolved with a circle) scores every centre.
    `small` is the corrected page `f` times smaller than full size; `img` the decoded page."""
    k = min(1.0, s.grey_seal_max_side / max(small.size))
    g = np.asarray(small.convert("L").resize((max(1, int(small.width * k)), max(1, int(small.height * k))),
                                             Image.Resampling.BICUBIC))
    blur = cv2.GaussianBlur(g, (0, 0), 1.5)
    dark = blur < float(np.percentile(blur, 90)) - s.grey_seal_dark_delta
    if _bilevel(img, s):  # dithered specks exist only on 1-bit copies
        dark |= _dithered_ink(img, rotate, skew, g.shape, s, cv2, np)
    dark = cv2.dilate(dark.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))).astype(np.float32)
    short = min(g.shape)
    found = []  # (score, x, y, r) arrays per radius
    for r in range(max(4, int(short * s.grey_seal_radius[0])), int(short * s.grey_seal_radius[1]) + 1, 2):
        ring = np.zeros((2 * r + 3, 2 * r + 3), np.uint8)
        cv2.circle(ring, (r + 1, r + 1), r, 1, 1)
        cover = cv2.filter2D(dark, -1, ring.astype(np.float32) / ring.sum(), borderType=cv2.BORDER_CONSTANT)
        ys, xs = np.nonzero(cover >= s.grey_seal_min_ring)
        found.append(np.stack([cover[ys, xs].astype(np.float64), xs, ys, np.full(len(xs), r)], axis=1))
    boxes: list[tuple[int, int, int, int]] = []
    if found:
        cand = np.concatenate(found)
        # strongest first (ties: larger x, y, r first); one box per seal: a centre inside a box
        # already taken is that seal again
        cand = cand[np.lexsort((-cand[:, 3], -cand[:, 2], -cand[:, 1], -cand[:, 0]))]
        free = np.ones(len(cand), bool)
        while free.any():
            i = int(np.argmax(free))
            x, y, r = (int(v) for v in cand[i, 1:])
            boxes.append((x - r, y - r, x + r, y + r))
            free &= ~((cand[:, 1] >= x - r) & (cand[:, 1] <= x + r) & (cand[:, 2] >= y - r) & (cand[:, 2] <= y + r))
    back = f / k
    return [tuple(int(round(c * back)) for c in b) for b in boxes]  # type: ignore[misc]


def _bilevel(img: Image.Image, s: Settings) -> bool:
    """A 1-bit page (a Group 4 fax or photocopy): nearly every pixel pure black or white."""
    hist = img.convert("L").histogram() if img.mode != "L" else img.histogram()
    return (hist[0] + hist[255]) >= s.grey_seal_bilevel_min_share * max(1, sum(hist))


def _dithered_ink(img: Image.Image, rotate: int, skew: float, shape: tuple[int, int], s: Settings, cv2: Any,
                  np: Any) -> Any:
    """Where isolated specks are dense, on the corrected page at the working `shape`. A light
    red seal on a 1-bit (Group 4) photocopy survives only as a dithered band of single dots, too
    faint for the darkness test; text strokes are large connected blobs and stay out. Measured
    on the eval corpus's grey forms: both G4 forms' seal rings found, none on a grey form
    without a seal. The specks are counted on the decoded page at full size (a copy would blur
    them away); the density map, smooth by nature, is turned and deskewed once small."""
    ink = (np.asarray(img.convert("L")) < 128).astype(np.uint8)
    _n, labels, stats, _c = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] <= s.grey_seal_dot_max_area
    small[0] = False  # the background
    win = max(3, int(min(ink.shape) * s.grey_seal_dot_window) | 1)
    density = cv2.blur(small[labels].astype(np.float32), (win, win))
    uh, uw = (shape[1], shape[0]) if rotate % 180 else shape
    density = turn_array(cv2.resize(density, (uw, uh), interpolation=cv2.INTER_AREA), rotate)
    density = deskew_array(np.ascontiguousarray(density), skew, 0.0, cv2.INTER_LINEAR)
    return density >= s.grey_seal_dot_min_density


def _table_lines(arr: Any, cv2: Any, np: Any) -> tuple[int, int]:
    gray = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
    bw = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)
    h, w = bw.shape
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (max(10, w // 4), 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(10, h // 10)))
    horiz = cv2.morphologyEx(bw, cv2.MORPH_OPEN, hk)
    vert = cv2.morphologyEx(bw, cv2.MORPH_OPEN, vk)
    n_h = _count_runs(np.any(horiz > 0, axis=1))
    n_v = _count_runs(np.any(vert > 0, axis=0))
    return n_h, n_v


def _count_runs(mask: Any) -> int:
    """Separate lines: runs of True in a 1-D mask (a thick line counts once)."""
    runs = 0
    prev = False
    for v in mask.tolist():
        if v and not prev:
            runs += 1
        prev = bool(v)
    return runs


def _red_seals(arr: Any, cv2: Any, np: Any) -> list[tuple[int, int, int, int]]:
    """Red roughly-round blobs (official seals are red circles or ovals with red text inside)."""
    hsv = cv2.cvtColor(arr, cv2.COLOR_RGB2HSV)
    lo = cv2.inRange(hsv, (0, 70, 60), (12, 255, 255))
    hi = cv2.inRange(hsv, (160, 70, 60), (180, 255, 255))
    mask = cv2.bitwise_or(lo, hi)
    h, w = mask.shape
    k = max(3, min(h, w) // 60)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    min_side = max(12, int(min(h, w) * 0.05))
    out = []
    for c in contours:
        x, y, bw, bh = cv2.boundingRect(c)
        if bw < min_side or bh < min_side:
            continue
        if not 0.6 <= bw / bh <= 1.67:
            continue
        fill = cv2.countNonZero(mask[y:y + bh, x:x + bw]) / float(bw * bh)
        if fill < 0.05:
            continue
        out.append((x, y, x + bw, y + bh))
    return out


# --------------------------------------------------------------------------- scoring


class TypeScore(BaseModel):
    doc_type: DocType
    score: float
    hits: list[str]


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def score_text(text: str, layout: dict[str, Any]) -> list[TypeScore]:
    """Score every doc type on a page's text and layout cues, best first."""
    from rapidfuzz import fuzz

    data = doc_type_data()
    s = data.settings
    comp = _compact(text)
    scores: list[TypeScore] = []
    for dt, spec in data.types.items():
        total = 0.0
        hits: list[str] = []
        for kw, weight in spec.keywords.items():
            k = _compact(kw)
            if k in comp:
                total += weight
                hits.append(kw)
            elif len(k) >= s.fuzzy_min_length and comp and fuzz.partial_ratio(k, comp) >= s.fuzzy_threshold:
                total += weight * s.fuzzy_weight
                hits.append(f"~{kw}")
        for pat, weight in spec.patterns.items():
            if re.search(pat, text) or re.search(pat, re.sub(r"[ \t]+", "", text)):
                total += weight
                hits.append(f"/{pat[:20]}/")
        for cue, weight in spec.layout.items():
            on = bool(layout.get(cue)) if cue != "mrz_passport" else layout.get("mrz_type") == "P"
            if on:
                total += weight
                hits.append(f"[{cue}]")
        scores.append(TypeScore(doc_type=dt, score=round(total, 3), hits=hits))
    scores.sort(key=lambda t: -t.score)
    return scores


def decide(scores: list[TypeScore]) -> tuple[DocType, float]:
    """The best type if it clears its own minimum and the runner-up; else unknown."""
    data = doc_type_data()
    s = data.settings
    if not scores:
        return DocType.UNKNOWN, 0.0
    best = scores[0]
    second = scores[1].score if len(scores) > 1 else 0.0
    if best.score < data.types[best.doc_type].min_score or best.score - second < s.margin:
        return DocType.UNKNOWN, 0.0
    strength = min(1.0, best.score / s.strong_score)
    margin = (best.score - max(second, 0.0)) / best.score
    return best.doc_type, round(max(0.05, min(1.0, 0.5 * strength + 0.5 * margin)), 3)


def classify_page(page: Page) -> None:
    """Set page.info.doc_type, classification_confidence and layout cues (in place)."""
    info = page.info
    s = doc_type_data().settings
    # the corrected page is the decoded one turned and deskewed as OCR measured (the cues
    # build small copies of it; the dot count needs the decoded pixels, not interpolated ones)
    img, rotate, skew = page.image, 0, 0.0
    if img is not None and info.ocr is not None:
        rotate, skew = info.ocr.rotation, info.ocr.skew
    elif img is None:
        img = page.corrected
    layout: dict[str, Any] = dict(info.layout)
    w, h = (turned_size(img.size, rotate) if img is not None else (info.width, info.height))
    layout.update(card_cue(w, h, s))
    layout.update(mrz_cues(info))
    try:
        layout.update(image_cues(img, rotate, skew))
    except Exception as exc:  # noqa: BLE001 — a cue we cannot compute must not lose the page
        log.warning("layout cues failed on %s p%s: %s", info.file, info.page, exc)
        layout.setdefault("red_seals", [])
    text = info.ocr.text if info.ocr else ""
    if info.ocr and not text and info.ocr.lines:
        text = "\n".join(ln.text for ln in info.ocr.lines)
    scores = score_text(text, layout)
    doc_type, conf = decide(scores)
    layout["type_scores"] = {str(t.doc_type): t.score for t in scores[:3] if t.score > 0}
    if doc_type != DocType.UNKNOWN:
        spec = doc_type_data().types[doc_type]
        if spec.grouping.sides:
            layout["side"] = "back" if _is_back(text, spec.grouping.back_keywords) else "front"
    info.layout = layout
    info.doc_type = doc_type
    info.classification_confidence = conf


def _is_back(text: str, back_keywords: list[str]) -> bool:
    comp = _compact(text)
    has_back = any(_compact(k) in comp for k in back_keywords)
    has_front = any(_compact(k) in comp for k in ("姓名", "公民身份号码", "出生"))
    return has_back and not has_front


# --------------------------------------------------------------------------- grouping


class _Group(BaseModel):
    doc_type: DocType
    pages: list[PageInfo]


def group_documents(pages: list[PageInfo]) -> list[Document]:
    """Group classified pages into documents, in input order (doc ids D01, D02, ...).

    - consecutive pages of one file with the same type are one document;
    - an unknown page right after a multi-page document of the same file (a contract's clause
      pages) continues it and takes its type (layout["continuation"] = True);
    - a change of type inside a file starts a new document (one PDF, several documents);
    - card types (ID card, permits): a one-page front and a one-page back next to each other
      are one document, whether they came as one file or two."""
    data = doc_type_data()
    groups: list[_Group] = []
    for info in pages:
        prev = groups[-1] if groups else None
        same_file = prev is not None and (prev.pages[-1].file == info.file
                                          or _same_series(prev.pages[-1].file, info.file))
        if prev is not None and same_file and info.doc_type == prev.doc_type and info.doc_type != DocType.UNKNOWN:
            prev.pages.append(info)
            continue
        if (prev is not None and same_file and info.doc_type == DocType.UNKNOWN and prev.doc_type != DocType.UNKNOWN
                and data.types[prev.doc_type].grouping.multi_page and _has_text(info)):
            info.doc_type = prev.doc_type
            info.classification_confidence = round(min(p.classification_confidence for p in prev.pages) * 0.8, 3)
            info.layout = {**info.layout, "continuation": True}
            prev.pages.append(info)
            continue
        groups.append(_Group(doc_type=info.doc_type, pages=[info]))
    groups = _join_series(_join_sides(groups))
    docs: list[Document] = []
    for g in groups:
        files: list[DocumentFile] = []
        for p in g.pages:
            if files and files[-1].path == p.file:
                files[-1].pages.append(p.page)
            else:
                files.append(DocumentFile(path=p.file, sha256=p.file_sha256, pages=[p.page]))
        own = [p.classification_confidence for p in g.pages if not p.layout.get("continuation")] or [0.0]
        docs.append(Document(doc_id=f"D{len(docs) + 1:02d}", doc_type=g.doc_type, files=files,
                             classification_confidence=round(sum(own) / len(own), 3)))
    return docs


def _same_series(a: str, b: str) -> bool:
    """'contract_p1.jpg' and 'contract_p2.jpg': pages of one paper scanned as separate files."""
    def stem(path: str) -> str:
        name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
        return re.sub(r"(?:[\s_\-]*(?:p|page|第|页|part)?[\s_\-]*\d+[\s_\-]*(?:页)?)$", "", name)

    sa, sb = stem(a), stem(b)
    return bool(sa) and sa == sb and a != b


_PAGE_MARK = re.compile(r"第\s*(\d{1,3})\s*页\s*[,，/]?\s*共\s*(\d{1,3})\s*页|(?i:page\s*(\d{1,3})\s*of\s*(\d{1,3}))")


def _page_mark(info: PageInfo) -> tuple[int, int] | None:
    """(k, n) from a printed "第k页共n页" / "Page k of n", if the page carries one."""
    m = _PAGE_MARK.search(info.ocr.text if info.ocr else "")
    if not m:
        return None
    k, n = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return int(k), int(n)


def _join_series(groups: list[_Group]) -> list[_Group]:
    """Pages of one multi-page paper that were not handed in together ('劳动合同6.jpg',
    '劳动合同8.jpg' loose and '劳动合同7.jpg' inside a zip) are one document when their file
    names are one series and their printed page numbers ("第2页共4页") neither repeat nor
    disagree on the total; the pages are then put in printed order."""
    data = doc_type_data()
    out: list[_Group] = []
    for g in groups:
        target = None
        if g.doc_type != DocType.UNKNOWN and data.types[g.doc_type].grouping.multi_page:
            target = next((h for h in out if h.doc_type == g.doc_type and _one_series(h, g)), None)
        if target is None:
            out.append(g)
            continue
        target.pages.extend(g.pages)
        if all(_page_mark(p) for p in target.pages):
            target.pages.sort(key=lambda p: _page_mark(p) or (0, 0))
    return out


def _one_series(a: _Group, b: _Group) -> bool:
    files_a = {p.file for p in a.pages}
    if not all(any(f == g.file or _same_series(f, g.file) for f in files_a) for g in b.pages):
        return False
    marks = [m for m in (_page_mark(p) for p in a.pages + b.pages) if m]
    if not marks:
        return False  # nothing printed says they belong together
    return len({n for _, n in marks}) == 1 and len({k for k, _ in marks}) == len(marks)


def _has_text(info: PageInfo) -> bool:
    return bool(info.ocr and info.ocr.text.strip())


def _join_sides(groups: list[_Group]) -> list[_Group]:
    data = doc_type_data()
    out: list[_Group] = []
    for g in groups:
        prev = out[-1] if out else None
        if (prev is not None and g.doc_type == prev.doc_type and g.doc_type != DocType.UNKNOWN
                and data.types[g.doc_type].grouping.sides and len(prev.pages) == 1 and len(g.pages) == 1):
            sides = {prev.pages[0].layout.get("side"), g.pages[0].layout.get("side")}
            if sides == {"front", "back"}:
                prev.pages.append(g.pages[0])
                continue
        out.append(g)
    return out
