"""The policy data the rules read (pipeline/data/policy.yaml), validated on load: titles and
series, Taizhou's places and division codes, the documents of each Art. 5 item, thresholds
(each with the reason beside it in the file), employer spellings, issuer families and the
recommendation rules in order."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator

from pipeline.core.datafiles import load_bundled
from pipeline.core.models import DocType, Materials, Recommendation, Severity

DivisionCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]  # GB/T 2260: six digits


class TitleSpec(BaseModel):
    name: str
    rank: int
    senior: bool = False
    aliases: list[str] = Field(default_factory=list)


class SeriesSpec(BaseModel):
    name: str
    aliases: list[str] = Field(default_factory=list)


class TaizhouSpec(BaseModel):
    places: list[str]
    not_places: list[str] = Field(default_factory=list)
    division_codes: dict[DivisionCode, str]


class NationalitySpec(BaseModel):
    chinese: list[str]
    hk_macao_taiwan: list[str]


class Thresholds(BaseModel):
    min_field_confidence: float = Field(ge=0, le=1)
    low_ocr_confidence: float = Field(ge=0, le=1)
    employer_max_edits: int = Field(ge=0)
    latin_name_similarity: float = Field(ge=0, le=100)
    issuer_similarity: float = Field(ge=0, le=100)
    max_years_expired: int = 20
    mrz_visual_min_confidence: float = Field(default=0.75, ge=0, le=1)
    min_age_qualification: int
    min_age_graduation: int
    min_age_employment: int
    max_age: int


class IssuerFamily(BaseModel):
    when_catalog_issuer: list[str]
    accept: list[str]


class RecommendationRule(BaseModel):
    recommendation: Recommendation
    codes: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    min_severity: Severity = Severity.INFO


class PolicyData(BaseModel):
    titles: list[TitleSpec]
    senior_markers: list[str]
    series: list[SeriesSpec]
    taizhou: TaizhouSpec
    nationality: NationalitySpec
    materials: dict[str, list[DocType]]
    thresholds: Thresholds
    employer_equivalents: dict[str, str] = Field(default_factory=dict)
    employer_drop: list[str] = Field(default_factory=list)
    employer_strip_suffixes: list[str] = Field(default_factory=list)
    issuer_families: list[IssuerFamily] = Field(default_factory=list)
    recommendation: list[RecommendationRule]
    default_recommendation: Recommendation
    name_noise_tokens: list[str] = Field(default_factory=list)

    @field_validator("materials")
    @classmethod
    def _material_keys(cls, v: dict[str, list[DocType]]) -> dict[str, list[DocType]]:
        missing = set(Materials.model_fields) - set(v)
        if missing:
            raise ValueError(f"materials lacks {sorted(missing)}")
        return v


@cache
def load_policy() -> PolicyData:
    """The bundled policy data; a broken entry is a DataFileError naming its line and key."""
    return load_bundled("pipeline", "data/policy.yaml", PolicyData)


