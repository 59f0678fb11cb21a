"""`make bench`: end-to-end throughput against the two OCR floors, in one run.

    python -m pipeline.measure.bench --out out/bench [--applicants 40] [--seed 4040] [--defect-rate 0.6] [--skip-accuracy]

Measures on one generated archive: credcase `ingest --ocr auto` pages/s (2 workers, cold
cache); bare tesseract (the `tesseract` command, same languages, OMP_THREAD_LIMIT=1, 2 in
parallel) and bare RapidOCR (as shipped: default settings, every page, 2 processes) on the
same page images, and that again with its models run by OpenVINO as credcase runs them; the share of worker time spent outside OCR calls; 1 vs 2 workers; a second
run on the same archive; peak memory per worker; and `credcase ingest --ocr rapidocr` (credcase's
tuned RapidOCR on every page) for its pages/s and, with `auto`, accuracy from `credcase evaluate`.
Results are printed as a table and written to OUT/bench.json and OUT/bench.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from pipeline import pages
from pipeline.batch import IngestSummary, discover_applicants, ingest
from pipeline.core.errors import ConfigError
from pipeline.core.models import OcrEngineName
from pipeline.core.options import RunOptions
from pipeline.core.privacy import atomic_write_text
from pipeline.ingest import collect_inputs
from samples.stress import stress_archive

TESS_LANGS = "chi_sim+eng+deu"


def _generate(archive: Path, n: int, seed: int, defect_rate: float) -> None:
    subprocess.run([sys.executable, "-m", "pipeline.cli", "samples", "generate", "--out", str(archive),
                    "--applicants", str(n), "--seed", str(seed), "--defect-rate", str(defect_rate),
                    "--if-missing"], check=True)


def _subset(archive: Path, dest: Path, k: int) -> Path:
    """The first k applicants of the archive, copied (the 1-worker run measures pages/s on them)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    entries = [p for p in sorted(archive.iterdir()) if not p.name.startswith(("_", ".")) and
               (p.is_dir() or p.suffix.lower() == ".zip")][:k]
    for p in entries:
        (shutil.copytree if p.is_dir() else shutil.copy2)(p, dest / p.name)
    return dest


def _export_pages(archive: Path, dest: Path) -> list[Path]:
    """Every page of every applicant as PNG, decoded exactly as credcase decodes them."""
    dest.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    for case_id, inputs in discover_applicants(archive):
        work = Path(tempfile.mkdtemp(prefix="bench-"))
        try:
            files, _errors = collect_inputs(inputs, work)
            for f in files:
                try:
                    for page in pages.iter_pages(f):
                        p = dest / f"{case_id}-{len(out):05d}.png"
                        page.image.convert("RGB").save(p, compress_level=1)  # zlib's default level is slow
                        out.append(p)
                except Exception:  # noqa: BLE001 — unreadable files are not OCR work
                    continue
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return out


def _bare_tesseract(images: list[Path], parallel: int = 2) -> float:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(p: Path) -> None:
        subprocess.run(["tesseract", str(p), "stdout", "-l", TESS_LANGS], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    t0 = time.monotonic()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, images))
    return time.monotonic() - t0


def _rapid_worker(paths: list[str], runtime: str = "onnxruntime") -> int:
    """RapidOCR as shipped (its default models and settings), one inference thread: the floor
    is the engine itself, not credcase's tuned use of it. `runtime` "openvino": the same, its
    models run by OpenVINO as credcase runs them (how much of the gain is the runtime)."""
    from rapidocr import RapidOCR

    from pipeline.ocr.rapid import _runtime_params

    params = {"Global.log_level": "error",
              "EngineConfig.onnxruntime.intra_op_num_threads": 1,
              "EngineConfig.onnxruntime.inter_op_num_threads": 1}
    if _runtime_params(runtime, params) != runtime:
        return 0
    engine = RapidOCR(params=params)
    for p in paths:
        engine(p)
    return len(paths)


