"""Measure OCR: character error rate per document type and degradation level, per engine.

    python -m pipeline.measure.ocr_eval ARCHIVE_DIR [--limit N] [--json] [--modes tesseract,rapidocr,auto,...]

ARCHIVE_DIR is a generated sample archive (`credcase samples generate`). Its truth names each
page's doc_type and degradation level; the reference text is what the generator drew on that
page, recovered by re-composing the applicant from the archive's manifest (samples.archive).
Reading order is made the same on both sides (words grouped into lines by position), spaces
are ignored (Chinese has none), and CER = Levenshtein distance / reference length.

Modes: tesseract, rapidocr, auto (configured pre-processing: orientation + deskew, and
background normalisation of tesseract's input when ocr.yaml says so), tesseract-raw (no
pre-processing at all), tesseract-norm / tesseract-nonorm / auto-nonorm (normalisation forced
on or off), so the effect of each pre-processing step is measured on the same pages. Text-layer PDF pages are
OCR'd from their rendered image here (their text layer would be exact).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from pipeline import ingest, pages
from pipeline.core.errors import ConfigError, CredcaseError, InputFileError
from pipeline.core.models import OcrResult, OcrWord
from pipeline.core.stages import Page
from pipeline.core.text import group_lines
from pipeline.ocr import OcrRouter
from samples.archive import compose, plan_from_args

MODES: dict[str, dict[str, Any]] = {
    "tesseract": {"mode": "tesseract"},
    "rapidocr": {"mode": "rapidocr"},
    "auto": {"mode": "auto"},
    "tesseract-raw": {"mode": "tesseract", "preprocess": False},
    "tesseract-norm": {"mode": "tesseract", "normalise": True},
    "tesseract-nonorm": {"mode": "tesseract", "normalise": False},
    "auto-nonorm": {"mode": "auto", "normalise": False},
}


@dataclass
class EvalPage:
    folder: str
    file: str
    page: int
    doc_type: str
    level: str
    rotation: int
    reference: str


@dataclass
class Score:
    errors: int = 0
    chars: int = 0
    seconds: float = 0.0
    pages: int = 0
    engines: dict[str, int] = field(default_factory=dict)

    def add(self, errors: int, chars: int, seconds: float, engine: str) -> None:
        self.errors += errors
        self.chars += chars
        self.seconds += seconds
        self.pages += 1
        self.engines[engine] = self.engines.get(engine, 0) + 1

    @property
    def cer(self) -> float:
        return self.errors / self.chars if self.chars else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"cer": round(self.cer, 4), "pages": self.pages, "chars": self.chars,
                "seconds_per_page": round(self.seconds / self.pages, 2) if self.pages else 0.0,
                "engines": self.engines}


# --------------------------------------------------------------------------- text comparison


def reading_order_text(words: list[OcrWord]) -> str:
    """Words → lines by position → one whitespace-free string (same rule for truth and OCR)."""
    return "".join("".join(line.text.split()) for line in group_lines(words))


def hypothesis_text(result: OcrResult) -> str:
    return reading_order_text([w for ln in result.lines for w in ln.words])


def cer_counts(reference: str, hypothesis: str) -> tuple[int, int]:
    return Levenshtein.distance(reference, hypothesis), len(reference)


# --------------------------------------------------------------------------- the archive


def _reference_pages(archive: Path) -> dict[tuple[str, str, int], EvalPage]:
    """(folder, file path, page) → EvalPage with the drawn words as reference text."""
    manifest_path = archive / "manifest.json"
    if not manifest_path.is_file():
        raise ConfigError(f"{archive} 不是样本档案（缺少 manifest.json）",
                          f"{archive} is not a sample archive (no manifest.json)")
    man = json.loads(manifest_path.read_text(encoding="utf-8"))
    plan = plan_from_args(man["args"])
    out: dict[tuple[str, str, int], EvalPage] = {}
    for row in man["applicants"]:
        truth = json.loads((archive / "_truth" / f"{row['folder']}.json").read_text(encoding="utf-8"))
        composed = {cd.doc_id: cd for cd in compose(plan, row["index"]).docs}
        for f in truth["files"]:
            rel = f["path"]  # zipped applicants: "<folder>/<name>", as ingest names zip members
            for p in f["pages"]:
                cd = composed.get(p["doc_id"])
                if cd is None:
                    continue
                words: list[str] = []
                for src_page in p.get("doc_pages", [p["page"] - 1]):
                    if src_page < len(cd.rendered.words):
                        words.append(reading_order_text(
                            [OcrWord(text=t, bbox=(int(b[0]), int(b[1]), int(b[2]), int(b[3])), conf=1.0)
                             for t, b in cd.rendered.words[src_page]]))
                ref = "".join(words)
                if ref:
                    out[(truth["entry"], rel, p["page"])] = EvalPage(
                        truth["folder"], rel, p["page"], p["doc_type"], p["degradation"],
                        int(p.get("rotation", 0)), ref)
    return out


def _pages_of(entry: Path, workdir: Path) -> Iterator[Page]:
    files, _errors = ingest.collect_inputs([entry], workdir)
    for f in files:
        try:
            yield from pages.iter_pages(f)
        except InputFileError:
            continue


def evaluate(archive: Path, modes: list[str], limit: int | None = None,
             progress: bool = True) -> dict[str, Any]:
    refs = _reference_pages(archive)
    routers = {m: OcrRouter(**MODES[m]) for m in modes}
    by_type: dict[str, dict[str, Score]] = {m: defaultdict(Score) for m in modes}
    by_level: dict[str, dict[str, Score]] = {m: defaultdict(Score) for m in modes}
    by_rot: dict[str, dict[str, Score]] = {m: defaultdict(Score) for m in modes}
    total: dict[str, Score] = {m: Score() for m in modes}
    selected = _interleave(sorted(refs), refs)
    if limit:
        selected = selected[:limit]
    wanted = set(selected)
    done = 0
    work = Path(tempfile.mkdtemp(prefix="ocr-eval-"))
    try:
        for n_entry, entry in enumerate(sorted({k[0] for k in wanted})):
            for page in _pages_of(archive / entry, work / str(n_entry)):
                key = (entry, page.name, page.number)
                if key not in wanted:
                    continue
                ep = refs[key]
                image_only = dataclasses.replace(page, text_layer=None)  # measure OCR, not the text layer
                for m in modes:
                    t0 = time.perf_counter()
                    res = routers[m].read(image_only).ocr
                    secs = time.perf_counter() - t0
                    errs, n = cer_counts(ep.reference, hypothesis_text(res))
                    for table, k in ((by_type, ep.doc_type), (by_level, ep.level), (by_rot, str(ep.rotation))):
                        table[m][k].add(errs, n, secs, res.engine)
                    total[m].add(errs, n, secs, res.engine)
                done += 1
                if progress:
                    cells = "  ".join(f"{m}={total[m].cer:.3f}" for m in modes)
                    print(f"[{done}/{len(selected)}] {ep.doc_type}/{ep.level}  {cells}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "archive": str(archive), "pages": done, "modes": modes,
        "total": {m: total[m].as_dict() for m in modes},
        "by_doc_type": {m: {k: v.as_dict() for k, v in sorted(by_type[m].items())} for m in modes},
        "by_degradation": {m: {k: v.as_dict() for k, v in sorted(by_level[m].items())} for m in modes},
        "by_rotation": {m: {k: v.as_dict() for k, v in sorted(by_rot[m].items())} for m in modes},
    }


def _interleave(keys: list[tuple[str, str, int]], refs: dict[tuple[str, str, int], EvalPage]
                ) -> list[tuple[str, str, int]]:
    """Round-robin over (doc_type, level) so a short --limit still covers the spread."""
    groups: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
    for k in keys:
        groups[(refs[k].doc_type, refs[k].level)].append(k)
    out: list[tuple[str, str, int]] = []
    while any(groups.values()):
        for g in sorted(groups):
            if groups[g]:
                out.append(groups[g].pop(0))
    return out


def format_report(rep: dict[str, Any]) -> str:
    modes = rep["modes"]
    lines = [f"OCR 评测 / OCR evaluation: {rep['archive']}  ({rep['pages']} pages)", ""]
    head = f"{'':28}" + "".join(f"{m:>16}" for m in modes)
    for title, key in (("文档类型 / doc type (CER)", "by_doc_type"), ("退化程度 / degradation (CER)", "by_degradation"),
                       ("旋转 / rotation (CER)", "by_rotation")):
        lines += [title, head]
        rows = sorted({k for m in modes for k in rep[key][m]})
        for r in rows:
            cells = "".join(f"{rep[key][m].get(r, {}).get('cer', float('nan')):>16.3f}" for m in modes)
            n = max(rep[key][m].get(r, {}).get("pages", 0) for m in modes)
            lines.append(f"  {r + f' ({n})':26}{cells}")
        lines.append("")
    lines += ["合计 / total", head,
              f"  {'CER':26}" + "".join(f"{rep['total'][m]['cer']:>16.3f}" for m in modes),
              f"  {'s/page':26}" + "".join(f"{rep['total'][m]['seconds_per_page']:>16.2f}" for m in modes)]
    for m in modes:
        lines.append(f"  {m}: engines used {rep['total'][m]['engines']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.measure.ocr_eval", description=__doc__.split("\n")[0])
    ap.add_argument("archive", type=Path, help="generated sample archive (with manifest.json and _truth/)")
    ap.add_argument("--limit", type=int, default=None, help="evaluate at most N pages")
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    ap.add_argument("--modes", default="tesseract,rapidocr,auto,tesseract-raw,tesseract-nonorm",
                    help=f"comma-separated, from: {', '.join(MODES)}")
    args = ap.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad:
        print(f"未知模式 / unknown modes: {bad}; valid: {', '.join(MODES)}", file=sys.stderr)
        return 2
    try:
        rep = evaluate(args.archive, modes, args.limit, progress=not args.json)
    except CredcaseError as exc:
        print(f"错误：{exc.message_zh}\nError: {exc.message_en}", file=sys.stderr)
        return exc.exit_code
    print(json.dumps(rep, ensure_ascii=False, indent=1) if args.json else format_report(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
