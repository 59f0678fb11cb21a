"""Files → pages: decode images and render PDFs one page at a time.

Pages are produced lazily so a 40-page TIFF or PDF never sits in memory at once. Every page
carries provenance (file, page number, pixel hash) so OCR results can be cached and duplicate
scans found across applicants. PDF text layers are read here (no OCR) and stored in
page.extras["text_layer"]; the page is rendered as well because forensics compares the two.

Policy for a bad page inside a good multi-page file: the bad page is skipped, the remaining
pages are still yielded, and after the last page one InputFileError (PAGE_UNREADABLE, naming
the bad pages) is raised.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageOps

from pipeline.errors import InputFileError
from pipeline.models import LoadedFile, Page, PageInfo
from pipeline.ocr.cache import pixel_sha256  # noqa: F401 - re-exported: the pages' hash
from pipeline.ocr.clock import ocr_time
from pipeline.ocr.settings import file_error, ocr_settings

log = logging.getLogger(__name__)

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/tiff", "image/bmp", "image/webp", "image/gif"})
PDF_TYPE = "application/pdf"

Image.MAX_IMAGE_PIXELS = ocr_settings().limits.max_image_pixels


# --------------------------------------------------------------------------- shared helpers


def normalise_mode(img: Image.Image) -> Image.Image:
    """Every page becomes 8-bit 'L' or 'RGB' (1-bit faxes, palettes, alpha and CMYK included)."""
    if img.mode in ("L", "RGB"):
        return img
    if img.mode == "1":
        return img.convert("L")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, "white")
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    if img.mode.startswith("I;16") or img.mode in ("I", "F"):
        return ImageOps.autocontrast(img.convert("F").convert("L")) if img.mode == "F" else \
            img.point(lambda v: v / 256).convert("L")
    return img.convert("RGB")


def _dpi(img: Image.Image) -> int | None:
    dpi = img.info.get("dpi")
    try:
        if dpi and float(dpi[0]) >= 30:
            return int(round(float(dpi[0])))
    except (TypeError, ValueError, IndexError):
        pass
    return None


def _open_image(path: Path, display: str) -> Image.Image:
    """Open (header only) with the bomb guard; errors become typed InputFileErrors."""
    cap = ocr_settings().limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise file_error(display, "DECOMPRESSION_BOMB", str(exc).split(".")[0]) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise file_error(display, "CORRUPT_IMAGE", type(exc).__name__ + ": " + str(exc)[:120]) from exc
    if img.width * img.height > cap:
        img.close()
        raise file_error(display, "DECOMPRESSION_BOMB",
                         f"{img.width}×{img.height} = {img.width * img.height / 1e6:.0f} MP > {cap / 1e6:.0f} MP")
    return img


def _truncated_tail(path: Path, media_type: str) -> bool:
    """JPEG without an end-of-image marker or PNG without IEND: the file was cut short."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - 4096))
        tail = fh.read()
    if media_type == "image/jpeg":
        return b"\xff\xd9" not in tail
    if media_type == "image/png":
        return b"IEND" not in tail
    return False