def _bare_rapidocr(images: list[Path], parallel: int = 2, runtime: str = "onnxruntime") -> float | None:
    chunks = [([str(p) for p in images[i::parallel]], runtime) for i in range(parallel)]
    t0 = time.monotonic()
    with mp.get_context("spawn").Pool(parallel) as pool:
        done = pool.starmap(_rapid_worker, chunks)
    return time.monotonic() - t0 if sum(done) == len(images) else None


def _reference_date(archive: Path) -> date | None:
    """The generated corpus's "today": validity is judged against it, as `make eval` does."""
    try:
        return date.fromisoformat(json.loads((archive / "manifest.json").read_text())["reference_date"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _run_ingest(archive: Path, out: Path, ocr: OcrEngineName, workers: int, fresh: bool = True) -> IngestSummary:
    if fresh and out.exists():
        shutil.rmtree(out)
    opts = RunOptions(ocr=ocr, cache_dir=out / "cache", application_date=_reference_date(archive))
    with open(os.devnull, "w") as devnull:
        return ingest(archive, out, opts, workers=workers, stream=devnull)


def _evaluate(out: Path, archive: Path) -> dict:
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "evaluate", str(out), "--truth", str(archive),
                        "--json"], capture_output=True, text=True)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {"error": (r.stderr or r.stdout)[-500:]}


def _pick(ev: dict, *keys: str) -> float | None:
    for k in keys:
        cur: object = ev
        for part in k.split("."):
            cur = cur.get(part) if isinstance(cur, dict) else None
        if isinstance(cur, (int, float)):
            return float(cur)
    return None


def _slowest_file(out: Path) -> tuple[str, float] | None:
    """The file that took longest to read, from the run's log ("read NAME in S s")."""
    log_file = out / "credcase.log"
    best: tuple[str, float] | None = None
    if log_file.exists():
        for m in re.finditer(r"read (.+?) in ([0-9.]+) s", log_file.read_text(encoding="utf-8", errors="replace")):
            if best is None or float(m.group(2)) > best[1]:
                best = (m.group(1), float(m.group(2)))
    return best


