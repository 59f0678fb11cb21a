"""The printed zone against the MRZ (passport, visa, foreign ID card): which disagreements are
a forgery finding (MRZ_VISUAL_MISMATCH) and which a reading question (MRZ_VISUAL_UNCERTAIN).

A finding needs an MRZ field that verifies, a printed value read confidently
(extractors/data/mrz.yaml `visual.min_confidence`) that is plausible (a printed name holds no
label word), and a difference OCR slips do not explain (look-alikes folded, a per-token edit
budget, hyphens and apostrophes ignored, one confusable date digit). A printed value that
disagrees only as a question gives way to the verified MRZ's and is kept as <field>_printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from extractors._shared.context import DocContext, Line
from extractors._shared.mrz import MrzResult, confusions
from extractors._shared.mrz_fields import fill_from_mrz
from pipeline.core.models import ExtractedField
from pipeline.core.names import latin_names_match, latin_tokens
from pipeline.core.text import fold_accents

# The printed field, its MRZ counterpart and the MRZ check digit that covers it (None: no check
# digit of its own — the whole zone's validity stands for it).
MRZ_PAIRS: tuple[tuple[str, str, str | None], ...] = (
    ("id_number", "mrz_number", "number"), ("birth_date", "mrz_birth_date", "birth_date"),
    ("valid_until", "mrz_expiry_date", "expiry_date"), ("sex", "mrz_sex", None),
    ("name_latin", "mrz_name", None))


@dataclass(frozen=True)
class VisualDisagreement:
    """The printed zone and the MRZ read differently for one field. `certain`: a forgery
    finding (MRZ_VISUAL_MISMATCH) — the MRZ verifies, the printed value was read confidently,
    is plausible, and differs by more than OCR slips; otherwise a reading question for the
    reviewer (MRZ_VISUAL_UNCERTAIN)."""

    field: str
    printed: str
    mrz: str
    certain: bool


def _fold(text: str) -> str:
    """Letters and digits OCR mistakes for each other as one (O/0/D/Q, I/1/L, S/5, B/8 ...),
    spaces, fillers and punctuation out: how a printed number or name is compared with the
    MRZ's when only a reading is in question."""
    table = confusions().to_digit
    return "".join(table.get(c, c) for c in re.sub(r"[^0-9A-Z]", "", str(text).upper()))


def _date_slip(a: str, b: str) -> bool:
    """Two ISO dates one digit apart, the digits a pair OCR mistakes for each other."""
    pairs = {frozenset(p.split()) for p in confusions().visual.date_digit_confusions}
    diff = [(x, y) for x, y in zip(a, b, strict=False) if x != y]
    return len(a) == len(b) and len(diff) == 1 and frozenset(diff[0]) in pairs


def _name_parts(name: str) -> tuple[str, str]:
    surname, _, given = name.partition(",")
    return surname, given


def _part_close(printed: str, mrz: str, truncated: bool) -> bool:
    """One part of a name (surname or given names): the same letters but for the OCR slips the
    data allows — hyphens, apostrophes and spaces ignored (MEI-HUA ~ MEIHUA ~ MEI HUA), each
    token of a long enough part allowed name_edits_per_token edits; a truncated MRZ name is a
    prefix of the printed one."""
    v = confusions().visual
    a, b = _fold(printed), _fold(mrz)
    if a == b or (truncated and b and a.startswith(b)):
        return True
    tokens = max(1, len(latin_tokens(printed)))
    budget = v.name_edits_per_token * tokens if min(len(a), len(b)) >= v.name_edit_min_letters else 0
    return Levenshtein.distance(a, b) <= budget


def names_agree(printed: str, mrz: str, truncated: bool = False) -> bool:
    """The printed Latin name and the MRZ's ('SURNAME, GIVEN NAMES' both) are the same name as
    OCR reads names: same tokens in any order, or each part close (_part_close), in either
    order of the parts."""
    if latin_names_match(printed, mrz):
        return True
    (ps, pg), (ms, mg) = _name_parts(printed), _name_parts(mrz)
    return any(_part_close(x, ms, False) and _part_close(y, mg, truncated) for x, y in ((ps, pg), (pg, ps)))


