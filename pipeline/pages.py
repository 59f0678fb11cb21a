"""Files → pages: decode images and render PDFs one page at a time.

Pages are produced lazily so a 40-page TIFF or PDF never sits in memory at once. Every page
carries provenance (file, page number). PDF text layers are read here (no OCR: pdfplumber's
words become an OcrResult whose boxes are in the rendered page's pixels) and kept in
page.text_layer; the page is rendered as well because forensics compares the two. This module
and pipeline.ingest are the only ones that open PDFs (pypdfium2, pdfplumber, pikepdf).

Policy for a bad page inside a good multi-page file: the bad page is skipped, the remaining
pages are still yielded, and after the last page one InputFileError (PAGE_UNREADABLE, naming
the bad pages) is raised.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
from PIL import Image, ImageOps

from pipeline.core.clock import ocr_time
from pipeline.core.errors import InputFileError
from pipeline.core.inputs import file_error, input_settings
from pipeline.core.models import OcrResult, OcrWord
from pipeline.core.stages import LoadedFile, Page, PdfMetadata
from pipeline.core.text import group_lines, script_of

log = logging.getLogger(__name__)

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/tiff", "image/bmp", "image/webp", "image/gif"})
PDF_TYPE = "application/pdf"

Image.MAX_IMAGE_PIXELS = input_settings().limits.max_image_pixels


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
    """Open (header only) with the bomb guard; any error becomes a typed InputFileError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(display, exc) from exc
    except Exception as exc:  # noqa: BLE001 — a stranger's file may break the decoder in any way
        raise _unreadable(exc, display, None) from exc
    cap = input_settings().limits.max_image_pixels
    if img.width * img.height > cap:
        img.close()
        raise file_error(display, "DECOMPRESSION_BOMB",
                         f"{img.width}×{img.height} = {img.width * img.height / 1e6:.0f} MP > {cap / 1e6:.0f} MP")
    return img


def _bomb(display: str, exc: Exception, page: int | None = None) -> InputFileError:
    """The decoder's own bomb guard fired (it counts pixels Pillow's way, e.g. of a later GIF
    frame): said with credcase's limit, not Pillow's."""
    cap = input_settings().limits.max_image_pixels
    found = re.search(r"\((\d+) pixels\)", str(exc))
    size = f"{int(found.group(1)) / 1e6:.0f} MP > " if found else "> "
    return file_error(display, "DECOMPRESSION_BOMB", f"{size}{cap / 1e6:.0f} MP", page)


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


