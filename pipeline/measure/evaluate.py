"""`credcase evaluate OUT_DIR --truth ARCHIVE_DIR`: how good is an ingest run, against the
sample archive's truth (ARCHIVE_DIR/_truth/<folder>.json, written by samples.archive)?

Measures, per DESIGN contracts: page classification (matched by file path + page number)
with a confusion table; field exact match (whitespace/case normalised) split by the page's
degradation level; catalogue accuracy; per-flag recall and precision (expected vs forbidden
codes; tolerated codes are ignored); false flags on clean applicants; recommendation
accuracy. A missing or unreadable case file counts as wrong and never stops the evaluation.
Like a regression report, each run is saved as OUT_DIR/evaluation.json (the previous one
kept as evaluation.prev.json) and what improved or got worse is printed.
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

from pipeline.core.errors import ConfigError
from pipeline.core.flags import flag_specs
from pipeline.core.options import SubCommands
from pipeline.core.privacy import atomic_write_text
from samples.defects import defects_data

LEVELS = ("clean", "scan", "phone", "photocopy")
MISSING = "(missing)"
CLEAN_FALSE_CATEGORIES = ("gap", "inconsistency", "forgery")


def _norm_path(p: str) -> str:
    return unicodedata.normalize("NFC", str(p)).replace("\\", "/").strip("/")


def _same_path(a: str, b: str) -> bool:
    a, b = _norm_path(a), _norm_path(b)
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def norm_value(v: Any) -> str | None:
    """Exact match up to whitespace and case (booleans as true/false)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    s = unicodedata.normalize("NFC", str(v))
    return " ".join(s.split()).casefold()


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


class _Count:
    def __init__(self) -> None:
        self.n = 0
        self.ok = 0

    def add(self, ok: bool) -> None:
        self.n += 1
        self.ok += int(ok)

    def out(self) -> dict[str, Any]:
        return {"n": self.n, "correct": self.ok, "accuracy": _ratio(self.ok, self.n)}


