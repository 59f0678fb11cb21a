"""The case file and what it is made of: the contract other tools rely on (docs/design.md).

These pydantic models are what credcase writes (CASE.json) and what stages hand on where the
value ends up in the case file; the in-memory hand-offs that hold pixels or local paths are
dataclasses in pipeline.core.stages. Case-file keys and enum values are stable: extend them,
never rename them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BBox = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the (corrected) page image


class DocType(StrEnum):
    RESIDENT_ID_CARD = "resident_id_card"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    DIPLOMA = "diploma"
    DEGREE_CERTIFICATE = "degree_certificate"
    OVERSEAS_DEGREE_CERTIFICATION = "overseas_degree_certification"
    QUALIFICATION_CERTIFICATE = "qualification_certificate"
    SOCIAL_INSURANCE_RECORD = "social_insurance_record"
    LABOR_CONTRACT = "labor_contract"
    WORK_PERMIT = "work_permit"
    APPLICATION_FORM = "application_form"
    VISA = "visa"  # a visa or residence-permit page of a passport (MRV-A/MRV-B MRZ)
    FOREIGN_ID_CARD = "foreign_id_card"  # a foreign national ID card or residence card (TD1/TD2 MRZ)
    UNKNOWN = "unknown"


# Documents that state who the holder is (name, birth date, a document number): compared with
# one another. Which of them satisfy Art. 5(1) is policy data (pipeline/data/policy.yaml).
IDENTITY_DOC_TYPES = frozenset(
    {DocType.RESIDENT_ID_CARD, DocType.PASSPORT, DocType.HK_MACAO_PERMIT, DocType.TAIWAN_PERMIT,
     DocType.VISA, DocType.FOREIGN_ID_CARD}
)
EDUCATION_DOC_TYPES = frozenset({DocType.DIPLOMA, DocType.DEGREE_CERTIFICATE})


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class FlagCategory(StrEnum):
    GAP = "gap"
    POLICY = "policy"
    INCONSISTENCY = "inconsistency"
    FORGERY = "forgery"
    QUALITY = "quality"


class MatchStatus(StrEnum):
    MATCHED = "matched"
    REVIEW = "review"
    NO_MATCH = "no_match"


class Recommendation(StrEnum):
    FORWARD_TO_PANEL = "forward_to_panel"
    RETURN_FOR_MATERIALS = "return_for_materials"
    REFER_FOR_INVESTIGATION = "refer_for_investigation"
    INELIGIBLE = "ineligible"
    PROCESSING_FAILED = "processing_failed"  # 1.1: credcase itself failed on this applicant: run again


class MaterialStatus(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    NOT_REQUIRED = "not_required"


class OcrEngineName(StrEnum):
    AUTO = "auto"
    TESSERACT = "tesseract"
    RAPIDOCR = "rapidocr"
    TEXT_LAYER = "text_layer"  # a PDF's own text, read by pdfplumber: no OCR


# --------------------------------------------------------------------------- evidence


class Evidence(BaseModel):
    """Where a claim came from: file relative to the applicant folder, 1-based page, box."""

    file: str
    page: int = 1
    bbox: BBox | None = None


class ExtractedField(BaseModel):
    """One extracted value. `value` is normalised (ISO dates, M/F, ...); `raw` is as read."""

    value: str | int | float | bool | None
    raw: str | None = None
    confidence: float = 0.0
    evidence: list[Evidence] = Field(default_factory=list)
    method: str = ""  # e.g. "label:姓名", "mrz", "regex:id_number"


# --------------------------------------------------------------------------- ingestion


class SourceFile(BaseModel):
    """A file the applicant handed in (after unpacking zips)."""

    path: str  # relative to the applicant folder (for zips: "bundle.zip/inner/name.jpg")
    sha256: str
    size: int
    media_type: str  # "image/jpeg", "application/pdf", ...
    page_count: int = 0


class FileError(BaseModel):
    """A file that could not be read (fully or in part). Goes to the case file's errors[]."""

    file: str
    code: str  # e.g. "EMPTY_FILE", "TRUNCATED_IMAGE", "ENCRYPTED_PDF", "DECOMPRESSION_BOMB"
    message_zh: str
    message_en: str
    page: int | None = None
    detail: str | None = None  # technical: what the decoder said (1.1), for the log and the curious


