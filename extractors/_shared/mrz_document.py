"""A document with a printed zone and an MRZ (passport data page, visa, foreign ID card): both
read separately, the MRZ's fields added, the printed zone's gaps filled from the MRZ where its
check digit passes, and the two compared — a forged printed zone over an original MRZ shows
there (mrz_visual_mismatch, mrz_visual_mismatch_fields).

Which value is reported: the printed one when it was read; the MRZ's when the printed one was
not read, or disagrees only as a reading question (the printed one then kept as
<field>_printed), and the MRZ check digit for that field passes (for the name and sex: every
check of the zone). The comparison: extractors._shared.mrz_compare.
"""

from __future__ import annotations

from extractors._shared.context import DocContext
from extractors._shared.labels import all_labels
from extractors._shared.mrz import find_mrz
from extractors._shared.mrz_compare import compare_mrz_visual, prefer_verified_mrz
from extractors._shared.mrz_fields import fill_from_mrz, mrz_fields
from extractors._shared.visual_zone import label_words, read_visual_zone, unflip_evidence, upright
from pipeline.core.models import ExtractedField


def read_mrz_document(ctx: DocContext, section: str) -> dict[str, ExtractedField]:
    """The fields of a document read with the labels of doc_fields.yaml's `section`."""
    stops = all_labels(section)
    found = find_mrz([(ln.text, ln) for ln in ctx.lines])
    out = read_visual_zone(upright(ctx, found[1] if found else []), section, stops)
    unflip_evidence(ctx, out)
    if found:
        mrz, refs = found
        out.update(mrz_fields(ctx, mrz, refs))
        if "nationality" in out and mrz.nationality and out["nationality"].value != mrz.nationality:
            # the printed zone gives an adjective (DEUTSCH, CANADIAN); the MRZ the ICAO code
            out["nationality_printed"] = out.pop("nationality")
        fill_from_mrz(ctx, out, mrz, refs)
        diffs = compare_mrz_visual(out, mrz, label_words(stops))
        certain = [d.field for d in diffs if d.certain]
        unsure = [d.field for d in diffs if not d.certain]
        src = out["mrz_valid"]
        out["mrz_visual_mismatch"] = ctx.derived(bool(certain), src, "compare:visual~mrz")
        out["mrz_visual_mismatch_fields"] = ctx.derived(",".join(certain), src, "compare:visual~mrz")
        out["mrz_visual_uncertain_fields"] = ctx.derived(",".join(unsure), src, "compare:visual~mrz")
        prefer_verified_mrz(ctx, out, mrz, refs, [d for d in diffs if not d.certain])
    else:
        out["mrz_valid"] = ExtractedField(value=None, confidence=0.0, method="mrz:not_found")
    if "name" not in out and "name_latin" in out:
        nl = out["name_latin"]
        out["name"] = ExtractedField(value=nl.value, raw=nl.raw, confidence=nl.confidence, evidence=list(nl.evidence),
                                     method=nl.method)
    return out
