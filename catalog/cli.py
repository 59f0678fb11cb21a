"""`credcase match ...` and `credcase catalog list|show|validate` (registered by pipeline.cli)."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.core.console import cell
from pipeline.core.errors import ConfigError
from pipeline.core.models import CatalogMatch


def _quiet_pipe(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """`credcase catalog list | head` must not end in a traceback when head closes the pipe."""
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
    return run


def register(sub: Any) -> None:
    p = sub.add_parser("match", help="证书名称 → 目录条目 / certificate title → catalogue entry",
                       description="在目录中查找证书名称 / look a certificate title up in the catalogue")
    p.add_argument("text", nargs="?", help="title as printed on the certificate / 证书上的名称")
    p.add_argument("--issuer", help="issuing body as printed / 颁证单位")
    p.add_argument("--text-file", type=Path, help="full OCR text of the certificate / 证书全文")
    p.add_argument("--batch", type=Path,
                   help='JSON Lines file, one {"text": ..., "issuer": ...} a line / 批量查询文件')
    p.add_argument("--json", action="store_true", help="machine-readable output / JSON 输出")
    p.add_argument("--catalog", dest="catalog_file", type=Path, default=None,
                   help="catalogue batch file (default: bundled current batch) / 目录批次文件")
    p.set_defaults(handler=_quiet_pipe(_cmd_match))

    c = sub.add_parser("catalog", help="目录：列表、详情、校验 / catalogue: list, show, validate")
    csub = c.add_subparsers(dest="catalog_command", metavar="list|show|validate")
    lp = csub.add_parser("list", help="目录表 / table of entries")
    lp.add_argument("--catalog", dest="catalog_file", type=Path, default=None)
    lp.set_defaults(handler=_quiet_pipe(_cmd_list))
    sp = csub.add_parser("show", help="一个条目的全部信息 / everything about one entry")
    sp.add_argument("number", type=int, help="序号 / catalogue number")
    sp.add_argument("--catalog", dest="catalog_file", type=Path, default=None)
    sp.set_defaults(handler=_quiet_pipe(_cmd_show))
    vp = csub.add_parser("validate", help="校验目录批次文件 / check a catalogue batch file")
    vp.add_argument("file", type=Path)
    vp.set_defaults(handler=_quiet_pipe(_cmd_validate))
    c.set_defaults(handler=lambda a: (c.print_help(), 2)[1])


# ------------------------------------------------------------------ match

def result_json(r: CatalogMatch) -> dict[str, Any]:
    """The contract of `credcase match --json` (DESIGN.md)."""
    return {"catalog_id": r.catalog_id, "status": r.status.value, "score": float(r.score),
            "candidates": [c.model_dump() for c in r.candidates]}


def _print_human(r: CatalogMatch, catalog_file: Path | None) -> None:
    from catalog import load_catalog

    label = {"matched": "匹配 matched", "review": "需人工复核 review", "no_match": "不在目录中 no match"}
    print(f"{label[r.status.value]}  score={r.score:.1f}")
    if r.catalog_id is not None:
        e = load_catalog(catalog_file).entry(r.catalog_id)
        print(f"  {e.id}. {e.name_en} / {e.name_zh} — {e.short_issuer} — {e.title}（{e.series}）")
    for c in r.candidates:
        print(f"  候选 candidate {c.catalog_id:>2}  {c.score:5.1f}  {c.name}: {c.reason}")


def _cmd_match(args: argparse.Namespace) -> int:
    from catalog import get_matcher

    matcher = get_matcher(args.catalog_file)
    if args.batch:
        return _match_batch(matcher, args.batch, args.json)
    full_text = None
    if args.text_file:
        try:
            full_text = args.text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"无法读取文本文件 {args.text_file}", f"cannot read text file {args.text_file}: {exc}") from exc
    if not args.text and not full_text:
        raise ConfigError("请给出证书名称、--text-file 或 --batch", "give a TEXT, --text-file or --batch")
    r = matcher.match(args.text or "", args.issuer, full_text)
    if args.json:
        print(json.dumps(result_json(r), ensure_ascii=False))
    else:
        _print_human(r, args.catalog_file)
    return 0


def _match_batch(matcher: Any, path: Path, as_json: bool) -> int:
    """One result a line, in input order; a bad line gets an `error` result and exit code 1."""
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"无法读取批量文件 {path}", f"cannot read batch file {path}: {exc.strerror}") from exc
    failed = 0
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("text", ""), str):
                    raise ValueError("expected an object with a string 'text'")
                r = matcher.match(item.get("text") or "", item.get("issuer"), item.get("full_text"))
            except ValueError as exc:
                failed += 1
                err: dict[str, Any] = {"catalog_id": None, "status": "no_match", "score": 0.0, "candidates": [],
                       "error": f"第 {n} 行无效 / line {n} invalid: {exc}"}
                print(json.dumps(err, ensure_ascii=False))
                continue
            if as_json:
                print(json.dumps(result_json(r), ensure_ascii=False))
            else:
                print(f"{r.status.value}\t{r.catalog_id if r.catalog_id is not None else '-'}\t{r.score:.1f}\t"
                      f"{item.get('text', '')}")
    sys.stdout.flush()
    return 1 if failed else 0


# ------------------------------------------------------------------ catalog list / show / validate

def _cmd_list(args: argparse.Namespace) -> int:
    from catalog import load_catalog

    cat = load_catalog(args.catalog_file)
    cols = [("序号", 4), ("name", 44), ("译名", 30), ("issuer", 16), ("title", 10), ("series", 12)]
    print(f"{cat.batch_id}  生效 effective {cat.effective_date}  {cat.source}")
    print(" ".join(cell(h, w) for h, w in cols).rstrip())
    print(" ".join("-" * w for _, w in cols))
    for e in cat.entries:
        row = [str(e.id), e.name_en, e.name_zh, e.short_issuer, e.title, e.series]
        print(" ".join(cell(v, w) for v, (_, w) in zip(row, cols, strict=True)).rstrip())
    print(f"共 {len(cat.entries)} 条 / {len(cat.entries)} entries")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from catalog import load_catalog

    cat = load_catalog(args.catalog_file)
    try:
        e = cat.entry(args.number)
    except KeyError:
        raise ConfigError(f"目录中没有序号 {args.number}（共 {len(cat.entries)} 条）",
                          f"no entry {args.number} in {cat.batch_id} ({len(cat.entries)} entries)") from None
    print(f"{cat.batch_id} — 序号 {e.id}")
    print(f"  职业资格名称 name:      {e.name_en}")
    print(f"  译名 translation:       {e.name_zh}")
    print(f"  颁证单位 issuer:        {e.issuer_zh} / {e.issuer_en}")
    print(f"  可认定 title:           {e.title}")
    print(f"  系列 series:            {e.series}")
    print(f"  通用名称 generic:       {'是 yes — needs issuer evidence' if e.generic else '否 no'}")
    for label, items in [("别名 aliases", e.aliases), ("缩写 abbreviations", e.abbreviations),
                         ("需颁证单位的别名 issuer-gated aliases", e.generic_aliases),
                         ("实际颁证机构 issuing bodies", e.issuers), ("机构缩写 issuer abbreviations", e.issuer_abbrevs),
                         ("说明 notes", e.notes)]:
        if items:
            print(f"  {label}:")
            for it in items:
                print(f"    - {it}")
    near = [nm for nm in cat.near_misses if e.id in nm.near]
    if near:
        print("  易混淆、不在目录中 near misses (not in catalogue):")
        for nm in near:
            print(f"    - {nm.name} → {nm.verdict}" + (f" ({', '.join(nm.aliases[:4])})" if nm.aliases else ""))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from catalog.loader import validate_file

    problems = validate_file(args.file)
    if problems:
        print(f"目录批次文件无效：{args.file}（{len(problems)} 个问题）", file=sys.stderr)
        for zh, _ in problems:
            print(f"  - {zh}", file=sys.stderr)
        print(f"Invalid catalogue batch file: {args.file} ({len(problems)} problems)", file=sys.stderr)
        for _, en in problems:
            print(f"  - {en}", file=sys.stderr)
        return 2
    from catalog import load_catalog

    cat = load_catalog(args.file)
    print(f"有效 / valid: {cat.batch_id}, {len(cat.entries)} 条 entries, 生效 effective {cat.effective_date}")
    return 0