def plausible_printed_name(name: str, label_words: set[str]) -> bool:
    """A printed name that can be one: letters (with spaces, hyphens, apostrophes, one comma),
    no word of a label (a misread label taken as the given name; label words of one or two
    letters — DE, D, NO — are name particles too), no digit."""
    if not name or re.search(r"[^A-Za-z\s,'\-]", fold_accents(name)):
        return False
    tokens = latin_tokens(name)
    return bool(tokens) and not any(_is_label_word(w.casefold(), label_words) for w in tokens)


def _is_label_word(word: str, label_words: set[str]) -> bool:
    """A label word, or OCR's cut of one (PRENOM of Prénoms) long enough to tell."""
    if len(word) <= 2:
        return False
    return word in label_words or (len(word) >= confusions().visual.min_fragment_letters
                                   and any(lw.startswith(word) for lw in label_words))


def partial_read(printed: str, mrz: str) -> bool:
    """The printed name is the MRZ's with words added (a stamp, a label, a line read twice) or
    lost, or each printed word a piece of an MRZ word (OCR lost its first or last letters:
    ECIMEN of SPECIMEN) — a reading to check, not another name: a forger replaces a name."""
    min_piece = confusions().visual.min_fragment_letters
    a = {_fold(t) for t in latin_tokens(printed)} - {""}
    b = {_fold(t) for t in latin_tokens(mrz)} - {""}
    if not a or not b:
        return True
    if a <= b or b <= a:
        return True
    return all(any(len(x) >= min_piece and (y.startswith(x) or y.endswith(x)) or x == y for y in b) for x in a)


def compare_mrz_visual(out: dict[str, ExtractedField], mrz: MrzResult,
                       label_words: set[str] | None = None) -> list[VisualDisagreement]:
    """Fields where the printed zone and the MRZ disagree (both read, the printed one not
    itself filled from the MRZ). Never a forgery finding from a low-confidence or implausible
    read, nor from a difference OCR slips explain, nor against an MRZ field whose check fails
    (MRZ_CHECK_DIGIT_INVALID says that)."""
    v = confusions().visual
    words = label_words or set()
    found: list[VisualDisagreement] = []
    for vis, mrz_key, check in MRZ_PAIRS:
        a, b = out.get(vis), out.get(mrz_key)
        if a is None or b is None or a.value in (None, "") or b.value in (None, ""):
            continue
        if a.method.startswith("mrz"):
            continue  # the visual field was filled from the MRZ: nothing to compare
        printed, machine = str(a.value), str(b.value)
        if vis == "name_latin":
            if names_agree(printed, machine, mrz.name_truncated):
                continue
            # a printed name with a part not read (given names missing) is a partial read
            sure = (mrz.valid and plausible_printed_name(printed, words) and not partial_read(printed, machine)
                    and all(p.strip() for p in _name_parts(printed)))
        elif vis == "id_number":
            if _fold(printed) == _fold(machine):
                continue
            sure = mrz.checks.get("number", False)
        elif vis in ("birth_date", "valid_until"):
            if printed == machine:
                continue
            sure = bool(check and mrz.checks.get(check, False)) and not _date_slip(printed, machine)
        else:
            if printed.upper() == machine.upper():
                continue
            sure = mrz.valid
        found.append(VisualDisagreement(vis, printed, machine, sure and a.confidence >= v.min_confidence))
    return found


def prefer_verified_mrz(ctx: DocContext, out: dict[str, ExtractedField], mrz: MrzResult, refs: list[Line],
                         unsure: list[VisualDisagreement]) -> None:
    """A printed value that disagrees with the MRZ only as a reading question gives way to the
    MRZ's where the MRZ verifies (its field's check digit, or for the name and sex the whole
    zone): the misread stays beside it as <field>_printed for the reviewer, and the other
    checks compare the verified value — a label word read as the given name must not become a
    NAME_MISMATCH either."""
    moved = False
    for d in unsure:
        check = next((c for v, _, c in MRZ_PAIRS if v == d.field), None)
        if mrz.checks.get(check, False) if check else mrz.valid:
            out[f"{d.field}_printed"] = out.pop(d.field)
            moved = True
    if moved:
        fill_from_mrz(ctx, out, mrz, refs)
