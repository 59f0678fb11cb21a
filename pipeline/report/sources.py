"""Re-reading an applicant's source files for the report's evidence thumbnails.

The case file records each file's path relative to the applicant folder; given the folder,
zip or files the run read, a page is reopened exactly as the pipeline decoded it
(pipeline.pages), turned and deskewed as OCR measured it, and only the region a thumbnail
shows is deskewed.
"""

from __future__ import annotations

import base64
import io
import logging
import mimetypes
import shutil
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path

from PIL import Image, ImageDraw

from pipeline.core.models import CaseFile, Evidence, SourceFile
from pipeline.core.stages import LoadedFile
from pipeline.geometry import corrected_copy, corrected_region, rotate_clockwise
from pipeline.pages import page_image
from pipeline.report.html import esc

log = logging.getLogger(__name__)

PAGES_KEPT = 4  # decoded pages a report keeps for its thumbnails

THUMB_WIDTH = 420
THUMB_HEIGHT = 320
PAGE_THUMB_WIDTH = 260
PNG_COLOURS = 96  # palette PNGs keep a report with many thumbnails small enough to mail


class Sources:
    """Re-opens the applicant's files to draw evidence thumbnails (zip members are extracted
    to a private temporary folder that is removed afterwards)."""

    def __init__(self, sources: list[Path] | None, case: CaseFile) -> None:
        self.sources = [Path(s) for s in (sources or [])]
        self.files = {f.path: f for f in case.input_files}
        self.ocr = {(p.file, p.page): p for p in case.pages}
        self._tmp: Path | None = None
        # the last few pages decoded, full size (a 300-dpi page is ~26 MB: keeping every page
        # of a 60-page PDF took a worker to 2.8 GB)
        self._cache: OrderedDict[tuple[str, int], PageView | None] = OrderedDict()

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _tmpdir(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="credcase-report-"))
        return self._tmp

    def local_path(self, rel: str) -> Path | None:
        parts = Path(rel).parts
        for src in self.sources:
            if src.is_dir():
                cand = src / rel
                if cand.is_file():
                    return cand
                # folder given as the applicant: relative paths may or may not start with its name
                if parts and parts[0] == src.name and (src / Path(*parts[1:])).is_file():
                    return src / Path(*parts[1:])
                # a zip inside the folder ("bundle.zip/inner/x.jpg")
                for i, p in enumerate(parts[:-1]):
                    if p.lower().endswith(".zip") and (src / Path(*parts[: i + 1])).is_file():
                        got = self._from_zip(src / Path(*parts[: i + 1]), "/".join(parts[i + 1:]))
                        if got:
                            return got
            elif src.is_file():
                if src.suffix.lower() == ".zip":
                    inner = "/".join(parts[1:]) if parts and parts[0] == src.name else rel
                    got = self._from_zip(src, inner)
                    if got:
                        return got
                elif src.name == Path(rel).name:
                    return src
        return None

    def _from_zip(self, zpath: Path, member: str) -> Path | None:
        try:
            with zipfile.ZipFile(zpath) as zf:
                names = [n for n in zf.namelist() if not n.endswith("/")]
                pick = next((n for n in names if n == member), None) or next(
                    (n for n in names if n.endswith("/" + member)), None)
                if pick is None:
                    return None
                out = self._tmpdir() / f"{len(list(self._tmpdir().iterdir()))}{Path(pick).suffix}"
                with zf.open(pick) as fin, open(out, "wb") as fout:
                    shutil.copyfileobj(fin, fout, length=1 << 20)
                return out
        except (OSError, zipfile.BadZipFile, RuntimeError):
            return None

    def page_image(self, rel: str, page: int) -> PageView | None:
        key = (rel, page)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        img = None
        try:
            img = self._load(rel, page)
        except Exception as exc:  # noqa: BLE001 - a bad source costs a thumbnail, never the report
            log.debug("no thumbnail for %s p%d: %s", rel, page, type(exc).__name__)
        self._cache[key] = img
        while len(self._cache) > PAGES_KEPT:
            self._cache.popitem(last=False)
        return img

    def _load(self, rel: str, page: int) -> PageView | None:
        local = self.local_path(rel)
        if local is None:
            return None
        img = _open_page(local, self.files.get(rel), rel, page)
        if img is None:
            return None
        img = img.convert("RGB")
        info = self.ocr.get((rel, page))
        ocr = info.ocr if info is not None else None
        if ocr is None:
            return PageView(img, 0.0)
        if ocr.rotation:
            img = rotate_clockwise(img, ocr.rotation)
        if ocr.width and ocr.height and img.size != (ocr.width, ocr.height):
            img = img.resize((ocr.width, ocr.height))
        return PageView(img, ocr.skew)


