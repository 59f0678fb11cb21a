"""Measure the region-code table against public histories of GB/T 2260.

    python -m pipeline.measure.regions [--yearly DIR] [--revisions DIR] [--since 1984] [--json]

--yearly: a folder of yearly lists `YYYY.txt`, one `CODE NAME` per line (the layout of the
public yearly lists 1981–2024); --revisions: a folder of the Ministry of Civil Affairs'
revisions as TSV (`Source, Revision, Code, Name`, files `YYYYMM.tsv`, searched recursively).
Neither is part of credcase: point the command at copies you have. It prints how many of the
codes in use in or after --since credcase knows, and lists the ones it does not, with the years
they were listed — each one is a genuine card credcase would call ID_NUMBER_REGION_UNKNOWN.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from pipeline.core.regions import region_info


def codes_in_use(yearly: Path | None, revisions: Path | None, since: int) -> dict[str, set[int]]:
    """Code → the years a source listed it, from `since` on."""
    seen: dict[str, set[int]] = defaultdict(set)
    if yearly:
        for f in sorted(yearly.glob("*.txt")):
            if f.stem.isdigit() and int(f.stem[:4]) >= since:
                for m in re.finditer(r"^(\d{6})\s", f.read_text(encoding="utf-8"), re.M):
                    seen[m.group(1)].add(int(f.stem[:4]))
    if revisions:
        for f in sorted(revisions.rglob("*.tsv")):
            if re.fullmatch(r"\d{6}", f.stem) and int(f.stem[:4]) >= since:
                for line in f.read_text(encoding="utf-8").splitlines():
                    parts = line.split("\t")
                    if len(parts) >= 4 and re.fullmatch(r"\d{6}", parts[2]):
                        seen[parts[2]].add(int(f.stem[:4]))
    return seen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.measure.regions", description=__doc__.split("\n")[0])
    ap.add_argument("--yearly", type=Path)
    ap.add_argument("--revisions", type=Path)
    ap.add_argument("--since", type=int, default=1984)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not args.yearly and not args.revisions:
        ap.error("give --yearly and/or --revisions")
    seen = codes_in_use(args.yearly, args.revisions, args.since)
    unknown = {c: sorted(ys) for c, ys in sorted(seen.items()) if not region_info(c).known}
    report = {"since": args.since, "codes_in_use": len(seen), "known": len(seen) - len(unknown),
              "unknown": unknown}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(f"codes in use since {args.since}: {len(seen)}; known to credcase: {report['known']}; "
              f"unknown: {len(unknown)}")
        for c, ys in unknown.items():
            print(f"  {c}  listed {ys[0]}–{ys[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
