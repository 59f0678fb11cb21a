"""In-memory hand-offs between the stages (pipeline/run.py shows the order).

These hold pixels, local paths or intermediate verdicts that never reach the case file as
such, so they are dataclasses, not case-file models; each stage takes one and returns the
next instead of changing what it was given.

    LoadedFile  ingest → pages          a handed-in file on local disk
    Page        pages → ocr, classify,  one decoded page, pixels in memory
                forensics
    PdfMetadata pages → forensics       how a PDF says it was made
    PageRead    ocr → classify, …       what OCR (or the PDF's text layer) read on a page
    PageClass   classify → run          the page's document type
    CatalogFacts, CertificateMatch      qualify → checks: the certificate's catalogue entry
    StoredFingerprint                   store → forensics.corpus: an earlier case's fingerprint
    Assessment  checks → casefile       flags, materials, eligibility, recommendation
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from PIL import Image
from pydantic import BaseModel, Field

from pipeline.core.models import (
    Applicant,
    CatalogMatch,
    DocType,
    Eligibility,
    Flag,
    Materials,
    OcrResult,
    Qualification,
    Recommendation,
    SourceFile,
)


@dataclass
class LoadedFile:
    """A source file available on local disk (zip members are extracted under the work folder)."""

    source: SourceFile
    local_path: Path


@dataclass
class Page:
    """One page of a file: the decoded image (EXIF-upright, 8-bit L or RGB) and, for a PDF
    page with a text layer, that text with boxes in the image's pixels."""

    file: LoadedFile
    number: int  # 1-based within the file
    image: Image.Image
    dpi: int | None = None
    text_layer: OcrResult | None = None

    @property
    def name(self) -> str:
        """The file's path relative to the applicant folder (what reviewers see)."""
        return self.file.source.path


@dataclass(frozen=True)
class PdfMetadata:
    """What a PDF says about how it was made (pipeline.pages.pdf_metadata → forensics)."""

    created: datetime | None
    modified: datetime | None
    software: dict[str, str]  # Producer, Creator, xmp:CreatorTool, pdf:Producer as written
    linearized: bool


@dataclass(frozen=True)
class PageRead:
    """A page as read: the OCR result (or the text layer) with boxes in the corrected frame —
    the decoded image turned `ocr.rotation` clockwise and deskewed by `ocr.skew` — and the
    hash of its pixels where an OCR cache keyed on it was used."""

    ocr: OcrResult
    pixel_sha256: str | None = None


@dataclass(frozen=True)
class PageClass:
    """Which document type a page is, how sure, and (for cards) which side."""

    doc_type: DocType
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)  # the best three types' scores
    side: Literal["front", "back"] | None = None


class CatalogFacts(BaseModel):
    """What the rules need of the matched catalogue entry (catalog.CatalogEntry, duck-typed)."""

    id: int
    name_en: str = ""
    name_zh: str = ""
    title: str = ""
    series: str = ""
    issuer_en: str = ""
    issuer_zh: str = ""
    issuers: list[str] = Field(default_factory=list)

    @classmethod
    def from_entry(cls, entry: Any) -> CatalogFacts:
        issuers = getattr(entry, "issuers", None) or []
        names = [i if isinstance(i, str) else str(getattr(i, "name", i)) for i in issuers]
        return cls(id=int(entry.id), name_en=getattr(entry, "name_en", "") or "",
                   name_zh=getattr(entry, "name_zh", "") or "", title=str(getattr(entry, "title", "") or ""),
                   series=str(getattr(entry, "series", "") or ""), issuer_en=getattr(entry, "issuer_en", "") or "",
                   issuer_zh=getattr(entry, "issuer_zh", "") or "", issuers=names)


@dataclass(frozen=True)
class StoredFingerprint:
    """A fingerprint of an earlier case, as a corpus index keeps it (pipeline.store)."""

    case_id: str
    kind: str
    value: str
    holder_name: str | None
    evidence: dict[str, Any] | None


@dataclass(frozen=True)
class CertificateMatch:
    """The catalogue look-up of the applicant's certificates: the one the rules rely on (the
    best match when several were handed in), its match and the entry it points at."""

    batch_id: str | None
    doc_id: str | None = None  # None: no certificate handed in
    match: CatalogMatch | None = None
    entry: CatalogFacts | None = None  # the matched entry, or the best candidate's


@dataclass
class Assessment:
    """Everything the checks concluded about one applicant."""

    applicant: Applicant
    qualification: Qualification
    materials: Materials
    eligibility: Eligibility
    flags: list[Flag]
    recommendation: Recommendation