def load_truths(archive: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for p in sorted((archive / "_truth").glob("*.json")):
        try:
            t = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        out[t.get("folder", p.stem)] = t
    return out


def load_case(out_dir: Path, truth: dict[str, Any]) -> dict[str, Any] | None:
    """The case file of one applicant, or None (missing/unreadable counts as wrong)."""
    names = [truth.get("folder", ""), Path(truth.get("entry", "")).stem, truth.get("entry", "")]
    for n in names:
        if not n:
            continue
        p = out_dir / "cases" / f"{n}.json"
        if p.is_file():
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
                return data if isinstance(data, dict) else None
            except (OSError, ValueError):
                return None
    return None


def _case_pages(case: dict[str, Any]) -> list[tuple[str, int, str, dict[str, Any]]]:
    """(path, page, doc_type, document) for every page the case file assigns to a document."""
    out = []
    for d in case.get("documents") or []:
        if not isinstance(d, dict):
            continue
        for f in d.get("files") or []:
            for pg in f.get("pages") or []:
                out.append((str(f.get("path", "")), int(pg), str(d.get("doc_type", "unknown")), d))
    return out


def _flag_codes(case: dict[str, Any]) -> dict[str, str]:
    """code → severity of the flags raised."""
    out: dict[str, str] = {}
    for f in case.get("flags") or []:
        if isinstance(f, dict) and f.get("code"):
            out[str(f["code"])] = str(f.get("severity", ""))
    return out


def _flag_categories() -> dict[str, str]:
    return {c: str(s.category) for c, s in flag_specs().items()}


def _defect_kind_flags() -> dict[str, dict[str, list[str]]]:
    """defect kind → role → the flag codes that kind must raise (from samples/data/defects.yaml)."""
    return {k.id: {"self": k.flags, "copy": k.flags, "partner": k.partner_flags or k.flags}
            for k in defects_data().kinds}


def evaluate(out_dir: Path, archive: Path) -> dict[str, Any]:
    """Compare OUT_DIR/cases/*.json with ARCHIVE/_truth/*.json; returns the evaluation as data."""
    truths = load_truths(archive)
    cats = _flag_categories()
    cls_total = _Count()
    cls_by_type: dict[str, _Count] = defaultdict(_Count)
    confusion: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    fld_total = _Count()
    fld_level: dict[str, _Count] = defaultdict(_Count)
    fld_by: dict[str, _Count] = defaultdict(_Count)
    fld_by_level: dict[str, dict[str, _Count]] = defaultdict(lambda: defaultdict(_Count))
    cat_count, cat_status = _Count(), _Count()
    flag_stats: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0})
    rec_count = _Count()
    rec_confusion: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    missing_cases: list[str] = []
    clean_n = clean_false = clean_critical = 0
    clean_false_cases: list[str] = []
    errors_total = 0
    kind_flags = _defect_kind_flags()
    by_defect: dict[str, _Count] = defaultdict(_Count)

    for folder, t in truths.items():
        case = load_case(out_dir, t)
        if case is None:
            missing_cases.append(folder)
            case = {}
        errors_total += len(case.get("errors") or [])
        pages = _case_pages(case)

        def predicted(path: str, page: int, _pages: list = pages) -> tuple[str, dict[str, Any] | None]:
            for p, pg, dt, d in _pages:
                if pg == page and _same_path(p, path):
                    return dt, d
            return MISSING, None

        page_level: dict[tuple[str, int], str] = {}
        for f in t.get("files", []):
            for pg in f.get("pages", []):
                truth_dt = pg["doc_type"]
                pred, _ = predicted(f["path"], pg["page"])
                ok = pred == truth_dt
                cls_total.add(ok)
                cls_by_type[truth_dt].add(ok)
                confusion[truth_dt][pred] += 1
                for dp in pg.get("doc_pages", [0]):
                    page_level[(pg["doc_id"], dp)] = pg.get("degradation", "clean")

        for d in t.get("documents", []):
            # the predicted document: same doc_type, most pages in common
            votes: dict[int, int] = defaultdict(int)
            docs_by_id: dict[int, dict[str, Any]] = {}
            for f in d.get("files", []):
                for pg in f.get("pages", []):
                    pred, pd = predicted(f["path"], pg)
                    if pd is not None and pred == d["doc_type"]:
                        votes[id(pd)] += 1
                        docs_by_id[id(pd)] = pd
            pdoc = docs_by_id[max(votes, key=lambda k: votes[k])] if votes else None
            pfields = (pdoc or {}).get("fields") or {}
            for name, value in (d.get("fields") or {}).items():
                pv = pfields.get(name)
                pval = pv.get("value") if isinstance(pv, dict) else pv
                ok = pdoc is not None and norm_value(pval) == norm_value(value)
                level = page_level.get((d["doc_id"], (d.get("field_pages") or {}).get(name, 0)), "clean")
                key = f"{d['doc_type']}.{name}"
                fld_total.add(ok)
                fld_level[level].add(ok)
                fld_by[key].add(ok)
                fld_by_level[key][level].add(ok)

        q = case.get("qualification") or {}
        tq = t.get("qualification") or {}
        have_case = bool(case)  # a missing case file is wrong, even where the truth is "no match"
        cat_count.add(have_case and q.get("catalog_id") == tq.get("catalog_id"))
        cat_status.add(have_case and (q.get("status") or "no_match") == tq.get("status"))

        raised = _flag_codes(case)
        expected = set(t.get("flags_expected", []))
        forbidden = set(t.get("flags_forbidden", []))
        for code in expected:
            flag_stats[code]["tp" if code in raised else "fn"] += 1
        for code in raised:
            if code in forbidden:
                flag_stats[code]["fp"] += 1

        for dfct in t.get("defects") or []:
            flags = kind_flags.get(dfct.get("kind", ""), {}).get(dfct.get("role", "self"))
            if flags:
                by_defect[dfct["kind"]].add(set(flags) <= set(raised))

        rec = case.get("recommendation") or MISSING
        rec_count.add(rec == t.get("recommendation"))
        rec_confusion[t.get("recommendation", "?")][rec] += 1

        if not t.get("defects"):
            clean_n += 1
            false = [c for c in raised if c in forbidden and cats.get(c) in CLEAN_FALSE_CATEGORIES]
            if false:
                clean_false += 1
                clean_false_cases.append(f"{folder}: {', '.join(sorted(false))}")
            clean_critical += sum(1 for c, sev in raised.items() if sev == "critical" and c in forbidden)

    flags_out = {}
    for code, s in sorted(flag_stats.items()):
        flags_out[code] = {**s, "recall": _ratio(s["tp"], s["tp"] + s["fn"]),
                           "precision": _ratio(s["tp"], s["tp"] + s["fp"])}
    tp = sum(s["tp"] for s in flag_stats.values())
    fn = sum(s["fn"] for s in flag_stats.values())
    fp = sum(s["fp"] for s in flag_stats.values())
    summary = {
        "applicants": len(truths),
        "cases_missing": len(missing_cases),
        "case_errors": errors_total,
        "classification_accuracy": cls_total.out()["accuracy"],
        "field_accuracy": fld_total.out()["accuracy"],
        **{f"field_accuracy_{lv}": fld_level[lv].out()["accuracy"] for lv in LEVELS},
        "catalog_accuracy": cat_count.out()["accuracy"],
        "catalog_status_accuracy": cat_status.out()["accuracy"],
        "flag_recall": _ratio(tp, tp + fn),
        "flag_precision": _ratio(tp, tp + fp),
        "clean_applicants": clean_n,
        "clean_with_false_flags": clean_false,
        "clean_with_false_flags_pct": round(100.0 * clean_false / clean_n, 1) if clean_n else None,
        "false_critical_flags_on_clean": clean_critical,
        "recommendation_accuracy": rec_count.out()["accuracy"],
    }
    return {
        "summary": summary,
        "classification": {
            **cls_total.out(),
            "per_type": {k: v.out() for k, v in sorted(cls_by_type.items())},
            "confusion": {k: dict(v) for k, v in sorted(confusion.items())},
        },
        "fields": {
            **fld_total.out(),
            "by_level": {lv: fld_level[lv].out() for lv in LEVELS},
            "by_field": {k: {**v.out(), "by_level": {lv: c.out() for lv, c in sorted(fld_by_level[k].items())}}
                         for k, v in sorted(fld_by.items())},
        },
        "catalog": {"catalog_id": cat_count.out(), "status": cat_status.out()},
        "flags": flags_out,
        "clean": {"applicants": clean_n, "with_false_flags": clean_false, "cases": clean_false_cases,
                  "false_critical_flags": clean_critical},
        "recommendation": {**rec_count.out(), "confusion": {k: dict(v) for k, v in sorted(rec_confusion.items())}},
        "defects": {k: v.out() for k, v in sorted(by_defect.items())},
        "missing_cases": missing_cases,
    }


