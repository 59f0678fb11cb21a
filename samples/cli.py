"""`credcase samples generate`: write a labelled sample archive (see samples/archive.py)."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def _rate(text: str) -> float:
    v = float(text)
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"缺陷比例应在 0–1 之间 / defect rate must be in 0..1: {text}")
    return v


def _cmd_generate(args: argparse.Namespace) -> int:
    from samples.archive import UnknownDefectKind, archive_complete, write_archive

    if args.list_defects:
        from samples.defects import defects_data

        for k in defects_data().kinds:
            print(f"{k.id:32} {k.category:13} {', '.join(k.flags)}")
        return 0
    if args.out is None:
        from pipeline.core.errors import ConfigError

        raise ConfigError("请用 --out 指定样本库目录", "--out ARCHIVE_DIR is required")
    out: Path = args.out
    only = [k.strip() for k in args.defects.split(",") if k.strip()] if args.defects else None
    if args.if_missing and archive_complete(out, args.applicants, args.seed, args.defect_rate, only):
        print(f"样本库已存在，跳过 / archive already complete: {out}")
        return 0
    if args.applicants < 1:
        from pipeline.core.errors import ConfigError

        raise ConfigError("申请人数量至少为 1", "--applicants must be at least 1")
    t0 = time.monotonic()
    try:  # the plan is made before anything is written
        man = write_archive(out, args.applicants, args.seed, args.defect_rate, progress=args.verbose_list,
                            workers=args.workers, only=only)
    except UnknownDefectKind as exc:
        from pipeline.core.errors import ConfigError

        names = ", ".join(exc.unknown)
        raise ConfigError(f"未知的缺陷类型：{names}（--list-defects 查看）",
                          f"unknown defect kind(s): {names} (see --list-defects)") from exc
    n_def = sum(1 for a in man["applicants"] if a["defects"])
    print(f"已生成 {len(man['applicants'])} 名申请人（{n_def} 名含缺陷）/ wrote {len(man['applicants'])} applicants "
          f"({n_def} with defects) → {out}  truth: {out / man['truth_dir']}  ({time.monotonic() - t0:.0f} s)")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from samples.archive import verify_truth

    problems = verify_truth(args.archive)
    for p in problems:
        print(p)
    print(f"{len(problems)} 个问题 / problems")
    return 1 if problems else 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("samples", help="样本库 / labelled sample archive")
    ssub = p.add_subparsers(dest="samples_command", metavar="SUBCOMMAND")
    g = ssub.add_parser("generate", help="生成带标注的样本库 / generate a labelled sample archive")
    g.add_argument("--out", type=Path, help="archive folder to write (required unless --list-defects)")
    g.add_argument("--applicants", type=int, default=10, help="number of applicants (default 10)")
    g.add_argument("--seed", type=int, default=2022, help="random seed (same seed → identical files)")
    g.add_argument("--defect-rate", type=_rate, default=0.5, help="share of applicants with defects (default 0.5)")
    g.add_argument("--if-missing", action="store_true",
                   help="do nothing if OUT already holds a complete archive made with the same arguments")
    g.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes writing applicants in parallel (same files either way)")
    g.add_argument("--list", dest="verbose_list", action="store_true", help="print each applicant as written")
    g.add_argument("--defects", metavar="KIND[,KIND…]",
                   help="only these defect kinds (e.g. image_region_tampered with --defect-rate 1 to measure "
                        "one detector on many cases); --list-defects prints the kinds")
    g.add_argument("--list-defects", action="store_true", help="print the defect kinds and exit")
    g.set_defaults(handler=_cmd_generate)
    v = ssub.add_parser("verify", help="核对真值与生成器 / check the truth files against the generator")
    v.add_argument("archive", type=Path)
    v.set_defaults(handler=_cmd_verify)

    def _usage(_args: argparse.Namespace) -> int:
        p.print_help()
        return 2

    p.set_defaults(handler=_usage)
