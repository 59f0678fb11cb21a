"""The classifier's data (pipeline/data/doc_types.yaml): per doc type its keywords, patterns,
layout cues and grouping rules, and the thresholds that decide, each with the reason beside it."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, Field, field_validator, model_validator

from pipeline.core.datafiles import load_bundled
from pipeline.core.models import DocType

# layout cues a doc type may score: these PageCues fields, and the MRZ cues named in the data
# (`mrz_cues`: an MRZ of some document codes and shape)
LAYOUT_CUES = frozenset({"card_sized", "has_mrz", "ruled_table", "red_seal"})


class Grouping(BaseModel):
    multi_page: bool = False
    sides: bool = False
    back_keywords: list[str] = Field(default_factory=list)
    back_cues: list[str] = Field(default_factory=list)  # layout cues only the back shows (a TD1 card's MRZ)


class MrzCue(BaseModel):
    """A layout cue that is on when the page's MRZ has one of these document codes (prefixes of
    its first two characters), none of `not_codes`, and (when given) one of these line lengths."""

    codes: list[str] = Field(min_length=1)
    not_codes: list[str] = Field(default_factory=list)
    widths: list[int] = Field(default_factory=list)

    def on(self, code: str | None, width: int | None) -> bool:
        if not code or not any(code.startswith(c) for c in self.codes):
            return False
        if any(code.startswith(c) for c in self.not_codes):
            return False
        return not self.widths or width in self.widths


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



class Settings(BaseModel):
    """Classifier thresholds; every value is set in doc_types.yaml (its comments say why)."""

    min_text_chars: int
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
    mrz_cues: dict[str, MrzCue] = Field(default_factory=dict)
    types: dict[DocType, TypeSpec]

    @field_validator("types")
    @classmethod
    def _no_unknown(cls, v: dict[DocType, TypeSpec]) -> dict[DocType, TypeSpec]:
        if DocType.UNKNOWN in v:
            raise ValueError("'unknown' is what fits nothing; it takes no keywords")
        return v

    @model_validator(mode="after")
    def _known_cues(self) -> DocTypeData:
        valid = LAYOUT_CUES | set(self.mrz_cues)
        for dt, spec in self.types.items():
            unknown = (set(spec.layout) | set(spec.grouping.back_cues)) - valid
            if unknown:
                raise ValueError(f"{dt}: unknown layout cue(s) {sorted(unknown)}; valid: {sorted(valid)}")
        return self


@cache
def doc_type_data() -> DocTypeData:
    return load_bundled("pipeline", "data/doc_types.yaml", DocTypeData)


