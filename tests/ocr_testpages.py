"""Pages rendered with PIL for the ingestion/OCR tests (known text, known layout)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pipeline.core.models import OcrResult, SourceFile
from pipeline.core.stages import LoadedFile, Page

SERIF_CJK = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
SANS_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

EN_LINES = ["CERTIFICATE OF QUALIFICATION", "This is to certify that Zhang Wei",
            "is a Certified Welding Inspector", "Certificate number 21034567"]
ZH_LINES = ["中华人民共和国学位证书", "张伟在南京工业大学机械工程", "专业完成了硕士学位的学习"]


def render(lines: list[str], size: tuple[int, int] = (1240, 620), font_px: int = 40,
           font: str = SERIF_CJK) -> Image.Image:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    f = ImageFont.truetype(font, font_px)
    for i, line in enumerate(lines):
        draw.text((60, 60 + i * int(font_px * 1.9)), line, font=f, fill="black")
    return img


def as_page(img: Image.Image, file: str = "test.png", page: int = 1, dpi: int | None = None,
            text_layer: OcrResult | None = None) -> Page:
    """A page as pipeline.pages would yield it, for an image made in memory (the file it names
    is not on disk: stages that re-open files are not given these)."""
    src = SourceFile(path=file, sha256="0" * 64, size=0, media_type="image/png", page_count=page)
    return Page(file=LoadedFile(source=src, local_path=Path("/nonexistent") / file), number=page, image=img,
                dpi=dpi, text_layer=text_layer)


def squash(text: str) -> str:
    """Whitespace-free text, for engine-independent containment checks."""
    return "".join(text.split())
