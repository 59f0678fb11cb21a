"""The applicant's documents as the rules read them (CaseView) and the certificate's catalogue
look-up as the rules see it (QualificationOutcome).

Values are gated on confidence: a comparison on a value OCR was unsure of is skipped rather
than raised as a finding — a tool that cries wolf on OCR noise loses the reviewers' trust.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import Any

from pipeline.checks.data import PolicyData
from pipeline.core.models import DocType, Document, Evidence, ExtractedField, MatchStatus
from pipeline.core.stages import CatalogFacts


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass
class CaseView:
    """The applicant's documents as the rules read them."""

    documents: list[Document]
    application_date: date
    policy: PolicyData
    # the document of a type the rules rely on when there are several (e.g. the certificate
    # that matched the catalogue, when an applicant hands in two)
    preferred: dict[DocType, Document] = dc_field(default_factory=dict)

    def docs(self, *types: DocType) -> list[Document]:
        return [d for d in self.documents if d.doc_type in types]

    def first(self, *types: DocType) -> Document | None:
        for t in types:
            if t in self.preferred:
                return self.preferred[t]
        found = self.docs(*types)
        return found[0] if found else None

    @staticmethod
    def field(doc: Document | None, name: str) -> ExtractedField | None:
        return doc.fields.get(name) if doc is not None else None

    def value(self, doc: Document | None, name: str, gated: bool = True) -> str | None:
        """The field's value as text; None when absent, or (gated) when OCR was unsure of it."""
        f = self.field(doc, name)
        if f is None:
            return None
        if gated and f.confidence < self.policy.thresholds.min_field_confidence:
            return None
        return _as_text(f.value)

    def bool_value(self, doc: Document | None, name: str) -> bool | None:
        f = self.field(doc, name)
        if f is None or f.value is None:
            return None
        if isinstance(f.value, bool):
            return f.value
        text = str(f.value).strip().lower()
        return {"true": True, "false": False, "1": True, "0": False}.get(text)

    def date_value(self, doc: Document | None, name: str, gated: bool = True) -> date | None:
        text = self.value(doc, name, gated)
        if not text:
            return None
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None

    def evidence(self, doc: Document | None, *names: str) -> list[Evidence]:
        out: list[Evidence] = []
        for n in names:
            f = self.field(doc, n)
            if f is not None:
                out.extend(f.evidence)
        if not out and doc is not None:
            out = [Evidence(file=df.path, page=(df.pages[0] if df.pages else 1)) for df in doc.files[:1]]
        return out




@dataclass
class QualificationOutcome:
    """The certificate's catalogue look-up, as the rules see it."""

    status: MatchStatus | None  # None: no certificate handed in
    entry: CatalogFacts | None
    title: str | None
    evidence: list[Evidence]


