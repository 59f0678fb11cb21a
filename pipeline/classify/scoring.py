"""Which document type a page is: every type scored on the page's text and cues, the best taken
only when it is clear. A page that fits nothing stays `unknown` (the checks raise
UNCLASSIFIED_PAGE), never forced into a type."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel
from rapidfuzz import fuzz

from pipeline.classify.data import doc_type_data
from pipeline.core.models import DocType, OcrResult, PageCues
from pipeline.core.stages import PageClass
from pipeline.core.text import compact


class TypeScore(BaseModel):
    doc_type: DocType
    score: float
    hits: list[str]


def _key(text: str) -> str:
    return compact(text).casefold()


def cue_on(cues: PageCues, cue: str) -> bool:
    """A layout cue of doc_types.yaml: an MRZ cue of its `mrz_cues`, else the PageCues field."""
    mrz = doc_type_data().mrz_cues.get(cue)
    if mrz is not None:
        return mrz.on(cues.mrz_code or cues.mrz_type, cues.mrz_width)
    return bool(getattr(cues, cue))


def score_text(text: str, cues: PageCues) -> list[TypeScore]:
    """Score every doc type on a page's text and layout cues, best first."""
    data = doc_type_data()
    s = data.settings
    comp = _key(text)
    scores: list[TypeScore] = []
    for dt, spec in data.types.items():
        total = 0.0
        hits: list[str] = []
        for kw, weight in spec.keywords.items():
            k = _key(kw)
            if k in comp:
                total += weight
                hits.append(kw)
            # the keyword, misread, somewhere in the text: never the text inside the keyword (with
            # partial_ratio's alignment, a page reading just "C" matched every keyword holding a c)
            elif len(k) >= s.fuzzy_min_length and len(comp) >= len(k) and fuzz.partial_ratio(k, comp) >= s.fuzzy_threshold:
                total += weight * s.fuzzy_weight
                hits.append(f"~{kw}")
        for pat, weight in spec.patterns.items():
            if re.search(pat, text) or re.search(pat, re.sub(r"[ \t]+", "", text)):
                total += weight
                hits.append(f"/{pat[:20]}/")
        for cue, weight in spec.layout.items():
            if cue_on(cues, cue):
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


def classify_page(ocr: OcrResult | None, cues: PageCues) -> PageClass:
    """The doc type of a page read as `ocr` with `cues`, its confidence and (cards) its side."""
    text = ocr.text if ocr else ""
    if ocr and not text and ocr.lines:
        text = "\n".join(ln.text for ln in ocr.lines)
    scores = score_text(text, cues)
    doc_type, conf = decide(scores)
    if sum(ch.isalnum() for ch in text) < doc_type_data().settings.min_text_chars:
        doc_type, conf = DocType.UNKNOWN, 0.0  # a scrap of text says nothing of what the page is
    side: Literal["front", "back"] | None = None
    if doc_type != DocType.UNKNOWN:
        spec = doc_type_data().types[doc_type]
        if spec.grouping.sides:
            back = _is_back(text, spec.grouping.back_keywords) or any(cue_on(cues, c) for c in spec.grouping.back_cues)
            side = "back" if back else "front"
    return PageClass(doc_type=doc_type, confidence=conf,
                     scores={str(t.doc_type): t.score for t in scores[:3] if t.score > 0}, side=side)


def _is_back(text: str, back_keywords: list[str]) -> bool:
    comp = _key(text)
    has_back = any(_key(k) in comp for k in back_keywords)
    has_front = any(_key(k) in comp for k in ("姓名", "公民身份号码", "出生"))
    return has_back and not has_front


