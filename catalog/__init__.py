"""The qualification catalogue (policy Appendix 1, batches as data) and the certificate matcher."""

from __future__ import annotations

from typing import Any

from catalog.loader import DEFAULT_CATALOG, Catalog, CatalogEntry, NearMiss, load_catalog, validate_file

__all__ = ["DEFAULT_CATALOG", "Catalog", "CatalogEntry", "NearMiss", "load_catalog", "validate_file",
           "get_matcher", "Matcher"]


def __getattr__(name: str) -> Any:  # lazy: the matcher pulls in rapidfuzz, the loader alone does not
    if name in ("get_matcher", "Matcher"):
        from catalog import matcher

        return getattr(matcher, name)
    raise AttributeError(name)