def _stress(root: Path, res: dict[str, Any], hostile: Path | None) -> None:
    """Peak memory per worker and the slowest file on the costliest inputs (and on `hostile`, a
    folder of strangers' files, when given)."""
    for label, archive in (("stress", stress_archive(root / "stress-archive")), ("hostile", hostile)):
        if archive is None:
            continue
        s = _run_ingest(archive, root / f"{label}-w2", OcrEngineName.AUTO, 2)
        slowest = _slowest_file(root / f"{label}-w2")
        res[f"{label}_peak_rss_mb_per_worker"] = s.peak_rss_mb
        res[f"{label}_seconds"] = s.seconds
        res[f"{label}_slowest_file"] = f"{slowest[0]} ({slowest[1]:.1f} s)" if slowest else None
        res[f"{label}_failed_applicants"] = s.failed
        print(f"  {label}: {s.seconds:.1f}s, peak {s.peak_rss_mb:.0f} MB per worker, slowest "
              f"{res[f'{label}_slowest_file']}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.measure.bench")
    ap.add_argument("--out", type=Path, default=Path("out/bench"))
    # the `make eval` corpus by default, so the accuracy figures of both targets agree
    ap.add_argument("--applicants", type=int, default=40)
    ap.add_argument("--seed", type=int, default=4040)
    ap.add_argument("--defect-rate", type=float, default=0.6)
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--w1-applicants", type=int, default=10, help="applicants in the 1-worker run")
    ap.add_argument("--hostile", type=Path, default=None,
                    help="an archive of strangers' files (fuzz and crash corpora) to measure too")
    ap.add_argument("--stress-only", action="store_true", help="only the memory and time stress runs")
    args = ap.parse_args(argv)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    root: Path = args.out
    archive = root / "archive"
    root.mkdir(parents=True, exist_ok=True)
    if args.stress_only:
        res_stress: dict[str, Any] = {}
        _stress(root, res_stress, args.hostile)
        atomic_write_text(root / "stress.json", json.dumps(res_stress, indent=2, ensure_ascii=False))
        return 0
    _generate(archive, args.applicants, args.seed, args.defect_rate)

    images = _export_pages(archive, root / "pages")
    n = len(images)
    res: dict[str, float | int | str | None] = {"applicants": args.applicants, "pages": n, "cores": os.cpu_count()}
    print(f"bench: {args.applicants} applicants, {n} pages", flush=True)

    res["tesseract_s"] = tess_s = _bare_tesseract(images)
    print(f"  bare tesseract ×2: {tess_s:.1f}s", flush=True)
    rapid = _bare_rapidocr(images)
    if rapid is None:
        raise ConfigError("RapidOCR 不可用，无法测速", "RapidOCR is not available: nothing to compare with")
    res["rapidocr_s"] = rapid_s = rapid
    print(f"  bare RapidOCR ×2: {rapid_s:.1f}s", flush=True)
    res["rapidocr_openvino_s"] = _bare_rapidocr(images, runtime="openvino")
    print(f"  bare RapidOCR on OpenVINO ×2: {res['rapidocr_openvino_s'] or float('nan'):.1f}s", flush=True)

    s2 = _run_ingest(archive, root / "auto-w2", OcrEngineName.AUTO, 2)
    res["auto_w2_s"] = s2.seconds
    res["auto_pages"] = s2.pages
    res["non_ocr_share"] = 1 - s2.ocr_seconds / s2.worker_seconds if s2.worker_seconds else None
    res["peak_rss_mb_per_worker"] = s2.peak_rss_mb
    print(f"  credcase auto ×2 workers: {s2.seconds:.1f}s", flush=True)
    again = _run_ingest(archive, root / "auto-w2", OcrEngineName.AUTO, 2, fresh=False)
    res["rerun_s"] = again.seconds
    print(f"  second run: {again.seconds:.1f}s", flush=True)
    # 1 worker on a subset (a full 1-worker pass would double the bench's time): pages/s compared
    subset = _subset(archive, root / "subset", args.w1_applicants)
    s1 = _run_ingest(subset, root / "auto-w1", OcrEngineName.AUTO, 1)
    res["auto_w1_s"] = s1.seconds
    res["auto_w1_pages"] = s1.pages
    print(f"  credcase auto ×1 worker ({args.w1_applicants} applicants, {s1.pages} pages): {s1.seconds:.1f}s",
          flush=True)

    pages = max(1, s2.pages or n)
    auto_rate, tess_rate, rapid_rate = pages / s2.seconds, n / tess_s, n / rapid_s
    res["auto_pages_per_s"] = auto_rate
    res["tesseract_pages_per_s"] = tess_rate
    res["rapidocr_pages_per_s"] = rapid_rate
    res["auto_vs_rapidocr"] = auto_rate / rapid_rate
    ov_s = res["rapidocr_openvino_s"]
    if isinstance(ov_s, float) and ov_s > 0:
        res["rapidocr_openvino_pages_per_s"] = n / ov_s
        res["auto_vs_rapidocr_openvino"] = (pages / s2.seconds) / (n / ov_s)
    res["auto_vs_tesseract"] = auto_rate / tess_rate
    res["speedup_2_vs_1"] = (pages / s2.seconds) / (max(1, s1.pages) / s1.seconds)
    res["rerun_fraction"] = again.seconds / s2.seconds

    _stress(root, res, args.hostile)

    if not args.skip_accuracy:
        ev_auto = _evaluate(root / "auto-w2", archive)
        sr = _run_ingest(archive, root / "rapid-w2", OcrEngineName.RAPIDOCR, 2)
        # credcase's own RapidOCR on every page (tuned settings, same pipeline): auto's gain
        # from routing alone, beside its gain over the bare engine
        rapid_rate = max(1, sr.pages) / sr.seconds
        res["credcase_rapidocr_pages_per_s"] = rapid_rate
        res["auto_vs_credcase_rapidocr"] = (pages / s2.seconds) / rapid_rate
        ev_rapid = _evaluate(root / "rapid-w2", archive)
        for label, ev in (("auto", ev_auto), ("rapidocr", ev_rapid)):
            res[f"{label}_field_accuracy"] = _pick(ev, "fields.overall", "field_accuracy", "fields.accuracy")
            res[f"{label}_classification_accuracy"] = _pick(ev, "classification.overall",
                                                            "classification_accuracy", "classification.accuracy")
            res[f"{label}_recommendation_accuracy"] = _pick(ev, "recommendation.accuracy",
                                                            "recommendation_accuracy")

    table = _table(res)
    print(table)
    atomic_write_text(root / "bench.json", json.dumps(res, indent=2, ensure_ascii=False))
    atomic_write_text(root / "bench.md", table + "\n")
    return 0


