"""The shape of the code, checked: which package may import which (docs/design.md, "Import
rules"). Every import statement counts, also one inside a function."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipeline", "extractors", "catalog", "samples")

# The stages in data-flow order. A module may import modules of its own layer or of earlier
# layers, never of a later one. (samples and catalog depend only on the kernel.)
LAYERS: list[tuple[str, ...]] = [
    ("pipeline.core", "pipeline"),  # "pipeline" itself: the version
    ("pipeline.geometry",),
    ("pipeline.pages",),
    ("pipeline.ingest",),
    ("pipeline.ocr",),
    ("pipeline.forensics",),
    ("pipeline.classify",),
    ("extractors", "catalog", "samples"),
    ("pipeline.qualify",),
    ("pipeline.checks",),
    ("pipeline.report",),
    ("pipeline.casefile",),
    ("pipeline.store",),
    ("pipeline.run",),
    ("pipeline.batch",),
    ("pipeline.commands", "pipeline.measure"),
    ("pipeline.cli",),
]

# Third-party readers of files and engines, and the only modules that may use them.
CONFINED = {
    "pdfplumber": ("pipeline.pages",),
    "pypdfium2": ("pipeline.pages",),
    "pikepdf": ("pipeline.pages", "samples"),  # samples write PDFs with it
    "pytesseract": ("pipeline.ocr",),
    "rapidocr": ("pipeline.ocr", "pipeline.measure"),  # measure times bare RapidOCR
    "openvino": ("pipeline.ocr",),
    "onnxruntime": ("pipeline.ocr",),
}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, int]]:
    """(module imported, line) for every import in the file, submodules of `from X import y` resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            found += [(f"{node.module}.{a.name}", node.lineno) for a in node.names
                      if f"{node.module}.{a.name}" in MODULES]
    return found


def _owner(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _layer(module: str) -> int:
    best, rank = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if _owner(module, (p,)) and len(p) > best:
                best, rank = len(p), i
    assert rank >= 0, f"{module} is in no layer: add it to LAYERS"
    return rank


def _ours(module: str) -> str | None:
    """The credcase module an import names (the longest known prefix), or None."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        cand = ".".join(parts[:n])
        if cand in MODULES:
            return cand
    return None


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        _layer(module)


def test_extractors_catalog_and_samples_use_only_the_kernel_of_pipeline() -> None:
    bad = [f"{m}:{line} imports {imp}" for m, path in MODULES.items() if _owner(m, ("extractors", "catalog", "samples"))
           for imp, line in _imports(path) if _owner(imp, ("pipeline",)) and not _owner(imp, ("pipeline.core",))]
    assert bad == []


def test_no_stage_imports_a_later_stage() -> None:
    bad = []
    for m, path in MODULES.items():
        for imp, line in _imports(path):
            target = _ours(imp)
            if target is not None and _layer(target) > _layer(m):
                bad.append(f"{m}:{line} imports {target}")
    assert bad == []


def test_the_kernel_imports_nothing_else_of_credcase() -> None:
    bad = [f"{m}:{line} imports {imp}" for m, path in MODULES.items() if _owner(m, ("pipeline.core",))
           for imp, line in _imports(path)
           if (t := _ours(imp)) is not None and not _owner(t, ("pipeline.core",)) and t != "pipeline"]
    assert bad == []


@pytest.mark.parametrize("library,allowed", sorted(CONFINED.items()))
def test_file_readers_and_engines_are_used_in_one_place(library: str, allowed: tuple[str, ...]) -> None:
    users = sorted({m for m, path in MODULES.items() for imp, _ in _imports(path)
                    if _owner(imp, (library,)) and not _owner(m, allowed)})
    assert users == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for m, path in MODULES.items():
        graph[m]
        for imp, _ in _imports(path):
            target = _ours(imp)
            if target is not None and target != m:
                graph[m].add(target)
                graph[target]
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_extractors_shared_steps_are_private_to_them() -> None:
    bad = [f"{m}:{line} imports {imp}" for m, path in MODULES.items() if not _owner(m, ("extractors",))
           for imp, line in _imports(path) if _owner(imp, ("extractors._shared",))]
    assert bad == []