class OcrWord(BaseModel):
    text: str
    bbox: BBox
    conf: float  # 0..1


class OcrLine(BaseModel):
    text: str
    bbox: BBox
    conf: float  # 0..1
    words: list[OcrWord] = Field(default_factory=list)


class OcrResult(BaseModel):
    """Text of one page with boxes; boxes are in the coordinates of the corrected image."""

    engine: str  # "tesseract" | "rapidocr" | "text_layer"
    text: str  # lines joined by "\n"; Chinese without spurious spaces
    lines: list[OcrLine] = Field(default_factory=list)
    mean_conf: float = 0.0
    width: int = 0
    height: int = 0
    rotation: int = 0  # degrees clockwise applied to the source image before OCR (0/90/180/270)
    skew: float = 0.0  # degrees of deskew applied
    seconds: float = 0.0
    language: str = ""  # dominant script detected: "zh" | "latin" | ""


class TableLines(BaseModel):
    h: int = 0  # ruled horizontal lines
    v: int = 0  # ruled vertical lines


class PageCues(BaseModel):
    """What a page looks like, beyond its words (pipeline.classify.cues): the classifier scores
    them and the extractors use the seals. Boxes are in the corrected page's pixels."""

    card_sized: bool = False
    aspect: float | None = None  # long side / short side
    has_mrz: bool = False
    mrz_type: str | None = None  # first character of the first MRZ line ("P", "I", "V", ...)
    mrz_code: str | None = None  # the document code: first two characters of the first MRZ line ("P<", "ID", "V<")
    mrz_lines: int = 0  # how many MRZ lines were read
    mrz_width: int | None = None  # the ICAO line length (30, 36, 44) nearest to the lines read
    ruled_table: bool = False
    table_lines: TableLines = Field(default_factory=TableLines)
    red_seal: bool = False
    red_seals: list[BBox] | None = None  # None: the image was not looked at (no seal can be judged)
    grey_page: bool = False  # a grey photocopy (a seal survives only as a dark ring)
    grey_seals: list[BBox] = Field(default_factory=list)


class PageInfo(BaseModel):
    """A page's provenance and what was read from it (the image itself is not kept here)."""

    file: str
    file_sha256: str
    page: int  # 1-based within the file
    width: int
    height: int
    dpi: int | None = None
    image_sha256: str | None = None  # hash of the rendered/decoded page pixels (the OCR cache's key)
    image_phash: str | None = None  # perceptual hash (pipeline.forensics.fingerprint)
    has_text_layer: bool = False
    ocr: OcrResult | None = None
    doc_type: DocType = DocType.UNKNOWN
    classification_confidence: float = 0.0
    cues: PageCues = Field(default_factory=PageCues)
    type_scores: dict[str, float] = Field(default_factory=dict)  # the best three doc types' scores
    side: Literal["front", "back"] | None = None  # of a card (ID card, permits)
    continuation: bool = False  # an unclassified page taken into the multi-page document before it


# --------------------------------------------------------------------------- documents


class DocumentFile(BaseModel):
    path: str
    sha256: str
    pages: list[int]


class Document(BaseModel):
    doc_id: str
    doc_type: DocType
    files: list[DocumentFile]
    classification_confidence: float
    fields: dict[str, ExtractedField] = Field(default_factory=dict)


# --------------------------------------------------------------------------- catalogue


class MatchCandidate(BaseModel):
    catalog_id: int
    name: str
    score: float
    reason: str  # which alias matched, which issuer evidence


class CatalogMatch(BaseModel):
    status: MatchStatus
    catalog_id: int | None
    score: float
    candidates: list[MatchCandidate] = Field(default_factory=list)


# --------------------------------------------------------------------------- flags & case


