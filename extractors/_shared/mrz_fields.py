"""An MRZ as fields: its own reading (mrz_format, mrz_number, mrz_name, mrz_birth_date,
mrz_expiry_date, mrz_sex, mrz_nationality, mrz_issuing_state, mrz_valid, mrz_failed_checks),
and the fields a printed zone did not give, filled from it where its check digit passes.

A visa's MRZ (MRV-A 2×44, MRV-B 2×36) has check digits for its number, birth date and expiry
only; the parser (extractors._shared.mrz) asks only those of it.
"""

from __future__ import annotations

from extractors._shared.context import DocContext, Line
from extractors._shared.mrz import MrzResult
from pipeline.core.models import ExtractedField


def mrz_fields(ctx: DocContext, mrz: MrzResult, refs: list[Line]) -> dict[str, ExtractedField]:
    ev = ctx.evidence(refs)
    conf = round(min(r.conf for r in refs) if refs else 0.5, 3)

    def f(value: str | bool | None, check: str | None = None) -> ExtractedField:
        ok = mrz.checks.get(check, True) if check else True
        return ExtractedField(value=value, raw="\n".join(mrz.raw_lines), confidence=conf if ok else conf * 0.5,
                              evidence=ev, method=f"mrz:{mrz.format}")

    failed = ",".join(k for k, v in mrz.checks.items() if not v)
    return {
        "mrz_valid": f(mrz.valid),
        "mrz_format": f(mrz.format),
        "mrz_number": f(mrz.number, "number"),
        "mrz_name": f(mrz.name),
        "mrz_birth_date": f(mrz.birth_date, "birth_date"),
        "mrz_expiry_date": f(mrz.expiry_date, "expiry_date"),
        "mrz_sex": f(mrz.sex),
        "mrz_nationality": f(mrz.nationality),
        "mrz_issuing_state": f(mrz.issuing_state),
        "mrz_failed_checks": f(failed),
    }


def fill_from_mrz(ctx: DocContext, out: dict[str, ExtractedField], mrz: MrzResult, refs: list[Line]) -> None:
    """Fields the printed zone did not give, from the MRZ where its check passes."""
    ev = ctx.evidence(refs)
    conf = round(min(r.conf for r in refs) if refs else 0.5, 3) * 0.95
    raw = "\n".join(mrz.raw_lines)
    candidates = {
        "id_number": (mrz.number, mrz.checks.get("number", False)),
        "birth_date": (mrz.birth_date, mrz.checks.get("birth_date", False)),
        "valid_until": (mrz.expiry_date, mrz.checks.get("expiry_date", False)),
        "sex": (mrz.sex, True),
        "nationality": (mrz.nationality, True),
        "name_latin": (mrz.name, bool(mrz.surname)),
    }
    for field, (value, ok) in candidates.items():
        if field not in out and value and ok:
            out[field] = ExtractedField(value=value, raw=raw, confidence=conf, evidence=ev, method=f"mrz:{mrz.format}")
