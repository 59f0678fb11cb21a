"""Write the extractor golden files: one rendered document per layout family, read once by the
real OCR, stored as PageInfos with the fields the current extractors give.

    PYTHONPATH=. OMP_THREAD_LIMIT=1 python tests/golden/make_golden.py [NAME ...]

Each file holds the pages (OCR lines with boxes and confidences; per-word boxes are left out:
no extractor reads them), `expected` (what tests/test_extract_golden.py asserts: the values the
extractors gave when the file was made), `truth` (what the generator printed) and `disagree`
(the truth fields the extractors read differently or not at all), so a wrong value is stored
knowingly, never silently. Re-run it after an extractor change that is meant to change values,
and read the diff.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: ocr_testpages

from ocr_testpages import as_page  # noqa: E402

from extractors import extract  # noqa: E402
from pipeline.core.models import DocType, Document, DocumentFile, PageInfo  # noqa: E402
from pipeline.ocr import get_router  # noqa: E402
from pipeline.run import read_page  # noqa: E402
from samples.people import certificates_data, make_applicant  # noqa: E402
from samples.render import render  # noqa: E402

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Case:
    """One golden file: a doc type in one layout, for an applicant of one kind."""

    doc_type: str
    layout: str
    kind: str
    seed: int
    cert_layout: str | None = None  # a qualification certificate's issuer family
    suffix: str = ""

    @property
    def name(self) -> str:
        return f"{self.doc_type}-{self.layout}{'-' + self.suffix if self.suffix else ''}"


CASES = [
    Case("resident_id_card", "standard", "chinese", 11),
    Case("resident_id_card", "hei", "chinese", 12),
    Case("passport", "standard", "foreigner", 21),
    Case("passport", "compact", "foreigner", 22),
    Case("passport", "standard", "returnee", 23, suffix="chinese"),
    Case("hk_macao_permit", "card2019", "hk_macao", 31),
    Case("hk_macao_permit", "classic", "hk_macao", 32),
    Case("taiwan_permit", "card2019", "taiwan", 33),
    Case("taiwan_permit", "classic", "taiwan", 34),
    Case("diploma", "classic", "chinese", 41),
    Case("diploma", "modern", "chinese", 42),
    Case("diploma", "trustees", "foreigner", 43),
    Case("diploma", "conferred", "foreigner", 44),
    Case("degree_certificate", "classic", "chinese", 51),
    Case("degree_certificate", "modern", "chinese", 52),
    Case("overseas_degree_certification", "table", "returnee", 61),
    Case("overseas_degree_certification", "letter", "returnee", 62),
    Case("qualification_certificate", "certificate", "foreigner", 71, cert_layout="english"),
    Case("qualification_certificate", "certificate_modern", "foreigner", 72, cert_layout="english"),
    Case("qualification_certificate", "wallet", "chinese", 73, cert_layout="wallet"),
    Case("qualification_certificate", "membership", "returnee", 74, cert_layout="membership"),
    Case("qualification_certificate", "ihk", "foreigner", 75, cert_layout="ihk"),
    Case("social_insurance_record", "detail", "chinese", 81),
    Case("social_insurance_record", "summary", "chinese", 82),
    Case("labor_contract", "with_cover", "chinese", 91),
    Case("labor_contract", "compact", "chinese", 92),
    Case("work_permit", "card", "foreigner", 101),
    Case("work_permit", "card_alt", "foreigner", 102),
    Case("application_form", "typed", "chinese", 111),
    Case("application_form", "typed_serif", "chinese", 112),
    Case("visa", "z_visa", "foreigner", 121),
    Case("visa", "residence_permit", "foreigner", 122),
    Case("foreign_id_card", "td1", "foreigner", 131),
    Case("foreign_id_card", "td2", "foreigner", 132),
]


def _catalog_id(cert_layout: str | None, rng: random.Random) -> int | None:
    if cert_layout is None:
        return None
    data = certificates_data()
    ids = [e.id for e in data.entries if data.issuers[e.issuer].layout == cert_layout]
    return rng.choice(ids)


def _render(case: Case) -> tuple[Any, int]:
    """The rendered document; seeds after case.seed are tried when an applicant cannot have it
    (a passport for someone without one)."""
    for seed in range(case.seed, case.seed + 50):
        rng = random.Random(seed)
        applicant = make_applicant(rng, seed, kind=case.kind, catalog_id=_catalog_id(case.cert_layout, rng))
        try:
            return render(case.doc_type, applicant, random.Random(seed), layout=case.layout), seed
        except ValueError:
            continue
    raise SystemExit(f"{case.name}: no applicant of kind {case.kind} can have this document")


def page_record(info: PageInfo) -> dict[str, Any]:
    """A PageInfo as stored: defaults, OCR time and per-word boxes left out, confidences to 4 places."""
    rec = info.model_dump(mode="json", exclude_defaults=True,
                          exclude={"ocr": {"seconds": True, "lines": {"__all__": {"words"}}}})
    ocr = rec.get("ocr") or {}
    for line in ocr.get("lines", []):
        line["conf"] = round(line["conf"], 4)
    if "mean_conf" in ocr:
        ocr["mean_conf"] = round(ocr["mean_conf"], 4)
    return rec


def document(doc_type: str, pages: list[PageInfo]) -> Document:
    """The one document the pages make (as the grouping stage would build it)."""
    files: dict[str, list[int]] = {}
    for p in pages:
        files.setdefault(p.file, []).append(p.page)
    return Document(doc_id="D01", doc_type=DocType(doc_type), classification_confidence=1.0,
                    files=[DocumentFile(path=f, sha256="0" * 64, pages=ps) for f, ps in files.items()])


def make(case: Case) -> dict[str, Any]:
    rd, seed = _render(case)
    router = get_router("auto", None)
    infos = [read_page(as_page(img, f"{case.name}.png", i + 1, dpi=rd.dpi), router)[0]
             for i, img in enumerate(rd.pages)]
    pages = [PageInfo.model_validate(page_record(p)) for p in infos]  # exactly what the test will load
    fields = extract(document(case.doc_type, pages), pages)
    expected = {k: f.value for k, f in sorted(fields.items())}
    truth = {k: v for k, v in sorted(rd.fields.items())}
    disagree = {k: {"truth": v, "read": expected.get(k)} for k, v in truth.items()
                if k not in expected or str(expected[k]) != str(v)}
    return {"doc_type": case.doc_type, "layout": rd.layout, "applicant_kind": case.kind, "seed": seed,
            "made_by": "tests/golden/make_golden.py (samples.render + pipeline.run.read_page, OCR router auto)",
            "expected": expected, "truth": truth, "disagree": disagree,
            "pages": [page_record(p) for p in pages]}


def dumps(obj: Any, indent: int = 0) -> str:
    """JSON with one OCR line (or any small object) per text line: small diffs, short files."""
    flat = json.dumps(obj, ensure_ascii=False)
    if not isinstance(obj, dict | list) or len(flat) <= 160 and not (
            isinstance(obj, dict) and any(isinstance(v, dict | list) and len(json.dumps(v)) > 60 for v in obj.values())):
        return flat
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, list):
        return "[\n" + ",\n".join(inner + dumps(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return "{\n" + ",\n".join(f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps(v, indent + 1)}"
                              for k, v in obj.items()) + "\n" + pad + "}"


def main(names: list[str]) -> None:
    for case in CASES:
        if names and case.name not in names:
            continue
        rec = make(case)
        (HERE / f"{case.name}.json").write_text(dumps(rec) + "\n", encoding="utf-8")
        print(f"{case.name}: {len(rec['expected'])} fields, disagree with truth: {sorted(rec['disagree']) or '-'}")


if __name__ == "__main__":
    main(sys.argv[1:])
