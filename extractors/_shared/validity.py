"""The validity period printed on a card ("有效期限 2015.03.01-2035.03.01", "…-长期"): valid_from
and valid_until, a long-term card's end left empty with the word kept as raw text."""

from __future__ import annotations

from collections.abc import Sequence

from extractors._shared.context import DocContext
from pipeline.core.dates import long_term_word, parse_date_range
from pipeline.core.models import ExtractedField


def validity_fields(ctx: DocContext, labels: Sequence[str], stop_labels: Sequence[str]) -> dict[str, ExtractedField]:
    hit = ctx.value_for(labels, stop_labels=stop_labels, accept=lambda t: parse_date_range(t)[0] is not None)
    if not hit:
        return {}
    start, end, long_term = parse_date_range(hit.text)
    out = {"valid_from": ctx.field(start.isoformat() if start else None, hit)}
    if long_term:
        out["valid_until"] = ctx.field(None, hit, method=hit.method + "+long_term", raw=long_term_word(hit.text))
    else:
        out["valid_until"] = ctx.field(end.isoformat() if end else None, hit)
    return out
