"""Corpus-level forgery screens: the same certificate image or number, or the same ID number
under different names, in different applicants' files. They run over an index of every case
seen so far (the run store of `credcase ingest`, or the workspace's database), so they hold
across runs and across workers; both cases of a pair get the flag.

This module finds the collisions; the caller (pipeline.batch) adds the flags to both case files
and re-decides their recommendations.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from pydantic import BaseModel

from pipeline.core.codes import normalize_id
from pipeline.core.datafiles import load_bundled
from pipeline.core.flags import make_flag
from pipeline.core.models import IDENTITY_DOC_TYPES, DocType, Document, Evidence, Fingerprint, Flag, PageInfo
from pipeline.core.privacy import mask_id
from pipeline.core.stages import StoredFingerprint
from pipeline.forensics.fingerprint import duplicate_max_distance, fingerprint_distance


class CorpusSettings(BaseModel):
    id_number_flag_same_name: bool = False
    cert_number_flag_same_name: bool = True


@cache
def settings() -> CorpusSettings:
    return load_bundled("pipeline", "data/corpus.yaml", CorpusSettings)


class FingerprintIndex(Protocol):
    """Where the fingerprints of earlier cases are kept (pipeline.store.RunStore)."""

    def same_value(self, kind: str, value: str, exclude_case: str) -> list[StoredFingerprint]: ...

    def all_of_kind(self, kind: str, exclude_case: str) -> list[StoredFingerprint]: ...


def _value(doc: Document, name: str) -> str | None:
    f = doc.fields.get(name)
    text = str(f.value).strip() if f is not None and f.value is not None else ""
    return text or None


def _first_evidence(doc: Document, name: str) -> Evidence | None:
    f = doc.fields.get(name)
    return f.evidence[0] if f is not None and f.evidence else None


def case_fingerprints(documents: list[Document], pages: list[PageInfo]) -> list[Fingerprint]:
    """Values compared across applicants: certificate numbers and page images, ID numbers."""
    out: list[Fingerprint] = []
    for cert in (d for d in documents if d.doc_type == DocType.QUALIFICATION_CERTIFICATE):
        holder = _value(cert, "holder_name")
        number = _value(cert, "certificate_number")
        if number:
            out.append(Fingerprint(kind="cert_number", value=number, holder_name=holder,
                                   evidence=_first_evidence(cert, "certificate_number")))
        wanted = {(df.path, p) for df in cert.files for p in df.pages}
        for p in pages:
            if (p.file, p.page) in wanted and p.image_phash:
                out.append(Fingerprint(kind="cert_image", value=p.image_phash, holder_name=holder,
                                       evidence=Evidence(file=p.file, page=p.page)))
    for doc in (d for d in documents if d.doc_type in IDENTITY_DOC_TYPES):
        number = normalize_id(_value(doc, "id_number"))
        if number:
            out.append(Fingerprint(kind="id_number", value=number,
                                   holder_name=_value(doc, "name") or _value(doc, "name_latin"),
                                   evidence=_first_evidence(doc, "id_number")))
    return out


def _same_image(a: str, b: str) -> bool:
    try:
        return fingerprint_distance(a, b) <= duplicate_max_distance()
    except ValueError:  # fingerprints of another hash size (an older run's store)
        return False


def _name_key(name: str | None) -> str:
    if not name:
        return ""
    n = unicodedata.normalize("NFKC", name).casefold().replace(",", " ")
    return " ".join(sorted(n.split()))


def _conflicts(fp: Fingerprint, index: FingerprintIndex, case_id: str) -> list[StoredFingerprint]:
    cfg = settings()
    if fp.kind == "cert_image":
        return [o for o in index.all_of_kind("cert_image", case_id) if _same_image(fp.value, o.value)]
    others = index.same_value(fp.kind, fp.value, case_id)
    same_name_ok = cfg.id_number_flag_same_name if fp.kind == "id_number" else cfg.cert_number_flag_same_name
    if same_name_ok:
        return others
    return [o for o in others if _name_key(o.holder_name) != _name_key(fp.holder_name)]


def _flag_for(fp_kind: str, value: str, other_case: str, evidence: dict[str, Any] | Evidence | None) -> Flag:
    ev = [evidence if isinstance(evidence, Evidence) else Evidence.model_validate(evidence)] if evidence else []
    if fp_kind == "cert_image":
        return make_flag("DUPLICATE_IMAGE_ACROSS_CASES", ev, other=other_case)
    shown = mask_id(value) if fp_kind == "id_number" else value
    return make_flag("DUPLICATE_CERTIFICATE_NUMBER", ev, number=shown, other=other_case)


@dataclass
class Collisions:
    """Flags a new case raises against the index: its own, and those of each earlier case."""

    own: list[Flag] = field(default_factory=list)
    others: dict[str, list[Flag]] = field(default_factory=dict)  # case_id → flags to add


def find_collisions(case_id: str, fingerprints: list[Fingerprint], index: FingerprintIndex) -> Collisions:
    found = Collisions()
    for fp in fingerprints:
        for hit in _conflicts(fp, index, case_id):
            found.own.append(_flag_for(fp.kind, fp.value, hit.case_id, fp.evidence))
            found.others.setdefault(hit.case_id, []).append(_flag_for(fp.kind, hit.value, case_id, hit.evidence))
    return found
