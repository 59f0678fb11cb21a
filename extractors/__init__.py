"""Field extractors, one module per doc type, in a registry keyed by DocType.

Adding a document type touches one file here (a module with `@register(DocType.X)`) and
one entry in pipeline/data/doc_types.yaml. Modules in this package are discovered and
imported on first use, so nothing else needs editing.

    from extractors import register
    from extractors._shared.context import DocContext

    @register(DocType.DIPLOMA)
    def extract_diploma(ctx: DocContext) -> dict[str, ExtractedField]: ...
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING

from pipeline.core.errors import ConfigError
from pipeline.core.models import DocType, Document, ExtractedField, PageInfo

if TYPE_CHECKING:
    from extractors._shared.context import DocContext

log = logging.getLogger(__name__)

Extractor = Callable[["DocContext"], dict[str, ExtractedField]]
_REGISTRY: dict[DocType, Extractor] = {}
_loaded = False


class UnknownDocTypeError(ConfigError):
    """No extractor is registered for a doc type; the message lists the registered ones."""


def register(doc_type: DocType) -> Callable[[Extractor], Extractor]:
    """Decorator: make `fn` the extractor for `doc_type` (one per type; re-registering replaces)."""

    def deco(fn: Extractor) -> Extractor:
        _REGISTRY[DocType(doc_type)] = fn
        return fn

    return deco


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in pkgutil.iter_modules(__path__):
        if mod.name.startswith("_"):  # _shared: the steps the extractors share
            continue
        importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True


def registered() -> dict[DocType, Extractor]:
    """All registered extractors (imports the extractor modules first)."""
    _load_all()
    return dict(_REGISTRY)


def get_extractor(doc_type: DocType | str) -> Extractor:
    reg = registered()
    valid = ", ".join(sorted(str(d) for d in reg))
    try:
        dt = DocType(doc_type)
    except ValueError:
        dt = None
    if dt is None or dt not in reg:
        raise UnknownDocTypeError(f"没有文件类型 {doc_type!r} 的提取器；可用：{valid}",
                                  f"no extractor for doc type {doc_type!r}; valid: {valid}")
    return reg[dt]


def extract(doc: Document, pages: list[PageInfo]) -> dict[str, ExtractedField]:
    """Fields of `doc`, read from its own pages only. `unknown` documents give {}.

    An extractor that crashes on odd OCR output must not stop the batch: the error is
    logged and the document gets no fields (the checks then report what is missing)."""
    from extractors._shared.context import DocContext, pages_of

    if doc.doc_type == DocType.UNKNOWN:
        return {}
    fn = get_extractor(doc.doc_type)
    ctx = DocContext(doc, pages_of(doc, pages))
    try:
        return fn(ctx)
    except Exception:  # noqa: BLE001 — one bad document must not stop the applicant
        log.exception("extractor for %s failed on %s", doc.doc_type, doc.doc_id)
        return {}


__all__ = ["Extractor", "UnknownDocTypeError", "extract", "get_extractor", "register", "registered"]
