"""The one loader of data files: YAML read, checked against a pydantic schema, and every
problem named by file, line and key ("policy.yaml line 41, thresholds.max_age: …").

Keywords, layouts, thresholds, catalogue batches and labels are data, edited by people who
do not read Python; a typo must point at its line. A key written twice in one mapping is an
error too (YAML would silently keep the last one, and the first entry would be lost).

    settings = load_bundled("pipeline", "data/ocr.yaml", OcrSettings)   # a packaged file
    batch = load_path(Path("new-batch.yaml"), Catalog)                    # a file a user gives
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.core.errors import DataFileError

M = TypeVar("M", bound=BaseModel)

MAX_PROBLEMS = 8  # listed in one message; the rest are counted


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key repeated within one mapping."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key: SafeLoader reports it below
            continue
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice (first on line {first})", key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """The parsed document and its node tree (for line numbers); DataFileError on bad YAML."""
    try:
        node = yaml.compose(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DataFileError(f"数据文件 {source}{line} 无法解析：{problem}",
                            f"data file {source}{line} cannot be parsed: {problem}") from exc
    return data, node


def line_of(node: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """1-based line of the deepest node of `loc` (a pydantic error location) that exists."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            nxt = node.value[part]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def problems(exc: ValidationError, node: yaml.Node | None) -> list[str]:
    """'line 12, entries.3.title: Field required' for each error of a validation."""
    out = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        line = line_of(node, loc)
        key = ".".join(str(p) for p in loc) or "(top level)"
        out.append(f"{f'line {line}, ' if line else ''}{key}: {err['msg']}")
    return out


def validate(data: Any, node: yaml.Node | None, source: str, model: type[M]) -> M:
    """`data` checked against `model`; DataFileError listing every problem with its line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        found = problems(exc, node)
        shown = "; ".join(found[:MAX_PROBLEMS]) + (f"; … (+{len(found) - MAX_PROBLEMS})"
                                                    if len(found) > MAX_PROBLEMS else "")
        raise DataFileError(f"数据文件 {source} 有误：{shown}", f"data file {source} is invalid: {shown}") from exc


def parse(text: str, source: str, model: type[M]) -> M:
    """YAML text → a validated `model`; `source` names the file in messages."""
    data, node = read_yaml(text, source)
    return validate(data, node, source, model)


def load_bundled(package: str, name: str, model: type[M]) -> M:
    """A data file shipped inside `package` (e.g. "pipeline", "data/flags.yaml")."""
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    return parse(text, f"{package}/{name}", model)


def load_path(path: Path, model: type[M]) -> M:
    """A data file on disk (a catalogue batch a user passes); unreadable → DataFileError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"数据文件无法读取：{path}", f"cannot read data file {path}: {exc}") from exc
    return parse(text, str(path), model)
