"""File writers for the sample archive: the formats applicants and scanners really produce.

Every writer is deterministic (fixed timestamps and document ids) so the same seed gives
byte-identical files. Metadata is what forensics looks at: phone EXIF, scanner PDF
Producer, editor traces (Photoshop EXIF/XMP, incremental PDF updates).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pikepdf
from PIL import Image
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipeline.core.privacy import atomic_write_bytes

Word = tuple[str, tuple[int, int, int, int]]

_EXIF_MAKE, _EXIF_MODEL, _EXIF_SOFTWARE, _EXIF_DATETIME = 0x010F, 0x0110, 0x0131, 0x0132
_EXIF_IFD, _EXIF_DT_ORIGINAL = 0x8769, 0x9003


@dataclass
class ImageMeta:
    """What a camera or an editor leaves in an image file."""

    make: str | None = None
    model: str | None = None
    software: str | None = None
    taken: datetime | None = None
    creator_tool: str | None = None  # XMP xmp:CreatorTool (editors write it)


@dataclass
class PdfMeta:
    producer: str = "ReportLab"
    creator: str | None = None
    created: datetime = datetime(2023, 1, 1, 9, 0, 0)
    modified: datetime | None = None
    # incremental update appended by an editor: new Producer and ModDate in a second revision
    edited_by: str | None = None
    edited_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _xmp(tool: str, when: datetime | None) -> bytes:
    ts = (when or datetime(2023, 1, 1)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        f'xmp:CreatorTool="{tool}" xmp:ModifyDate="{ts}" xmp:MetadataDate="{ts}"/>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def _exif(meta: ImageMeta | None) -> Image.Exif | None:
    if meta is None or not (meta.make or meta.model or meta.software or meta.taken):
        return None
    exif = Image.Exif()
    if meta.make:
        exif[_EXIF_MAKE] = meta.make
    if meta.model:
        exif[_EXIF_MODEL] = meta.model
    if meta.software:
        exif[_EXIF_SOFTWARE] = meta.software
    if meta.taken:
        ts = meta.taken.strftime("%Y:%m:%d %H:%M:%S")
        exif[_EXIF_DATETIME] = ts
        exif.get_ifd(_EXIF_IFD)[_EXIF_DT_ORIGINAL] = ts
    return exif


def jpeg_bytes(img: Image.Image, quality: int, dpi: int, meta: ImageMeta | None = None) -> bytes:
    buf = io.BytesIO()
    kw: dict[str, Any] = {"quality": int(quality), "dpi": (dpi, dpi), "optimize": False}
    exif = _exif(meta)
    if exif is not None:
        kw["exif"] = exif.tobytes()
    if meta is not None and meta.creator_tool:
        kw["xmp"] = _xmp(meta.creator_tool, meta.taken)
    img.convert("RGB" if img.mode not in ("L", "RGB") else img.mode).save(buf, "JPEG", **kw)
    return buf.getvalue()


def write_jpeg(path: Path, img: Image.Image, quality: int, dpi: int, meta: ImageMeta | None = None) -> None:
    atomic_write_bytes(path, jpeg_bytes(img, quality, dpi, meta))


def write_png(path: Path, img: Image.Image, dpi: int, meta: ImageMeta | None = None) -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    if meta is not None and meta.software:
        info.add_text("Software", meta.software)
    buf = io.BytesIO()
    kw: dict[str, Any] = {"dpi": (dpi, dpi), "pnginfo": info}
    exif = _exif(meta)
    if exif is not None:
        kw["exif"] = exif.tobytes()
    img.save(buf, "PNG", **kw)
    atomic_write_bytes(path, buf.getvalue())


def write_tiff(path: Path, pages: list[Image.Image], dpi: int, compression: str = "tiff_lzw",
               software: str | None = None) -> None:
    """Multi-page TIFF; compression "group4" needs (and gets) 1-bit pages."""
    if compression == "group4":
        pages = [p if p.mode == "1" else p.convert("L").point(lambda v: 255 if v > 140 else 0).convert("1")
                 for p in pages]
    buf = io.BytesIO()
    kw: dict[str, Any] = {"compression": compression, "dpi": (dpi, dpi)}
    if software:
        kw["software"] = software
    first, rest = pages[0], pages[1:]
    first.save(buf, "TIFF", save_all=True, append_images=rest, **kw)
    atomic_write_bytes(path, buf.getvalue())


_CJK_FONT = "STSong-Light"


def _ensure_cid_font() -> None:
    if _CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_CJK_FONT))


def _pdf_date(d: datetime) -> str:
    return d.strftime("D:%Y%m%d%H%M%S+08'00'")


def pdf_bytes(pages: list[Image.Image], dpis: list[int], meta: PdfMeta,
              words: list[list[Word]] | None = None, jpeg_quality: int = 85) -> bytes:
    """Image PDF (one page per image, page size from the dpi); `words` adds an invisible text layer
    (render mode 3, as OCR software and scanner firmware produce) in the images' pixel coordinates."""
    _ensure_cid_font()
    rl_config.useA85 = 0  # binary streams: ASCII85 in pure Python costs seconds per page
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, pageCompression=1)
    c.setProducer(meta.producer)
    if meta.creator:
        c.setCreator(meta.creator)
    for i, img in enumerate(pages):
        dpi = dpis[i]
        wpt, hpt = img.width * 72.0 / dpi, img.height * 72.0 / dpi
        c.setPageSize((wpt, hpt))
        data = io.BytesIO()
        if img.mode == "1":
            img.convert("L").save(data, "PNG")
        else:
            img.convert("RGB" if img.mode != "L" else "L").save(data, "JPEG", quality=jpeg_quality)
        data.seek(0)
        c.drawImage(ImageReader(data), 0, 0, wpt, hpt)
        if words and i < len(words):
            k = 72.0 / dpi
            for text, (x0, y0, x1, y1) in words[i]:
                if not text.strip():
                    continue
                size = max(1.0, (y1 - y0) * k * 0.9)
                t = c.beginText()
                t.setTextRenderMode(3)
                t.setFont(_CJK_FONT, size)
                width = pdfmetrics.stringWidth(text, _CJK_FONT, size) or 1.0
                t.setHorizScale(max(10.0, min(400.0, 100.0 * (x1 - x0) * k / width)))
                t.setTextOrigin(x0 * k, hpt - y1 * k + (y1 - y0) * k * 0.15)
                t.textOut(text)
                c.drawText(t)
        c.showPage()
    c.save()
    return _set_pdf_info(buf.getvalue(), meta)