class PageView:
    """A page as its OCR boxes see it (upright, deskewed), drawn on demand: the upright page and
    the deskew angle, so that a thumbnail deskews only the region it shows."""

    def __init__(self, upright: Image.Image, skew: float) -> None:
        self.upright, self.skew = upright, skew
        self.width, self.height = upright.size

    def crop(self, box: tuple[int, int, int, int]) -> Image.Image:
        return corrected_region(self.upright, self.skew, box)

    def small(self, max_side: int) -> Image.Image:
        return corrected_copy(self.upright, 0, self.skew, max_side)[0]


def _open_page(local: Path, source: SourceFile | None, rel: str, page: int) -> Image.Image | None:
    """The page as the pipeline saw it, via pipeline.pages; plain images fall back to Pillow so
    a report never needs more than the file."""
    media = source.media_type if source is not None and source.media_type else (
        mimetypes.guess_type(local.name)[0] or "")
    src = (source.model_copy(update={"media_type": media}) if source is not None
           else SourceFile(path=rel, sha256="", size=local.stat().st_size, media_type=media))
    try:
        img = page_image(LoadedFile(source=src, local_path=local), page)
        if img is not None:
            return img
    except Exception as exc:  # noqa: BLE001 - fall back to Pillow below
        log.debug("pipeline.pages could not reopen %s: %s", rel, type(exc).__name__)
    if media == "application/pdf":
        return None
    with Image.open(local) as im:
        im.seek(page - 1)
        im.load()
        return im.copy()


def _png_uri(img: Image.Image) -> str:
    buf = io.BytesIO()
    img.convert("RGB").quantize(colors=PNG_COLOURS).save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def evidence_thumbnail(img: PageView, bbox: tuple[int, int, int, int] | None) -> Image.Image:
    """A crop around the evidence box with the box drawn in red (the whole page when no box)."""
    if bbox is None:
        thumb = img.small(2 * PAGE_THUMB_WIDTH * 2)
        thumb.thumbnail((PAGE_THUMB_WIDTH, PAGE_THUMB_WIDTH * 2))
        return thumb
    x0, y0, x1, y1 = bbox
    w, h = max(1, x1 - x0), max(1, y1 - y0)
    mx, my = max(60, min(w // 2, 240)), max(60, min(h * 2, 160))
    cx0, cy0 = max(0, x0 - mx), max(0, y0 - my)
    cx1, cy1 = min(img.width, x1 + mx), min(img.height, y1 + my)
    crop = img.crop((cx0, cy0, cx1, cy1)).convert("RGB")
    draw = ImageDraw.Draw(crop)
    lw = max(2, min(crop.size) // 80)
    draw.rectangle((x0 - cx0 - lw, y0 - cy0 - lw, x1 - cx0 + lw, y1 - cy0 + lw), outline=(220, 0, 0), width=lw)
    crop.thumbnail((THUMB_WIDTH, THUMB_HEIGHT))
    return crop


def thumb_html(src: Sources, ev: Evidence) -> str:
    img = src.page_image(ev.file, ev.page)
    if img is None:
        return ""
    bbox = ev.bbox
    if bbox is not None:
        bbox = (max(0, bbox[0]), max(0, bbox[1]), min(img.width, bbox[2]), min(img.height, bbox[3]))
        if bbox[2] <= bbox[0] or bbox[3] <= bbox[1]:
            bbox = None
    cls = "boxed" if bbox is not None else "page"
    return (f'<img class="thumb {cls}" alt="{esc(ev.file)} p{ev.page}" '
            f'src="{_png_uri(evidence_thumbnail(img, bbox))}">')
