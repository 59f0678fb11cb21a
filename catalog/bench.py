"""`python -m catalog.bench`: matcher accuracy on the case table and queries per second.

The case table (tests/data/match_cases.yaml) holds certificate wording as printed, OCR damage,
German forms, generic titles with/without issuer and near misses. Accuracy is reported the way
the risk lies: wrong matches and near misses matched must be zero; positives found is a rate.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from catalog.matcher import Matcher, get_matcher
from pipeline.core.datafiles import load_path

DEFAULT_CASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "match_cases.yaml"


class MatchCase(BaseModel):
    text: str
    issuer: str | None = None
    full_text: str | None = None
    id: int | None = None
    status: str
    kind: str = "printed"


@dataclass
class CaseReport:
    total: int = 0
    positives: int = 0  # expected `matched`
    positives_ok: int = 0
    expected_other: int = 0  # expected review/no_match, not near misses
    expected_other_ok: int = 0
    near_misses: int = 0
    near_miss_matched: int = 0
    near_miss_exact_status: int = 0
    wrong_matches: int = 0  # matched to an id other than expected
    failures: list[str] = field(default_factory=list)

    @property
    def positives_accuracy(self) -> float:
        return self.positives_ok / self.positives if self.positives else 1.0


class MatchCases(BaseModel):
    cases: list[MatchCase] = []


def load_cases(path: Path = DEFAULT_CASES) -> list[MatchCase]:
    return load_path(path, MatchCases).cases


def evaluate(cases: list[MatchCase], matcher: Matcher) -> CaseReport:
    rep = CaseReport(total=len(cases))
    for c in cases:
        r = matcher.match(c.text, c.issuer, c.full_text)
        got = r.status.value
        line = f"{c.text!r} issuer={c.issuer!r}: expected {c.status} {c.id}, got {got} {r.catalog_id} ({r.score})"
        if got == "matched" and c.id != r.catalog_id:
            rep.wrong_matches += 1
        if c.kind == "near_miss":
            rep.near_misses += 1
            if got == "matched":
                rep.near_miss_matched += 1
                rep.failures.append("NEAR MISS MATCHED " + line)
            elif got == c.status:
                rep.near_miss_exact_status += 1
        elif c.status == "matched":
            rep.positives += 1
            if got == "matched" and r.catalog_id == c.id:
                rep.positives_ok += 1
            else:
                rep.failures.append("MISSED " + line)
        else:
            rep.expected_other += 1
            if got == c.status and (got == "no_match" or r.catalog_id == c.id):
                rep.expected_other_ok += 1
            else:
                rep.failures.append("STATUS " + line)
    return rep


def queries_per_second(matcher: Matcher, queries: list[tuple[str, str | None]], seconds: float = 2.0,
                       clock: Callable[[], float] = time.perf_counter) -> float:
    """Best pass over the queries within `seconds` (the machine is shared: the best pass is the
    least disturbed one, as with timeit). `clock=time.process_time` counts only this process's
    CPU time, i.e. queries per second of one busy core whatever the other load."""
    best = 0.0
    total_n, total_t = 0, 0.0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or best == 0.0:
        t = clock()
        for text, issuer in queries:
            matcher.match(text, issuer)
        spent = max(clock() - t, 1e-9)
        best = max(best, len(queries) / spent)
        total_n, total_t = total_n + len(queries), total_t + spent
    # CPU time is not disturbed by other processes: report the mean, not the best pass
    return total_n / total_t if clock is time.process_time else best


# OCR damage applied to catalogue forms for the noise sweep: (from, to) pairs seen on scans.
_NOISE = [("l", "1"), ("i", "l"), ("I", "l"), ("o", "0"), ("O", "0"), ("m", "rn"), ("rn", "m"), ("e", "c"),
          ("ü", "ii"), ("ü", "u"), ("ß", "B"), ("S", "5"), (" ", ""), (" ", "  "), ("h", "b"), ("n", "ri")]


def noisy(text: str, rng: random.Random, edits: int) -> str:
    """`text` with `edits` random OCR-style damages (confusions, dropped/doubled spaces, case)."""
    for _ in range(edits):
        options = [(a, b) for a, b in _NOISE if a in text]
        if not options:
            break
        a, b = rng.choice(options)
        starts = [i for i in range(len(text)) if text.startswith(a, i)]
        i = rng.choice(starts)
        text = text[:i] + b + text[i + len(a):]
    return text.upper() if rng.random() < 0.15 else text


def noise_sweep(matcher: Matcher, seed: int = 7, edits: int = 2) -> dict[str, float]:
    """Every catalogue name/alias and every near miss, damaged; how many land where they should."""
    rng = random.Random(seed)
    cat = matcher.catalog
    pos = wrong = pos_ok = 0
    for e in cat.entries:
        issuer = e.issuer_en if e.generic or e.generic_aliases else None
        for text in [e.name_en, *e.aliases]:
            if len(text) < 12:  # short forms: one confusion makes another word; not a fair test
                continue
            r = matcher.match(noisy(text, rng, edits), issuer)
            pos += 1
            if r.status.value == "matched":
                pos_ok += r.catalog_id == e.id
                wrong += r.catalog_id != e.id
    neg = neg_matched = 0
    for nm in cat.near_misses:
        for text in [nm.name, *nm.aliases]:
            if len(text) < 12:
                continue
            r = matcher.match(noisy(text, rng, edits), nm.issuer)
            neg += 1
            neg_matched += r.status.value == "matched"
    return {"positives": pos, "positives_matched": pos_ok, "wrong": wrong, "near_misses": neg,
            "near_misses_matched": neg_matched}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m catalog.bench", description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    ap.add_argument("--catalog", type=Path, default=None)
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    matcher = get_matcher(args.catalog)
    build = time.perf_counter() - t0
    cases = load_cases(args.cases)
    rep = evaluate(cases, matcher)
    print(f"catalogue {matcher.catalog.batch_id}: {len(matcher.catalog.entries)} entries, "
          f"{len(matcher.forms)} forms, built in {build * 1000:.0f} ms")
    print(f"cases: {rep.total}  positives: {rep.positives}  near misses: {rep.near_misses}  "
          f"other expected review/no_match: {rep.expected_other}")
    print(f"positives accuracy: {rep.positives_ok}/{rep.positives} = {rep.positives_accuracy:.1%}")
    print(f"wrong matches (matched to a wrong id): {rep.wrong_matches}")
    print(f"near misses matched: {rep.near_miss_matched}/{rep.near_misses} "
          f"(exact expected status {rep.near_miss_exact_status}/{rep.near_misses})")
    print(f"generic/other expected status: {rep.expected_other_ok}/{rep.expected_other}")
    for f in rep.failures:
        print("  " + f)
    for edits in (1, 2, 3):
        sw = noise_sweep(matcher, edits=edits)
        print(f"noise sweep ({edits} OCR edits per form): catalogue forms matched "
              f"{sw['positives_matched']}/{sw['positives']} = {sw['positives_matched'] / sw['positives']:.1%}, "
              f"wrong {sw['wrong']}; near misses matched {sw['near_misses_matched']}/{sw['near_misses']}")
    short = [(c.text, c.issuer) for c in cases if c.full_text is None and len(c.text.split()) <= 8]
    print(f"short titles: {queries_per_second(matcher, short, args.seconds):,.0f} queries/s wall clock, "
          f"{queries_per_second(matcher, short, args.seconds, time.process_time):,.0f} per CPU-second of one core "
          f"({len(short)} distinct queries, issuer included when the case has one)")
    clean: list[tuple[str, str | None]] = [(e.name_en, None) for e in matcher.catalog.entries]
    print(f"catalogue names: {queries_per_second(matcher, clean, args.seconds / 2):,.0f} queries/s")
    return 0 if rep.wrong_matches == 0 and rep.near_miss_matched == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