# --------------------------------------------------------------------------- regression diff


def _metrics(ev: dict[str, Any]) -> dict[str, float]:
    """The numbers compared between runs (higher is better unless listed in LOWER_IS_BETTER)."""
    m: dict[str, float] = {}
    for k, v in (ev.get("summary") or {}).items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            m[f"summary.{k}"] = float(v)
    for k, v in ((ev.get("classification") or {}).get("per_type") or {}).items():
        if v.get("accuracy") is not None:
            m[f"classification.{k}"] = v["accuracy"]
    for k, v in ((ev.get("fields") or {}).get("by_field") or {}).items():
        if v.get("accuracy") is not None:
            m[f"field.{k}"] = v["accuracy"]
    for k, v in (ev.get("defects") or {}).items():
        if v.get("accuracy") is not None:
            m[f"defect.{k}"] = v["accuracy"]
    for k, v in (ev.get("flags") or {}).items():
        for which in ("recall", "precision"):
            if v.get(which) is not None:
                m[f"flag.{k}.{which}"] = v[which]
    return m


LOWER_IS_BETTER = {"summary.cases_missing", "summary.case_errors", "summary.clean_with_false_flags",
                   "summary.clean_with_false_flags_pct", "summary.false_critical_flags_on_clean"}
NEUTRAL = {"summary.applicants", "summary.clean_applicants"}


