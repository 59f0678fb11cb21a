"""The `credcase` command line. Maps CredcaseError to exit codes; nothing else calls sys.exit.

Each area registers its own sub-commands (catalog.cli, samples.cli, pipeline.batch,
pipeline.evaluate, ...) so this file stays a table of contents.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pipeline import __version__
from pipeline.errors import ConfigError, CredcaseError

Handler = Callable[[argparse.Namespace], int]

EPILOG = """\
退出码 / exit codes: 0 成功 success; 1 部分输入失败（仍写入案卷）some inputs failed (still written);
2 用法或配置错误 usage or configuration error."""


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD / date must be YYYY-MM-DD: {text}") from exc


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Options shared by `process` and `ingest`."""
    p.add_argument("--ocr", choices=["auto", "tesseract", "rapidocr"], default="auto",
                   help="OCR engine: auto routes each page (default) / OCR 引擎")
    p.add_argument("--cache-dir", type=Path, default=None,
                   help="OCR cache folder (default: under the output folder) / OCR 缓存目录")
    p.add_argument("--application-date", type=_iso_date, default=None,
                   help="date validity is checked against (default today) / 申请日期")
    p.add_argument("--catalog", dest="catalog_file", type=Path, default=None,
                   help="catalogue batch file (default: the bundled current batch) / 目录批次文件")


def run_options_from(args: argparse.Namespace, default_cache: Path | None):
    from pipeline.options import RunOptions

    return RunOptions(ocr=args.ocr, cache_dir=args.cache_dir or default_cache,
                      application_date=args.application_date, catalog_file=args.catalog_file)


def _cmd_process(args: argparse.Namespace) -> int:
    from pipeline.casefile import write_case
    from pipeline.run import process_applicant

    out: Path = args.out
    opts = run_options_from(args, out.parent / ".credcase-cache")
    case = process_applicant(list(args.inputs), opts)
    write_case(case, out, html=not args.no_html, sources=list(args.inputs))
    print(f"{case.recommendation}  flags={len(case.flags)}  errors={len(case.errors)}  → {out}")
    return 1 if case.errors else 0


def _cmd_schema(args: argparse.Namespace) -> int:
    import json

    from pipeline.models import CaseFile

    print(json.dumps(CaseFile.model_json_schema(), ensure_ascii=False, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="credcase",
        description="国际职业资格比照认定材料预审 / pre-screening of international-qualification applications",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"credcase {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="more log output / 详细日志")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("process", help="一个申请人 → 案卷 / one applicant → case file")
    p.add_argument("inputs", nargs="+", type=Path, help="folder, zip or files of one applicant")
    p.add_argument("--out", type=Path, required=True, help="case file to write (CASE.json)")
    p.add_argument("--no-html", action="store_true", help="do not write the HTML report beside it")
    add_run_options(p)
    p.set_defaults(handler=_cmd_process)

    p = sub.add_parser("schema", help="案卷 JSON Schema / JSON Schema of the case file")
    p.set_defaults(handler=_cmd_schema)

    from catalog.cli import register as register_catalog
    from pipeline.batch import register as register_ingest
    from pipeline.evaluate import register as register_evaluate
    from samples.cli import register as register_samples

    register_ingest(sub)
    register_catalog(sub)
    register_samples(sub)
    register_evaluate(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    os.umask(0o077)  # what we write holds identity data: not world-readable
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except CredcaseError as exc:
        print(f"错误：{exc.message_zh}\nError: {exc.message_en}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130


def usage_error(zh: str, en: str) -> ConfigError:
    return ConfigError(zh, en)


if __name__ == "__main__":
    sys.exit(main())
