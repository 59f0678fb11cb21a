"""Load and validate a catalogue batch file (the policy's Appendix 1 as data).

Batches change over time, so each one is a YAML file checked on load; every problem names
the file, the line and the entry, and all problems are reported at once so a clerk can fix a
batch in one pass (the YAML is read by pipeline.core.datafiles, which also refuses a key
written twice).
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.core.datafiles import line_of, load_path, read_yaml
from pipeline.core.errors import DataFileError

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_CATALOG = DATA_DIR / "batch-1.yaml"
VOCABULARY_FILE = DATA_DIR / "vocabulary.yaml"

REQUIRED_ENTRY_FIELDS = ("id", "name_en", "name_zh", "issuer_zh", "issuer_en", "title", "series")


class CatalogEntry(BaseModel):
    """One catalogue line. name_* / issuer_* / title / series are the catalogue's own text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int = Field(ge=1)
    name_en: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    issuer_zh: str = Field(min_length=1)
    issuer_en: str = Field(min_length=1)
    issuer_short: str = ""
    title: str
    series: str
    generic: bool = False  # the name means nothing without its issuer ("Member", ...)
    aliases: list[str] = Field(default_factory=list)  # credential names as printed on real paper
    abbreviations: list[str] = Field(default_factory=list)  # post-nominals, matched as whole tokens
    generic_aliases: list[str] = Field(default_factory=list)  # aliases that need issuer evidence
    issuers: list[str] = Field(default_factory=list)  # bodies printed on the paper (incl. real issuers)
    issuer_abbrevs: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def short_issuer(self) -> str:
        return self.issuer_short or self.issuer_en


class NearMiss(BaseModel):
    """A credential that resembles an entry but is not in the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    issuer: str | None = None
    near: list[int] = Field(default_factory=list)  # entry ids it is confused with
    verdict: Literal["no_match", "review"] = "no_match"
    note: str | None = None


class OtherIssuer(BaseModel):
    """A body whose name or abbreviation is confusable with a catalogue issuer (counter-evidence)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    forms: list[str] = Field(default_factory=list)
    abbrevs: list[str] = Field(default_factory=list)
    note: str = ""


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True)

    batch_id: str
    effective_date: date
    source: str
    entries: list[CatalogEntry]
    near_misses: list[NearMiss] = Field(default_factory=list)
    other_issuers: list[OtherIssuer] = Field(default_factory=list)
    path: str = ""

    def entry(self, n: int) -> CatalogEntry:
        for e in self.entries:
            if e.id == n:
                return e
        raise KeyError(n)

    @property
    def ids(self) -> list[int]:
        return [e.id for e in self.entries]


class _Header(BaseModel):
    batch_id: str = "x"
    effective_date: date = date(2000, 1, 1)
    source: str = "x"


class _Vocabulary(BaseModel):
    titles: list[str]
    series: list[str]


@functools.lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    return load_path(VOCABULARY_FILE, _Vocabulary)


def _label(raw: Any, index: int) -> tuple[str, str]:
    """How an entry is named in messages: its number and name if present, else its position."""
    if isinstance(raw, dict) and raw.get("id") is not None:
        name = raw.get("name_en") or raw.get("name_zh") or ""
        return f"条目 {raw['id']}（{name}）", f"entry {raw['id']} ({name})"
    return f"第 {index + 1} 个条目", f"entry #{index + 1}"


class _Problems:
    """Problems of one batch as (zh, en) pairs, each led by the line it is on."""

    def __init__(self, node: yaml.Node | None) -> None:
        self.node = node
        self.found: list[tuple[str, str]] = []

    def add(self, loc: tuple[int | str, ...], zh: str, en: str) -> None:
        line = line_of(self.node, loc) if loc else None
        self.found.append((f"第 {line} 行，{zh}", f"line {line}, {en}") if line else (zh, en))


def _check(raw: Any, node: yaml.Node | None) -> list[tuple[str, str]]:
    """All problems of a parsed batch, as (zh, en) pairs; empty when the batch is valid."""
    out = _Problems(node)
    _check_into(raw, out)
    return out.found


