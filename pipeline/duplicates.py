"""Corpus-level forgery screens: the same certificate image or number, or the same ID number
under different names, in different applicants' files — over the run store, so they hold
across runs and across workers. Both cases of a pair get the flag."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel

from pipeline.flags import make_flag
from pipeline.forensics import duplicate_max_distance, fingerprint_distance
from pipeline.models import CaseFile, Evidence, Fingerprint, Flag
from pipeline.privacy import mask_id
from pipeline.store import RunStore, StoredFingerprint


class CorpusSettings(BaseModel):
    id_number_flag_same_name: bool = False
    cert_number_flag_same_name: bool = True


@cache
def settings() -> CorpusSettings:
    text = resources.files("pipeline").joinpath("data/corpus.yaml").read_text(encoding="utf-8")
    return CorpusSettings.model_validate(yaml.safe_load(text))


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


def _conflicts(fp: Fingerprint, store: RunStore, case_id: str) -> list[StoredFingerprint]:
    cfg = settings()
    if fp.kind == "cert_image":
        return [o for o in store.all_of_kind("cert_image", case_id) if _same_image(fp.value, o.value)]
    others = store.same_value(fp.kind, fp.value, case_id)
    same_name_ok = cfg.id_number_flag_same_name if fp.kind == "id_number" else cfg.cert_number_flag_same_name
    if same_name_ok:
        return others
    return [o for o in others if _name_key(o.holder_name) != _name_key(fp.holder_name)]


def _flag_for(fp_kind: str, value: str, other_case: str, evidence: dict | Evidence | None) -> Flag:
    ev = [evidence if isinstance(evidence, Evidence) else Evidence.model_validate(evidence)] if evidence else []
    if fp_kind == "cert_image":
        return make_flag("DUPLICATE_IMAGE_ACROSS_CASES", ev, other=other_case)
    shown = mask_id(value) if fp_kind == "id_number" else value
    return make_flag("DUPLICATE_CERTIFICATE_NUMBER", ev, number=shown, other=other_case)


def _add_once(case: CaseFile, flag: Flag) -> bool:
    key = (flag.code, flag.message_en)
    if any((f.code, f.message_en) == key for f in case.flags):
        return False
    case.flags.append(flag)
    return True


def apply_corpus_checks(case: CaseFile, store: RunStore, cases_dir: Path) -> tuple[bool, list[CaseFile]]:
    """Flag `case` and the stored cases it collides with. Returns (case changed, other cases changed)."""
    from pipeline.checks import recommend
    from pipeline.rules_policy import load_policy

    policy = load_policy()

    changed_self = False
    others: dict[str, CaseFile] = {}
    for fp in case.fingerprints:
        for hit in _conflicts(fp, store, case.case_id):
            changed_self |= _add_once(case, _flag_for(fp.kind, fp.value, hit.case_id, fp.evidence))
            other = others.get(hit.case_id) or _load(cases_dir, hit.case_id)
            if other is None:
                continue
            if _add_once(other, _flag_for(fp.kind, hit.value, case.case_id, hit.evidence)):
                others[hit.case_id] = other
    if changed_self:
        case.recommendation = recommend(case.flags, policy)
    for other in others.values():
        other.recommendation = recommend(other.flags, policy)
    return changed_self, list(others.values())


def _load(cases_dir: Path, case_id: str) -> CaseFile | None:
    path = cases_dir / f"{case_id}.json"
    try:
        return CaseFile.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