def _table(res: dict[str, Any]) -> str:
    def f(key: str, fmt: str = "{:.2f}") -> str:
        v = res.get(key)
        return fmt.format(v) if isinstance(v, (int, float)) else "n/a"

    rows = [
        ("pages", f("pages", "{:.0f}"), ""),
        ("credcase auto, 2 workers (pages/s)", f("auto_pages_per_s"), ""),
        ("bare tesseract ×2 (pages/s)", f("tesseract_pages_per_s"), "floor"),
        ("bare RapidOCR ×2 (pages/s)", f("rapidocr_pages_per_s"), "floor"),
        ("auto / RapidOCR-every-page", f("auto_vs_rapidocr"), "target ≥ 1.5"),
        ("auto / tesseract", f("auto_vs_tesseract"), ""),
        ("bare RapidOCR on OpenVINO ×2 (pages/s)", f("rapidocr_openvino_pages_per_s"), "credcase's runtime"),
        ("auto / RapidOCR-on-OpenVINO-every-page", f("auto_vs_rapidocr_openvino"), "gain beyond the runtime"),
        ("credcase --ocr rapidocr, 2 workers (pages/s)", f("credcase_rapidocr_pages_per_s"), "tuned RapidOCR"),
        ("auto / credcase --ocr rapidocr", f("auto_vs_credcase_rapidocr"), "routing's own gain"),
        ("worker time outside OCR calls", f("non_ocr_share", "{:.1%}"), "target < 15%"),
        ("speed-up 2 vs 1 worker (pages/s)", f("speedup_2_vs_1"), "target ≥ 1.7"),
        ("second run / first run", f("rerun_fraction", "{:.1%}"), "target < 10%"),
        ("peak memory per worker (MB)", f("peak_rss_mb_per_worker", "{:.0f}"), "target < 1500"),
        ("stress files: peak memory per worker (MB)", f("stress_peak_rss_mb_per_worker", "{:.0f}"),
         "target < 1500"),
        ("stress files: slowest file", str(res.get("stress_slowest_file") or "n/a"), ""),
        ("strangers' files: peak memory per worker (MB)", f("hostile_peak_rss_mb_per_worker", "{:.0f}"),
         "with --hostile DIR"),
        ("strangers' files: slowest file", str(res.get("hostile_slowest_file") or "n/a"), ""),
        ("field accuracy auto / rapidocr", f"{f('auto_field_accuracy')} / {f('rapidocr_field_accuracy')}", ""),
        ("classification auto / rapidocr",
         f"{f('auto_classification_accuracy')} / {f('rapidocr_classification_accuracy')}", ""),
        ("recommendation auto / rapidocr",
         f"{f('auto_recommendation_accuracy')} / {f('rapidocr_recommendation_accuracy')}", ""),
    ]
    width = max(len(r[0]) for r in rows) + 2
    lines = [f"{'measure':<{width}}{'value':>16}  note", "-" * (width + 30)]
    lines += [f"{a:<{width}}{b:>16}  {c}" for a, b, c in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
