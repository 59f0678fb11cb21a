"""The `credcase` command line: argparse and exit codes only. Each area registers its own
sub-commands; CredcaseError becomes its exit code here, and nothing else calls sys.exit."""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

import catalog.cli
import samples.cli
from pipeline import __version__, batch, commands
from pipeline.core import logs
from pipeline.core.errors import ConfigError, CredcaseError, ExitCode
from pipeline.core.labels import usage_message_zh
from pipeline.measure import evaluate

EPILOG = """\
退出码 / exit codes: 0 成功 success; 1 部分输入失败（仍写入案卷）some inputs failed (still written);
2 用法或配置错误 usage or configuration error."""

# each area adds its sub-commands, in the order `credcase --help` lists them
AREAS = (commands, batch, catalog.cli, samples.cli, evaluate)


class Parser(argparse.ArgumentParser):
    """argparse with its complaints as credcase's usage errors (Chinese first, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"命令用法有误：{usage_message_zh(message)}（{self.prog} --help 查看用法）",
                          f"usage error: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="credcase",
        description="国际职业资格比照认定材料预审 / pre-screening of international-qualification applications",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"credcase {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="more log output / 详细日志")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for area in AREAS:
        area.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    os.umask(0o077)  # what we write holds identity data: not world-readable
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        logs.configure(args.verbose)
        if not getattr(args, "handler", None):
            parser.print_help()
            return ExitCode.USAGE
        return int(args.handler(args))
    except CredcaseError as exc:
        print(f"错误：{exc.message_zh}\nError: {exc.message_en}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
