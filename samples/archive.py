"""The labelled sample archive: plan → compose → write, plus the truth and its check.

  plan_archive()   who is in the archive, which defects they carry, which catalogue entry
                   (pure and fast: no rendering — tests of coverage run on the plan alone);
  compose()        one applicant: Applicant + defects → rendered documents and their truth;
  write_archive()  degrade pages, choose formats and the names people use, write files,
                   DIR/_truth/<folder>.json and DIR/manifest.json;
  verify_truth()   re-compose from the manifest and check the truth against what was drawn.

Every random choice comes from an rng keyed by (seed, applicant, purpose), so the same
arguments give byte-identical files and one applicant can be re-composed on its own.

Truth file (DIR/_truth/<folder>.json), read by pipeline.evaluate:
  folder, entry (folder or "<folder>.zip"), zipped, kind, application_date, defects[{kind, role}],
  files[{path (relative to the applicant folder; "<folder>/..." inside an applicant zip;
         "附件.zip/..." inside a zip in the folder), format, recipe, metadata,
         pages[{page (1-based in the file), doc_id, doc_type, doc_pages, degradation
                (clean|scan|phone|photocopy), rotation (degrees clockwise the page is turned), skew, dpi}]}],
  documents[{doc_id, doc_type, layout, fields (DESIGN names, as printed, ISO dates), field_text
             (the exact printed string), field_pages, files[{path, pages}]}],
  qualification{catalog_id|null, status matched|no_match}, flags_expected, flags_tolerated,
  flags_forbidden, recommendation (rules in samples/data/defects.yaml).
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel, ConfigDict

from pipeline.core.datafiles import load_bundled
from pipeline.core.privacy import atomic_write_text, private_dir
from pipeline.core.text import is_cjk
from samples import degrade as dg
from samples import writers
from samples.defects import (
    MRZ_LINE,
    Context,
    DefectKind,
    DefectNotApplicable,
    Effects,
    TextEdit,
    _mutate_digits,
    apply_defect,
    defects_data,
    expected_recommendation,
    forbidden_codes,
)

TRUTH_DIR = "_truth"
PER_DOCUMENT_OPS = {"other_name", "other_id_number", "printed_birth_date", "form_sex", "other_employer"}
MANIFEST = "manifest.json"
GENERATOR_VERSION = 1

# --------------------------------------------------------------------------- data


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    weight: float
    level: dg.Level
    writer: str
    per_page: bool
    device: str
    names: list[str]


class PhoneDevice(BaseModel):
    make: str
    model: str


class Devices(BaseModel):
    phone: list[PhoneDevice]
    scanner: list[str]
    camscanner: list[str]
    ocr_scanner: list[str]
    copier: list[str]


class ArchiveData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind_weights: dict[str, float]
    zip_share: float
    two_defect_share: float
    nested_zip_share: float
    nested_zip_names: list[str]
    documents: dict[str, dict[str, float]]
    employment_proof: list[str]
    recipes: list[Recipe]
    doc_names: dict[str, list[str]]
    id_card_sides: list[tuple[str, str]]
    id_card_composite_share: float
    two_sided_cards: list[str]
    devices: Devices

    def recipe(self, rid: str) -> Recipe:
        return next(r for r in self.recipes if r.id == rid)


@cache
def archive_data() -> ArchiveData:
    return load_bundled("samples", "data/archive.yaml", ArchiveData)


# --------------------------------------------------------------------------- plan


@dataclass
class DefectAssignment:
    kind: str
    role: str = "self"  # self | copy (pair: carries the defect) | partner (pair: the other case)
    partner: int | None = None  # index of the other applicant of a pair
    variant: int = 0


@dataclass
class ApplicantPlan:
    index: int
    kind: str
    catalog_id: int
    defects: list[DefectAssignment] = field(default_factory=list)
    zipped: bool = False
    expected_catalog_id: int | None = None


@dataclass
class ArchivePlan:
    seed: int
    applicants: list[ApplicantPlan]
    defect_rate: float

    def by_index(self, index: int) -> ApplicantPlan:
        return self.applicants[index - 1]


def _catalog_entries() -> list[Any]:
    from samples.people import certificates_data

    return certificates_data().entries


class _Slot:
    """A defective applicant being packed: defects so far, what they touch, constraints."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.defects: list[DefectAssignment] = []
        self.touches: set[str] = set()
        self.kinds: set[str] | None = None
        self.grants: str | None = None
        self.no_catalog = False
        self.classes: set[str] = set()

    def fits(self, k: DefectKind) -> bool:
        if self.touches & set(k.touches):
            return False
        if k.kinds is not None and self.kinds is not None and not (self.kinds & set(k.kinds)):
            return False
        if k.grants and (self.no_catalog or (self.grants and self.grants != k.grants)):
            return False
        return not (k.no_catalog and self.grants)

    def add(self, k: DefectKind, a: DefectAssignment) -> None:
        self.defects.append(a)
        self.touches |= set(k.touches)
        if k.kinds is not None:
            self.kinds = set(k.kinds) if self.kinds is None else self.kinds & set(k.kinds)
        self.grants = self.grants or k.grants
        self.no_catalog = self.no_catalog or k.no_catalog
        self.classes.add(expected_recommendation(k.flags))


class UnknownDefectKind(ValueError):
    """`only` named defect kinds that samples/data/defects.yaml does not have."""

    def __init__(self, unknown: list[str]) -> None:
        super().__init__(f"unknown defect kind(s): {', '.join(unknown)}")
        self.unknown = unknown


