"""The files that cost the most to read, for `make bench`'s stress phase."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
from PIL import Image, ImageDraw


def stress_archive(dest: Path) -> Path:
    """Files that cost the most to read, beside a real document: a 118-megapixel PNG (just under
    the pixel cap), a PDF page 5 m wide, a 60-page scanned PDF, a 30-page TIFF, a 42-frame
    animated WebP. What a stranger can hand in within the limits."""
    if (dest / "done").exists():
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    big, docs = dest / "S01", dest / "S02"
    big.mkdir(parents=True)
    docs.mkdir()
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    for y in range(200, 3300, 60):
        draw.text((200, y), "Certificate of qualification  No. 2104 5678  " * 3, fill=0)
    huge = page.resize((8800, 12400))  # ~109 MP of a text page
    huge.save(big / "scan_1200dpi.png", compress_level=1)
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(14000, 14000))  # 4.9 m square: rendered within max_render_pixels
    pdf.save(big / "poster.pdf")
    page.convert("RGB").save(docs / "record.pdf", save_all=True, append_images=[page.convert("RGB")] * 59,
                             resolution=300)
    fax = page.convert("1")  # CCITT group 4 is bilevel
    fax.save(docs / "fax.tif", save_all=True, append_images=[fax] * 29, compression="group4")
    frames = [Image.new("RGB", (245, 245), (i * 6, 0, 0)) for i in range(42)]
    frames[0].save(docs / "sticker.webp", save_all=True, append_images=frames[1:], duration=40)
    (dest / "done").write_text("ok")
    return dest