def _decode_frame(img: Image.Image, display: str, page: int | None = None) -> tuple[Image.Image, float]:
    """The frame decoded, upright, 8-bit, and no larger than limits.max_page_pixels (a JPEG is
    decoded reduced by its DCT scaling, other formats are averaged down by a whole factor), and
    how many times smaller than stored it came out (1.0: full size)."""
    try:
        width, height = img.size
        factor = _reduction(width, height)
        if factor > 1 and img.format == "JPEG":
            img.draft(img.mode, (img.width // factor, img.height // factor))  # 1/2, 1/4 or 1/8
        img.load()
        drafted = width // img.width
        out = normalise_mode(upright(img))
        if factor > drafted:
            out = out.reduce(-(-factor // drafted))
        # a frame still tied to an open file (multi-frame formats) is detached from it and from
        # later seeks; single-frame JPEG/PNG closed their file on load and are kept as they are
        out = out.copy() if out is img and getattr(img, "fp", None) is not None else out
        return out, (width * height / max(1, out.width * out.height)) ** 0.5
    except Image.DecompressionBombError as exc:
        raise _bomb(display, exc, page) from exc
    except Exception as exc:  # noqa: BLE001 — a stranger's file may break the decoder in any way
        raise _unreadable(exc, display, page) from exc


def _reduction(width: int, height: int) -> int:
    """The whole factor that brings a page under limits.max_page_pixels (1 when it is)."""
    cap = input_settings().limits.max_page_pixels
    factor = 1
    while (width // factor) * (height // factor) > cap:
        factor += 1
    return factor


def _unreadable(exc: Exception, display: str, page: int | None) -> InputFileError:
    """What a clerk reads for a file the decoder could not read; what the decoder said goes to
    the log."""
    log.info("%s%s not decoded: %s: %s", display, f" p{page}" if page else "", type(exc).__name__, exc,
             exc_info=not isinstance(exc, OSError | SyntaxError | ValueError | EOFError))
    code = "TRUNCATED_IMAGE" if "truncat" in str(exc).lower() else "CORRUPT_IMAGE"
    return file_error(display, code, type(exc).__name__, page)


def _check_frame(img: Image.Image, media_type: str, display: str, page: int | None) -> None:
    """The first frame decodes, at a fraction of a full decode where the format allows: a JPEG
    at 1/8 scale (its DCT scaling still reads every block), a PNG by its chunk checksums
    (corruption and cut-off data fail them); the page itself is decoded once, when it is read."""
    if media_type == "image/png":
        try:
            img.verify()
        except Exception as exc:  # noqa: BLE001 — verify() raises IndexError on some broken APNGs
            raise _unreadable(exc, display, page) from exc
        return
    if media_type == "image/jpeg":
        img.draft(img.mode, (max(1, img.width // 8), max(1, img.height // 8)))
    _decode_frame(img, display, page)  # (at 1/8 it is under any page limit: nothing is reduced again)


def _page_count(img: Image.Image, media_type: str, display: str) -> int:
    """Pages of an image file: a TIFF's frames are the pages of a document; the frames of an
    animation (GIF, WebP, APNG) are one picture — its first frame — not pages (a 42-frame WebP
    was read as 42 pages, for minutes)."""
    if media_type != "image/tiff":
        return 1
    try:
        return int(getattr(img, "n_frames", 1))
    except Exception as exc:  # noqa: BLE001 — n_frames decodes every IFD: "Missing dimensions" etc.
        raise _unreadable(exc, display, None) from exc


def probe(path: Path, media_type: str, display: str) -> int:
    """Check a file can be opened at all and return its page count; raise InputFileError if not.

    Cheap: headers, the PDF's page tree and the first image frame only."""
    limit = input_settings().limits.max_pages_per_file
    if media_type in IMAGE_TYPES:
        if _truncated_tail(path, media_type):
            raise file_error(display, "TRUNCATED_IMAGE", "no end marker")
        img = _open_image(path, display)
        try:
            n = _page_count(img, media_type, display)
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
        n = _page_count(img, f.source.media_type, display)
        if n > input_settings().limits.max_pages_per_file:
            raise file_error(display, "TOO_MANY_PAGES", f"{n}")
        for i in range(n):
            try:
                if i:
                    img.seek(i)
                frame, factor = _decode_frame(img, display, i + 1)
                dpi = _dpi(img)
                dpi = round(dpi / factor) if dpi else None
            except Exception as exc:  # noqa: BLE001 — one bad frame of a TIFF costs that page
                exc = exc if isinstance(exc, InputFileError) else _unreadable(exc, display, i + 1)
                if n == 1:
                    raise exc from None
                bad.append(f"p{i + 1}: {getattr(exc, 'code', type(exc).__name__)}")
                continue
            kept_open = frame is img  # closing would destroy the page's own pixels
            yield Page(file=f, number=i + 1, image=frame, dpi=dpi)
    finally:
        if not kept_open:
            img.close()
    if bad:
        raise file_error(display, "PAGE_UNREADABLE", ", ".join(bad))


# --------------------------------------------------------------------------- PDFs


def _pdf_page_count(path: Path, display: str) -> int:
    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except pikepdf.PasswordError as exc:
        raise file_error(display, "ENCRYPTED_PDF") from exc
    except (pikepdf.PdfError, OSError, ValueError, RecursionError) as exc:
        raise file_error(display, "CORRUPT_PDF", str(exc)[:160]) from exc


def _iter_pdf_pages(f: LoadedFile) -> Iterator[Page]:
    display = f.source.path
    cfg = input_settings()
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
        with open(f.local_path, "rb") as stream:  # closed here whatever pdfplumber does
            plumber = _open_text_layers(stream, display)
            try:
                for i in range(n):
                    try:
                        page = _render_pdf_page(doc, plumber, i, f, cfg.pdf.render_dpi,
                                                cfg.limits.max_render_pixels)
                    except Exception as exc:  # noqa: BLE001 — one bad page costs that page
                        log.info("%s p%d not rendered: %s: %s", display, i + 1, type(exc).__name__, exc)
                        if n == 1:
                            raise file_error(display, "CORRUPT_PDF", type(exc).__name__, 1) from exc
                        bad.append(f"p{i + 1}")
                        continue
                    yield page
            finally:
                _close_quietly(plumber, display)
    finally:
        doc.close()
    if bad:
        raise file_error(display, "PAGE_UNREADABLE", ", ".join(bad))


def _open_text_layers(stream: Any, display: str) -> Any:
    """pdfplumber over an open file, or None: a PDF whose text layer cannot be parsed is still
    rendered and OCR'd (pdfminer raises many types)."""
    try:
        return pdfplumber.open(stream)
    except Exception as exc:  # noqa: BLE001
        log.info("pdfplumber cannot open %s: %s", display, type(exc).__name__)
        return None


def _close_quietly(plumber: Any, display: str) -> None:
    """pdfplumber's close() itself fails on some pages (no MediaBox: TypeError)."""
    if plumber is None:
        return
    try:
        plumber.close()
    except Exception as exc:  # noqa: BLE001 — the pages are read; only its own clean-up failed
        log.info("pdfplumber could not close %s: %s", display, type(exc).__name__)


def _render_pdf_bitmap(doc: pdfium.PdfDocument, i: int, dpi: int, max_pixels: int) -> tuple[Image.Image, float]:
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


def _render_pdf_page(doc: pdfium.PdfDocument, plumber: Any, i: int, f: LoadedFile, dpi: int,
                     max_pixels: int) -> Page:
    img, scale = _render_pdf_bitmap(doc, i, dpi, max_pixels)
    layer = None
    if plumber is not None:
        try:
            with ocr_time():  # the text layer is this page's OCR result (engine text_layer)
                pl_page = plumber.pages[i]
                layer = text_layer_result(pl_page, scale, img.width, img.height)
                pl_page.close()
        except Exception as exc:  # a broken content stream loses the text layer, not the page
            log.warning("text layer of %s p%d unreadable: %s", f.source.path, i + 1, type(exc).__name__)
    return Page(file=f, number=i + 1, image=img, dpi=int(round(scale * 72)), text_layer=layer)


def text_layer_result(pl_page: Any, scale: float, width: int, height: int) -> OcrResult | None:
    """Words and lines of one pdfplumber page, or None when it has (almost) no text layer.
    Boxes are scaled from PDF points to the pixels of the page as rendered."""
    words = pl_page.extract_words(keep_blank_chars=False, use_text_flow=False)
    n_chars = sum(len(w["text"].strip()) for w in words)
    if n_chars < input_settings().pdf.text_layer_min_chars:
        return None
    x_off, y_off = float(pl_page.bbox[0]), float(pl_page.bbox[1])
    ocr_words: list[OcrWord] = []
    for w in words:
        box = (int((w["x0"] - x_off) * scale), int((w["top"] - y_off) * scale),
               int(round((w["x1"] - x_off) * scale)), int(round((w["bottom"] - y_off) * scale)))
        ocr_words.append(OcrWord(text=w["text"], bbox=box, conf=1.0))
    lines = group_lines(ocr_words)
    text = "\n".join(line.text for line in lines)
    return OcrResult(engine="text_layer", text=text, lines=lines, mean_conf=1.0 if lines else 0.0,
                     width=width, height=height, language=script_of(text))


# --------------------------------------------------------------------------- PDF metadata

_PDF_DATE = re.compile(r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?")


def parse_pdf_date(value: str | None) -> datetime | None:
    """'D:20230102030405+08'00'' → aware datetime (UTC when no zone is given)."""
    if not value:
        return None
    m = _PDF_DATE.match(str(value).strip())
    if not m:
        return None
    y, mo, d, h, mi, s, sign, tzh, tzm = m.groups()
    try:
        tz = UTC
        if sign in ("+", "-") and tzh:
            off = timedelta(hours=int(tzh), minutes=int(tzm or 0))
            tz = timezone(off if sign == "+" else -off)
        return datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)
    except ValueError:
        return None


def pdf_metadata(path: Path) -> PdfMetadata | None:
    """What a PDF says about how it was made: dates, producing software, linearization; None
    when the file cannot be opened (reading its pages reports that)."""
    try:
        with pikepdf.open(path) as pdf:
            return PdfMetadata(created=_docinfo_date(pdf, "/CreationDate"),
                               modified=_docinfo_date(pdf, "/ModDate"),
                               software=_pdf_software(pdf), linearized=bool(pdf.is_linearized))
    except (pikepdf.PdfError, OSError, ValueError, RecursionError) as exc:
        log.info("PDF metadata of %s unreadable: %s", path.name, type(exc).__name__)
        return None


def _pdf_software(pdf: pikepdf.Pdf) -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        info = pdf.docinfo
        for key in ("/Producer", "/Creator"):
            value = info.get(key)
            if value is not None and str(value).strip():
                found[key.strip("/")] = str(value)
    except Exception:  # noqa: BLE001 - broken docinfo: nothing to read
        pass
    try:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            for key in ("xmp:CreatorTool", "pdf:Producer"):
                v = meta.get(key)
                if v:
                    found[key] = str(v)
    except Exception:  # noqa: BLE001
        pass
    return found


def _docinfo_date(pdf: pikepdf.Pdf, key: str) -> datetime | None:
    try:
        value = pdf.docinfo.get(key)
        return parse_pdf_date(str(value)) if value is not None else None
    except Exception:  # noqa: BLE001
        return None


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
            if number > _page_count(img, media, display):
                return None
            if number > 1:
                img.seek(number - 1)
            frame = _decode_frame(img, display, number)[0]
            return frame
        finally:
            if frame is not img:
                img.close()
    if media == PDF_TYPE:
        cfg = input_settings()
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