def upright(img: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says; the image itself (no copy) when it has
    none to apply."""
    turned = hasattr(img, "getexif") and img.getexif().get(0x0112, 1) != 1
    return (ImageOps.exif_transpose(img) or img) if turned else img


def _decode_frame(img: Image.Image, display: str, page: int | None = None) -> Image.Image:
    try:
        img.load()
        out = normalise_mode(upright(img))
        # a frame still tied to an open file (multi-frame formats) is detached from it and from
        # later seeks; single-frame JPEG/PNG closed their file on load and are kept as they are
        return out.copy() if out is img and getattr(img, "fp", None) is not None else out
    except Image.DecompressionBombError as exc:
        raise file_error(display, "DECOMPRESSION_BOMB", str(exc)[:120], page) from exc
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise _unreadable(exc, display, page) from exc


def _unreadable(exc: Exception, display: str, page: int | None) -> InputFileError:
    code = "TRUNCATED_IMAGE" if "truncat" in str(exc).lower() else "CORRUPT_IMAGE"
    return file_error(display, code, type(exc).__name__ + ": " + str(exc)[:120], page)


def _check_frame(img: Image.Image, media_type: str, display: str, page: int | None) -> None:
    """The first frame decodes, at a fraction of a full decode where the format allows: a JPEG
    at 1/8 scale (its DCT scaling still reads every block), a PNG by its chunk checksums
    (corruption and cut-off data fail them); the page itself is decoded once, when it is read."""
    if media_type == "image/png":
        try:
            img.verify()
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _unreadable(exc, display, page) from exc
        return
    if media_type == "image/jpeg":
        img.draft(img.mode, (max(1, img.width // 8), max(1, img.height // 8)))
    _decode_frame(img, display, page)


def probe(path: Path, media_type: str, display: str) -> int:
    """Check a file can be opened at all and return its page count; raise InputFileError if not.

    Cheap: headers, the PDF's page tree and the first image frame only."""
    limit = ocr_settings().limits.max_pages_per_file
    if media_type in IMAGE_TYPES:
        if _truncated_tail(path, media_type):
            raise file_error(display, "TRUNCATED_IMAGE", "no end marker")
        img = _open_image(path, display)
        try:
            n = getattr(img, "n_frames", 1)
            if n > limit:
                raise file_error(display, "TOO_MANY_PAGES", f"{n} > {limit}")
            _check_frame(img, media_type, display, 1 if n > 1 else None)
            return n
        finally:
            img.close()
    if media_type == PDF_TYPE:
        n = _pdf_page_count(path, display)
        if n > limit:
            raise file_error(display, "TOO_MANY_PAGES", f"{n} > {limit}")
        if n == 0:
            raise file_error(display, "CORRUPT_PDF", "no pages")
        return n
    raise file_error(display, "UNKNOWN_FORMAT", media_type)


# --------------------------------------------------------------------------- images


def _iter_image_pages(f: LoadedFile) -> Iterator[Page]:
    display = f.source.path
    img = _open_image(f.local_path, display)
    bad: list[str] = []
    kept_open = False
    try:
        n = getattr(img, "n_frames", 1)
        if n > ocr_settings().limits.max_pages_per_file:
            raise file_error(display, "TOO_MANY_PAGES", f"{n}")
        for i in range(n):
            try:
                if i:
                    img.seek(i)
                frame = _decode_frame(img, display, i + 1)
                dpi = _dpi(img)
            except (InputFileError, EOFError, OSError) as exc:
                if n == 1:
                    raise
                bad.append(f"p{i + 1}: {getattr(exc, 'code', type(exc).__name__)}")
                continue
            info = PageInfo(file=display, file_sha256=f.source.sha256, page=i + 1, width=frame.width,
                            height=frame.height, dpi=dpi)
            kept_open = frame is img  # closing would destroy the page's own pixels
            yield Page(info=info, image=frame, file=f)
    finally:
        if not kept_open:
            img.close()
    if bad:
        raise file_error(display, "PAGE_UNREADABLE", ", ".join(bad))


# --------------------------------------------------------------------------- PDFs


def _pdf_page_count(path: Path, display: str) -> int:
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except pikepdf.PasswordError as exc:
        raise file_error(display, "ENCRYPTED_PDF") from exc
    except (pikepdf.PdfError, OSError, ValueError, RecursionError) as exc:
        raise file_error(display, "CORRUPT_PDF", str(exc)[:160]) from exc


def _iter_pdf_pages(f: LoadedFile) -> Iterator[Page]:
    import pdfplumber
    import pypdfium2 as pdfium

    from pipeline.ocr.textlayer import text_layer_result

    display = f.source.path
    cfg = ocr_settings()
    try:
        doc = pdfium.PdfDocument(str(f.local_path))
    except pdfium.PdfiumError as exc:
        code = "ENCRYPTED_PDF" if "password" in str(exc).lower() else "CORRUPT_PDF"
        raise file_error(display, code, str(exc)[:160]) from exc
    bad: list[str] = []
    try:
        n = len(doc)
        if n > cfg.limits.max_pages_per_file:
            raise file_error(display, "TOO_MANY_PAGES", f"{n}")
        try:
            plumber = pdfplumber.open(str(f.local_path))
        except Exception as exc:  # pdfminer raises many types; a missing text layer is not fatal
            log.warning("pdfplumber cannot open %s: %s", display, type(exc).__name__)
            plumber = None
        try:
            for i in range(n):
                try:
                    page = _render_pdf_page(doc, plumber, i, f, cfg.pdf.render_dpi,
                                            cfg.limits.max_render_pixels, text_layer_result)
                except (pdfium.PdfiumError, OSError, ValueError) as exc:
                    if n == 1:
                        raise file_error(display, "CORRUPT_PDF", str(exc)[:160], 1) from exc
                    bad.append(f"p{i + 1}: {type(exc).__name__}")
                    continue
                yield page
        finally:
            if plumber is not None:
                plumber.close()
    finally:
        doc.close()
    if bad:
        raise file_error(display, "PAGE_UNREADABLE", ", ".join(bad))


def _render_pdf_bitmap(doc, i: int, dpi: int, max_pixels: int) -> tuple[Image.Image, float]:
    """Page i (0-based) rendered at `dpi`, or smaller when that exceeds `max_pixels`; and the
    scale from PDF points to pixels."""
    pdf_page = doc[i]
    try:
        w_pt, h_pt = pdf_page.get_size()
        scale = dpi / 72.0
        if w_pt * h_pt * scale * scale > max_pixels:
            scale = (max_pixels / (w_pt * h_pt)) ** 0.5
        bitmap = pdf_page.render(scale=scale)
        img = normalise_mode(bitmap.to_pil())
        bitmap.close()
    finally:
        pdf_page.close()
    return img, scale


def _render_pdf_page(doc, plumber, i: int, f: LoadedFile, dpi: int, max_pixels: int,
                     text_layer_result) -> Page:
    img, scale = _render_pdf_bitmap(doc, i, dpi, max_pixels)
    info = PageInfo(file=f.source.path, file_sha256=f.source.sha256, page=i + 1, width=img.width,
                    height=img.height, dpi=int(round(scale * 72)))
    page = Page(info=info, image=img, file=f)
    if plumber is not None:
        try:
            with ocr_time():  # the text layer is this page's OCR result (engine text_layer)
                pl_page = plumber.pages[i]
                result = text_layer_result(pl_page, scale, img.width, img.height)
                pl_page.close()
        except Exception as exc:  # a broken content stream loses the text layer, not the page
            log.warning("text layer of %s p%d unreadable: %s", f.source.path, i + 1, type(exc).__name__)
            result = None
        if result is not None:
            page.info.has_text_layer = True
            page.extras["text_layer"] = result
    return page


# --------------------------------------------------------------------------- entry point


def iter_pages(f: LoadedFile) -> Iterator[Page]:
    """Yield the pages of one file lazily. Raises InputFileError (typed, file named) when the
    file cannot be opened; bad pages of a multi-page file are reported after the good ones."""
    media = f.source.media_type
    if media in IMAGE_TYPES:
        yield from _iter_image_pages(f)
    elif media == PDF_TYPE:
        yield from _iter_pdf_pages(f)
    else:
        raise file_error(f.source.path, "UNKNOWN_FORMAT", media)


def page_image(f: LoadedFile, number: int) -> Image.Image | None:
    """The decoded image of page `number` (1-based) exactly as iter_pages yields it, without
    decoding the other pages, reading the text layer or hashing the pixels: for redrawing
    evidence. None when the file has no such page; InputFileError when it cannot be opened."""
    media = f.source.media_type
    display = f.source.path
    if media in IMAGE_TYPES:
        img = _open_image(f.local_path, display)
        frame: Image.Image | None = None
        try:
            if number > getattr(img, "n_frames", 1):
                return None
            if number > 1:
                img.seek(number - 1)
            frame = _decode_frame(img, display, number)
            return frame
        finally:
            if frame is not img:
                img.close()
    if media == PDF_TYPE:
        import pypdfium2 as pdfium

        cfg = ocr_settings()
        try:
            doc = pdfium.PdfDocument(str(f.local_path))
        except pdfium.PdfiumError as exc:
            raise file_error(display, "CORRUPT_PDF", str(exc)[:160]) from exc
        try:
            if number > len(doc):
                return None
            return _render_pdf_bitmap(doc, number - 1, cfg.pdf.render_dpi, cfg.limits.max_render_pixels)[0]
        finally:
            doc.close()
    raise file_error(display, "UNKNOWN_FORMAT", media)