def plan_archive(n: int, seed: int, defect_rate: float = 0.5, only: list[str] | None = None) -> ArchivePlan:
    """Who is in the archive and what is wrong with them. With n ≥ 40 every defect kind
    appears at least once (kinds are dealt round-robin before random ones). `only` limits
    the defects to these kinds (to measure one detector on many cases)."""
    ad, dd = archive_data(), defects_data()
    all_kinds = list(dd.kinds)
    if only:
        unknown = sorted(set(only) - {k.id for k in all_kinds})
        if unknown:
            raise UnknownDefectKind(unknown)
        all_kinds = [k for k in all_kinds if k.id in only]
    rng = random.Random(f"{seed}/plan")
    n_def = max(0, min(n, round(n * defect_rate)))
    defective = sorted(rng.sample(range(1, n + 1), n_def))
    slots = {i: _Slot(i) for i in defective}
    variants: dict[str, int] = {}

    def assign(k: DefectKind, prefer_empty: bool = True) -> bool:
        cls = expected_recommendation(k.flags)

        def order(s: _Slot) -> tuple[int, int, int]:
            return (len(s.defects), 0 if cls in s.classes or not s.classes else 1, s.index)

        cands = sorted((s for s in slots.values() if s.fits(k)), key=order)
        if prefer_empty:
            cands = [c for c in cands if len(c.defects) == len(cands[0].defects)] if cands else []
        need = 2 if k.pair else 1
        if len(cands) < need:
            return False
        variant = variants.get(k.op + str(k.params.get("list", "")), 0)
        variants[k.op + str(k.params.get("list", ""))] = variant + 1
        if k.pair:
            a, b = sorted(cands[:2], key=lambda s: s.index)
            a.add(k, DefectAssignment(k.id, "partner", b.index, variant))
            b.add(k, DefectAssignment(k.id, "copy", a.index, variant))
        else:
            cands[0].add(k, DefectAssignment(k.id, "self", None, variant))
        return True

    kinds = all_kinds
    if n >= 40:
        queue = kinds[:]
    else:
        start = rng.randrange(len(kinds))
        queue = [kinds[(start + i) % len(kinds)] for i in range(n_def)]
    for k in queue:
        assign(k)
    for s in sorted(slots.values(), key=lambda s: s.index):  # nobody defective without a defect
        tries = 0
        while not s.defects and tries < 50:
            k = rng.choice([k for k in kinds if not k.pair])
            if s.fits(k):
                s.add(k, DefectAssignment(k.id, "self", None, variants.get(k.op, 0)))
            tries += 1
    for s in sorted(slots.values(), key=lambda s: s.index):
        if len(s.defects) == 1 and rng.random() < ad.two_defect_share:
            k = rng.choice([k for k in kinds if not k.pair])
            if s.fits(k):
                s.add(k, DefectAssignment(k.id, "self", None, variants.get(k.op, 0)))

    kind_names = list(ad.kind_weights)
    applicants: list[ApplicantPlan] = []
    for i in range(1, n + 1):
        slot = slots.get(i)
        allowed = kind_names if slot is None or slot.kinds is None else [k for k in kind_names if k in slot.kinds]
        weights = [ad.kind_weights[k] for k in allowed]
        kind = rng.choices(allowed, weights=weights)[0]
        applicants.append(ApplicantPlan(i, kind, 0, list(slot.defects) if slot else [],
                                        zipped=rng.random() < ad.zip_share))
    _assign_catalog(applicants, slots, rng)
    return ArchivePlan(seed, applicants, defect_rate)


def plan_from_args(args: dict[str, Any]) -> ArchivePlan:
    """The plan an archive was written from, given its manifest's `args`."""
    return plan_archive(args["applicants"], args["seed"], args["defect_rate"], args.get("defects"))


def _assign_catalog(applicants: list[ApplicantPlan], slots: dict[int, _Slot], rng: random.Random) -> None:
    """Cycle through the catalogue so the applicants who hand in a catalogue certificate cover
    every entry once there are 52+ of them; constrained applicants pick first."""
    dd = defects_data()
    entries = _catalog_entries()
    used: set[int] = set()
    fixed: set[int] = set()
    for ap in applicants:
        s = slots.get(ap.index)
        if s is None:
            continue
        if any(a.role == "copy" and dd.kind(a.kind).op in ("duplicate_image", "duplicate_number")
               for a in ap.defects):
            fixed.add(ap.index)  # takes the partner's entry below
            continue
        for a in ap.defects:
            k = dd.kind(a.kind)
            if k.op == "foreign_certificate":
                lst = dd.foreign_certificates[k.params["list"]]
                ap.catalog_id = lst[a.variant % len(lst)].near
        if not ap.catalog_id and s.no_catalog:
            ap.catalog_id = rng.choice(entries).id  # only what the form claims: covers nothing
        if s.grants:
            opts = [e.id for e in entries if e.grants == s.grants]
            free = [i for i in opts if i not in used] or opts
            ap.catalog_id = rng.choice(free)
            used.add(ap.catalog_id)
        if ap.catalog_id:
            fixed.add(ap.index)
    cycle = [e.id for e in entries]
    pos = 0
    for ap in applicants:
        if ap.index in fixed:
            continue
        if len(used) >= len(cycle):
            used.clear()
        while cycle[pos % len(cycle)] in used:
            pos += 1
        ap.catalog_id = cycle[pos % len(cycle)]
        pos += 1
        used.add(ap.catalog_id)
    for ap in applicants:  # a pair's copy carries the partner's certificate
        for a in ap.defects:
            if a.role == "copy" and a.partner is not None:
                ap.catalog_id = applicants[a.partner - 1].catalog_id
    for ap in applicants:
        no_cat = any(dd.kind(a.kind).no_catalog for a in ap.defects)
        ap.expected_catalog_id = None if no_cat else ap.catalog_id


