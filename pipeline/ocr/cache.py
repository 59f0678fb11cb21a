"""On-disk OCR cache: a re-run over the same archive does no OCR again.

Key = pixel hash of the page + engine mode + settings version (+ pre-processing switch), so a
change in ocr.yaml or in the engine choice never serves a stale result. Files are JSON
OcrResults in a private (0700) folder, written atomically."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PIL import Image
from pydantic import ValidationError

from pipeline.core.models import OcrResult
from pipeline.core.privacy import atomic_write_text, private_dir

log = logging.getLogger(__name__)


def pixel_sha256(img: Image.Image) -> str:
    """Hash of the decoded pixels (mode and size included): same scan → same hash, any container.
    The cache's key; the OCR stage computes it (PageInfo.image_sha256) when a cache is used."""
    h = hashlib.sha256(f"{img.mode}:{img.width}x{img.height}:".encode())
    h.update(img.tobytes())
    return h.hexdigest()


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
