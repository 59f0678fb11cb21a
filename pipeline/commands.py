"""The one-applicant commands: `credcase process` and `credcase schema`."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from pipeline.casefile import failed_case, write_case
from pipeline.core import logs
from pipeline.core.errors import ConfigError, ExitCode, OcrEngineMissing
from pipeline.core.folders import check_output_folder, scratch
from pipeline.core.models import CaseFile
from pipeline.core.options import SubCommands, add_run_options, run_options_from
from pipeline.qualify import check_catalog
from pipeline.run import process_applicant

log = logging.getLogger(__name__)


def _cmd_process(args: argparse.Namespace) -> int:
    out: Path = args.out
    missing = [str(p) for p in args.inputs if not p.exists()]
    if missing:
        raise ConfigError(f"找不到申请材料：{'、'.join(missing)}", f"no such file or folder: {', '.join(missing)}")
    if out.is_dir():
        raise ConfigError(f"--out 应为案卷文件（CASE.json），“{out}”是文件夹",
                          f"--out must be the case file to write (CASE.json); '{out}' is a folder")
    check_output_folder(out.parent)
    logs.attach_file(out.parent)
    opts = run_options_from(args, out.parent / ".credcase-cache")
    check_catalog(opts.catalog_file)
    source = args.inputs[0].name if len(args.inputs) == 1 else "files"
    with scratch(out.parent):
        try:
            case = process_applicant(list(args.inputs), opts, source=source)
        except OcrEngineMissing:
            raise
        except Exception as exc:  # noqa: BLE001 — credcase failed, not the paper: the case file says so
            log.exception("processing %s failed", source)
            case = failed_case(Path(source).stem, source, exc)
        write_case(case, out, html=not args.no_html, sources=list(args.inputs))
    print(f"{case.recommendation}  flags={len(case.flags)}  errors={len(case.errors)}  → {out}")
    return ExitCode.SOME_INPUTS_FAILED if case.errors else ExitCode.OK


def _cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(CaseFile.model_json_schema(), ensure_ascii=False, indent=2))
    return ExitCode.OK


def register(sub: SubCommands) -> None:
    p = sub.add_parser("process", help="一个申请人 → 案卷 / one applicant → case file")
    p.add_argument("inputs", nargs="+", type=Path, help="folder, zip or files of one applicant")
    p.add_argument("--out", type=Path, required=True, help="case file to write (CASE.json)")
    p.add_argument("--no-html", action="store_true", help="do not write the HTML report beside it")
    add_run_options(p)
    p.set_defaults(handler=_cmd_process)

    p = sub.add_parser("schema", help="案卷 JSON Schema / JSON Schema of the case file")
    p.set_defaults(handler=_cmd_schema)