# --------------------------------------------------------------------------- compose


@dataclass
class ComposedDoc:
    doc_id: str
    doc_type: str
    rendered: Any  # samples.render.RenderedDoc (fields/words updated by the defects)
    key_index: int  # applicant index whose rng streams drew it (the partner's, for a duplicate)
    tamper: tuple[int, tuple[int, int, int, int], str, str] | None = None  # page, box, old word, new word
    text_layer: list[list[tuple[str, tuple[int, int, int, int]]]] | None = None
    text_layer_value: str | None = None
    software: str | None = None
    pdf_editor: str | None = None
    duplicate: bool = False


@dataclass
class Composed:
    plan: ApplicantPlan
    applicant: Any
    folder: str
    docs: list[ComposedDoc]
    flags_expected: list[str]
    flags_tolerated: list[str]
    notes: list[str]


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random("/".join([str(seed), *map(str, parts)]))


def folder_name(applicant: Any) -> str:
    p = applicant.person
    if p.name_zh:
        return f"A{applicant.seed_index:04d}_{p.name_zh}"
    surname = re.sub(r"[^A-Za-z]+", "", p.surname_latin.title())
    given = re.sub(r"[^A-Za-z]+", "", p.given_latin.split()[0])
    return f"A{applicant.seed_index:04d}_{surname}_{given}"


def _make(plan: ArchivePlan, index: int) -> Any:
    from samples.people import make_applicant

    ap = plan.by_index(index)
    return make_applicant(_rng(plan.seed, index, "person"), index, ap.kind, ap.catalog_id)


def _doc_set(plan: ArchivePlan, ap: ApplicantPlan) -> list[str]:
    ad = archive_data()
    rng = _rng(plan.seed, ap.index, "docs")
    docs = [dt for dt, p in ad.documents[ap.kind].items() if p >= 1.0 or rng.random() < p]
    if not any(d in docs for d in ad.employment_proof):
        docs.append(rng.choice(ad.employment_proof))
    dd = defects_data()
    for a in ap.defects:  # a defect that alters a document needs that document handed in
        k = dd.kind(a.kind)
        wanted = k.params.get("doc_types")
        if wanted and k.op != "omit" and not any(w in docs for w in wanted):
            for w in wanted:
                if w in ad.documents[ap.kind]:
                    docs.append(w)
                    break
    return docs


def compose(plan: ArchivePlan, index: int) -> Composed:
    """One applicant's documents, rendered, with every defect applied and the truth updated."""
    from samples.render import render

    dd = defects_data()
    ap = plan.by_index(index)
    app = _make(plan, index)
    folder = folder_name(app)
    doc_types = _doc_set(plan, ap)
    eff = Effects()
    expected: set[str] = set()
    tolerated: set[str] = set()
    # global edits first, so per-document copies (another name on one document...) inherit them
    for a in sorted(ap.defects, key=lambda a: dd.kind(a.kind).op in PER_DOCUMENT_OPS):
        k = dd.kind(a.kind)
        partner = _make(plan, a.partner) if (a.role == "copy" and a.partner) else None
        ctx = Context(rng=_rng(plan.seed, index, "defect", k.id), doc_types=doc_types, params={},
                      partner=partner, partner_index=a.partner, variant=a.variant,
                      reference=app.application.filled_date)
        try:
            apply_defect(k, app, eff, ctx)
        except DefectNotApplicable as exc:  # planned but impossible: say so, expect nothing
            eff.notes.append(f"{k.id} not applied: {exc}")
            continue
        expected |= set(k.partner_flags if a.role == "partner" else k.flags)
        tolerated |= set(k.tolerated)
    docs: list[ComposedDoc] = []
    failed: set[str] = set()
    n = 0
    for dt in doc_types:
        if dt in eff.omit:
            continue
        n += 1
        key = index
        src = eff.overrides.get(dt, app)
        dup = False
        if dt == "qualification_certificate" and eff.duplicate_of:
            key, dup = eff.duplicate_of, True
            src = _make(plan, key)
        elif dt == "qualification_certificate" and eff.duplicate_source:
            dup = True  # written the same way as the copy, so both files hold the same pixels
        try:
            rd = render(dt, src, _rng(plan.seed, key, dt, "render"))
        except ValueError as exc:  # no renderer for this doc type (yet): leave it out, say so
            if "no renderer" not in str(exc):
                raise
            eff.notes.append(f"{dt} not rendered: {exc}")
            continue
        cd = ComposedDoc(f"d{n:02d}", dt, rd, key, duplicate=dup,
                         software=eff.file_software.get(dt), pdf_editor=eff.pdf_editor.get(dt))
        for e in eff.edits:
            if e.doc_type == dt and not _apply_edit(cd, e, _rng(plan.seed, index, "edit", dt)):
                failed.add(e.kind)
                eff.notes.append(f"{e.kind} not applied: nothing to re-type on {dt}")
        docs.append(cd)
    for kind_id in failed:  # the truth must not expect what was not done
        others = {c for a in ap.defects if a.kind != kind_id for c in dd.kind(a.kind).flags}
        expected -= set(dd.kind(kind_id).flags) - others
    expected_l = sorted(expected)
    return Composed(ap, app, folder, docs, expected_l, sorted(tolerated - expected), eff.notes)