def diff(prev: dict[str, Any] | None, cur: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """What improved and what got worse since the previous evaluation."""
    out: dict[str, list[dict[str, Any]]] = {"improved": [], "worse": []}
    if not prev:
        return out
    a, b = _metrics(prev), _metrics(cur)
    for k in sorted(set(a) & set(b)):
        if k in NEUTRAL or abs(a[k] - b[k]) < 1e-9:
            continue
        better = (b[k] < a[k]) if k in LOWER_IS_BETTER else (b[k] > a[k])
        out["improved" if better else "worse"].append({"metric": k, "before": a[k], "after": b[k]})
    return out


def run(out_dir: Path, archive: Path) -> dict[str, Any]:
    """Evaluate, compare with the previous evaluation in OUT_DIR, save both."""
    ev = evaluate(out_dir, archive)
    path = out_dir / "evaluation.json"
    prev = None
    if path.is_file():
        try:
            prev = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            prev = None
    ev["changes"] = diff(prev, ev)
    out_dir.mkdir(parents=True, exist_ok=True)
    if prev is not None:
        atomic_write_text(out_dir / "evaluation.prev.json", json.dumps(prev, ensure_ascii=False, indent=1))
    atomic_write_text(path, json.dumps(ev, ensure_ascii=False, indent=1))
    return ev


# --------------------------------------------------------------------------- printing


def _pct(v: float | None) -> str:
    return "  —  " if v is None else f"{100 * v:5.1f}%"


def format_report(ev: dict[str, Any]) -> str:
    s = ev["summary"]
    lines = [
        f"评估 / evaluation: {s['applicants']} 名申请人 applicants, 缺少案卷 missing cases: {s['cases_missing']}, "
        f"文件错误 file errors: {s['case_errors']}",
        "",
        f"页面分类准确率 / page classification accuracy: {_pct(s['classification_accuracy'])}",
    ]
    for k, v in ev["classification"]["per_type"].items():
        lines.append(f"  {k:32s} {_pct(v['accuracy'])}  ({v['correct']}/{v['n']})")
    conf = ev["classification"]["confusion"]
    preds = sorted({p for row in conf.values() for p in row})
    if conf:
        lines.append("  混淆表 / confusion (rows truth, columns predicted):")
        short = {p: p[:10] for p in preds}
        lines.append("  " + " " * 30 + " ".join(f"{short[p]:>10s}" for p in preds))
        for t, row in conf.items():
            lines.append(f"  {t:30s}" + " ".join(f"{row.get(p, 0):>10d}" for p in preds))
    f = ev["fields"]
    lines += ["", f"字段完全一致率 / field exact match: {_pct(f['accuracy'])} ({f['correct']}/{f['n']})  "
              + "  ".join(f"{lv}: {_pct(f['by_level'][lv]['accuracy'])}" for lv in LEVELS)]
    for k, v in f["by_field"].items():
        lv = "  ".join(f"{lvl}:{_pct(c['accuracy']).strip()}" for lvl, c in v["by_level"].items())
        lines.append(f"  {k:44s} {_pct(v['accuracy'])}  ({v['correct']}/{v['n']})  {lv}")
    lines += ["", f"目录匹配 / catalogue: catalog_id {_pct(s['catalog_accuracy'])}, status {_pct(s['catalog_status_accuracy'])}",
              "", f"标记 / flags: recall {_pct(s['flag_recall'])}, precision {_pct(s['flag_precision'])}"]
    for code, v in ev["flags"].items():
        lines.append(f"  {code:40s} recall {_pct(v['recall'])} precision {_pct(v['precision'])}  "
                     f"tp {v['tp']} fn {v['fn']} fp {v['fp']}")
    lines += ["", f"无缺陷申请人误报 / clean applicants with a false gap/inconsistency/forgery flag: "
              f"{s['clean_with_false_flags']}/{s['clean_applicants']} ({s['clean_with_false_flags_pct']}%), "
              f"严重误报 false critical flags: {s['false_critical_flags_on_clean']}"]
    for c in ev["clean"]["cases"][:10]:
        lines.append(f"  {c}")
    if ev.get("defects"):
        lines += ["", "缺陷检出（应有标记全部出现）/ defects detected (all their flags raised):"]
        for k, v in ev["defects"].items():
            lines.append(f"  {k:36s} {v['correct']}/{v['n']}")
    lines += ["", f"建议准确率 / recommendation accuracy: {_pct(s['recommendation_accuracy'])}"]
    for t, row in ev["recommendation"]["confusion"].items():
        lines.append(f"  {t:26s} → " + ", ".join(f"{k}: {n}" for k, n in sorted(row.items())))
    ch = ev.get("changes") or {}
    if ch.get("improved") or ch.get("worse"):
        lines += ["", "与上次评估相比 / since the previous evaluation:"]
        for word, key in (("改善 improved", "improved"), ("变差 worse", "worse")):
            for c in ch.get(key, []):
                lines.append(f"  {word}: {c['metric']} {c['before']:.4g} → {c['after']:.4g}")
    return "\n".join(lines)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    truth: Path = args.truth
    if not (truth / "_truth").is_dir():
        raise ConfigError(f"未找到真值目录：{truth / '_truth'}", f"no truth folder: {truth / '_truth'}")
    ev = run(args.out_dir, truth)
    if args.json:
        print(json.dumps(ev, ensure_ascii=False, indent=1))
    else:
        print(format_report(ev))
        print(f"\n已保存 / saved: {args.out_dir / 'evaluation.json'}")
    return 0


def register(sub: SubCommands) -> None:
    p = sub.add_parser("evaluate", help="与样本真值比较 / compare an ingest run with the sample truth")
    p.add_argument("out_dir", type=Path, help="OUT_DIR of `credcase ingest` (holds cases/)")
    p.add_argument("--truth", type=Path, required=True, help="sample archive folder (holds _truth/)")
    p.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    p.set_defaults(handler=_cmd_evaluate)