def _check_into(raw: Any, problems: _Problems) -> None:
    if not isinstance(raw, dict):
        problems.add((), "文件顶层应为映射（batch_id、effective_date、source、entries）",
                     "top level must be a mapping (batch_id, effective_date, source, entries)")
        return
    for key in ("batch_id", "effective_date", "source", "entries"):
        if key not in raw or raw[key] in (None, ""):
            problems.add((key,) if key in raw else (), f"缺少文件头字段 {key}", f"missing header field {key}")
    try:
        _Header.model_validate({k: raw.get(k) for k in ("batch_id", "effective_date", "source")
                                if raw.get(k) not in (None, "")})
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            problems.add(tuple(err["loc"]), f"文件头字段 {loc} 无效（{err['msg']}）", f"header field {loc}: {err['msg']}")
    entries = raw.get("entries") or []
    if not isinstance(entries, list):
        problems.add(("entries",), "entries 应为列表", "entries must be a list")
        return
    vocab = _vocabulary()
    seen: dict[Any, int] = {}
    for i, e in enumerate(entries):
        zh, en = _label(e, i)
        at = ("entries", i)
        if not isinstance(e, dict):
            problems.add(at, f"{zh}：应为映射", f"{en}: must be a mapping")
            continue
        for f in REQUIRED_ENTRY_FIELDS:
            if e.get(f) in (None, ""):
                problems.add(at, f"{zh}：缺少字段 {f}", f"{en}: missing field {f}")
        if isinstance(e.get("id"), int):
            if e["id"] in seen:
                problems.add((*at, "id"), f"{zh}：序号 {e['id']} 重复（与第 {seen[e['id']] + 1} 个条目）",
                             f"{en}: duplicate number {e['id']} (also entry #{seen[e['id']] + 1})")
            else:
                seen[e["id"]] = i
        if e.get("title") not in (None, "") and e["title"] not in vocab.titles:
            problems.add((*at, "title"), f"{zh}：未知的专业技术资格「{e['title']}」（可用：{'、'.join(vocab.titles)}）",
                         f"{en}: unknown title '{e['title']}' (valid: {', '.join(vocab.titles)})")
        if e.get("series") not in (None, "") and e["series"] not in vocab.series:
            problems.add((*at, "series"), f"{zh}：未知的系列「{e['series']}」（可用：{'、'.join(vocab.series)}）",
                         f"{en}: unknown series '{e['series']}' (valid: {', '.join(vocab.series)})")
        try:
            CatalogEntry.model_validate(e)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                if err["type"] == "missing":
                    continue  # already reported above in both languages
                problems.add((*at, *err["loc"]), f"{zh}：字段 {loc} 无效（{err['msg']}）", f"{en}: field {loc}: {err['msg']}")
    for key in ("near_misses", "other_issuers"):
        if not isinstance(raw.get(key) or [], list):
            problems.add((key,), f"{key} 应为列表", f"{key} must be a list")
    for i, oi in enumerate(raw.get("other_issuers") or [] if isinstance(raw.get("other_issuers"), list) else []):
        try:
            OtherIssuer.model_validate(oi)
        except ValidationError as exc:
            name = oi.get("name", f"#{i + 1}") if isinstance(oi, dict) else f"#{i + 1}"
            problems.add(("other_issuers", i), f"其他机构 {name} 无效：{exc.errors()[0]['msg']}",
                         f"other issuer {name} invalid: {exc.errors()[0]['msg']}")
    nm_raw = raw.get("near_misses")
    near_misses: list[Any] = nm_raw if isinstance(nm_raw, list) else []
    for i, nm in enumerate(near_misses):
        try:
            NearMiss.model_validate(nm)
        except ValidationError as exc:
            name = nm.get("name", f"#{i + 1}") if isinstance(nm, dict) else f"#{i + 1}"
            problems.add(("near_misses", i), f"近似资格 {name} 无效：{exc.errors()[0]['msg']}",
                         f"near miss {name} invalid: {exc.errors()[0]['msg']}")
        else:
            for n in nm.get("near", []):
                if n not in seen:
                    problems.add(("near_misses", i, "near"), f"近似资格 {nm['name']} 引用了不存在的序号 {n}",
                                 f"near miss {nm['name']} refers to unknown entry {n}")


def _parse(path: Path) -> tuple[Any, list[tuple[str, str]]]:
    """The parsed batch and its problems (all of them, each with its line)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        return None, [(f"无法读取文件：{reason}", f"cannot read file: {reason}")]
    try:
        raw, node = read_yaml(text, str(path))
    except DataFileError as exc:
        return None, [(f"YAML 语法错误：{exc.message_zh}", f"YAML syntax error: {exc.message_en}")]
    return raw, _check(raw, node)


def validate_file(path: Path) -> list[tuple[str, str]]:
    """Problems of a batch file (empty list: valid). Never raises for bad content."""
    return _parse(path)[1]


def _load_uncached(path: Path) -> Catalog:
    raw, problems = _parse(path)
    if problems:
        zh = "；".join(p[0] for p in problems)
        en = "; ".join(p[1] for p in problems)
        raise DataFileError(f"目录批次文件 {path} 无效：{zh}", f"catalogue batch file {path} is invalid: {en}")
    lists = {k: raw.get(k) or [] for k in ("near_misses", "other_issuers")}  # an empty section is no section
    try:
        return Catalog.model_validate({**raw, **lists, "path": str(path)})
    except ValidationError as exc:
        raise DataFileError(f"目录批次文件 {path} 无效", f"catalogue batch file {path} is invalid: {exc}") from exc


@functools.lru_cache(maxsize=8)
def _load_cached(path: Path, mtime: float) -> Catalog:
    return _load_uncached(path)


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalogue batch at `path` (default: the bundled current batch), validated."""
    p = Path(path or DEFAULT_CATALOG).resolve()
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise DataFileError(f"找不到目录批次文件：{p}", f"catalogue batch file not found: {p}") from exc
    return _load_cached(p, mtime)