def _set_pdf_info(data: bytes, meta: PdfMeta) -> bytes:
    """Fix Producer/dates with pikepdf (deterministic id), then append the editor's revision."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        info = pdf.docinfo
        info[pikepdf.Name.Producer] = meta.producer
        if meta.creator:
            info[pikepdf.Name.Creator] = meta.creator
        info[pikepdf.Name.CreationDate] = _pdf_date(meta.created)
        info[pikepdf.Name.ModDate] = _pdf_date(meta.modified or meta.created)
        for k, v in meta.extra.items():
            info[pikepdf.Name("/" + k)] = v
        out = io.BytesIO()
        pdf.save(out, static_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable,
                 compress_streams=True)
    data = out.getvalue()
    if meta.edited_by:
        data = incremental_info_update(data, meta.edited_by, meta.edited_at or meta.created, meta.created)
    return data


def incremental_info_update(data: bytes, producer: str, when: datetime, created: datetime) -> bytes:
    """Append a second revision (new Info dictionary, xref section with /Prev) the way an editor
    saving "incrementally" does: the original bytes stay, the trailer points at the new Info."""
    m = re.findall(rb"startxref\s+(\d+)", data)
    if not m:
        raise ValueError("no startxref in PDF")
    prev = int(m[-1])
    with pikepdf.open(io.BytesIO(data)) as pdf:
        size = int(pdf.trailer.Size)
        root = pdf.trailer.Root.objgen
    obj = size
    body = (f"{obj} 0 obj\n<< /Producer ({producer}) /Creator ({producer}) "
            f"/CreationDate ({_pdf_date(created)}) /ModDate ({_pdf_date(when)}) >>\nendobj\n").encode()
    if not data.endswith(b"\n"):
        data += b"\n"
    off = len(data)
    xref_off = off + len(body)
    xref = f"xref\n{obj} 1\n{off:010d} 00000 n \n".encode()
    trailer = (f"trailer\n<< /Size {size + 1} /Root {root[0]} {root[1]} R /Info {obj} 0 R /Prev {prev} >>\n"
               f"startxref\n{xref_off}\n%%EOF\n").encode()
    return data + body + xref + trailer


def write_pdf(path: Path, pages: list[Image.Image], dpis: list[int], meta: PdfMeta,
              words: list[list[Word]] | None = None, jpeg_quality: int = 85) -> None:
    atomic_write_bytes(path, pdf_bytes(pages, dpis, meta, words, jpeg_quality))


ZIP_TIME = (2023, 6, 1, 12, 0, 0)


def write_zip(path: Path, folder: Path, arcroot: str | None = None) -> None:
    """Zip a folder with fixed timestamps and sorted entries (byte-identical for a seed).
    `arcroot` puts the files under that folder inside the zip, as "Send to → zip" does."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = f.relative_to(folder).as_posix()
            name = f"{arcroot}/{rel}" if arcroot else rel
            zi = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zi.flag_bits |= 0x800  # UTF-8 names (Chinese file names)
            zf.writestr(zi, f.read_bytes())
    atomic_write_bytes(path, buf.getvalue())