class Flag(BaseModel):
    code: str
    severity: Severity
    category: FlagCategory
    message_zh: str
    message_en: str
    evidence: list[Evidence] = Field(default_factory=list)


class Fingerprint(BaseModel):
    """A value the corpus-wide duplicate checks compare across applicants (pipeline.store)."""

    kind: Literal["cert_number", "id_number", "cert_image"]
    value: str
    holder_name: str | None = None
    evidence: Evidence | None = None


class ComparedValue(BaseModel):
    """One document's value in a row of the comparison table."""

    doc_id: str
    value: str
    confidence: float
    agrees: bool  # with the row's first value (the reference), by the rules' own comparison


class ComparedField(BaseModel):
    field: str
    values: list[ComparedValue] = Field(default_factory=list)


class Comparison(BaseModel):
    """What each document says about the applicant, side by side (pipeline.checks.compare)."""

    documents: list[str] = Field(default_factory=list)  # doc_ids, in column order
    rows: list[ComparedField] = Field(default_factory=list)


class Applicant(BaseModel):
    name: str | None = None
    name_latin: str | None = None
    sex: str | None = None
    birth_date: str | None = None
    id_type: str | None = None  # doc_type of the identity document used
    id_number_masked: str | None = None
    nationality: str | None = None
    employer: str | None = None


class Qualification(BaseModel):
    catalog_id: int | None = None
    catalog_version: str | None = None
    status: MatchStatus = MatchStatus.NO_MATCH
    score: float = 0.0
    title_as_printed: str | None = None
    catalog_name_en: str | None = None  # the matched entry's names (the report shows them)
    catalog_name_zh: str | None = None
    recognized_title: str | None = None
    series: str | None = None
    issuer_as_printed: str | None = None
    candidates: list[MatchCandidate] = Field(default_factory=list)


class Materials(BaseModel):
    identity: MaterialStatus = MaterialStatus.MISSING
    education: MaterialStatus = MaterialStatus.MISSING
    overseas_degree_certification: MaterialStatus = MaterialStatus.NOT_REQUIRED
    qualification_certificate: MaterialStatus = MaterialStatus.MISSING
    employment_proof: MaterialStatus = MaterialStatus.MISSING
    work_permit: MaterialStatus = MaterialStatus.NOT_REQUIRED
    application_form: MaterialStatus = MaterialStatus.MISSING


class Eligibility(BaseModel):
    eligible: bool | None = None  # None: cannot tell yet (review needed)
    in_catalog: bool | None = None
    works_in_taizhou: bool | None = None
    requested_title_ok: bool | None = None
    requested_series_ok: bool | None = None
    application_date: str | None = None
    reasons: list[str] = Field(default_factory=list)


class ToolVersions(BaseModel):
    credcase: str
    tesseract: str | None = None
    rapidocr: str | None = None
    catalog_batch: str | None = None


SCHEMA_VERSION: Literal["1.1"] = "1.1"  # 1.1: comparison, qualification.catalog_name_*, page cues


class CaseFile(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    schema_version: Literal["1.0", "1.1"] = SCHEMA_VERSION
    case_id: str
    source: str
    processed_at: datetime
    applicant: Applicant = Field(default_factory=Applicant)
    documents: list[Document] = Field(default_factory=list)
    qualification: Qualification = Field(default_factory=Qualification)
    materials: Materials = Field(default_factory=Materials)
    eligibility: Eligibility = Field(default_factory=Eligibility)
    flags: list[Flag] = Field(default_factory=list)
    recommendation: Recommendation = Recommendation.RETURN_FOR_MATERIALS
    errors: list[FileError] = Field(default_factory=list)
    # extensions beyond the DESIGN keys
    pages: list[PageInfo] = Field(default_factory=list)
    versions: ToolVersions | None = None
    input_files: list[SourceFile] = Field(default_factory=list)
    fingerprints: list[Fingerprint] = Field(default_factory=list)
    comparison: Comparison | None = None  # added in 1.1
