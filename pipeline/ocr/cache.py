"""On-disk OCR cache: a re-run over the same archive does no OCR again.

Key = pixel hash of the page + engine mode + settings version (+ pre-processing switch), so a
change in ocr.yaml or in the engine choice never serves a stale result. Files are JSON
OcrResults in a private (0700) folder, written atomically."""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import ValidationError

from pipeline.models import OcrResult
from pipeline.privacy import atomic_write_text, private_dir

log = logging.getLogger(__name__)


class OcrCache:
    def __init__(self, root: Path) -> None:
        self.root = private_dir(Path(root))
        self.hits = 0
        self.misses = 0

    def _path(self, image_sha256: str, engine: str, version: str) -> Path:
        safe_version = "".join(c if c.isalnum() or c in "-_." else "_" for c in version)
        return self.root / image_sha256[:2] / f"{image_sha256}-{engine}-{safe_version}.json"

    def get(self, image_sha256: str, engine: str, version: str) -> OcrResult | None:
        path = self._path(image_sha256, engine, version)
        try:
            text = path.read_text(encoding="utf-8")
            result = OcrResult.model_validate_json(text)
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValidationError, ValueError) as exc:  # damaged entry: redo the OCR
            log.warning("OCR cache entry %s unreadable (%s); ignoring", path.name, type(exc).__name__)
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, image_sha256: str, engine: str, version: str, result: OcrResult) -> None:
        path = self._path(image_sha256, engine, version)
        private_dir(path.parent)
        atomic_write_text(path, result.model_dump_json())