def _find_word(words: list[tuple[str, Any]], text: str) -> int | None:
    for i, (w, _) in enumerate(words):
        if text and text in w:
            return i
    return None


def _apply_edit(cd: ComposedDoc, e: TextEdit, rng: random.Random) -> bool:
    """Apply one text edit; False if there was nothing to edit."""
    rd = cd.rendered
    if e.when == "mrz":
        return _edit_mrz(rd, e.new)
    if e.when == "file":  # tamper: the scan gets a patch; the truth is the re-typed value
        f = e.field or "certificate_number"
        old = str(rd.field_text.get(f) or rd.fields.get(f) or "")
        page = rd.field_boxes[f][0] if f in rd.field_boxes else 0
        wi = _find_word(rd.words[page], old)
        if not old or wi is None:
            return False
        new = _mutate_digits(old, rng)
        w, box = rd.words[page][wi]
        rd.words[page][wi] = (w.replace(old, new), box)
        rd.fields[f] = str(rd.fields[f]).replace(old, new) if old in str(rd.fields[f]) else new
        rd.field_text[f] = new
        cd.tamper = (page, box, w, w.replace(old, new))
        return True
    if e.when == "text_layer":  # the text layer says one number, the image another
        for f in (e.line_pattern or "").split("|"):
            old = str(rd.field_text.get(f) or "")
            if not old or not any(ch.isdigit() for ch in old):
                continue
            page = rd.field_boxes[f][0] if f in rd.field_boxes else 0
            wi = _find_word(rd.words[page], old)
            if wi is None:
                continue
            new = _mutate_digits(old, rng)
            layer = [list(ws) for ws in rd.words]
            w, box = layer[page][wi]
            layer[page][wi] = (w.replace(old, new), box)
            cd.text_layer, cd.text_layer_value = layer, new
            return True
        return False
    return False


def _mrz_fix(line2: str, birth: str | None) -> str:
    from pipeline.core.codes import mrz_check_digit

    if birth is not None:
        line2 = line2[:13] + birth + mrz_check_digit(birth) + line2[20:]
        comp = line2[0:10] + line2[13:20] + line2[21:43]
        line2 = line2[:43] + mrz_check_digit(comp)
    return line2


def _edit_mrz(rd: Any, change: str) -> bool:
    """Re-type the passport's MRZ line 2 on the clean page (wrong check digit, or another
    birth date with correct check digits so only the visual zone disagrees)."""
    for p, words in enumerate(rd.words):
        lines = [i for i, (w, _) in enumerate(words) if MRZ_LINE.match(w)]
        if len(lines) < 2:
            continue
        i = lines[1]
        old, box = words[i]
        if change == "check":
            new = old[:19] + str((int(old[19]) + 5) % 10) + old[20:]
            rd.fields["mrz_valid"] = False
        else:
            yy, mm, dd_ = int(old[13:15]), int(old[15:17]), int(old[17:19])
            new = _mrz_fix(old, f"{(yy + 3) % 100:02d}{mm:02d}{dd_:02d}")
        words[i] = (new, box)
        _retype(rd.pages, p, box, new, "mono")
        return True
    return False


def _font_for(text: str, px: int, family: str = "sans") -> ImageFont.FreeTypeFont:
    cjk = any(is_cjk(c) for c in text)
    if family == "mono" and not cjk:
        return ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", px)
    if cjk:
        return ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", px, index=2)
    return ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", px) \
        if Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf").exists() \
        else ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", px)


def _fit_text(draw: ImageDraw.ImageDraw, text: str, w: int, h: int, family: str) -> ImageFont.FreeTypeFont:
    px = max(6, int(h * 0.9))
    while px > 6:
        f = _font_for(text, px, family)
        x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=f)
        if x1 - x0 <= w * 1.02 and y1 - y0 <= h * 1.05:
            return f
        px -= 1
    return _font_for(text, 6, family)


def _retype(pages: list[Image.Image], p: int, box: tuple[int, int, int, int], text: str, family: str) -> None:
    """Cover a printed run with its background and draw other text in its place (clean page)."""
    img = pages[p]
    x0, y0, x1, y1 = box
    region = np.asarray(img.convert("RGB").crop((x0, y0, x1, y1)))
    bg = tuple(int(v) for v in np.percentile(region.reshape(-1, 3), 90, axis=0))
    ink = tuple(int(v) for v in np.percentile(region.reshape(-1, 3), 3, axis=0))
    d = ImageDraw.Draw(img)
    d.rectangle((x0, y0, x1, y1), fill=bg)
    f = _fit_text(d, text, x1 - x0, y1 - y0, family)
    bx0, by0, _, _ = d.textbbox((0, 0), text, font=f)
    d.text((x0 - bx0, y0 - by0), text, fill=ink, font=f)


