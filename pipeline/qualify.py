"""The catalogue match: which entry of the catalogue batch the applicant's certificate is.

Each certificate's title, issuer and whole page text are looked up in the batch (the bundled
current one, or the file given with --catalog); the best match is the certificate the rules
rely on when an applicant hands in several. The batch's names travel on in the result, so
nothing later needs to open the catalogue again.
"""

from __future__ import annotations

import logging
from pathlib import Path

import catalog
from pipeline.core.models import CatalogMatch, DocType, Document, MatchStatus
from pipeline.core.stages import CatalogFacts, CertificateMatch

log = logging.getLogger(__name__)

_STATUS_RANK = {MatchStatus.NO_MATCH: 0, MatchStatus.REVIEW: 1, MatchStatus.MATCHED: 2}


def _text(doc: Document, name: str) -> str | None:
    f = doc.fields.get(name)
    text = str(f.value).strip() if f is not None and f.value is not None else ""
    return text or None


def check_catalog(catalog_file: Path | None) -> None:
    """The catalogue batch loads (DataFileError naming the file otherwise): checked before a
    run starts, so a wrong --catalog is one usage error, not every applicant failing."""
    catalog.load_catalog(catalog_file)


def match_certificate(documents: list[Document], catalog_file: Path | None) -> CertificateMatch:
    """The best catalogue match among the applicant's certificates (none handed in: doc_id None)."""
    cat = catalog.load_catalog(catalog_file)
    batch_id = getattr(cat, "batch_id", None)
    best: tuple[tuple[int, float], Document, CatalogMatch] | None = None
    for cert in (d for d in documents if d.doc_type == DocType.QUALIFICATION_CERTIFICATE):
        title = _text(cert, "title") or ""
        full_text = _text(cert, "full_text")
        if not (title or full_text):
            match = CatalogMatch(status=MatchStatus.REVIEW, catalog_id=None, score=0.0)
        else:
            try:
                match = catalog.get_matcher(catalog_file).match(title, issuer=_text(cert, "issuer"),
                                                                full_text=full_text)
            except Exception as exc:  # noqa: BLE001 - one odd certificate must not stop the batch
                log.warning("catalogue look-up failed (%s): left for review", type(exc).__name__)
                match = CatalogMatch(status=MatchStatus.REVIEW, catalog_id=None, score=0.0)
        rank = (_STATUS_RANK[MatchStatus(match.status)], match.score)
        if best is None or rank > best[0]:
            best = (rank, cert, match)
    if best is None:
        return CertificateMatch(batch_id=batch_id)
    _, cert, match = best
    cid = match.catalog_id if match.catalog_id is not None else (
        match.candidates[0].catalog_id if match.candidates else None)
    entry = CatalogFacts.from_entry(cat.entry(cid)) if cid is not None else None
    return CertificateMatch(batch_id=batch_id, doc_id=cert.doc_id, match=match, entry=entry)
