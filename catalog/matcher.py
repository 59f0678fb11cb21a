"""Match a certificate's printed title (and issuer, and full OCR text) to a catalogue entry.

Every catalogue name, alias, abbreviation and near miss becomes a *form*, folded at load time
(accents, case, OCR confusions, spaces and punctuation removed). A query is folded the same way
and scored against all forms with rapidfuzz: whole-string similarity, containment for a title
buried in a sentence, and whole-token n-grams for abbreviations. The longest form that explains
the text wins, so "Senior Certified Welding Inspector" is the near miss SCWI, not CWI. Issuer
evidence decides generic titles ("Member") and contradicts wrong bodies (AWS = Amazon).
When in doubt the answer is `review`: a false match sends an ineligible applicant to the panel.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel
from rapidfuzz import fuzz, process

from catalog.loader import DATA_DIR, Catalog, CatalogEntry, load_catalog
from pipeline.core.datafiles import load_path
from pipeline.core.models import CatalogMatch, MatchCandidate, MatchStatus
from pipeline.core.text import HAN

SETTINGS_FILE = DATA_DIR / "matcher.yaml"
_CJK = re.compile(f"[{HAN}]")
_PAREN = re.compile(r"\([^)]*\)")
_SPLIT = re.compile(f"[^0-9a-z{HAN}]+")
_HYPHEN_BREAK = re.compile(r"[-\u00ad‐‑]\s*\n\s*")


class MatcherSettings(BaseModel):
    match_min: float
    review_min: float
    review_min_full_text: float
    match_min_full_text: float
    margin: float
    containment_penalty: float
    subsume_margin: float
    subsume_partial: float
    relevant_range: float
    similar_explains_min: float
    contained_explains_min: float
    long_form_min: int
    cjk_long_form_min: int
    max_ngram: int  # at least; raised to the longest form's token count
    issuer_min: float
    issuer_weak: float
    replacements: list[tuple[str, str]]
    char_map: dict[str, str]


@functools.lru_cache(maxsize=1)
def load_settings() -> MatcherSettings:
    return load_path(SETTINGS_FILE, MatcherSettings)


class Folder:
    """Text → folded tokens. Same function for catalogue forms and queries, so noise cancels."""

    def __init__(self, s: MatcherSettings) -> None:
        self._repl = s.replacements
        self._table = str.maketrans(s.char_map)

    def tokens(self, text: str) -> list[str]:
        text = _HYPHEN_BREAK.sub("", text)
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
            text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        text = text.lower()
        for a, b in self._repl:
            text = text.replace(a, b)
        return [t for t in _SPLIT.split(text.translate(self._table)) if t]


@dataclass(frozen=True)
class Form:
    key: str  # folded, compact (no separators)
    text: str  # as written in the data
    owner: int  # entry id (> 0) or -(index+1) of a near miss
    kind: str  # name | name_zh | alias | abbreviation | near_miss
    generic: bool = False
    verdict: str = "matched"  # for near misses: no_match | review

    @property
    def is_near_miss(self) -> bool:
        return self.owner < 0


@dataclass
class _Hit:
    form: Form
    score: float
    how: str  # exact | similar | contained | token
    source: str  # title | full_text
    whole: float = 0.0  # best similarity of any of the owner's forms to the whole text


@dataclass
class _IssuerEvidence:
    score: float = 0.0
    text: str = ""
    where: str = ""
    length: int = 0  # folded length of the name found: a longer verbatim name is the more specific


@dataclass
class _IssuerTable:
    short: dict[str, str]  # folded abbreviation → label
    long_keys: list[str]  # folded names, by length
    long_texts: list[str]
    long_lens: list[int]


@dataclass
class _Query:
    key: str
    tokens: list[str]
    ngrams: set[str] = field(default_factory=set)
    grams: list[str] = field(default_factory=list)  # same, in text order (deterministic)
    spans: list[tuple[int, int]] = field(default_factory=list)  # token span of each gram's first occurrence


class _IssuerJudge:
    """Who issued the paper, for one query: evidence for an entry's issuer is weighed against other
    known bodies named on it (lazily: most queries are decided before counter-evidence is needed)."""

    def __init__(self, matcher: Matcher, ctx: list[tuple[str, _Query]], iq: _Query | None) -> None:
        self.m, self.ctx, self.iq = matcher, ctx, iq
        self._counters: dict[str, _IssuerEvidence] = {}
        self._verbatim: _IssuerEvidence | None = None

    def counter(self, scope: str) -> _IssuerEvidence:
        """Another known body named on the paper: anywhere ("any") or in the issuer field ("issuer")."""
        if scope not in self._counters:
            if scope == "any":
                self._counters[scope] = self.m._counter_evidence(self.ctx)
            elif self.iq is None:
                self._counters[scope] = _IssuerEvidence()
            else:
                c = self.counter("any")
                self._counters[scope] = c if c.where == "issuer" or not c.score else self.m._counter_evidence(
                    [("issuer", self.iq)])
        return self._counters[scope]

    def other_verbatim(self) -> _IssuerEvidence:
        if self._verbatim is None:
            self._verbatim = self.m._scan(self.m._other_issuers, self.ctx, fuzzy=False, title_abbrevs=False)
        return self._verbatim

    def credible(self, e: _IssuerEvidence) -> bool:
        if e.score >= 100.0:  # printed verbatim: only another body printed verbatim contradicts it,
            # unless ours is the more specific name ("ASM International" contains the ambiguous "ASM")
            other = self.other_verbatim()
            return other.score < 100.0 or e.length > other.length
        return e.score >= self.m.s.issuer_min and e.score > self.counter("any").score

    def ambiguous(self, e: _IssuerEvidence) -> bool:
        """Verbatim, but another body is printed verbatim just as specifically ("SPE", "ACCP")."""
        other = self.other_verbatim()
        return e.score >= 100.0 and other.score >= 100.0 and other.length == e.length


class Matcher:
    """Built once per catalogue; `match` is pure and thread-safe."""

    def __init__(self, catalog: Catalog, settings: MatcherSettings | None = None) -> None:
        self.catalog = catalog
        self.s = settings or load_settings()
        self.fold = Folder(self.s)
        self.entries = {e.id: e for e in catalog.entries}
        forms: dict[tuple[str, int], Form] = {}

        def add(text: str, owner: int, kind: str, generic: bool = False, verdict: str = "matched") -> None:
            key = "".join(self.fold.tokens(text))
            if key and (key, owner) not in forms:
                forms[(key, owner)] = Form(key, text, owner, kind, generic, verdict)

        for e in catalog.entries:
            generic_aliases = {"".join(self.fold.tokens(a)) for a in e.generic_aliases}
            for text, kind in [(e.name_en, "name"), (_PAREN.sub("", e.name_en), "name"), (e.name_zh, "name_zh")] + \
                    [(a, "alias") for a in e.aliases] + [(a, "abbreviation") for a in e.abbreviations]:
                gen = e.generic or "".join(self.fold.tokens(text)) in generic_aliases
                add(text, e.id, kind, gen)
        for i, nm in enumerate(catalog.near_misses):
            for text in [nm.name, *nm.aliases]:
                add(text, -(i + 1), "near_miss", verdict=nm.verdict)
        self.forms = list(forms.values())
        self.by_key: dict[str, list[Form]] = {}
        for f in self.forms:
            self.by_key.setdefault(f.key, []).append(f)
        # sorted by length so a query only meets forms whose length could reach the score floor
        self.long_forms = sorted((f for f in self.forms if self._is_long(f.key)), key=lambda f: len(f.key))
        self.long_keys = [f.key for f in self.long_forms]
        self._long_lens = [len(k) for k in self.long_keys]
        self._latin_forms = [f for f in self.long_forms if not _CJK.search(f.key)]
        self._latin_keys = [f.key for f in self._latin_forms]
        self._latin_lens = [len(k) for k in self._latin_keys]
        self._cjk_forms = [f for f in self.long_forms if _CJK.search(f.key)]
        self._max_ngram = max(self.s.max_ngram, max(len(self.fold.tokens(f.text)) for f in self.forms))
        self._issuer_forms = {e.id: self._issuer_keys(e) for e in catalog.entries}
        self._other_issuers = self._issuer_table([(x, o.name) for o in catalog.other_issuers
                                                  for x in o.forms + o.abbrevs])
        self._issuer_names = {k for t in [*self._issuer_forms.values(), self._other_issuers] for k in t.long_keys}

    # ------------------------------------------------------------------ helpers

    def _issuer_spans(self, q: _Query) -> list[tuple[int, int]]:
        """Token spans of the text that are an issuer's name ("Institution of Mechanical Engineers"
        must not be read as the credential "Mechanical Engineer")."""
        return [sp for g, sp in zip(q.grams, q.spans, strict=True) if g in self._issuer_names]

    def _is_long(self, key: str) -> bool:
        if _CJK.search(key):
            return len(key) >= self.s.cjk_long_form_min
        return len(key) >= self.s.long_form_min

    def _issuer_table(self, texts: list[tuple[str, str]]) -> _IssuerTable:
        """(form, label) pairs → lookup table: short forms as whole tokens, long ones by length."""
        short: dict[str, str] = {}
        long: list[tuple[str, str]] = []
        for text, label in texts:
            k = "".join(self.fold.tokens(text))
            if not k:
                continue
            if self._is_long(k):
                long.append((k, label))
            else:
                short.setdefault(k, label)
        long = sorted(dict(long).items(), key=lambda kv: len(kv[0]))
        return _IssuerTable(short, [k for k, _ in long], [t for _, t in long], [len(k) for k, _ in long])

    def _issuer_keys(self, e: CatalogEntry) -> _IssuerTable:
        texts = [*e.issuers, _PAREN.sub("", e.issuer_en), e.issuer_zh, *e.issuer_abbrevs]
        return self._issuer_table([(t, t) for t in dict.fromkeys(texts)])

    def _query(self, text: str) -> _Query:
        toks = self.fold.tokens(text)
        n = self._max_ngram
        spans: dict[str, tuple[int, int]] = {}
        for i in range(len(toks)):
            for j in range(i + 1, min(len(toks), i + n) + 1):
                spans.setdefault("".join(toks[i:j]), (i, j))
        return _Query("".join(toks), toks, set(spans), list(spans), list(spans.values()))

    # ------------------------------------------------------------------ scoring

    def _hits(self, q: _Query, source: str, blocked: list[tuple[int, int]] | None = None) -> dict[int, _Hit]:
        """Best hit per owner (entry or near miss) for one query text; parts of the text inside a
        `blocked` token span (an issuer's name) are not read as credentials."""
        best, whole = self._raw_hits(q, source, blocked or [])
        for owner, h in best.items():
            h.whole = whole.get(owner, 0.0)
        return best

    def _raw_hits(self, q: _Query, source: str, blocked: list[tuple[int, int]]
                  ) -> tuple[dict[int, _Hit], dict[int, float]]:
        s = self.s
        best: dict[int, _Hit] = {}

        whole: dict[int, float] = {}

        def offer(form: Form, score: float, how: str, span: tuple[int, int] | None = None) -> None:
            if span is not None and any(a <= span[0] and span[1] <= b for a, b in blocked):
                return
            if how in ("exact", "similar"):
                whole[form.owner] = max(score, whole.get(form.owner, 0.0))
            cur = best.get(form.owner)
            if cur is None or (score, len(form.key)) > (cur.score, len(cur.form.key)):
                best[form.owner] = _Hit(form, score, how, source)

        if not q.key:
            return best, whole
        exact = self.by_key.get(q.key, ())
        for f in exact:
            offer(f, 100.0, "exact")
        contained_score = 100.0 - s.containment_penalty
        for g, span in zip(q.grams, q.spans, strict=True):
            if g != q.key:
                for f in self.by_key.get(g, ()):
                    offer(f, contained_score, "token", span)
        if exact:
            # the whole text is a known form: any form inside it is a part of it, and no other
            # form can score higher, so the fuzzy passes cannot change the outcome
            return best, whole
        floor = s.review_min
        a = len(q.key)
        c = floor / 100.0
        lo = bisect.bisect_left(self._long_lens, a * c / (2 - c))
        hi = bisect.bisect_right(self._long_lens, a * (2 - c) / c)
        top_similar = 0.0
        for _, score, idx in process.extract(q.key, self.long_keys[lo:hi], scorer=fuzz.ratio,
                                             score_cutoff=floor, limit=12):
            offer(self.long_forms[lo + idx], float(score), "similar")
            top_similar = max(top_similar, float(score))
        if top_similar >= s.match_min:
            return best, whole  # the text is (a noisy copy of) one form; parts of it are explained by it
        # containment: a form equal (up to noise) to a run of whole tokens of the text. Windows of
        # tokens instead of partial_ratio: an order of magnitude faster, and spaces dropped or
        # added by OCR are absorbed by joining the tokens.
        picked = [(g, sp) for g, sp in zip(q.grams, q.spans, strict=True) if len(g) >= s.long_form_min and g != q.key]
        grams = [g for g, _ in picked]
        if grams:
            c = (floor + s.containment_penalty) / 100.0
            glo = min(len(g) for g in grams) * c / (2 - c)
            ghi = max(len(g) for g in grams) * (2 - c) / c
            lo = bisect.bisect_left(self._latin_lens, glo)
            hi = bisect.bisect_right(self._latin_lens, ghi)
            if hi > lo:
                scores = process.cdist(grams, self._latin_keys[lo:hi], scorer=fuzz.ratio, workers=1,
                                       dtype=np.uint8, score_cutoff=int(floor + s.containment_penalty))
                for gi, fi in zip(*np.nonzero(scores), strict=True):
                    offer(self._latin_forms[lo + fi], float(scores[gi, fi]) - s.containment_penalty, "contained",
                          picked[gi][1])
        if _CJK.search(q.key):
            for f in self._cjk_forms:
                if len(f.key) < a:
                    sc = 100.0 if f.key in q.key else float(fuzz.partial_ratio(f.key, q.key))
                    if sc >= floor + s.containment_penalty:
                        offer(f, sc - s.containment_penalty, "contained")
        return best, whole

    def _winners(self, hits: list[_Hit]) -> list[_Hit]:
        """Rank hits; drop those explained by a longer form that contains them."""
        hits = sorted(hits, key=lambda h: (h.score, len(h.form.key)), reverse=True)
        if hits:  # far below the best they neither win nor decide anything
            floor = hits[0].score - self.s.relevant_range
            hits = [h for h in hits if h.score >= floor]
        kept: list[_Hit] = []
        cut = self.s.subsume_partial
        for h in hits:
            subsumed = any(
                len(o.form.key) > len(h.form.key) and self._explains(o, h)
                and (h.form.key in o.form.key or fuzz.partial_ratio(h.form.key, o.form.key, score_cutoff=cut))
                for o in hits if o is not h)
            if not subsumed:
                kept.append(h)
        return kept

    def _scan(self, table: _IssuerTable, ctx: list[tuple[str, _Query]], fuzzy: bool = True,
              title_abbrevs: bool = True) -> _IssuerEvidence:
        """Best appearance of any of a table's issuer names in the contexts (title: exact only).
        Verbatim hits win, the longest (most specific) first."""
        best = _IssuerEvidence()
        exact: _IssuerEvidence | None = None
        for where, q in ctx:
            keys = [k for k in q.ngrams & table.short.keys()] if title_abbrevs or where != "title" else []
            keys += [k for k in table.long_keys if k in q.key]
            for k in keys:
                if exact is None or len(k) > exact.length:
                    label = table.short[k] if k in table.short else table.long_texts[table.long_keys.index(k)]
                    exact = _IssuerEvidence(100.0, label, where, len(k))
        if exact is not None:
            return exact
        for where, q in ctx:
            if where == "title" or not fuzzy:
                continue  # the title is matched as a credential, not searched for issuers
            cut = max(best.score, self.s.issuer_weak)
            n = bisect.bisect_right(table.long_lens, len(q.key))
            if n:  # names no longer than the text: do they appear in it?
                r = process.extractOne(q.key, table.long_keys[:n], scorer=fuzz.partial_ratio, score_cutoff=cut)
                if r and r[1] > best.score:
                    best = _IssuerEvidence(float(r[1]), table.long_texts[r[2]], where, len(r[0]))
            if n < len(table.long_keys):  # longer names: is the text a (noisy) copy of one?
                r = process.extractOne(q.key, table.long_keys[n:], scorer=fuzz.ratio, score_cutoff=cut)
                if r and r[1] > best.score:
                    best = _IssuerEvidence(float(r[1]), table.long_texts[n + r[2]], where, len(r[0]))
        return best

    def _explains(self, longer: _Hit, shorter: _Hit) -> bool:
        """Does the longer form's hit account for the shorter one (which it contains)?

        A longer form found *in* the text explains a shorter one near its score. A longer form
        resembling the whole text (OCR-damaged copy) explains a shorter form found intact inside
        the text: "Mechatronikerin fur Kältetcchnik" is entry 40 damaged, not entry 38 plus noise.
        Otherwise it must score at least as high."""
        if longer.how != "similar":
            return longer.score >= shorter.score - self.s.subsume_margin and (
                longer.score >= self.s.contained_explains_min or longer.score >= shorter.score)
        if shorter.how in ("contained", "token"):
            return longer.score >= self.s.similar_explains_min and longer.score >= shorter.whole
        return longer.score >= shorter.score

    def _issuer_evidence(self, entry_id: int, ctx: list[tuple[str, _Query]]) -> _IssuerEvidence:
        # an abbreviation inside the title is part of the credential's name ("SPE Member", "AWS CWI"),
        # not independent evidence of who issued the paper
        return self._scan(self._issuer_forms[entry_id], ctx, title_abbrevs=False)

    def _counter_evidence(self, ctx: list[tuple[str, _Query]]) -> _IssuerEvidence:
        # the title's own abbreviations ("SPE Petroleum Engineering Certification") name the credential
        return self._scan(self._other_issuers, ctx, title_abbrevs=False)

    # ------------------------------------------------------------------ public

    def match(self, title: str, issuer: str | None = None, full_text: str | None = None) -> CatalogMatch:
        """Catalogue entry for a certificate title (issuer and full OCR text are optional evidence)."""
        s = self.s
        tq = self._query(title or "")
        pool = self._hits(tq, "title")
        decisive = [h for h in pool.values() if not h.form.is_near_miss and not h.form.generic]
        top_title = max((h.score for h in decisive), default=0.0)
        fq = self._query(full_text) if full_text else None
        # the whole page is searched unless the title alone names a specific credential well
        if fq is not None and fq.key != tq.key and top_title < s.match_min:
            for owner, h in self._hits(fq, "full_text", self._issuer_spans(fq)).items():
                if h.score >= s.review_min_full_text and (owner not in pool or h.score > pool[owner].score):
                    pool[owner] = h
        ranked = self._winners(list(pool.values()))
        if not ranked:
            return CatalogMatch(status=MatchStatus.NO_MATCH, catalog_id=None, score=0.0, candidates=[])

        iq = self._query(issuer) if issuer else None
        ctx: list[tuple[str, _Query]] = [("title", tq)]
        if iq is not None:
            ctx.append(("issuer", iq))
        if fq is not None:
            ctx.append(("full_text", fq))
        judge = _IssuerJudge(self, ctx, iq)
        counter, credible, ambiguous = judge.counter, judge.credible, judge.ambiguous

        positives = [h for h in ranked if not h.form.is_near_miss]
        evidence = {h.form.owner: self._issuer_evidence(h.form.owner, ctx) for h in positives[:6]}
        candidates = [self._candidate(h, evidence.get(h.form.owner)) for h in ranked[:6]]

        top = ranked[0]
        if top.form.is_near_miss and positives and positives[0].score > top.score - s.margin:
            # a catalogue credential stands beside the near miss, not inside it (a card listing both
            # CWI and CRI): the reviewer decides, pointed at the catalogue entry
            return self._result(MatchStatus.REVIEW, positives[0], candidates)
        if top.form.is_near_miss:
            status = MatchStatus(top.form.verdict)
            near = self.catalog.near_misses[-top.form.owner - 1].near
            cid = None
            if status == MatchStatus.REVIEW:  # point the reviewer at the entry it resembles most
                cid = next((h.form.owner for h in positives if h.form.owner in near), near[0] if near else None)
            # no_match: the score is how well any catalogue entry fits (the near miss is candidates[0]);
            # review: how strongly the paper resembles the entry the reviewer is pointed at
            score = top.score if status == MatchStatus.REVIEW else max((h.score for h in positives), default=0.0)
            return CatalogMatch(status=status, catalog_id=cid, score=round(score, 1), candidates=candidates)

        ev = evidence[top.form.owner]
        has_ev = credible(ev)
        # same or nearly the same score for another entry: issuer evidence may break the tie
        rivals = [h for h in positives[1:] if h.score > top.score - s.margin]
        if rivals:
            with_ev = [h for h in [top, *rivals] if credible(evidence[h.form.owner])]
            if len(with_ev) == 1:
                top, ev, has_ev = with_ev[0], evidence[with_ev[0].form.owner], True
            elif with_ev:
                return self._result(MatchStatus.REVIEW, top, candidates)
            else:  # none of them has its issuer on the paper
                tied = [top, *rivals]
                if any(ambiguous(evidence[h.form.owner]) for h in tied):  # e.g. "SPE" alone
                    return self._result(MatchStatus.REVIEW, top, candidates)
                if counter("issuer").score >= s.issuer_min or (
                        iq is not None and all(h.form.generic for h in tied)
                        and max(evidence[h.form.owner].score for h in tied) < s.issuer_weak):
                    return self._result(MatchStatus.NO_MATCH, None, candidates, top.score)
                return self._result(MatchStatus.REVIEW, top, candidates)
        if top.score < s.review_min:
            return self._result(MatchStatus.NO_MATCH, None, candidates, top.score)
        if top.score < (s.match_min_full_text if top.source == "full_text" else s.match_min):
            return self._result(MatchStatus.REVIEW, top, candidates)
        if has_ev:
            return self._result(MatchStatus.MATCHED, top, candidates)
        if ambiguous(ev):  # issuer printed verbatim, but so is another body ("SPE", "ASM")
            return self._result(MatchStatus.REVIEW, top, candidates)
        if counter("issuer").score >= s.issuer_min:  # the issuer printed is a different, known body
            return self._result(MatchStatus.NO_MATCH, None, candidates, top.score)
        if counter("any").score >= s.issuer_min or top.form.generic:
            if top.form.generic and iq is not None and ev.score < s.issuer_weak:
                return self._result(MatchStatus.NO_MATCH, None, candidates, top.score)
            return self._result(MatchStatus.REVIEW, top, candidates)
        if iq is not None and ev.score < s.issuer_weak:
            return self._result(MatchStatus.REVIEW, top, candidates)  # issuer printed is someone else
        return self._result(MatchStatus.MATCHED, top, candidates)

    def _result(self, status: MatchStatus, top: _Hit | None, candidates: list[MatchCandidate],
                score: float | None = None) -> CatalogMatch:
        if top is not None:  # the entry decided on (e.g. by issuer evidence in a tie) is listed first
            name = self.entries[top.form.owner].name_en
            first = [c for c in candidates if c.catalog_id == top.form.owner and c.name == name]
            candidates = first[:1] + [c for c in candidates if c not in first[:1]]
        return CatalogMatch(status=status, catalog_id=top.form.owner if top else None,
                            score=round(score if score is not None else (top.score if top else 0.0), 1),
                            candidates=candidates)

    def _candidate(self, h: _Hit, ev: _IssuerEvidence | None) -> MatchCandidate:
        f = h.form
        if f.is_near_miss:
            nm = self.catalog.near_misses[-f.owner - 1]
            near = ", ".join(str(n) for n in nm.near)
            reason = (f"近似但不在目录中 / near miss not in catalogue: '{f.text}' ({h.how} in {h.source}); "
                      f"resembles entries {near}; verdict {nm.verdict}")
            return MatchCandidate(catalog_id=nm.near[0] if nm.near else 0, name=nm.name,
                                                  score=round(h.score, 1), reason=reason)
        e = self.entries[f.owner]
        reason = f"{f.kind} '{f.text}' ({h.how} in {h.source})"
        if f.generic:
            reason += "; generic title, needs issuer"
        if ev is not None and ev.score >= self.s.issuer_min:
            reason += f"; issuer '{ev.text}' found in {ev.where} ({ev.score:.0f})"
        else:
            reason += "; no issuer evidence"
        return MatchCandidate(catalog_id=e.id, name=e.name_en, score=round(h.score, 1), reason=reason)


@functools.lru_cache(maxsize=8)
def _matcher_for(path: Path | None, catalog_key: str) -> Matcher:
    return Matcher(load_catalog(path))


def get_matcher(path: Path | None = None) -> Matcher:
    """The matcher for a catalogue batch (default: bundled current batch), built once per file."""
    cat = load_catalog(path)  # cached per path and mtime; a changed file gives a new matcher
    return _matcher_for(Path(path).resolve() if path else None, f"{cat.path}:{id(cat)}")


def match(title: str, issuer: str | None = None, full_text: str | None = None,
          catalog_file: Path | None = None) -> CatalogMatch:
    """Convenience: match against the default (or given) batch."""
    return get_matcher(catalog_file).match(title, issuer, full_text)