def tamper_patch(img: Image.Image, box: tuple[int, int, int, int], text: str, rng: random.Random) -> Image.Image:
    """A forger's edit on the scan: a smooth patch (other noise, other JPEG history) over the box,
    with the value re-typed in a slightly different font."""
    mode = img.mode
    rgb = img.convert("RGB")
    W, H = rgb.size
    x0, y0, x1, y1 = max(0, box[0] - 3), max(0, box[1] - 3), min(W, box[2] + 3), min(H, box[3] + 3)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return img
    region = np.asarray(rgb.crop((x0, y0, x1, y1))).reshape(-1, 3)
    bg = tuple(int(v) for v in np.percentile(region, 85, axis=0))
    ink = tuple(int(v) for v in np.percentile(region, 4, axis=0))
    patch = Image.new("RGB", (x1 - x0, y1 - y0), bg)
    d = ImageDraw.Draw(patch)
    f = _fit_text(d, text, x1 - x0 - 4, y1 - y0 - 4, "sans")
    bx0, by0, _, _ = d.textbbox((0, 0), text, font=f)
    d.text((2 - bx0, 2 - by0), text, fill=ink, font=f)
    import io

    buf = io.BytesIO()
    patch.save(buf, "JPEG", quality=rng.randint(45, 60))
    patch = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    rgb.paste(patch, (x0, y0))
    return rgb.convert(mode) if mode != "RGB" else rgb


# --------------------------------------------------------------------------- write


@dataclass
class _Namer:
    rng: random.Random
    taken: set[str] = field(default_factory=set)
    counter: int = 0
    k: int = 0
    clock: datetime = datetime(2025, 5, 1, 9, 0)

    def __post_init__(self) -> None:
        self.counter = self.rng.randrange(1000, 9700)

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=self.rng.randrange(1, 90), seconds=self.rng.randrange(60))
        return self.clock

    def name(self, template: str, doc_name: str, ext: str | None = None) -> str:
        self.counter += 1
        self.k += 1
        t = self.tick()
        name = template.format(doc=doc_name, n=f"{self.counter:04d}", k=self.k, stamp=t.strftime("%Y%m%d%H%M%S"),
                               # epoch in China time, not this machine's zone
                               epoch=int((t - datetime(1970, 1, 1, 8)).total_seconds() * 1000),
                               date=t.strftime("%Y-%m-%d"),
                               time=t.strftime("%H.%M"))
        name = name.replace("复印件复印件", "复印件").replace("（扫描件）（扫描件）", "（扫描件）")
        if ext:
            name = str(Path(name).with_suffix(ext))
        base, suf = Path(name).stem, Path(name).suffix
        i = 2
        while name.lower() in self.taken:
            name = f"{base} ({i}){suf}"
            i += 1
        self.taken.add(name.lower())
        return name


def _choose_recipe(cd: ComposedDoc, rng: random.Random) -> Recipe:
    ad = archive_data()
    if cd.tamper or cd.software or cd.duplicate:
        return ad.recipe("scan_jpeg")
    if cd.pdf_editor:
        return ad.recipe("flatbed_pdf")
    if cd.text_layer is not None:
        return ad.recipe("text_layer_pdf")
    rs = ad.recipes
    return rng.choices(rs, weights=[r.weight for r in rs])[0]


def _composite(rd: Any) -> tuple[Image.Image, list[tuple[str, tuple[int, int, int, int]]]]:
    """Both sides of a card on one A4 page (a photocopy), with the drawn words moved along."""
    dpi = rd.dpi
    w, h = int(round(210 * dpi / 25.4)), int(round(297 * dpi / 25.4))
    page = Image.new("RGB", (w, h), (255, 255, 255))
    y = int(h * 0.12)
    words = []
    for i, card in enumerate(rd.pages[:2]):
        x = (w - card.width) // 2
        page.paste(card.convert("RGB"), (x, y))
        # the card's edge casts a thin shadow on the copier glass
        ImageDraw.Draw(page).rounded_rectangle((x - 1, y - 1, x + card.width, y + card.height),
                                               radius=max(4, card.width // 28), outline=(95, 95, 95),
                                               width=max(2, dpi // 100))
        words += [(t, (b[0] + x, b[1] + y, b[2] + x, b[3] + y)) for t, b in rd.words[i]]
        y += card.height + int(h * 0.08)
    return page, words


def _write_doc(cd: ComposedDoc, folder: Path, namer: _Namer, seed: int, index: int) -> list[dict[str, Any]]:
    """Degrade and write one document; returns the truth entries of the files written."""
    ad = archive_data()
    rd = cd.rendered
    rng = _rng(seed, index, cd.doc_type, "file")
    drng = _rng(seed, cd.key_index, cd.doc_type, "degrade")  # the partner's, for a duplicate image
    recipe = _choose_recipe(cd, rng)
    pages = list(rd.pages)
    words = [list(w) for w in rd.words]
    layer = cd.text_layer
    doc_pages: list[list[int]] = [[i] for i in range(len(pages))]
    # a flatbed or copier takes both sides on one A4 sheet; phone apps crop each side
    if cd.doc_type in ad.two_sided_cards and len(pages) == 2 and not recipe.per_page \
            and cd.text_layer is None \
            and (recipe.device in ("scanner", "copier") or rng.random() < ad.id_card_composite_share):
        page, ws = _composite(rd)
        pages, words, doc_pages = [page], [ws], [[0, 1]]
    level = recipe.level
    rotate_ok = recipe.writer not in ("pdf_text",) and level != "clean" and cd.tamper is None
    degraded: list[tuple[Image.Image, dg.Degraded, int]] = []
    dpi = dg.choose_dpi(drng)  # one scanner setting for the whole document
    for pi, pg in enumerate(pages):
        d = dg.degrade(pg, level, drng, rd.dpi, dpi)
        img = d.image
        if cd.tamper and cd.tamper[0] == pi and len(doc_pages) == len(rd.pages):
            box = dg.map_box(d.matrix, cd.tamper[1])
            img = tamper_patch(img, box, cd.tamper[3], _rng(seed, index, "tamper"))
        rot = dg.choose_rotation(drng) if rotate_ok else 0
        degraded.append((dg.rotate(img, rot), d, rot))

    doc_name = rng.choice(ad.doc_names.get(cd.doc_type, ["scan"]))
    files: list[dict[str, Any]] = []

    def page_truth(pi: int, d: dg.Degraded, rot: int, page_no: int) -> dict[str, Any]:
        return {"page": page_no, "doc_id": cd.doc_id, "doc_type": cd.doc_type, "doc_pages": doc_pages[pi],
                "degradation": d.level, "rotation": rot, "skew": d.skew, "dpi": d.dpi}

    if recipe.per_page:
        if cd.doc_type == "resident_id_card" and len(degraded) == 2 and rng.random() < 0.7:
            sides = rng.choice(ad.id_card_sides)
            ext = ".jpg" if recipe.writer == "jpeg" else ".png"
            names = [namer.name(s + ext, doc_name) for s in sides]
        else:  # one naming habit per document: IMG_0101/IMG_0102, or 劳动合同1/劳动合同2
            template = rng.choice(recipe.names)
            if len(degraded) > 1 and not re.search(r"\{(n|stamp|epoch|k)\}", template):
                stem, dot, ext = template.rpartition(".")
                template = f"{stem}{{k}}.{ext}"
                namer.k = 0
            names = [namer.name(template, doc_name) for _ in degraded]
        for pi, ((img, d, rot), name) in enumerate(zip(degraded, names, strict=True)):
            path = folder / name
            meta = _image_meta(recipe, cd, rng, namer.tick())
            if recipe.writer == "png":
                writers.write_png(path.with_suffix(".png") if path.suffix.lower() != ".png" else path, img, d.dpi, meta)
                name = name if path.suffix.lower() == ".png" else str(Path(name).with_suffix(".png"))
            else:
                q = d.jpeg_quality - (12 if cd.duplicate and cd.key_index != index else 0)  # re-saved copy
                writers.write_jpeg(path, img, q, d.dpi, meta)
            files.append({"path": name, "format": recipe.writer, "recipe": recipe.id,
                          "metadata": _meta_truth(meta), "pages": [page_truth(pi, d, rot, 1)]})
        return files

    template = rng.choice(recipe.names)
    imgs = [x[0] for x in degraded]
    dpis = [x[1].dpi for x in degraded]
    truth_pages = [page_truth(pi, d, rot, pi + 1) for pi, (_, d, rot) in enumerate(degraded)]
    if recipe.writer in ("tiff", "tiff_g4"):
        name = namer.name(template, doc_name)
        if not name.lower().endswith((".tif", ".tiff")):
            name += ".tif"
        comp = "group4" if recipe.writer == "tiff_g4" else "tiff_lzw"
        if comp == "group4":
            imgs = [dg.binarise(im) for im in imgs]
        writers.write_tiff(folder / name, imgs, dpis[0], comp)
        files.append({"path": name, "format": recipe.writer, "recipe": recipe.id, "metadata": {},
                      "pages": truth_pages})
        return files
    name = namer.name(template, doc_name)
    devs = getattr(ad.devices, recipe.device) if recipe.device in ("scanner", "camscanner", "ocr_scanner", "copier") \
        else ["Microsoft: Print To PDF"]
    producer = rng.choice(devs)
    when = namer.tick()
    pdf_meta = writers.PdfMeta(producer=producer, creator=producer, created=when)
    if cd.pdf_editor:
        pdf_meta.edited_by = cd.pdf_editor
        pdf_meta.edited_at = when + timedelta(days=rng.randrange(200, 700), hours=rng.randrange(1, 9))
    text_words = None
    if recipe.writer == "pdf_text":
        src = layer if layer is not None else words
        text_words = [[(t, dg.map_box(degraded[pi][1].matrix, b)) for t, b in src[pi]] for pi in range(len(imgs))]
    q = min(x[1].jpeg_quality for x in degraded)
    writers.write_pdf(folder / name, imgs, dpis, pdf_meta, text_words, q)
    entry: dict[str, Any] = {"path": name, "format": recipe.writer, "recipe": recipe.id,
                             "metadata": {"producer": producer, "created": when.isoformat(),
                                          **({"edited_by": pdf_meta.edited_by,
                                              "modified": pdf_meta.edited_at.isoformat()} if pdf_meta.edited_by
                                             and pdf_meta.edited_at else {})},
                             "pages": truth_pages}
    if cd.text_layer_value:
        entry["text_layer_value"] = cd.text_layer_value
    files.append(entry)
    return files


def _image_meta(recipe: Recipe, cd: ComposedDoc, rng: random.Random, when: datetime) -> writers.ImageMeta | None:
    meta = None
    if recipe.device == "phone":
        dev = rng.choice(archive_data().devices.phone)
        meta = writers.ImageMeta(make=dev.make, model=dev.model, taken=when)
    if cd.software:
        meta = meta or writers.ImageMeta(taken=when)
        meta.software = cd.software
        meta.creator_tool = cd.software
    return meta


def _meta_truth(meta: writers.ImageMeta | None) -> dict[str, Any]:
    if meta is None:
        return {}
    out = {"make": meta.make, "model": meta.model, "software": meta.software, "creator_tool": meta.creator_tool,
           "taken": meta.taken.isoformat() if meta.taken else None}
    return {k: v for k, v in out.items() if v}


def _jsonable(v: Any) -> Any:
    if isinstance(v, (str, int, bool, float)) or v is None:
        return v
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def truth_of(c: Composed, files: list[dict[str, Any]], entry: str) -> dict[str, Any]:
    """The truth file of one applicant (see the module docstring of pipeline.evaluate)."""
    dd = defects_data()
    docs = []
    for cd in c.docs:
        doc_files = [{"path": f["path"], "pages": [p["page"] for p in f["pages"] if p["doc_id"] == cd.doc_id]}
                     for f in files if any(p["doc_id"] == cd.doc_id for p in f["pages"])]
        rd = cd.rendered
        docs.append({"doc_id": cd.doc_id, "doc_type": cd.doc_type, "layout": rd.layout,
                     "fields": {k: _jsonable(v) for k, v in rd.fields.items()},
                     "field_pages": {k: v[0] for k, v in rd.field_boxes.items()},
                     "field_text": dict(getattr(rd, "field_text", {}) or {}),
                     "files": doc_files})
    exp = set(c.flags_expected)
    cid = c.plan.expected_catalog_id
    return {
        "generator_version": GENERATOR_VERSION,
        "folder": c.folder,
        "entry": entry,
        "zipped": c.plan.zipped,
        "index": c.plan.index,
        "kind": c.plan.kind,
        "application_date": c.applicant.application.filled_date.isoformat(),
        "defects": [{"kind": a.kind, "role": a.role, "partner": a.partner,
                     "category": dd.kind(a.kind).category} for a in c.plan.defects],
        "notes": c.notes,
        "files": files,
        "documents": docs,
        "qualification": {"catalog_id": cid, "status": "matched" if cid else "no_match"},
        "flags_expected": sorted(exp),
        "flags_tolerated": c.flags_tolerated,
        "flags_forbidden": forbidden_codes(exp, set(c.flags_tolerated)),
        "recommendation": expected_recommendation(exp),
    }


def write_applicant(plan: ArchivePlan, index: int, out: Path,
                    only: set[str] | None = None) -> dict[str, Any]:
    """Compose and write one applicant (folder or zip) and its truth; returns the truth.
    `only` writes just those doc types (tests of one document's traces)."""
    c = compose(plan, index)
    if only is not None:
        c.docs = [d for d in c.docs if d.doc_type in only]
    ap = c.plan
    inner = c.folder
    target = out / (f".tmp_{c.folder}" if ap.zipped else c.folder)
    if target.exists():
        shutil.rmtree(target)
    private_dir(target)
    namer = _Namer(_rng(plan.seed, index, "names"),
                   clock=datetime.combine(c.applicant.application.filled_date, datetime.min.time())
                   - timedelta(days=3) + timedelta(hours=9))
    files: list[dict[str, Any]] = []
    for cd in c.docs:
        files += _write_doc(cd, target, namer, plan.seed, index)
    zrng = _rng(plan.seed, index, "nested-zip")
    if not ap.zipped and len(files) > 3 and zrng.random() < archive_data().nested_zip_share:
        files = _zip_some(target, files, zrng)
    entry = c.folder
    if ap.zipped:
        entry = f"{c.folder}.zip"
        writers.write_zip(out / entry, target, arcroot=inner)
        shutil.rmtree(target)
        for f in files:
            f["path"] = f"{inner}/{f['path']}"
    truth = truth_of(c, files, entry)
    atomic_write_text(out / TRUTH_DIR / f"{c.folder}.json", json.dumps(truth, ensure_ascii=False, indent=1))
    return truth


@cache
def generator_fingerprint() -> str:
    """Hash of the generator's code and data: an archive made by other code is not "complete"."""
    import hashlib

    root = Path(__file__).parent
    h = hashlib.sha256()
    files = [*root.glob("*.py"), *(root / "render").glob("*.py"), *(root / "data").glob("*.yaml")]
    for p in sorted(files):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _zip_some(folder: Path, files: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """Some applicants zip part of their files: "附件.zip/IMG_0101.jpg" inside the folder."""
    name = rng.choice(archive_data().nested_zip_names)
    chosen = sorted(rng.sample(range(len(files)), rng.randint(2, min(3, len(files) - 1))))
    tmp = folder / f".zip_{name}"
    private_dir(tmp)
    for i in chosen:
        (folder / files[i]["path"]).rename(tmp / files[i]["path"])
        files[i]["path"] = f"{name}/{files[i]['path']}"
    writers.write_zip(folder / name, tmp)
    shutil.rmtree(tmp)
    return files


def _args(n: int, seed: int, defect_rate: float, only: list[str] | None = None) -> dict[str, Any]:
    args = {"applicants": n, "seed": seed, "defect_rate": defect_rate, "generator_version": GENERATOR_VERSION,
            "generator_fingerprint": generator_fingerprint()}
    if only:
        args["defects"] = sorted(only)
    return args


def archive_complete(out: Path, n: int, seed: int, defect_rate: float, only: list[str] | None = None) -> bool:
    """True if `out` holds a complete archive generated with these arguments."""
    m = out / MANIFEST
    if not m.is_file():
        return False
    try:
        man = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if man.get("args") != _args(n, seed, defect_rate, only) or not man.get("complete"):
        return False
    return all((out / a["entry"]).exists() and (out / TRUTH_DIR / f"{a['folder']}.json").is_file()
               for a in man.get("applicants", []))


def _write_one(job: tuple[dict[str, Any], int, str]) -> dict[str, Any]:
    args, index, out = job
    return write_applicant(plan_from_args(args), index, Path(out))


def write_archive(out: Path, n: int, seed: int, defect_rate: float = 0.5, progress: bool = False,
                  workers: int = 1, only: list[str] | None = None) -> dict[str, Any]:
    """Generate the whole archive; returns the manifest. Applicants are independent (their
    rngs are keyed by seed and index), so `workers` processes give the same bytes as one."""
    args = _args(n, seed, defect_rate, only)
    plan = plan_from_args(args)
    private_dir(out)
    private_dir(out / TRUTH_DIR)
    stale = out / MANIFEST
    if stale.exists():
        stale.unlink()
    jobs = [(args, ap.index, str(out)) for ap in plan.applicants]
    if workers > 1 and len(jobs) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as ex:
            results = ex.map(_write_one, jobs)
            truths = []
            for t in results:
                truths.append(t)
                if progress:
                    print(f"  {t['entry']}: {', '.join(d['kind'] for d in t['defects']) or 'clean'}", flush=True)
    else:
        truths = []
        for ap in plan.applicants:
            t = write_applicant(plan, ap.index, out)
            truths.append(t)
            if progress:
                print(f"  {t['entry']}: {', '.join(d['kind'] for d in t['defects']) or 'clean'}", flush=True)
    rows = [{"index": t["index"], "folder": t["folder"], "entry": t["entry"], "kind": t["kind"],
             "catalog_id": t["qualification"]["catalog_id"], "defects": [d["kind"] for d in t["defects"]],
             "flags_expected": t["flags_expected"], "recommendation": t["recommendation"]} for t in truths]
    from samples.people import REFERENCE_DATE

    manifest = {"generator": "credcase samples generate", "args": args,
                "reference_date": REFERENCE_DATE.isoformat(),  # "today" of the corpus: check validity against it
                "truth_dir": TRUTH_DIR, "applicants": rows, "complete": True}
    atomic_write_text(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


# --------------------------------------------------------------------------- verify


def verify_truth(archive_dir: Path) -> list[str]:
    """Re-compose every applicant from the manifest and check the truth against it: truth
    fields equal the composed ones, every printed field value is among the words drawn on its
    page, every listed file exists, expected catalogue ids exist. Returns the problems found."""
    archive_dir = Path(archive_dir)
    man = json.loads((archive_dir / MANIFEST).read_text(encoding="utf-8"))
    plan = plan_from_args(man["args"])
    ids = {e.id for e in _catalog_entries()}
    problems: list[str] = []
    for row in man["applicants"]:
        tpath = archive_dir / TRUTH_DIR / f"{row['folder']}.json"
        truth = json.loads(tpath.read_text(encoding="utf-8"))
        where = row["folder"]
        c = compose(plan, row["index"])
        if c.folder != truth["folder"]:
            problems.append(f"{where}: folder {truth['folder']} != composed {c.folder}")
        entry = archive_dir / truth["entry"]
        if truth["zipped"]:
            import zipfile

            with zipfile.ZipFile(entry) as zf:
                present = set(zf.namelist())
        else:
            present = {p.relative_to(entry).as_posix() for p in entry.rglob("*") if p.is_file()}
        for f in truth["files"]:
            outer, sep, inner = f["path"].partition(".zip/")
            if sep and not truth["zipped"]:  # a zip the applicant made inside the folder
                import zipfile

                try:
                    with zipfile.ZipFile(entry / f"{outer}.zip") as zf:
                        ok = inner in zf.namelist()
                except (OSError, zipfile.BadZipFile):
                    ok = False
            else:
                ok = f["path"] in present
            if not ok:
                problems.append(f"{where}: file {f['path']} missing")
        cid = truth["qualification"]["catalog_id"]
        if cid is not None and cid not in ids:
            problems.append(f"{where}: catalog id {cid} not in the catalogue")
        composed = {cd.doc_id: cd for cd in c.docs}
        for d in truth["documents"]:
            cd = composed.get(d["doc_id"])
            if cd is None or cd.doc_type != d["doc_type"]:
                problems.append(f"{where}: document {d['doc_id']} {d['doc_type']} not composed")
                continue
            rd = cd.rendered
            for k, v in d["fields"].items():
                if _jsonable(rd.fields.get(k)) != v:
                    problems.append(f"{where}: {d['doc_type']}.{k} truth {v!r} != drawn {rd.fields.get(k)!r}")
                printed = (d.get("field_text") or {}).get(k)
                if printed is None or isinstance(v, bool):
                    continue
                page = rd.field_boxes[k][0] if k in rd.field_boxes else None
                pages = [rd.words[page]] if page is not None and page < len(rd.words) else rd.words
                text = "\n".join(w for ws in pages for w, _ in ws)
                if str(printed) not in text and str(printed).replace(" ", "") not in text.replace(" ", ""):
                    problems.append(f"{where}: {d['doc_type']}.{k} printed {printed!r} not among the words of its page")
        if not truth["documents"] and not truth["defects"]:
            problems.append(f"{where}: no documents")
    return problems


def load_truth(archive_dir: Path) -> dict[str, dict[str, Any]]:
    """folder → truth dict, for every applicant in the archive's manifest."""
    archive_dir = Path(archive_dir)
    out: dict[str, dict[str, Any]] = {}
    tdir = archive_dir / TRUTH_DIR
    for p in sorted(tdir.glob("*.json")):
        t = json.loads(p.read_text(encoding="utf-8"))
        out[t["folder"]] = t
    return out
